"""Devices in the store: samples in, and what is derived from them kept up to date.

Each batch's new samples are folded per device onto the state the store kept
(``device_status``), adding to the hour totals and writing incidents. A sample older than
its device's latest starts the fold again from the start of its hour. Both give the same
tables as folding every sample once, in order (see :func:`rebuild`).
"""

from __future__ import annotations

import json
import math
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

from ..analytics.devices import DeviceState, Folded, HourTotals, TimedSample, fold, hour_of, uptime
from ..analytics.buckets import percentile
from .sql import greatest, least, upsert

_DEVICE_COLUMNS = ("project", "device_id", "kind", "tags", "probe", "interval", "timeout", "grace", "first_seen", "last_seen",
                   "flush")
_UPSERT_DEVICE = (
    f"INSERT INTO devices ({', '.join(_DEVICE_COLUMNS)}) VALUES ({', '.join('?' * len(_DEVICE_COLUMNS))}) "
    "ON CONFLICT (project, device_id) DO UPDATE SET kind = excluded.kind, tags = excluded.tags, "
    "probe = excluded.probe, interval = excluded.interval, timeout = excluded.timeout, grace = excluded.grace, "
    f"first_seen = {least('devices.first_seen', 'excluded.first_seen')}, "
    "flush = excluded.flush, "
    f"last_seen = {greatest('devices.last_seen', 'excluded.last_seen')}"
)
_SAMPLE_COLUMNS = ("project", "device_id", "time", "event_id", "run_id", "online", "response_time", "error", "interval", '"values"')
_INSERT_SAMPLE = (
    f"INSERT INTO device_samples ({', '.join(_SAMPLE_COLUMNS)}) VALUES ({', '.join('?' * len(_SAMPLE_COLUMNS))}) "
    "ON CONFLICT DO NOTHING"
)
_KEY = "project = ? AND device_id = ?"
_STATE_COLUMNS = "last_time, last_online, last_end, since, outage_start, outage_error, outage_recorded"
_DEVICE_KEY = ("project", "device_id")
_UPSERT_HOUR = upsert("device_health_hourly", (*_DEVICE_KEY, "hour", "covered", "online", "samples", "failed", "flaps",
                                               "incidents", "uptime", "rt_p50", "rt_p95", "rt_hist"), (*_DEVICE_KEY, "hour"))
_UPSERT_INCIDENT = upsert("device_incidents", (*_DEVICE_KEY, "started_at", "ended_at", "duration", "error"),
                          (*_DEVICE_KEY, "started_at"))
_UPSERT_STATUS = upsert("device_status", (*_DEVICE_KEY, *_STATE_COLUMNS.split(", "), "last_error", "last_response_time"),
                        _DEVICE_KEY)


def write(conn: sqlite3.Connection, devices: list[dict[str, Any]], samples: list[dict[str, Any]]) -> None:
    """Write ``device`` and ``device_sample`` events, and fold the new samples in."""
    conn.executemany(_UPSERT_DEVICE, [
        (e["vpt.project"], e["vpt.device.id"], e["vpt.device.kind"], json.dumps(e.get("vpt.device.tags") or {}, sort_keys=True),
         e["vpt.device.probe"], e["vpt.device.interval"], e["vpt.device.timeout"], e["vpt.device.grace"],
         e["vpt.device.seen_at"], e["vpt.device.seen_at"], e.get("vpt.device.flush") or 0.0)
        for e in devices
    ])
    new = _new(conn, samples)  # a sample sent twice is stored and folded once
    if not new:
        return
    conn.executemany(_INSERT_SAMPLE, [
        (e["vpt.project"], e["vpt.device.id"], e["vpt.sample.time"], e["id"], e.get("vpt.run.id"),
         int(e["vpt.device.online"]), e.get("vpt.device.response_time"), e.get("vpt.device.error"),
         e["vpt.device.interval"], json.dumps(e.get("vpt.device.values") or {}, sort_keys=True))
        for e in new
    ])
    by_device: dict[tuple[str, str], list[TimedSample]] = defaultdict(list)
    for e in new:
        by_device[e["vpt.project"], e["vpt.device.id"]].append(_timed(e))
    graces = {(p, d): grace for p, d, grace in conn.execute("SELECT project, device_id, grace FROM devices")}
    states = {(row[0], row[1]): DeviceState(row[2], bool(row[3]), row[4], row[5], row[6], row[7], bool(row[8]))
              for row in conn.execute(f"SELECT project, device_id, {_STATE_COLUMNS} FROM device_status")}
    results = []
    for key, timed in by_device.items():
        timed.sort(key=lambda s: s.time)
        grace = graces.get(key, timed[0].interval)
        state = states.get(key)
        if state is not None and timed[0].time > state.last_time:
            results.append((key, state, fold(state, timed, grace), timed[-1]))
        else:  # older than what was folded: fold again from the start of its hour
            results.append(_refold(conn, key, hour_of(timed[0].time) if state is not None else -math.inf, grace))
    _apply(conn, results)


