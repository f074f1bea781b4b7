"""Read queries over the store's tables; each returns plain dicts ready for JSON."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from .device_queries import device_incidents, device_values, devices  # noqa: F401 - every read in one namespace
from .metric_queries import metric_summary  # noqa: F401 - every read in one namespace
from .rows import COUNT_COLUMNS
from .where import Where
from .trends import (  # noqa: F401 - every read in one namespace
    device_uptime_per_hour, duration_p95, pass_rate_per_day, tests_per_hour, trends,
)

_RUN_FIELDS = (
    "run_id, project, status, started_at, finished_at, exit_status, cpu_seconds, labels, "
    "ci_provider, ci_pipeline, ci_run_id, ci_run_url, ci_job, vcs_revision, vcs_branch, "
    "vcs_change_id, host_name, python_version, pytest_version, vpt_version, " + ", ".join(COUNT_COLUMNS)
)


def _run_dict(row: sqlite3.Row) -> dict[str, Any]:
    run = dict(row)
    run["labels"] = json.loads(run["labels"] or "{}")
    finished = run["finished_at"]
    run["duration"] = None if finished is None else finished - run["started_at"]
    return run


def runs(conn: sqlite3.Connection, project: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
    """Recent runs, newest first, with their counts under the outcome names."""
    where = Where().equal("project", project)
    rows = conn.execute(
        f"SELECT {_RUN_FIELDS} FROM runs {where.sql} ORDER BY started_at DESC, run_id LIMIT ?", [*where.args, limit]
    )
    return [_run_dict(row) for row in rows]


def find_runs(conn: sqlite3.Connection, run_id: str, project: str | None = None) -> list[dict[str, Any]]:
    """The runs (of ``project``) whose id is ``run_id`` or starts with it (at most two: enough
    to tell it is ambiguous)."""
    prefix = run_id.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    where = Where().equal("project", project).add("(run_id = ? OR run_id LIKE ? ESCAPE '\\')", run_id, prefix + "%")
    rows = conn.execute(
        f"SELECT {_RUN_FIELDS} FROM runs {where.sql} ORDER BY run_id = ? DESC LIMIT 2", [*where.args, run_id]
    )
    found = [_run_dict(row) for row in rows]
    return found[:1] if found and found[0]["run_id"] == run_id else found


_ATTEMPT_FIELDS = (
    "c.nodeid, c.file, c.function, c.params, a.attempt, a.is_final, a.outcome, a.started_at, a.duration, "
    "a.setup_duration, a.call_duration, a.teardown_duration, a.error_type, a.error_message, a.markers, "
    "a.worker, a.worker_seq, a.device_id, a.device_offline"
)


def _attempt_dict(row: sqlite3.Row) -> dict[str, Any]:
    attempt = dict(row)
    attempt["is_final"] = bool(attempt["is_final"])
    attempt["device_offline"] = bool(attempt["device_offline"])
    attempt["markers"] = json.loads(attempt["markers"] or "[]")
    return attempt


def run_tests(
    conn: sqlite3.Connection, run_id: str, outcomes: list[str] | None = None, all_attempts: bool = False,
    project: str | None = None,
) -> list[dict[str, Any]]:
    """The tests (of ``project``) of one run in the order they started: final attempts (with
    their attempt count), or every attempt; optionally only those with one of ``outcomes``."""
    where = Where().add("a.run_id = ?", run_id).equal("c.project", project).one_of("a.outcome", outcomes)
    if not all_attempts:
        where.add("a.is_final = 1")
    rows = conn.execute(
        f"SELECT {_ATTEMPT_FIELDS}, (SELECT count(*) FROM test_attempts b "
        "WHERE b.run_id = a.run_id AND b.test_id = a.test_id) AS attempts "
        "FROM test_attempts a JOIN test_cases c ON c.test_id = a.test_id "
        f"{where.sql} ORDER BY a.started_at, c.nodeid, a.attempt",
        where.args,
    )
    return [_attempt_dict(row) for row in rows]


def history(
    conn: sqlite3.Connection, nodeid: str, project: str | None = None, limit: int = 50, all_attempts: bool = False
) -> list[dict[str, Any]]:
    """The attempts of one test across runs, newest first, with each run's commit and branch."""
    where = Where().nodeid("c.nodeid", nodeid).equal("c.project", project)
    if not all_attempts:
        where.add("a.is_final = 1")
    rows = conn.execute(
        f"SELECT a.run_id, c.project, r.vcs_revision, r.vcs_branch, {_ATTEMPT_FIELDS} "
        "FROM test_cases c JOIN test_attempts a ON a.test_id = c.test_id "
        "LEFT JOIN runs r ON r.run_id = a.run_id "
        f"{where.sql} ORDER BY a.started_at DESC, a.attempt DESC LIMIT ?",
        [*where.args, limit],
    )
    return [_attempt_dict(row) for row in rows]


