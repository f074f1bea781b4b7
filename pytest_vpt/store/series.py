"""Series over time for correlations: a built-in series, a device probe value or a custom
metric, read as one aggregate per (device, bucket) by SQL ``GROUP BY`` on both engines.

Buckets start at whole multiples of the bucket size (UTC epoch seconds). A row's device is
the attempt's ``device_id``, the sample's or incident's device, a metric's ``device`` tag;
None where there is none (a video incident, a metric without the tag).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..analytics.devices import uptime
from ..analytics.rates import pass_rate
from .daily import LONGEST

#: at most this many (device, bucket) rows are read per series
MOST_ROWS = 200_000


class TooManyRows(ValueError):
    """A series would have more (device, bucket) rows than :data:`MOST_ROWS`."""


@dataclass(frozen=True)
class Source:
    """Where a series' rows come from: ``table`` (a FROM clause), its ``device`` and ``at``
    (time) expressions, the conditions of the series (``where``, with ``args``), the aggregates
    per bucket, and how they become the bucket's value (None: no value; ``per_bucket``: given
    the bucket's size too)."""

    table: str
    device: str
    at: str
    where: str
    args: tuple[Any, ...]
    aggregates: str
    value: Callable[..., float | None]
    per_bucket: bool = False


@dataclass(frozen=True)
class Spec:
    """A series the store can read: its ``kind`` (built-in, probe value, metric), the name it
    has there (``source``), how it is read (``read``, for people), ``fill``: the value of a
    bucket without rows (None: a gap), ``hourly``: read from an hourly rollup (its bucket must
    be whole hours)."""

    kind: str
    source: str
    read: str
    fill: float | None = None
    hourly: bool = False


_JUDGED = "a.outcome IN ('passed', 'failed', 'error')"
_ATTEMPTS = "test_attempts a JOIN test_cases c ON c.test_id = a.test_id"
_OUTCOMES = ("sum(CASE WHEN a.outcome = 'passed' THEN 1 ELSE 0 END), "
             "sum(CASE WHEN a.outcome = 'failed' AND a.quarantined = 0 THEN 1 ELSE 0 END), "
             "sum(CASE WHEN a.outcome = 'error' AND a.quarantined = 0 THEN 1 ELSE 0 END), "
             "sum(CASE WHEN a.outcome <> 'passed' AND a.quarantined = 1 THEN 1 ELSE 0 END)")


def _rate(passed: int, failed: int, error: int, quarantined: int) -> float | None:
    return pass_rate({"passed": passed, "failed": failed, "error": error, "quarantined": quarantined})


def _failure_rate(*counts: int) -> float | None:
    rate = _rate(*counts)
    return None if rate is None else 1.0 - rate


BUILT_INS: dict[str, Spec] = {
    "test_failure_rate": Spec("built-in", "test_failure_rate",
                              "final attempts failed or in error (quarantined failures too) / final attempts "
                              "passed, failed or in error, by the attempt's start"),
    "pass_rate": Spec("built-in", "pass_rate", "final attempts passed / final attempts passed, failed or in error "
                      "(the pass rate), by the attempt's start"),
    "test_duration": Spec("built-in", "test_duration", "mean duration of final attempts (skips aside), seconds"),
    "device_uptime": Spec("built-in", "device_uptime", "seconds online / seconds covered by samples, from the "
                          "hourly device health rollup", hourly=True),
    "response_time": Spec("built-in", "response_time", "mean response time of the probes that answered, seconds"),
    "incidents_per_hour": Spec("built-in", "incidents_per_hour", "device and video incidents started per hour "
                               "(0 where none started; video incidents have no device)", fill=0.0),
}


def _postgres(conn: Any) -> bool:
    return not isinstance(conn, sqlite3.Connection)


def _probe_values(conn: Any) -> tuple[str, str]:
    """The FROM clause of device samples with one row per probe value (``j.key``), and the
    condition that the value is a number (``j.value`` then reads it)."""
    if _postgres(conn):
        return ('device_samples s, jsonb_each(CAST(s."values" AS jsonb)) AS j',
                "jsonb_typeof(j.value) = 'number'")
    return 'device_samples s, json_each(s."values") AS j', "j.type IN ('integer', 'real')"


def _probe_number(conn: Any) -> str:
    return "CAST(j.value #>> '{}' AS double precision)" if _postgres(conn) else "j.value"


def _device_tag(conn: Any) -> str:
    return "CAST(m.tags AS jsonb) ->> 'device'" if _postgres(conn) else "json_extract(m.tags, '$.device')"


