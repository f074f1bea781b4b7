"""Custom metrics: ``MetricsCollector().record("app_launch_time", 2.3, tags={"app": "netflix"})``.

Inside a pytest run recorded with ``--vpt`` the samples belong to the test that is running
and travel with its report (also from xdist workers). Outside pytest a collector writes to
the configured store, or sends to the configured server (``VPT_SERVER``, token in
``VPT_TOKEN``), when it is flushed, closed, or the interpreter exits; what cannot be
written is spooled in the project's ``.vpt/spool`` and said on stderr.
"""

from __future__ import annotations

import atexit
import math
import sys
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from .events import builders
from .events import VALUE_MAX, EventError, check_metric_name, check_tags
from .redaction import redact_text
from .sinks.base import SinkReport
from .wording import plural

Sample = dict[str, Any]


class SampleBuffer:
    """Samples recorded inside a pytest process, waiting for the next test report."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._samples: list[Sample] = []
        self._lock = threading.Lock()

    def add(self, sample: Sample) -> None:
        if self.enabled:
            with self._lock:
                self._samples.append(sample)

    @property
    def pending(self) -> bool:
        return bool(self._samples)

    def drain(self) -> list[Sample]:
        with self._lock:
            samples, self._samples = self._samples, []
        return samples


#: Set by the pytest plugin for the duration of a session.
_session_buffer: SampleBuffer | None = None


def record_incident(fields: dict[str, Any]) -> bool:
    """Attach an incident (:meth:`Incident.event_fields <pytest_vpt.video.Incident.event_fields>`:
    the plain arguments of :func:`pytest_vpt.events.incident_event` but the project, run and
    test) to the running test, as metric samples are; False outside
    a recorded pytest run (nothing is kept)."""
    if _session_buffer is None or not _session_buffer.enabled:
        return False
    _session_buffer.add({"incident": fields, "time": time.time()})
    return True


def install_session_buffer(buffer: SampleBuffer | None) -> SampleBuffer | None:
    """Route samples recorded in this process to ``buffer``; return the buffer it replaces."""
    global _session_buffer
    previous, _session_buffer = _session_buffer, buffer
    return previous


class MetricsCollector:
    """Records gauges (:meth:`record`), counters (:meth:`increment`) and timings (:meth:`timer`).

    ``tags`` given here are added to every sample; tag values are strings. Outside pytest,
    ``store`` and ``project`` default to the configured ones (``VPT_STORE``, ini, defaults);
    ``server`` sends to that vpt server (default: the configured one unless ``store`` is given).
    """

    def __init__(
        self, tags: Mapping[str, str] | None = None, store: str | None = None, project: str | None = None,
        server: str | None = None,
    ) -> None:
        self.tags = check_tags(tags or {})
        self._store = store
        self._server = server
        self._project = project
        self._sink = None
        self._spool_dir = None
        self._where = "the store"  # or the server: where the samples go
        self._told = 0  # the sink's errors already told on stderr

    def record(self, name: str, value: float, tags: Mapping[str, str] | None = None, unit: str | None = None) -> None:
        """Record one measured value (a gauge)."""
        self._add(name, value, "gauge", tags, unit)

    def increment(self, name: str, value: float = 1, tags: Mapping[str, str] | None = None) -> None:
        """Count something that happened (a counter increment, 1 by default)."""
        self._add(name, value, "counter", tags, None)

    @contextmanager
    def timer(self, name: str, tags: Mapping[str, str] | None = None) -> Iterator[None]:
        """Time the ``with`` block and record its duration in seconds (also when it raises)."""
        check_metric_name(name)
        merged = self._merge(tags)
        started = time.perf_counter()
        try:
            yield
        finally:
            self._add(name, time.perf_counter() - started, "timer", merged, "s")

    def flush(self) -> None:
        """Outside pytest: write the samples recorded so far to the store (a failure is told on
        stderr; see :meth:`close`)."""
        if self._sink is not None:
            self._sink.flush()
            self._tell(self._sink.report)

    def close(self) -> SinkReport | None:
        """Outside pytest: write what is left and release the store. Returns the sink's
        :class:`~pytest_vpt.sinks.base.SinkReport` (None if nothing was recorded): its ``ok``
        is False when the store refused samples, ``spooled`` counts those kept in
        ``.vpt/spool`` for the next writer, ``lost`` those lost, ``errors`` say why. Any such
        failure has been told on stderr as well."""
        sink, self._sink = self._sink, None
        if sink is None:
            return None
        atexit.unregister(self.close)
        report = sink.close()
        self._tell(report)
        fates = []
        if report.spooled:
            fates.append(f"{plural(sum(report.spooled.values()), 'sample')} spooled to {self._spool_dir}: "
                         + ("the next writer of the store writes them" if self._where == "the store"
                            else "the next run or vpt push --spool sends them"))
        if report.lost:
            fates.append(f"{plural(sum(report.lost.values()), 'sample')} LOST")
        if fates:
            sys.stderr.write(f"vpt: MetricsCollector: {'; '.join(fates)}\n")
        return report

    def _tell(self, report: SinkReport) -> None:
        """Say on stderr, once per reason, that the store refused samples."""
        for reason in report.errors[self._told:]:
            sys.stderr.write(f"vpt: MetricsCollector could not write to {self._where}: {redact_text(reason)}\n")
        self._told = len(report.errors)

    def __enter__(self) -> MetricsCollector:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _merge(self, tags: Mapping[str, str] | None) -> dict[str, str]:
        return {**self.tags, **check_tags(tags)} if tags else self.tags

    def _add(self, name: str, value: float, kind: str, tags: Mapping[str, str] | None, unit: str | None) -> None:
        check_sample(name, value)
        if unit is not None and not isinstance(unit, str):
            raise EventError(f"metric {name!r}: the unit must be a string, got {type(unit).__name__}")
        sample = {"name": name, "value": value, "kind": kind, "unit": unit, "tags": self._merge(tags), "time": time.time()}
        if _session_buffer is not None:
            _session_buffer.add(sample)
        else:
            self._standalone_sink().emit(self._standalone_event(sample))

    def _standalone_sink(self):
        if self._sink is None:
            from .config import settings_outside_pytest
            from .sinks import open_sink

            settings, rootdir = settings_outside_pytest(store=self._store, project=self._project)
            self._project = settings.project
            server = self._server or (None if self._store else settings.server)  # an explicit store is written
            self._sink = open_sink(server or settings.store, rootdir)
            self._spool_dir, self._where = self._sink.spool.folder, "the server" if server else "the store"
            if not self._sink.open():
                self._tell(self._sink.report)
            atexit.register(self.close)
        return self._sink

    def _standalone_event(self, sample: Sample) -> dict[str, Any]:
        return metric_event(sample, project=self._project, ident=str(uuid.uuid4()))


def check_sample(name: object, value: object) -> None:
    """Raise :class:`EventError` unless ``name`` is a metric name and ``value`` a finite number
    within the wire format's range (refused now, not with the run's batch)."""
    check_metric_name(name)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise EventError(f"metric {name!r}: the value must be a finite number, got {value!r}")
    if not -VALUE_MAX <= value <= VALUE_MAX:
        raise EventError(f"metric {name!r}: the value {value!r} is out of range ({-VALUE_MAX:g} to {VALUE_MAX:g})")


def metric_event(
    sample: Sample, project: str, ident: str, run_id: str | None = None,
    nodeid: str | None = None, attempt: int | None = None,
) -> dict[str, Any]:
    """The wire event for one sample."""
    return builders.metric_event(
        ident, project, sample["name"], sample["value"], sample["kind"], sample["time"], unit=sample["unit"],
        tags=sample["tags"], run_id=run_id, nodeid=nodeid, attempt=attempt,
    )
