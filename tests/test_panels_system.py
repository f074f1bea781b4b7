"""The System Performance panels' numbers, on SQLite and PostgreSQL, through Grafana's expansion
and the product's own dialect: two samples a minute apart taken by the service's sampler from a
registry fed by hand (latencies, statuses, batches, writes) and a process's given CPU and memory,
read from the samples (at a minute's interval) and from their hourly rollup (at an hour's)."""

from __future__ import annotations

import pytest

from conftest import run_events
from pytest_vpt.history import History, ServiceSample
from pytest_vpt.server.metrics import ServiceMetrics
from pytest_vpt.server.sampling import INGEST_ROUTE, Sampler
from pytest_vpt.store import open_store
from pytest_vpt.store.access import grant_reader
from test_panels import READER
from test_panels_numbers import HOUR, T, read

AT = T + HOUR  # the sampler starts; samples at AT + 60 and AT + 120


class Process:
    """CPU seconds 10, 13, 14.5 and resident memory 100, 120, 110 MB, one pair per reading."""

    def __init__(self) -> None:
        self.readings = iter([(10.0, 100e6), (13.0, 120e6), (14.5, 110e6)])

    def __call__(self) -> tuple[float, float]:
        return next(self.readings)


@pytest.fixture
def sampled(store_url):
    metrics = ServiceMetrics()
    with open_store(store_url) as store:
        sampler = Sampler(metrics, "srv:1", started=AT, process=Process())
        # three attempts written, not folded: the rollup's queue holds them for both samples
        store.write(run_events("r1", T, "c1", {"a": "P", "b": "FP"}), fold=False)
        for seconds, events in ((0.02, 10), (0.04, 20), (0.2, 30), (0.6, 40)):  # four accepted batches
            metrics.latency.labels(*INGEST_ROUTE, "200").observe(seconds)
            metrics.batch.observe(events)
            metrics.events.labels("test").inc(events)
        for seconds in (0.01, 0.03, 0.15, 0.5):
            metrics.write.observe(seconds)
        metrics.latency.labels("GET", "/api/v1/runs", "404").observe(0.01)
        metrics.latency.labels(*INGEST_ROUTE, "503").observe(0.01)
        first = sampler.take(History(store), AT + 60)
        metrics.latency.labels("GET", "/api/v1/runs", "200").observe(0.01)
        second = sampler.take(History(store), AT + 120)
        if store_url.startswith("postgresql"):
            grant_reader(store, READER)
    return store_url, first, second


def test_the_sampler_turns_the_registry_into_an_interval_s_figures(sampled) -> None:
    _, first, second = sampled
    # p50: rank 2 of 4 ends the 0.025-0.05 bucket; p95: rank 3.8, 80 % into the 0.5-0.75 bucket
    assert (first.requests, first.client_errors, first.server_errors, first.batches, first.events) == (6, 1, 1, 4, 100)
    assert (first.ingest_p50, first.ingest_p95, first.ingest_p99) == pytest.approx((0.05, 0.7, 0.74))
    assert (first.write_seconds, first.write_p95) == pytest.approx((0.69, 0.45))
    assert (first.cpu_seconds, first.rss_bytes, first.rollup_queue, first.rollup_lag) == (3.0, 120e6, 3, 0.0)
    assert (second.requests, second.batches, second.ingest_p95, second.write_p95) == (1, 0, None, None)
    assert (second.seconds, second.cpu_seconds, second.rollup_lag) == (60.0, 1.5, 60.0)  # queued since the first


def test_the_panels_numbers(sampled) -> None:
    url, _, second = sampled
    assert read(url, "service-overview") == [(7, 4, 100)]
    assert read(url, "service-errors") == [(pytest.approx(100 / 7), pytest.approx(100 / 7))]
    assert read(url, "service-ingest-p95") == [(pytest.approx(0.7),)]
    assert read(url, "service-database-size") == [(second.database_bytes,)]
    # one hourly bucket holds both samples: 7 requests in 120 s
    assert read(url, "request-rate") == [(AT, "srv:1", pytest.approx(7 / 120))]
    assert read(url, "error-rate") == [(AT, pytest.approx(100 / 7), pytest.approx(100 / 7))]
    assert read(url, "events-written") == [(AT, "srv:1", pytest.approx(100 / 120))]
    assert read(url, "ingest-latency") == [(AT, pytest.approx(0.05), pytest.approx(0.7), pytest.approx(0.74))]
    assert read(url, "store-write-time") == [(AT, pytest.approx(0.69 / 4), pytest.approx(0.45))]
    assert read(url, "rollup-queue") == [(AT, 3)]
    assert read(url, "rollup-lag") == [(AT, 60.0)]
    assert read(url, "service-cpu") == [(AT, "srv:1", pytest.approx(100 * 4.5 / 120))]
    assert read(url, "service-memory") == [(AT, "srv:1", 120e6)]


def test_under_5_minutes_the_panels_read_the_samples_themselves(sampled) -> None:
    url, _, _ = sampled
    assert read(url, "service-overview", interval=60) == [(7, 4, 100)]
    assert read(url, "request-rate", interval=60) == [(AT + 60, "srv:1", pytest.approx(0.1)),
                                                      (AT + 120, "srv:1", pytest.approx(1 / 60))]
    assert read(url, "ingest-latency", interval=60) == [(AT + 60, pytest.approx(0.05), pytest.approx(0.7),
                                                         pytest.approx(0.74))]
    assert read(url, "rollup-lag", interval=60) == [(AT + 60, 0.0), (AT + 120, 60.0)]
    assert read(url, "service-cpu", interval=60) == [(AT + 60, "srv:1", 5.0), (AT + 120, "srv:1", 2.5)]


def test_samples_past_their_retention_are_pruned_as_samples_are_written(store_url) -> None:
    def sample(at: float) -> ServiceSample:
        return ServiceSample("srv:1", at, 15.0, 1, 0, 0, 0, 0, None, None, None, 0.0, None, None, None, None, None,
                             None)

    with History.open(store_url, create=True) as history:
        assert history.record_service_sample(sample(T)) == 0
        assert history.record_service_sample(sample(T + 86400.0)) == 0
        assert history.record_service_sample(sample(T + 86400.0)) == 0  # stored already: not counted twice
        assert history.record_service_sample(sample(T + 2.5 * 86400.0), keep_days=2) == 1  # T is 2.5 days older
        assert [s.time for s in history.service_samples(T - 1, T + 3 * 86400.0)] == [T + 2.5 * 86400.0, T + 86400.0]
        with pytest.raises(ValueError, match="keep_days must be more than 0"):
            history.record_service_sample(sample(T), keep_days=0)
        with pytest.raises(ValueError, match="limit must be a whole number from 1 to 100000"):
            history.service_samples(limit=0)
        if store_url.startswith("postgresql"):
            grant_reader(history.store, READER)
    # the hours: T's pruned with its sample, T + 1 day's holding its one request once
    assert read(store_url, "service-overview") == [(2, 0, 0)]