def _new(conn: sqlite3.Connection, samples: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The samples not stored yet (nor repeated earlier in the batch): a device's sample is
    known by its time (the table's key, so the lookup is an index's)."""
    unique = list({(e["vpt.project"], e["vpt.device.id"], e["vpt.sample.time"]): e for e in samples}.values())
    by_device: dict[tuple[str, str], list[float]] = defaultdict(list)
    for e in unique:
        by_device[e["vpt.project"], e["vpt.device.id"]].append(e["vpt.sample.time"])
    stored: set[tuple[str, str, float]] = set()
    for (project, device), times in by_device.items():
        for chunk in _chunks(times):
            stored.update((project, device, row[0]) for row in conn.execute(
                f"SELECT time FROM device_samples WHERE {_KEY} AND time IN ({', '.join('?' * len(chunk))})",
                (project, device, *chunk)))
    return [e for e in unique if (e["vpt.project"], e["vpt.device.id"], e["vpt.sample.time"]) not in stored]


def _timed(e: dict[str, Any]) -> TimedSample:
    return TimedSample(e["vpt.sample.time"], e["vpt.device.online"], e["vpt.device.interval"],
                       e.get("vpt.device.response_time"), e.get("vpt.device.error"))


def rebuild(conn: sqlite3.Connection, project: str | None = None,
            on_progress: Callable[[int, int], Any] | None = None) -> int:
    """Fold every device's samples again from the first; returns how many devices (each
    told to ``on_progress(done, total)`` when folded)."""
    found = conn.execute(
        "SELECT DISTINCT project, device_id FROM device_samples" + (" WHERE project = ?" if project else ""),
        (project,) if project else (),
    ).fetchall()
    graces = {(p, d): grace for p, d, grace in conn.execute("SELECT project, device_id, grace FROM devices")}
    results = []
    for project_id, device in found:
        results.append(_refold(conn, (project_id, device), -math.inf, graces.get((project_id, device))))
        if on_progress is not None:
            on_progress(len(results), len(found))
    _apply(conn, results)
    return len(found)


def _refold(conn: sqlite3.Connection, key: tuple[str, str], floor: float, grace: float | None) -> tuple:
    """Fold a device's samples again from ``floor`` (-inf: from its first)."""
    state = _anchor(conn, *key, floor)
    every = _samples(conn, *key, floor)
    return key, state, fold(state, every, every[0].interval if grace is None else grace, floor), every[-1]


def _samples(conn: sqlite3.Connection, project: str, device: str, since: float) -> list[TimedSample]:
    rows = conn.execute(
        f"SELECT time, online, interval, response_time, error FROM device_samples WHERE {_KEY} AND time >= ? ORDER BY time",
        (project, device, since),
    )
    return [TimedSample(t, bool(online), interval, rt, error) for t, online, interval, rt, error in rows]


