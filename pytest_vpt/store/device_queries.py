"""Read queries over devices: current state, health over a window, incidents."""

from __future__ import annotations

import json
import sqlite3
import time
from collections import Counter
from typing import Any

from ..analytics.devices import HourTotals, Incident, health, hour_of
from .where import Where


def devices(
    conn: sqlite3.Connection, project: str | None = None, window: float = 86400.0, now: float | None = None,
) -> list[dict[str, Any]]:
    """Every device with its current state and its health over the window's whole hours:
    those from the hour holding ``now - window`` to ``now``."""
    now = time.time() if now is None else now
    start = hour_of(now - window)
    where = Where().equal("k.project", project)
    rows = conn.execute(
        "SELECT k.project, k.device_id, d.kind, d.tags, d.probe, d.interval, d.timeout, d.grace, d.flush, "
        "s.last_time, s.last_online, s.last_end, s.last_error, s.last_response_time, s.since, s.outage_start "
        "FROM (SELECT project, device_id FROM devices UNION SELECT project, device_id FROM device_status) AS k "
        "LEFT JOIN devices AS d USING (project, device_id) LEFT JOIN device_status AS s USING (project, device_id) "
        f"{where.sql} ORDER BY k.project, k.device_id", where.args,
    ).fetchall()
    found = []
    for row in rows:
        key = (row["project"], row["device_id"])
        hours = [
            HourTotals(h[0], h[1], h[2], h[3], h[4], h[5], Counter({int(b): n for b, n in json.loads(h[6]).items()}))
            for h in conn.execute(
                "SELECT covered, online, samples, failed, flaps, incidents, rt_hist FROM device_health_hourly "
                "WHERE project = ? AND device_id = ? AND hour >= ? AND hour <= ?", (*key, start, now),
            )
        ]
        figures = health(hours, _incidents(conn, key, start, now), start, now)
        found.append({
            "project": row["project"], "device": row["device_id"], "kind": row["kind"],
            "tags": json.loads(row["tags"]) if row["tags"] else {}, "probe": row["probe"], "interval": row["interval"],
            "state": _state(row, now), "since": row["since"], "last_sample_at": row["last_time"],
            "last_error": row["last_error"] if row["last_online"] == 0 else None,
            "last_response_time": row["last_response_time"], "values": _latest_values(conn, key),
            "outage_since": row["outage_start"],
            "window_start": start, "window_end": now, **figures.to_json(),
        })
    return found


def _latest_values(conn: sqlite3.Connection, key: tuple[str, str]) -> dict[str, float]:
    """The numbers the device's newest sample reported (a command probe's temperature, ...)."""
    row = conn.execute('SELECT "values" FROM device_samples WHERE project = ? AND device_id = ? '
                       "ORDER BY time DESC LIMIT 1", key).fetchone()
    return json.loads(row[0]) if row and row[0] else {}


def device_values(
    conn: sqlite3.Connection, project: str | None = None, device: str | None = None, since: float | None = None,
    limit: int = 1000,
) -> list[dict[str, Any]]:
    """The numbers the probes reported, one row per sample and name, newest samples first."""
    where = Where().add('"values" <> ?', "{}").equal("project", project).equal("device_id", device)
    where.at_least("time", since)
    rows = conn.execute(
        f'SELECT project, device_id, time, "values" FROM device_samples {where.sql} '
        "ORDER BY time DESC, device_id LIMIT ?", [*where.args, limit],
    )
    return [{"project": project_name, "device": ident, "time": at, "name": name, "value": value}
            for project_name, ident, at, text in rows for name, value in sorted(json.loads(text).items())]


def _state(row: sqlite3.Row, now: float) -> str:
    """online / offline; unknown before a sample; stale once nothing sampled the device for more
    than its interval plus its timeout. The newest stored sample vouches for one interval from
    its time; the next one may take the timeout to answer and wait ``flush`` seconds (vpt monitor's
    --flush) before it is written; a second more for the write itself."""
    if row["last_time"] is None:
        return "unknown"
    if now > row["last_end"] + (row["timeout"] or 0.0) + (row["flush"] or 0.0) + 1.0:
        return "stale"
    return "online" if row["last_online"] else "offline"


def _incidents(conn: sqlite3.Connection, key: tuple[str, str], start: float, end: float) -> list[Incident]:
    rows = conn.execute(
        "SELECT started_at, ended_at, error FROM device_incidents WHERE project = ? AND device_id = ? "
        "AND started_at < ? AND (ended_at IS NULL OR ended_at > ?) ORDER BY started_at", (*key, end, start),
    )
    return [Incident(*row) for row in rows]


def device_incidents(
    conn: sqlite3.Connection, project: str | None = None, device: str | None = None, since: float | None = None,
    limit: int = 50, window: float | None = None, now: float | None = None,
) -> list[dict[str, Any]]:
    """Incidents, newest first; ``ended_at`` None: still going on, its ``duration`` so far (to ``now``).
    ``window``: those overlapping the window :func:`devices` gives figures over (its whole hours),
    else those still going on at ``since``."""
    now = time.time() if now is None else now
    where = Where().equal("project", project).equal("device_id", device)
    if window is not None:  # the overlap that figures.health counts downtime over
        where.add("started_at < ? AND (ended_at IS NULL OR ended_at > ?)", now, hour_of(now - window))
    elif since is not None:
        where.add("(ended_at IS NULL OR ended_at >= ?)", since)
    rows = conn.execute(
        f"SELECT project, device_id AS device, started_at, ended_at, duration, error FROM device_incidents {where.sql} "
        "ORDER BY started_at DESC LIMIT ?", [*where.args, limit],
    )
    found = [dict(row) for row in rows]
    for incident in found:
        if incident["ended_at"] is None:
            incident["duration"] = max(0.0, now - incident["started_at"])
    return found