def _source(conn: Any, spec: Spec, project: str) -> Source:
    name = spec.source
    if spec.kind == "metric":
        return Source("metrics m", _device_tag(conn), "m.time", "m.project = ? AND m.name = ?", (project, name),
                      "avg(m.value)", _number)
    if spec.kind == "probe value":
        table, numeric = _probe_values(conn)
        return Source(table, "s.device_id", "s.time", f"s.project = ? AND j.key = ? AND {numeric}", (project, name),
                      f"avg({_probe_number(conn)})", _number)
    if name in ("test_failure_rate", "pass_rate"):
        return Source(_ATTEMPTS, "a.device_id", "a.started_at", f"c.project = ? AND a.is_final = 1 AND {_JUDGED}",
                      (project,), _OUTCOMES, _failure_rate if name == "test_failure_rate" else _rate)
    if name == "test_duration":
        return Source(_ATTEMPTS, "a.device_id", "a.started_at",
                      "c.project = ? AND a.is_final = 1 AND a.outcome <> 'skipped' "
                      f"AND a.duration >= 0 AND a.duration <= {LONGEST}", (project,), "avg(a.duration)", _number)
    if name == "device_uptime":
        return Source("device_health_hourly h", "h.device_id", "h.hour", "h.project = ?", (project,),
                      "sum(h.online), sum(h.covered)", uptime)
    if name == "response_time":
        return Source("device_samples s", "s.device_id", "s.time",
                      "s.project = ? AND s.online = 1 AND s.response_time IS NOT NULL", (project,),
                      "avg(s.response_time)", _number)
    if name == "incidents_per_hour":
        both = ("(SELECT project, device_id AS device, started_at FROM device_incidents UNION ALL "
                "SELECT project, NULL, started_at FROM video_incidents) AS i")
        return Source(both, "i.device", "i.started_at", "i.project = ?", (project,), "count(*)", _per_hour,
                      per_bucket=True)
    raise ValueError(f"no series {name!r}")


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def _per_hour(count: int, bucket: float) -> float:
    return count * 3600.0 / bucket


def read(
    conn: Any, spec: Spec, project: str, since: float, until: float, bucket: float, device: str | None = None,
) -> dict[tuple[str | None, float], float]:
    """The series' value per (device, bucket start) from ``since`` to ``until`` (excluded).
    With ``device``: that device's buckets; a series that has no device at all in the range
    gives its buckets without a device instead (they pair with the device's), one that has
    other devices but not this one gives none. More than :data:`MOST_ROWS` rows raise
    :class:`TooManyRows`."""
    source = _source(conn, spec, project)
    where = f"{source.where} AND {source.at} >= ? AND {source.at} < ?"
    args: list[Any] = [*source.args, since, until]
    if device is not None:
        where += f" AND ({source.device} = ? OR {source.device} IS NULL)"
        args.append(device)
    rows = conn.execute(
        f"SELECT {source.device}, floor({source.at} / ?) * ?, {source.aggregates} FROM {source.table} "
        f"WHERE {where} GROUP BY 1, 2 LIMIT ?", [bucket, bucket, *args, MOST_ROWS + 1],
    ).fetchall()
    if len(rows) > MOST_ROWS:
        raise TooManyRows(f"{spec.source} has more than {MOST_ROWS} device buckets in the range")
    found = {}
    for row in rows:
        value = source.value(*row[2:], bucket) if source.per_bucket else source.value(*row[2:])
        if value is not None:
            found[(row[0], float(row[1]))] = float(value)
    if device is None or not found:
        return found
    if any(key[0] == device for key in found):
        return {key: value for key, value in found.items() if key[0] == device}
    other = conn.execute(f"SELECT 1 FROM {source.table} WHERE {source.where} AND {source.at} >= ? "
                         f"AND {source.at} < ? AND {source.device} IS NOT NULL LIMIT 1",
                         [*source.args, since, until]).fetchone()
    return {} if other is not None else found


def probe_names(conn: Any, project: str, since: float, until: float, limit: int) -> list[str]:
    """The names of the numbers probes reported from ``since`` to ``until``, sorted (at most ``limit``)."""
    table, numeric = _probe_values(conn)
    return [row[0] for row in conn.execute(
        f"SELECT DISTINCT j.key FROM {table} WHERE s.project = ? AND s.time >= ? AND s.time < ? AND {numeric} "
        "ORDER BY 1 LIMIT ?", (project, since, until, limit))]


def metric_names(conn: Any, project: str, since: float, until: float, limit: int) -> list[str]:
    """The names of the custom metrics recorded from ``since`` to ``until``, sorted (at most ``limit``)."""
    return [row[0] for row in conn.execute(
        "SELECT DISTINCT name FROM metrics WHERE project = ? AND time >= ? AND time < ? ORDER BY 1 LIMIT ?",
        (project, since, until, limit))]


def _has_probe(conn: Any, project: str, name: str, since: float, until: float) -> bool:
    table, numeric = _probe_values(conn)
    return conn.execute(f"SELECT 1 FROM {table} WHERE s.project = ? AND j.key = ? AND s.time >= ? AND s.time < ? "
                        f"AND {numeric} LIMIT 1", (project, name, since, until)).fetchone() is not None


def _has_metric(conn: Any, project: str, name: str, since: float, until: float) -> bool:
    return conn.execute("SELECT 1 FROM metrics WHERE project = ? AND name = ? AND time >= ? AND time < ? LIMIT 1",
                        (project, name, since, until)).fetchone() is not None


def resolve(conn: Any, project: str, name: str, since: float, until: float) -> Spec | None:
    """The series ``name`` names, from ``since`` to ``until``: a built-in first; then
    ``device.<value>`` or ``<value>``, a probe value reported in the range; then a custom metric
    recorded in it; then ``device_<value>`` (a probe value again). None: no series."""
    if name in BUILT_INS:
        return BUILT_INS[name]
    probe = name.removeprefix("device.")
    if _has_probe(conn, project, probe, since, until):
        return _probe_spec(probe)
    if name.startswith("device."):
        return None
    if _has_metric(conn, project, name, since, until):
        return Spec("metric", name, "mean of the metric's samples, per device by their device tag")
    probe = name.removeprefix("device_")
    if probe != name and _has_probe(conn, project, probe, since, until):
        return _probe_spec(probe)
    return None


def _probe_spec(name: str) -> Spec:
    return Spec("probe value", name, "mean of the value the device's probes reported")