def _anchor(conn: sqlite3.Connection, project: str, device: str, floor: float) -> DeviceState:
    """Forget what was derived from ``floor`` on; the state as of the last sample before it.

    An incident in progress at ``floor`` is forgotten too (a late sample may have ended it
    earlier): folding from the outage's state records it again if it still is one.
    """
    key = (project, device)
    conn.execute(f"DELETE FROM device_health_hourly WHERE {_KEY} AND hour >= ?", (*key, floor))
    conn.execute(f"DELETE FROM device_incidents WHERE {_KEY} AND started_at >= ?", (*key, floor))
    prev = conn.execute(
        f"SELECT time, online, interval FROM device_samples WHERE {_KEY} AND time < ? ORDER BY time DESC LIMIT 1",
        (*key, floor),
    ).fetchone()
    if prev is None:
        return DeviceState()
    time, online, interval = prev
    state = DeviceState(time, bool(online), time + interval)
    # The streak the last sample ends: since the last sample of the other state.
    other = conn.execute(f"SELECT max(time) FROM device_samples WHERE {_KEY} AND time < ? AND online = ?",
                         (*key, floor, 1 - online)).fetchone()[0]
    first = conn.execute(
        f"SELECT time, error FROM device_samples WHERE {_KEY} AND time > ? AND time < ? ORDER BY time LIMIT 1",
        (*key, other if other is not None else -math.inf, floor),
    ).fetchone()
    state.since = first[0]
    if not online:
        state.outage_start, state.outage_error = first
        if conn.execute(f"DELETE FROM device_incidents WHERE {_KEY} AND started_at = ?", (*key, first[0])).rowcount:
            conn.execute(f"UPDATE device_health_hourly SET incidents = incidents - 1 WHERE {_KEY} AND hour = ?",
                         (*key, hour_of(first[0])))
    return state


def _apply(conn: sqlite3.Connection, results: list[tuple[tuple[str, str], DeviceState, Folded, TimedSample]]) -> None:
    """Write what folding changed: hour totals added, incidents, and each device's state."""
    hours = {hour for _, _, folded, _ in results for hour in folded.hours}
    existing: dict[tuple[str, str, float], HourTotals] = {}
    for chunk in _chunks(sorted(hours)):
        for row in conn.execute(
            "SELECT project, device_id, hour, covered, online, samples, failed, flaps, incidents, rt_hist "
            f"FROM device_health_hourly WHERE hour IN ({', '.join('?' * len(chunk))})", chunk,
        ):
            existing[row[0], row[1], row[2]] = HourTotals(*row[3:9], Counter({int(b): n for b, n in json.loads(row[9]).items()}))
    hour_rows, incident_rows, status_rows = [], [], []
    for key, state, folded, last in results:
        for hour, delta in folded.hours.items():
            totals = existing.get((*key, hour)) or HourTotals()
            totals.merge(delta)
            hour_rows.append((
                *key, hour, totals.covered, totals.online, totals.samples, totals.failed, totals.flaps, totals.incidents,
                uptime(totals.online, totals.covered),
                percentile(totals.rt, 0.5), percentile(totals.rt, 0.95),
                json.dumps({str(b): n for b, n in sorted(totals.rt.items()) if n}, separators=(",", ":")),
            ))
        incident_rows.extend((*key, i.start, i.end, i.end - i.start if i.end is not None else None, i.error)
                             for i in folded.incidents.values())
        status_rows.append((*key, state.last_time, int(bool(state.last_online)), state.last_end, state.since,
                            state.outage_start, state.outage_error, int(state.outage_recorded), last.error,
                            last.response_time))
    conn.executemany(_UPSERT_HOUR, hour_rows)
    conn.executemany(_UPSERT_INCIDENT, incident_rows)
    conn.executemany(_UPSERT_STATUS, status_rows)


def _chunks(values: list, size: int = 500) -> list[list]:
    return [values[index:index + size] for index in range(0, len(values), size)]
