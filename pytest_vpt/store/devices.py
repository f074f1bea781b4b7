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
from typing import Any

from ..analytics.devices import DeviceState, Folded, HourTotals, TimedSample, fold, hour_of
from ..analytics.devices.figures import percentile

_DEVICE_COLUMNS = ("project", "device_id", "kind", "tags", "probe", "interval", "timeout", "grace", "first_seen", "last_seen")
_UPSERT_DEVICE = (
    f"INSERT INTO devices ({', '.join(_DEVICE_COLUMNS)}) VALUES ({', '.join('?' * len(_DEVICE_COLUMNS))}) "
    "ON CONFLICT (project, device_id) DO UPDATE SET kind = excluded.kind, tags = excluded.tags, "
    "probe = excluded.probe, interval = excluded.interval, timeout = excluded.timeout, grace = excluded.grace, "
    "first_seen = min(first_seen, excluded.first_seen), last_seen = max(last_seen, excluded.last_seen)"
)
_SAMPLE_COLUMNS = ("project", "device_id", "time", "event_id", "run_id", "online", "response_time", "error", "interval", '"values"')
_INSERT_SAMPLE = (
    f"INSERT INTO device_samples ({', '.join(_SAMPLE_COLUMNS)}) VALUES ({', '.join('?' * len(_SAMPLE_COLUMNS))}) "
    "ON CONFLICT DO NOTHING"
)
_KEY = "project = ? AND device_id = ?"


def write(conn: sqlite3.Connection, devices: list[dict[str, Any]], samples: list[dict[str, Any]]) -> None:
    """Write ``device`` and ``device_sample`` events, and fold the new samples in."""
    conn.executemany(_UPSERT_DEVICE, [
        (e["vpt.project"], e["vpt.device.id"], e["vpt.device.kind"], json.dumps(e.get("vpt.device.tags") or {}, sort_keys=True),
         e["vpt.device.probe"], e["vpt.device.interval"], e["vpt.device.timeout"], e["vpt.device.grace"],
         e["vpt.device.seen_at"], e["vpt.device.seen_at"])
        for e in devices
    ])
    by_device: dict[tuple[str, str], list[TimedSample]] = defaultdict(list)
    for e in samples:
        cursor = conn.execute(_INSERT_SAMPLE, (
            e["vpt.project"], e["vpt.device.id"], e["vpt.sample.time"], e["id"], e.get("vpt.run.id"),
            int(e["vpt.device.online"]), e.get("vpt.device.response_time"), e.get("vpt.device.error"),
            e["vpt.device.interval"], json.dumps(e.get("vpt.device.values") or {}, sort_keys=True),
        ))
        if cursor.rowcount:  # new: a sample sent twice is folded once
            by_device[e["vpt.project"], e["vpt.device.id"]].append(_timed(e))
    for (project, device), new in by_device.items():
        new.sort(key=lambda s: s.time)
        _fold_in(conn, project, device, new)


def _timed(e: dict[str, Any]) -> TimedSample:
    return TimedSample(e["vpt.sample.time"], e["vpt.device.online"], e["vpt.device.interval"],
                       e.get("vpt.device.response_time"), e.get("vpt.device.error"))


def _fold_in(conn: sqlite3.Connection, project: str, device: str, new: list[TimedSample]) -> None:
    grace = _grace(conn, project, device, new[0].interval)
    state = _state(conn, project, device)
    if state is not None and new[0].time > state.last_time:
        _apply(conn, project, device, state, fold(state, new, grace))
        return
    floor = hour_of(new[0].time) if state is not None else -math.inf
    state = _anchor(conn, project, device, floor)
    _apply(conn, project, device, state, fold(state, _samples(conn, project, device, floor), grace, floor))


