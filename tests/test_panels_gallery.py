"""The gallery's and Custom metrics' own figures on a small history written by hand (that of
test_panels_numbers, with the runs' CPU time and coverage, and a custom metric), on SQLite and
PostgreSQL, through Grafana's expansion and the product's own dialect: time lost to reruns and
flaky failures, CPU time, coverage, days within the SLA, a metric's mean and p95 by tag."""

from __future__ import annotations

import pytest
from test_panels import READER
from test_panels_numbers import (
    EVERYTHING,
    HOUR,
    STREAM,
    T,
    device_batches,
    read,
    run_batches,
    video_batches,
)

from pytest_vpt.events import builders
from pytest_vpt.panels.model import ALL
from pytest_vpt.store import open_store
from pytest_vpt.store.access import grant_reader
from pytest_vpt.store.after_write import after_write

DAY = 86400.0
CPU = {"r1": 5.0, "r2": 7.0}
COVERAGE = {"r1": 81.0, "r2": 83.5}
# fps of two streams in the hour after day 2's first hour: 1 to 20 on cam/1, 30 and 50 on cam/2
FPS = [(STREAM, float(v)) for v in range(1, 21)] + [("rtsp://cam/2", 30.0), ("rtsp://cam/2", 50.0)]
METRICS = {**EVERYTHING, "metric": ["fps"], "tag": "source", "tag_value": ALL}


def _with_cpu_and_coverage(run_id: str) -> list[list[dict]]:
    started, tests, finished = run_batches(run_id)
    finished = [{**finished[0], "vpt.run.cpu_seconds": CPU[run_id]}]
    moment = tests[-1]["vpt.test.finished_at"]
    coverage = builders.metric_event(f"{run_id}-cov", "box", "vpt.coverage.percent", COVERAGE[run_id], "gauge",
                                     moment, unit="%", run_id=run_id)
    return [started, [*tests, coverage], finished]


def _fps() -> list[dict]:
    at = T + 2 * DAY + 2 * HOUR
    return [builders.metric_event(f"fps-{i}", "box", "fps", value, "gauge", at + 60 * i, unit="fps",
                                  tags={"source": source}) for i, (source, value) in enumerate(FPS)]


@pytest.fixture
def gallery(store_url):
    with open_store(store_url) as store:
        batches = [*_with_cpu_and_coverage("r1"), *_with_cpu_and_coverage("r2"), *device_batches(), *video_batches(),
                   _fps()]
        for batch in batches:
            store.write(batch)
            after_write(store, batch)
        if store_url.startswith("postgresql"):
            grant_reader(store, READER)
        verdicts = dict(store.conn.execute(
            "SELECT c.nodeid, f.status FROM test_flakiness f JOIN test_cases c ON c.test_id = f.test_id").fetchall())
    return store_url, verdicts


def test_time_lost_to_reruns_and_to_flaky_failures_and_its_share_per_day(gallery) -> None:
    url, verdicts = gallery
    # c is flaky (passed on a rerun) but its final attempts passed: only its 0.5 s rerun is lost
    assert verdicts["t.py::c"] == "flaky" and "flaky" not in (verdicts["t.py::a"], verdicts["t.py::b"])
    assert read(url, "cost-lost") == [(0.5, 0.0, 0.5)]
    # day 0: 0.5 s of the 7 s the final attempts took plus the rerun's 0.5 s; day 1: nothing lost
    assert read(url, "cost-lost-trend") == [(T, pytest.approx(100 * 0.5 / 7.5)), (T + DAY, 0.0)]
    # stb-1 carried every attempt: r1's 1 + 2 + 0.5 + 4 s and r2's 1 + 2 + 4 s
    assert read(url, "device-hours") == [("stb-1", pytest.approx(14.5 / 3600))]
    assert read(url, "tests-per-device") == [("stb-1", 6, 3, pytest.approx(14 / 3600))]


def test_cpu_time_coverage_and_days_within_the_sla(gallery) -> None:
    url, _ = gallery
    assert read(url, "cpu-total") == [(12.0, 6.0, 2)]
    # each run took 60 s of wall time: 5 and 7 CPU seconds keep 5/60 and 7/60 of a core busy
    assert read(url, "cpu-time") == [(T + HOUR, 5.0, pytest.approx(5 / 60)), (T + DAY + HOUR, 7.0, pytest.approx(7 / 60))]
    assert read(url, "coverage") == [(T + HOUR, 81.0), (T + DAY + HOUR, 83.5)]
    assert read(url, "coverage-latest") == [(83.5,)]
    assert read(url, "coverage", values={**EVERYTHING, "branch": ["main"]}) == [(T + HOUR, 81.0)]
    # day 0 passed 2 of 3 (below 95 %), day 1 3 of 3: one day of two
    assert read(url, "sla-days") == [(50.0,)]


def test_a_custom_metric_s_mean_p95_tags_and_last_values(gallery) -> None:
    url, _ = gallery
    hour = T + 2 * DAY + 2 * HOUR
    # 22 samples in the hour: 1..20, 30, 50; mean 290 / 22; p95 the 21st smallest (21 >= 0.95 * 22 = 20.9)
    assert read(url, "metric-over-time", values=METRICS) == [(hour, "fps", pytest.approx(290 / 22), 30.0)]
    assert read(url, "metric-by-tag", values=METRICS) == [(hour, f"fps source={STREAM}", 10.5),
                                                           (hour, "fps source=rtsp://cam/2", 40.0)]
    assert read(url, "metric-by-tag", values={**METRICS, "tag_value": ["rtsp://cam/2"]}) == [
        (hour, "fps source=rtsp://cam/2", 40.0)]
    assert read(url, "metric-last-values", values=METRICS) == [
        ("fps", f'{{"source": "{STREAM}"}}', 20.0, "fps", hour + 60 * 19, 20, 10.5, 1.0, 20.0),
        ("fps", '{"source": "rtsp://cam/2"}', 50.0, "fps", hour + 60 * 21, 2, 40.0, 30.0, 50.0)]
    assert read(url, "metric-summary", values=METRICS) == [("fps", pytest.approx(290 / 22), 1.0, 50.0)]
    assert read(url, "metric-samples", values=METRICS) == [(hour, "fps", 22)]
    assert read(url, "metric-spread", values=METRICS) == [(hour, "fps", 1.0, 50.0)]
    # another metric's samples are not this one's
    assert read(url, "metric-over-time", values={**METRICS, "metric": ["video.quality_score"]}) == [
        (T + 2 * DAY + HOUR, "video.quality_score", 85.0, 90.0)]