def metrics(
    conn: sqlite3.Connection, run_id: str | None = None, name: str | None = None, limit: int = 1000,
    project: str | None = None,
) -> list[dict[str, Any]]:
    """Metric samples (of ``project``), oldest first, with the test they belong to (if any)."""
    where = Where().equal("m.project", project).equal("m.run_id", run_id).equal("m.name", name)
    rows = conn.execute(
        "SELECT m.project, m.run_id, c.nodeid, m.attempt, m.name, m.kind, m.value, m.unit, m.tags, m.time "
        f"FROM metrics m LEFT JOIN test_cases c ON c.test_id = m.test_id {where.sql} ORDER BY m.time LIMIT ?",
        [*where.args, limit],
    )
    return [{**dict(row), "tags": json.loads(row["tags"])} for row in rows]


def quarantine(conn: sqlite3.Connection, project: str | None = None) -> list[dict[str, Any]]:
    """Every test's latest quarantine (in force while ``left_at`` is None), newest first."""
    where = Where().equal("project", project)
    rows = conn.execute(
        "SELECT project, nodeid, source, reason, entered_at, entered_run, passes, left_at, left_reason "
        f"FROM quarantine {where.sql} ORDER BY left_at IS NULL DESC, entered_at DESC, nodeid", where.args
    )
    return [dict(row) for row in rows]


_FLAKY_FIELDS = (
    "c.project, c.nodeid, f.status, f.reason, f.probability, f.score, f.flip_rate, f.runs, f.attempts, "
    "f.failures, f.failed_runs, f.pass_on_retry, f.mixed_commits, f.consecutive_passes, f.first_flaky_at, "
    "f.last_flaky_at, f.flaky_branches, f.previous_status, f.status_since, f.first_run_at, f.last_run_at, "
    "f.last_run_id, f.last_branch"
)


def _flaky_dict(row: sqlite3.Row) -> dict[str, Any]:
    return {**dict(row), "flaky_branches": json.loads(row["flaky_branches"])}


def flaky(
    conn: sqlite3.Connection, project: str | None = None, branch: str | None = None, since: float | None = None,
    statuses: list[str] | None = None, limit: int = 50,
) -> list[dict[str, Any]]:
    """Tests by flakiness score, highest first: with one of ``statuses``, flaky on ``branch``
    (or last run there), run since ``since``."""
    where = Where().equal("c.project", project).one_of("f.status", statuses).at_least("f.last_run_at", since)
    if branch:
        where.add("(f.last_branch = ? OR EXISTS (SELECT 1 FROM json_each(f.flaky_branches) WHERE value = ?))",
                  branch, branch)
    rows = conn.execute(
        f"SELECT {_FLAKY_FIELDS} FROM test_flakiness f JOIN test_cases c ON c.test_id = f.test_id {where.sql} "
        "ORDER BY f.score DESC, f.probability DESC, c.nodeid LIMIT ?", [*where.args, limit]
    )
    return [_flaky_dict(row) for row in rows]


def flakiness_of(conn: sqlite3.Connection, nodeid: str, project: str | None = None) -> list[dict[str, Any]]:
    """The flakiness row of one test (one per project that has it), with its test id."""
    where = Where().nodeid("c.nodeid", nodeid).equal("c.project", project)
    rows = conn.execute(
        f"SELECT c.test_id, {_FLAKY_FIELDS} FROM test_cases c JOIN test_flakiness f ON f.test_id = c.test_id "
        f"{where.sql} ORDER BY c.project", where.args
    )
    return [_flaky_dict(row) for row in rows]


def nodeids(conn: sqlite3.Connection, project: str | None = None) -> list[str]:
    """Every node id recorded (in one project), sorted."""
    where = Where().equal("project", project)
    rows = conn.execute(f"SELECT DISTINCT nodeid FROM test_cases {where.sql} ORDER BY 1", where.args)
    return [row[0] for row in rows]


def video_incidents(
    conn: sqlite3.Connection, project: str | None = None, since: float | None = None, limit: int = 100,
) -> list[dict[str, Any]]:
    """Video incidents (black screens, freezes, streams lost), newest first; open ones have no end."""
    where = Where().equal("i.project", project).at_least("i.started_at", since)
    rows = conn.execute(
        "SELECT i.project, i.source, i.kind, i.started_at, i.ended_at, i.duration, i.severity, i.position, i.start_frame, "
        "i.end_frame, i.thumbnail, i.run_id, c.nodeid FROM video_incidents i LEFT JOIN test_cases c "
        f"ON c.test_id = i.test_id {where.sql} ORDER BY i.started_at DESC LIMIT ?", (*where.args, limit))
    return [dict(row) for row in rows]