def rebuild(conn: sqlite3.Connection, project: str | None = None) -> int:
    """Fold every device's samples again from the first; returns how many devices."""
    found = conn.execute(
        "SELECT DISTINCT project, device_id FROM device_samples" + (" WHERE project = ?" if project else ""),
        (project,) if project else (),
    ).fetchall()
    for device_project, device in found:
        conn.execute(f"DELETE FROM device_status WHERE {_KEY}", (device_project, device))
        state = _anchor(conn, device_project, device, -math.inf)
        grace = _grace(conn, device_project, device, None)
        _apply(conn, device_project, device, state,
               fold(state, _samples(conn, device_project, device, -math.inf), grace))
    return len(found)


def _grace(conn: sqlite3.Connection, project: str, device: str, interval: float | None) -> float:
    row = conn.execute(f"SELECT grace FROM devices WHERE {_KEY}", (project, device)).fetchone()
    if row is not None:
        return row[0]
    if interval is None:
        row = conn.execute(f"SELECT interval FROM device_samples WHERE {_KEY} ORDER BY time LIMIT 1", (project, device)).fetchone()
        interval = row[0] if row else 0.0
    return interval


def _samples(conn: sqlite3.Connection, project: str, device: str, since: float) -> list[TimedSample]:
    rows = conn.execute(
        f"SELECT time, online, interval, response_time, error FROM device_samples WHERE {_KEY} AND time >= ? ORDER BY time",
        (project, device, since),
    )
    return [TimedSample(t, bool(online), interval, rt, error) for t, online, interval, rt, error in rows]


def _state(conn: sqlite3.Connection, project: str, device: str) -> DeviceState | None:
    row = conn.execute(
        f"SELECT last_time, last_online, last_end, since, outage_start, outage_error, outage_recorded "
        f"FROM device_status WHERE {_KEY}", (project, device),
    ).fetchone()
    if row is None:
        return None
    return DeviceState(row[0], bool(row[1]), row[2], row[3], row[4], row[5], bool(row[6]))


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


def _apply(conn: sqlite3.Connection, project: str, device: str, state: DeviceState, folded: Folded) -> None:
    key = (project, device)
    for hour, delta in folded.hours.items():
        row = conn.execute(
            f"SELECT covered, online, samples, failed, flaps, incidents, rt_hist FROM device_health_hourly "
            f"WHERE {_KEY} AND hour = ?", (*key, hour),
        ).fetchone()
        totals = HourTotals()
        if row is not None:
            totals = HourTotals(*row[:6], Counter({int(b): n for b, n in json.loads(row[6]).items()}))
        totals.merge(delta)
        conn.execute(
            "INSERT OR REPLACE INTO device_health_hourly (project, device_id, hour, covered, online, samples, failed, "
            "flaps, incidents, uptime, rt_p50, rt_p95, rt_hist) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (*key, hour, totals.covered, totals.online, totals.samples, totals.failed, totals.flaps, totals.incidents,
             totals.online / totals.covered if totals.covered > 1e-9 else None,
             percentile(totals.rt, 0.5), percentile(totals.rt, 0.95),
             json.dumps({str(b): n for b, n in sorted(totals.rt.items()) if n}, separators=(",", ":"))),
        )
    conn.executemany(
        "INSERT OR REPLACE INTO device_incidents (project, device_id, started_at, ended_at, duration, error) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [(*key, i.start, i.end, i.end - i.start if i.end is not None else None, i.error) for i in folded.incidents.values()],
    )
    if state.last_time is None:
        return
    last = conn.execute(
        f"SELECT error, response_time FROM device_samples WHERE {_KEY} AND time = ?", (*key, state.last_time),
    ).fetchone()
    conn.execute(
        "INSERT OR REPLACE INTO device_status (project, device_id, last_time, last_online, last_end, last_error, "
        "last_response_time, since, outage_start, outage_error, outage_recorded) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (*key, state.last_time, int(bool(state.last_online)), state.last_end, last[0], last[1], state.since,
         state.outage_start, state.outage_error, int(state.outage_recorded)),
    )
