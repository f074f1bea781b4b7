"""The service's own figures, stored: every ``sample_every`` seconds the ServiceMetrics registry
(what /metrics shows) becomes one row per server instance (host:pid) of what happened since
the last row, written through the history (see pytest_vpt.history.service).

The latency percentiles come from the deltas of the registry's histogram buckets over the
interval, interpolated within a bucket as Prometheus's ``histogram_quantile`` does: the figures
a Prometheus user computes from /metrics, with no second record of each request kept; their
precision is the buckets' (a p99 beyond the last finite bucket, 10 s, is told as 10 s).
The store's size is read every ``size_every`` seconds at most (PostgreSQL's stats every file of
the database); the samples between tell the last size read. The rollup lag is how long the queue has been seen holding attempts, sample after sample (the
queue keeps no time of its own), so it is exact to a sampling interval; 0 when it is empty.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import resource
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass

from fastapi.concurrency import run_in_threadpool

from ..history import History
from ..history.service import KEEP_DAYS, ServiceSample
from .database import Database
from .errors import ApiError
from .metrics import ServiceMetrics

log = logging.getLogger("pytest_vpt.server")
INGEST_ROUTE = ("POST", "/api/v1/events")
#: a histogram's cumulative counts: (upper bound, observations up to it), the last bound inf
Buckets = tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class Reading:
    """The registry's running totals at one moment, and the process's CPU seconds."""

    at: float
    requests: float = 0.0
    client_errors: float = 0.0
    server_errors: float = 0.0
    ingest: Buckets = ()  # the accepted (2xx) ingest requests' latencies
    write: Buckets = ()
    write_seconds: float = 0.0
    batches: float = 0.0
    events: float = 0.0
    cpu_seconds: float | None = None


def process_figures() -> tuple[float, float | None]:
    """This process's CPU seconds (user and system) and its resident memory in bytes (None
    where /proc is missing: ``resource`` only knows the peak)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            rss = float(int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE"))
    except (OSError, ValueError, IndexError):
        rss = None
    return usage.ru_utime + usage.ru_stime, rss


def read_registry(metrics: ServiceMetrics, at: float, cpu_seconds: float | None) -> Reading:
    """The registry's totals now (``at``), by walking its samples."""
    totals = {"requests": 0.0, "client_errors": 0.0, "server_errors": 0.0, "write_seconds": 0.0, "batches": 0.0,
              "events": 0.0}
    ingest: dict[float, float] = {}
    write: dict[float, float] = {}
    for family in metrics.registry.collect():
        for sample in family.samples:
            labels = sample.labels
            if sample.name == "vpt_http_request_duration_seconds_count":
                totals["requests"] += sample.value
                status = labels.get("status", "")
                key = {"4": "client_errors", "5": "server_errors"}.get(status[:1])
                if key:
                    totals[key] += sample.value
            elif sample.name == "vpt_http_request_duration_seconds_bucket" and labels.get("status", "").startswith("2") \
                    and (labels.get("method"), labels.get("route")) == INGEST_ROUTE:
                bound = float(labels["le"])
                ingest[bound] = ingest.get(bound, 0.0) + sample.value
            elif sample.name == "vpt_store_write_seconds_bucket":
                write[float(labels["le"])] = sample.value
            elif sample.name == "vpt_store_write_seconds_sum":
                totals["write_seconds"] = sample.value
            elif sample.name == "vpt_ingest_batch_events_count":
                totals["batches"] = sample.value
            elif sample.name == "vpt_events_ingested_total":
                totals["events"] += sample.value
    return Reading(at, ingest=tuple(sorted(ingest.items())), write=tuple(sorted(write.items())),
                   cpu_seconds=cpu_seconds, **totals)


def quantile(q: float, buckets: Buckets) -> float | None:
    """The ``q`` quantile of cumulative ``buckets`` as Prometheus's ``histogram_quantile``
    gives it: linear within the bucket the rank falls in (from 0 in the first); the last
    finite bound when it falls beyond; None without observations."""
    if not buckets or buckets[-1][1] <= 0:
        return None
    rank = q * buckets[-1][1]
    lower, below = 0.0, 0.0
    for bound, count in buckets:
        if count >= rank and count > below:
            if math.isinf(bound):
                return lower
            return lower + (bound - lower) * (rank - below) / (count - below)
        lower, below = bound, count
    return lower


def _delta(after: Buckets, before: Buckets) -> Buckets:
    earlier = dict(before)
    return tuple((bound, count - earlier.get(bound, 0.0)) for bound, count in after)


class Sampler:
    """Turns the registry's totals into one :class:`ServiceSample` per call of :meth:`take`."""

    def __init__(self, metrics: ServiceMetrics, instance: str | None = None, started: float | None = None,
                 keep_days: float = KEEP_DAYS, size_every: float = 300.0,
                 process: Callable[[], tuple[float, float | None]] = process_figures) -> None:
        self.metrics = metrics
        self.instance = instance or f"{socket.gethostname()}:{os.getpid()}"
        self.keep_days, self.size_every = keep_days, size_every
        self.process = process
        self._size: tuple[float, float | None] | None = None  # when the store's size was read, and the size
        self._last = read_registry(metrics, time.time() if started is None else started, process()[0])
        self._waiting_since: float | None = None  # when the rollup queue was first seen holding attempts

    def take(self, history: History, now: float | None = None) -> ServiceSample:
        """The figures since the last sample (taken or not: one the store refused is covered by
        the next), written to ``history``'s store; the sample."""
        now = time.time() if now is None else now
        cpu, rss = self.process()
        fresh = self._size is None or not 0 <= now - self._size[0] < self.size_every
        size, queued = history.store_figures(size=fresh)
        if not fresh:
            size = self._size[1]  # type: ignore[index]
        reading = read_registry(self.metrics, now, cpu)
        waiting_since = (self._waiting_since if self._waiting_since is not None else now) if queued else None
        sample = self.sample(self._last, reading, size, queued, waiting_since, rss)
        history.record_service_sample(sample, self.keep_days)
        self._last, self._waiting_since = reading, waiting_since
        if fresh:
            self._size = (now, size)
        return sample

    def sample(self, before: Reading, after: Reading, size: float | None, queued: int | None,
               waiting_since: float | None, rss: float | None) -> ServiceSample:
        ingest, write = _delta(after.ingest, before.ingest), _delta(after.write, before.write)
        cpu = None if after.cpu_seconds is None or before.cpu_seconds is None else \
            max(0.0, after.cpu_seconds - before.cpu_seconds)
        return ServiceSample(
            instance=self.instance, time=after.at, seconds=max(0.0, after.at - before.at),
            requests=_count(after.requests - before.requests),
            client_errors=_count(after.client_errors - before.client_errors),
            server_errors=_count(after.server_errors - before.server_errors),
            batches=_count(after.batches - before.batches), events=_count(after.events - before.events),
            ingest_p50=quantile(0.5, ingest), ingest_p95=quantile(0.95, ingest), ingest_p99=quantile(0.99, ingest),
            write_seconds=max(0.0, after.write_seconds - before.write_seconds), write_p95=quantile(0.95, write),
            database_bytes=size, rollup_queue=queued,
            rollup_lag=None if queued is None else (after.at - waiting_since if waiting_since is not None else 0.0),
            cpu_seconds=cpu, rss_bytes=rss,
        )


def _count(value: float) -> int:
    return max(0, round(value))


class BackgroundSampling:
    """Takes a sample every ``every`` seconds while the service runs (``every`` 0: never)."""

    def __init__(self, database: Database, metrics: ServiceMetrics, every: float, keep_days: float = KEEP_DAYS) -> None:
        self.database, self.metrics, self.every, self.keep_days = database, metrics, every, keep_days
        self._task: asyncio.Task | None = None
        self.sampler: Sampler | None = None

    def start(self) -> None:
        if self.every > 0:
            self.sampler = Sampler(self.metrics, keep_days=self.keep_days)
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        """Stop, storing the figures since the last sample (if the store can be reached)."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            await self.take()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.every)
            try:
                await self.take()
            except Exception:  # noqa: BLE001 - a sample lost is logged; the service keeps sampling
                log.exception("could not sample the service's figures")

    async def take(self) -> ServiceSample | None:
        """One sample now; None when the store cannot take it (the next one covers its interval)."""
        sampler = self.sampler
        if sampler is None:
            return None
        try:
            return await run_in_threadpool(self.database.run, lambda store: sampler.take(History(store)))
        except ApiError as exc:
            log.warning("could not store the service's figures: %s", exc.message)
            return None

