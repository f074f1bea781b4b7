"""Reads of runs as they happen: the runs still running (and those just ended), and each
one's tallies so far, its latest failures and its slowest tests.

A run's attempts are read by run id (the first column of their key); the start of the run,
less a margin, bounds their start too, so PostgreSQL reads only the partitions the run wrote.
"""

from __future__ import annotations

import json
from typing import Any

from .where import Where

MESSAGE_HEAD = 200  # characters of a failure's message a live view shows
_MARGIN = 3600.0  # seconds an attempt may seem to start before its run (clocks of xdist workers)
_RUN_FIELDS = ("run_id, project, status, started_at, finished_at, labels, ci_provider, ci_run_url, "
               "vcs_branch, vcs_revision, host_name")
_FINAL = "a.is_final = 1"
_BLOCKING = "a.quarantined = 0"


def live_runs(conn: Any, project: str | None, since: float, ended_since: float, limit: int) -> list[dict[str, Any]]:
    """Runs (of ``project``) started since ``since`` that are running, or that ended since
    ``ended_since``; running first, then the newest."""
    where = Where().equal("project", project).add("started_at >= ?", since)
    where.add("(status = 'running' OR finished_at >= ?)", ended_since)
    rows = conn.execute(
        f"SELECT {_RUN_FIELDS} FROM runs {where.sql} "
        "ORDER BY CASE WHEN status = 'running' THEN 0 ELSE 1 END, started_at DESC, run_id LIMIT ?",
        [*where.args, limit])
    return [_run(row) for row in rows]


def live_run(conn: Any, run_id: str, project: str | None) -> dict[str, Any] | None:
    """One run's row (of ``project``), or None."""
    where = Where().add("run_id = ?", run_id).equal("project", project)
    row = conn.execute(f"SELECT {_RUN_FIELDS} FROM runs {where.sql}", where.args).fetchone()
    return None if row is None else _run(row)


def _run(row: Any) -> dict[str, Any]:
    run = dict(row)
    run["labels"] = json.loads(run["labels"] or "{}")
    return run


def tallies(conn: Any, run_id: str, started_at: float) -> dict[str, Any]:
    """The run's final attempts so far by outcome (failures a quarantine made non-blocking
    counted apart), its reruns, attempts, and when its latest result ended."""
    def final(outcome: str, blocking: bool = True) -> str:
        extra = f" AND {_BLOCKING}" if blocking else ""
        return f"sum(CASE WHEN {_FINAL} AND a.outcome = '{outcome}'{extra} THEN 1 ELSE 0 END)"

    row = conn.execute(
        f"SELECT count(*) AS attempts, sum(CASE WHEN {_FINAL} THEN 1 ELSE 0 END) AS tests, "
        f"{final('passed', False)} AS passed, {final('failed')} AS failed, {final('error')} AS error, "
        f"{final('skipped', False)} AS skipped, {final('xfailed', False)} AS xfailed, "
        f"{final('xpassed', False)} AS xpassed, "
        f"sum(CASE WHEN {_FINAL} AND a.outcome IN ('failed', 'error') AND a.quarantined <> 0 THEN 1 ELSE 0 END) "
        "AS quarantined, sum(CASE WHEN a.outcome = 'rerun' THEN 1 ELSE 0 END) AS reruns, "
        "max(coalesce(a.finished_at, a.started_at + coalesce(a.duration, 0))) AS last_result_at "
        "FROM test_attempts a WHERE a.run_id = ? AND a.started_at >= ?",
        [run_id, started_at - _MARGIN]).fetchone()
    found = dict(row)
    return {key: (value or 0) if key != "last_result_at" else value for key, value in found.items()}


def failures(conn: Any, run_id: str, started_at: float, limit: int) -> list[dict[str, Any]]:
    """The run's latest final failures and errors (quarantined ones too, marked), newest first."""
    rows = conn.execute(
        "SELECT c.nodeid, a.outcome, a.error_type, substr(a.error_message, 1, ?) AS message, "
        "a.quarantined <> 0 AS quarantined, coalesce(a.finished_at, a.started_at) AS at "
        "FROM test_attempts a JOIN test_cases c ON c.test_id = a.test_id "
        f"WHERE a.run_id = ? AND a.started_at >= ? AND {_FINAL} AND a.outcome IN ('failed', 'error') "
        "ORDER BY coalesce(a.finished_at, a.started_at) DESC, c.nodeid LIMIT ?",
        [MESSAGE_HEAD, run_id, started_at - _MARGIN, limit])
    return [{**dict(row), "quarantined": bool(row["quarantined"])} for row in rows]


def slowest(conn: Any, run_id: str, started_at: float, limit: int) -> list[dict[str, Any]]:
    """The run's slowest final attempts so far (skipped ones aside), slowest first."""
    rows = conn.execute(
        "SELECT c.nodeid, a.outcome, a.duration FROM test_attempts a JOIN test_cases c ON c.test_id = a.test_id "
        f"WHERE a.run_id = ? AND a.started_at >= ? AND {_FINAL} AND a.outcome <> 'skipped' "
        "AND a.duration IS NOT NULL ORDER BY a.duration DESC, c.nodeid LIMIT ?",
        [run_id, started_at - _MARGIN, limit])
    return [dict(row) for row in rows]
