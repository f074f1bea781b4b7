"""The service's own figures as ``vpt server`` stores them: :class:`ServiceSample` records,
written and read through :class:`ServiceReads` (a mixin of :class:`pytest_vpt.history.History`)."""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass

from ..store import service_samples
from .record import Record

#: how long samples are kept by default: 30 days
KEEP_DAYS = 30.0
#: the most samples one read returns
LIMIT_MAX = 100_000


@dataclass
class ServiceSample(Record):
    """One server instance's figures over one sampling interval (see migration 0018 and
    pytest_vpt.server.sampling): ``time`` is the interval's end (epoch seconds), ``seconds``
    its length; latencies and write times in seconds (None without a batch), sizes in bytes."""

    instance: str
    time: float
    seconds: float
    requests: int
    client_errors: int
    server_errors: int
    batches: int
    events: int
    ingest_p50: float | None
    ingest_p95: float | None
    ingest_p99: float | None
    write_seconds: float
    write_p95: float | None
    database_bytes: float | None
    rollup_queue: int | None
    rollup_lag: float | None
    cpu_seconds: float | None
    rss_bytes: float | None


class ServiceReads:
    """The History's writes and reads of the service's own figures (not a project's: the
    history's project does not narrow them)."""

    def record_service_sample(self, sample: ServiceSample, keep_days: float = KEEP_DAYS) -> int:
        """Store ``sample`` and prune the samples more than ``keep_days`` days older than it,
        in one transaction: how many were pruned."""
        if not isinstance(keep_days, (int, float)) or not 0 < keep_days <= 3660:
            raise ValueError(f"keep_days must be more than 0 and at most 3660 (days), got {keep_days!r}")
        if not math.isfinite(sample.time) or not math.isfinite(sample.seconds) or sample.seconds < 0:
            raise ValueError(f"a sample needs a finite time and a length of 0 s or more, got {sample.time!r}, "
                             f"{sample.seconds!r}")
        # a transaction of its own, not the store's apply: no wait for the rollups' lock behind a fold
        with self.store.transaction() as conn:  # type: ignore[attr-defined]
            return service_samples.write(conn, asdict(sample), keep_days * 86400.0)

    def store_figures(self, size: bool = True) -> tuple[float | None, int]:
        """The store's size in bytes (None unless ``size``) and the attempts waiting for the
        daily rollup, now."""
        return self._query(service_samples.store_figures, self.store.engine, size)  # type: ignore[attr-defined]

    def service_samples(self, since: float | None = None, until: float | None = None, instance: str | None = None,
                        limit: int = 1000) -> list[ServiceSample]:
        """The samples from ``since`` (default: a day before ``until``) to ``until`` (default
        now), of one ``instance`` (host:pid) if given, newest first, at most ``limit``."""
        until = time.time() if until is None else until
        since = until - 86400.0 if since is None else since
        for label, value in (("since", since), ("until", until)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ValueError(f"{label} must be a finite number of epoch seconds, got {value!r}")
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= LIMIT_MAX:
            raise ValueError(f"limit must be a whole number from 1 to {LIMIT_MAX}, got {limit!r}")
        rows = self._query(service_samples.read, float(since), float(until), instance, limit)  # type: ignore[attr-defined]
        return [ServiceSample.from_row(row) for row in rows]
