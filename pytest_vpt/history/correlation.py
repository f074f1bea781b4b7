"""Correlation of two series of the history (``History.correlate``): the records, the errors,
and the read that resolves the names, reads each series bucketed in SQL and pairs them."""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass
from typing import Any

from ..analytics import correlation as formulas
from ..store import series
from .errors import HistoryError
from .record import Record

#: the most names an unknown series' error lists of each kind (probe values, metrics)
KNOWN_SHOWN = 50
NAME_MAX, DEVICE_MAX = 256, 256
_SPAN = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])\Z")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_LONGEST_RANGE = 100 * 366 * 86400.0


class UnknownSeries(HistoryError):
    """No series of that name: not a built-in, nor a probe value or metric recorded in the
    range. ``known`` lists those that are (at most :data:`KNOWN_SHOWN` of each kind)."""

    def __init__(self, name: str, which: str, known: list[str], more: bool) -> None:
        listed = ", ".join(known) + (", ..." if more else "")
        super().__init__(f"no series {name!r}: known are {listed}")
        self.name, self.which, self.known = name, which, known


class BadCorrelation(ValueError):
    """A parameter of a correlation out of bounds; ``field`` names it (timerange, bucket,
    device, metric_a, metric_b)."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass
class SeriesRead(Record):
    """One series of a correlation and how it was read."""

    name: str  # as asked
    kind: str  # built-in, probe value, metric
    source: str  # the built-in's, probe value's or metric's name
    read: str  # what each bucket's value is
    buckets: int  # (device, bucket)s with a value in the range
    devices: int  # devices it has values of (0: none)
    unpaired: int  # of its buckets, those in no pair (the other had no value there)
    without_device: int  # of those, buckets without a device when pairing per device


@dataclass
class Correlation(Record):
    """Pearson's and Spearman's coefficients of two series over a range, in buckets paired by
    device (see pytest_vpt.analytics.correlation), their p-values, and what to mind."""

    project: str
    a: SeriesRead
    b: SeriesRead
    since: float  # the first bucket's start
    until: float
    bucket: float  # seconds
    device: str | None
    pairing: str  # per device, per bucket for each device, per bucket
    pairs: int
    pearson: float | None
    pearson_p: float | None
    spearman: float | None
    spearman_p: float | None
    warnings: list[str]


def span_seconds(value: float | str, field: str) -> float:
    """A span as seconds: a number, or ``90s``, ``30m``, ``12h``, ``7d``, ``2w``."""
    seconds = value
    if isinstance(value, str):
        found = _SPAN.match(value.strip())
        if not found:
            raise BadCorrelation(f"{field} {value!r}: use a number and a unit: 30m, 12h, 7d or 2w", field)
        seconds = float(found.group(1)) * _UNIT[found.group(2)]
    if not (isinstance(seconds, (int, float)) and math.isfinite(seconds) and 0 < seconds <= _LONGEST_RANGE):
        raise BadCorrelation(f"{field} {value!r}: use a positive span of at most 100 years", field)
    return float(seconds)


class CorrelationReads:
    """The correlation read of :class:`pytest_vpt.history.History`."""

    def correlate(self, metric_a: str, metric_b: str, timerange: float | str = "7d", device: str | None = None,
                  bucket: float | str | None = None, now: float | None = None) -> Correlation:
        """How ``metric_a`` and ``metric_b`` move together over the last ``timerange`` (seconds,
        or ``7d``, ``12h``, ...), in buckets of ``bucket`` (default: 1 h up to 7 days, else 1 d;
        1m to 7d), of one ``device`` if given. A series is a built-in (test_failure_rate,
        pass_rate, test_duration, device_uptime, response_time, incidents_per_hour), a probe
        value (``device.<name>`` or its name) or a custom metric; an unknown name raises
        UnknownSeries, a bad parameter BadCorrelation."""
        project = self._needs_project("a correlation")  # type: ignore[attr-defined]
        span = span_seconds(timerange, "timerange")
        size = formulas.default_bucket(span) if bucket is None else span_seconds(bucket, "bucket")
        try:
            formulas.check_bucket(span, size)
        except ValueError as exc:
            raise BadCorrelation(str(exc), "bucket" if bucket is not None else "timerange") from None
        for value, field in ((metric_a, "metric_a"), (metric_b, "metric_b"), (device, "device")):
            if value is not None and not (isinstance(value, str) and 0 < len(value) <= NAME_MAX):
                raise BadCorrelation(f"{field}: a name of 1 to {NAME_MAX} characters", field)
        until = time.time() if now is None else now
        since = math.floor((until - span) / size) * size
        query = self._query  # type: ignore[attr-defined]
        return query(_correlate, project, metric_a, metric_b, since, until, size, device)


def _correlate(conn: Any, project: str, name_a: str, name_b: str, since: float, until: float, bucket: float,
               device: str | None) -> Correlation:
    specs = [_resolve(conn, project, name, which, since, until) for name, which in
             ((name_a, "metric_a"), (name_b, "metric_b"))]
    for spec in specs:
        if spec.hourly and bucket % 3600:
            raise BadCorrelation(f"{spec.source} is kept per hour: use a bucket of whole hours", "bucket")
    try:
        values = [series.read(conn, spec, project, since, until, bucket, device) for spec in specs]
    except series.TooManyRows as exc:
        raise BadCorrelation(f"{exc}: use a shorter range, a larger bucket or one device", "timerange") from None
    a, b = (formulas.Bucketed(name, found, spec.fill) for name, found, spec in zip((name_a, name_b), values, specs))
    pairing = formulas.pair(a, b)
    found = formulas.coefficients(name_a, name_b, pairing.xs, pairing.ys)
    empty = _empty((a, b), device)
    warnings = [*empty, *([] if empty else formulas.gap_warnings(name_a, name_b, pairing)), *found.warnings]
    reads = [SeriesRead(name, spec.kind, spec.source, spec.read, len(got), len({d for d, _ in got if d is not None}),
                        unpaired, without)
             for name, spec, got, unpaired, without in zip(
                 (name_a, name_b), specs, values, (pairing.unpaired_a, pairing.unpaired_b),
                 (pairing.without_device_a, pairing.without_device_b))]
    return Correlation(project, reads[0], reads[1], since, until, bucket, device, pairing.pairing, len(pairing.xs),
                       found.pearson, found.pearson_p, found.spearman, found.spearman_p, warnings)


def _empty(both: tuple[formulas.Bucketed, formulas.Bucketed], device: str | None) -> list[str]:
    """Which series have no value in the range (of the device)."""
    where = f"in the range for device {device!r}" if device is not None else "in the range"
    return [f"{each.name} has no value {where}" + ("" if each.fill is None else f" ({each.fill:g} in every bucket)")
            for each in both if not each.values]


def _resolve(conn: Any, project: str, name: str, which: str, since: float, until: float) -> series.Spec:
    spec = series.resolve(conn, project, name, since, until)
    if spec is not None:
        return spec
    probes = series.probe_names(conn, project, since, until, KNOWN_SHOWN + 1)
    metrics = series.metric_names(conn, project, since, until, KNOWN_SHOWN + 1)
    known = [*series.BUILT_INS, *(f"device.{p}" for p in probes[:KNOWN_SHOWN]), *metrics[:KNOWN_SHOWN]]
    raise UnknownSeries(name, which, known, len(probes) > KNOWN_SHOWN or len(metrics) > KNOWN_SHOWN)
