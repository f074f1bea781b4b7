"""Failing attempts read for grouping by cause: the final attempts that failed or were errors,
and the reruns of tests that then passed on a retry (flaky), of the runs in a window (or of
one run), each with whether its device had an incident and a video incident overlapped it.

The runs are found first (by project and start: their index) and joined to their attempts
by run id, the first column of the attempts' key; the reading is capped (a window with more
failing attempts than the cap says so) and the grouping is done in Python (analytics.failures).
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

from ..analytics.failures import Category, count_categories, group_failures
from .where import Where

READ_MAX = 20_000  # failing attempts read at most from a window

_END = "coalesce(a.finished_at, a.started_at)"
_FLAKY_RERUN = ("(a.outcome = 'rerun' AND EXISTS (SELECT 1 FROM test_attempts p WHERE p.run_id = a.run_id "
                "AND p.test_id = a.test_id AND p.is_final = 1 AND p.outcome = 'passed'))")
_SELECT = (
    "SELECT a.run_id, c.nodeid, a.outcome, a.started_at, a.error_type, a.error_message, a.markers, a.device_id, "
    "a.device_offline, CASE WHEN a.outcome = 'rerun' THEN 1 ELSE 0 END AS flaky, "
    "CASE WHEN a.device_id IS NOT NULL AND EXISTS (SELECT 1 FROM device_incidents d WHERE d.project = r.project "
    f"AND d.device_id = a.device_id AND d.started_at <= {_END} AND (d.ended_at IS NULL OR d.ended_at >= a.started_at)) "
    "THEN 1 ELSE 0 END AS device_incident, "
    "CASE WHEN EXISTS (SELECT 1 FROM video_incidents v WHERE v.project = r.project "
    "AND ((v.run_id = a.run_id AND v.test_id = a.test_id) OR v.source = a.device_id) "
    f"AND v.started_at <= {_END} AND (v.ended_at IS NULL OR v.ended_at >= a.started_at)) THEN 1 ELSE 0 END "
    "AS video_incident "
    "FROM runs r JOIN test_attempts a ON a.run_id = r.run_id JOIN test_cases c ON c.test_id = a.test_id "
)


def failing_attempts(conn: Any, where: Where, cap: int) -> list[dict[str, Any]]:
    """The failing attempts of the runs ``where`` picks (conditions on ``r.``, ``a.``, ``c.``),
    the latest first, at most ``cap``."""
    where.add(f"((a.is_final = 1 AND a.outcome IN ('failed', 'error')) OR {_FLAKY_RERUN})")
    rows = conn.execute(f"{_SELECT}{where.sql} ORDER BY a.started_at DESC, c.nodeid, a.attempt DESC LIMIT ?",
                        [*where.args, cap])
    found = []
    for row in rows:
        attempt = dict(row)
        attempt["markers"] = json.loads(attempt["markers"] or "[]")
        found.append(attempt)
    return found


def failures(
    conn: Any, project: str, since: float, until: float | None, categories: Sequence[Category],
    nodeid: str | None = None, cap: int = READ_MAX,
) -> dict[str, Any]:
    """The failures of the project's runs started from ``since`` to ``until`` (None: now),
    grouped by signature and category (every group: the caller bounds how many it shows)."""
    until = time.time() if until is None else until
    where = Where().add("r.project = ?", project).add("r.started_at >= ?", since).add("r.started_at < ?", until)
    where.nodeid("c.nodeid", nodeid)
    rows = failing_attempts(conn, where, cap + 1)
    truncated = len(rows) > cap
    rows = rows[:cap]
    counts, reruns = count_categories(rows, categories)
    return {"project": project, "since": since, "until": until, "failures": len(rows), "flaky": reruns,
            "truncated": truncated, "read_max": cap, "categories": counts, "groups": group_failures(rows, categories)}


def run_failures(conn: Any, run_id: str, categories: Sequence[Category], project: str | None = None,
                 cap: int = READ_MAX) -> dict[str, Any]:
    """How many of one run's failures each category took (and how many were flaky reruns)."""
    where = Where().add("r.run_id = ?", run_id).equal("r.project", project)
    rows = failing_attempts(conn, where, cap)
    counts, reruns = count_categories(rows, categories)
    return {"run_id": run_id, "failures": len(rows), "flaky": reruns, "categories": counts}
