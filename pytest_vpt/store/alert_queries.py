"""The reads alert rules evaluate (pytest_vpt.alerts.series), each one query for every group
at once: devices' states and latest probe values, their samples over a window, tests started
per project over a window, the video incidents going on, and a metric's samples."""

from __future__ import annotations

import json
from typing import Any

from .device_queries import _state
from .where import Where

#: the most samples one read hands back (a window of 1,000 devices' probes fits many times)
MAX_ROWS = 500_000


def device_states(conn: Any, project: str | None, now: float) -> list[dict[str, Any]]:
    """Every device's state at ``now`` (online, offline, stale, unknown) as ``vpt devices`` tells it."""
    where = Where().equal("k.project", project)
    rows = conn.execute(
        "SELECT k.project, k.device_id, d.timeout, d.flush, s.last_time, s.last_online, s.last_end "
        "FROM (SELECT project, device_id FROM devices UNION SELECT project, device_id FROM device_status) AS k "
        "LEFT JOIN devices AS d USING (project, device_id) LEFT JOIN device_status AS s USING (project, device_id) "
        f"{where.sql}", where.args).fetchall()
    return [{"project": row["project"], "device": row["device_id"], "state": _state(row, now)} for row in rows]


def device_values(conn: Any, project: str | None) -> list[dict[str, Any]]:
    """The numbers (or words) each device's newest sample reported, e.g. a smart plug's power."""
    where = Where().equal("st.project", project)
    rows = conn.execute(
        'SELECT s.project, s.device_id, s."values" FROM device_status st JOIN device_samples s '
        "ON s.project = st.project AND s.device_id = st.device_id AND s.time = st.last_time "
        f"{where.sql}", where.args)
    return [{"project": p, "device": d, "values": json.loads(text) if text else {}} for p, d, text in rows]


#: a window of the newest samples reached device by device through their primary key
#: (project, device_id, time), never a scan of the whole table
_SAMPLES = ("FROM device_status st JOIN device_samples s ON s.project = st.project AND s.device_id = st.device_id "
            "AND s.time > ? AND s.time <= ?")


def device_samples(conn: Any, project: str | None, since: float, until: float) -> list[dict[str, Any]]:
    """Each probe taken after ``since`` up to ``until``, device by device, oldest first: its
    response time (the probes that measured one)."""
    where = Where("s.response_time IS NOT NULL").equal("st.project", project)
    rows = conn.execute(f"SELECT s.project, s.device_id, s.time, s.response_time {_SAMPLES} {where.sql} "
                        "ORDER BY s.project, s.device_id, s.time LIMIT ?", [since, until, *where.args, MAX_ROWS])
    return [{"project": p, "device": d, "time": at, "response_time": rt} for p, d, at, rt in rows]


#: the most windows one query counts over (two sums each); more take another query
WINDOWS_PER_QUERY = 32


def probe_counts(conn: Any, project: str | None, sinces: list[float], until: float) -> list[dict[str, Any]]:
    """Per device: the probes taken after each of ``sinces`` up to ``until``, and how many
    failed (``probes`` and ``failed``: one count per since, in their order), each window
    summed in one pass over the widest."""
    found: dict[tuple[str, str], tuple[list[int], list[int]]] = {}
    for first in range(0, len(sinces), WINDOWS_PER_QUERY):
        part = sinces[first:first + WINDOWS_PER_QUERY]
        sums = ", ".join("sum(CASE WHEN s.time > ? THEN 1 ELSE 0 END), sum(CASE WHEN s.time > ? THEN 1 - s.online "
                         "ELSE 0 END)" for _ in part)
        where = Where().equal("st.project", project)
        rows = conn.execute(f"SELECT s.project, s.device_id, {sums} {_SAMPLES} {where.sql} GROUP BY s.project, "
                            "s.device_id", [*(at for since in part for at in (since, since)), min(part), until,
                                            *where.args])
        for p, d, *counts in rows:
            probes, failed = found.setdefault((p, d), ([0] * len(sinces), [0] * len(sinces)))
            for index in range(len(part)):
                probes[first + index] = int(counts[2 * index] or 0)
                failed[first + index] = int(counts[2 * index + 1] or 0)
    return [{"project": p, "device": d, "probes": probes, "failed": failed}
            for (p, d), (probes, failed) in found.items()]


def test_counts(conn: Any, project: str | None, since: float, until: float) -> list[dict[str, Any]]:
    """Per project that ever ran: the tests (final attempts) started after ``since`` up to
    ``until``, and how many of them failed or errored (0 and 0 for a project that ran none)."""
    where = Where("a.started_at > ?", "a.started_at <= ?", "a.is_final = 1").equal("c.project", project)
    where.args[:0] = [since, until]
    counted = {p: (int(n), int(bad or 0)) for p, n, bad in conn.execute(
        "SELECT c.project, count(*), sum(CASE WHEN a.outcome IN ('failed', 'error') THEN 1 ELSE 0 END) "
        f"FROM test_attempts a JOIN test_cases c ON c.test_id = a.test_id {where.sql} GROUP BY c.project",
        where.args)}
    projects = Where().equal("project", project)
    known = {row[0] for row in conn.execute(f"SELECT DISTINCT project FROM runs {projects.sql}", projects.args)}
    return [{"project": p, "tests": counted.get(p, (0, 0))[0], "failed": counted.get(p, (0, 0))[1]}
            for p in sorted(known | set(counted))]


def video_incidents(conn: Any, project: str | None, now: float) -> list[dict[str, Any]]:
    """The video incidents going on at ``now`` (begun, not ended): per stream, their kinds."""
    where = Where("started_at <= ?", "(ended_at IS NULL OR ended_at > ?)").equal("project", project)
    where.args[:0] = [now, now]
    found: dict[tuple[str, str], set[str]] = {}
    for p, source, kind in conn.execute(f"SELECT project, source, kind FROM video_incidents {where.sql}", where.args):
        found.setdefault((p, source), set()).add(kind)
    return [{"project": p, "stream": s, "kinds": sorted(kinds)} for (p, s), kinds in sorted(found.items())]


def metric_samples(conn: Any, project: str | None, name: str, since: float, until: float) -> list[dict[str, Any]]:
    """The samples of the metric ``name`` after ``since`` up to ``until``, oldest first, with their tags."""
    where = Where("name = ?", "time > ?", "time <= ?").equal("project", project)
    where.args[:0] = [name, since, until]
    rows = conn.execute(f"SELECT project, tags, time, value FROM metrics {where.sql} ORDER BY time LIMIT ?",
                        [*where.args, MAX_ROWS])
    return [{"project": p, "tags": json.loads(text) if text else {}, "time": at, "value": value}
            for p, text, at, value in rows]
