"""What each ended run ran per device, per marker and per failure cause, hour by hour
(``run_groups``, migration 0017), for the dashboards' panels per device, marker and cause.

A run's rows are written again, whole, whenever it ends or tests of it arrive after it ended
(the KPI part of the after-write step: store.kpi_refresh), so they always equal what its
stored attempts say. A row counts the run's attempts in the group that hour (reruns
included) and their seconds; its final attempts (tests), their seconds, how many passed,
how many came to a verdict (passed, failed, error) and how many failed or erred, and when
the last of those started. ``kind`` is ``device`` (a test naming its device), ``marker``
(each marker a test carries) or ``cause`` (the failing final attempts' error type).
"""

from __future__ import annotations

import json
from typing import Any

from .daily import LONGEST

KINDS = ("device", "marker", "cause")
_HOUR = "(CASE WHEN a.started_at >= 0 AND a.started_at < 3600 THEN 0 ELSE floor(a.started_at / 3600.0) * 3600 END)"
_FINAL = "a.is_final = 1"
_TIMED = f"a.duration >= 0 AND a.duration <= {LONGEST}"  # false for NULL, NaN and infinities
_FAILING = f"{_FINAL} AND a.outcome IN ('failed', 'error')"
_FIGURES = (
    "count(*) AS attempts, "
    f"coalesce(sum(CASE WHEN {_TIMED} THEN a.duration END), 0) AS seconds, "
    f"sum(CASE WHEN {_FINAL} THEN 1 ELSE 0 END) AS tests, "
    f"coalesce(sum(CASE WHEN {_FINAL} AND {_TIMED} THEN a.duration END), 0) AS test_seconds, "
    f"sum(CASE WHEN {_FINAL} AND a.outcome = 'passed' THEN 1 ELSE 0 END) AS passed, "
    f"sum(CASE WHEN {_FINAL} AND a.outcome IN ('passed', 'failed', 'error') THEN 1 ELSE 0 END) AS judged, "
    f"sum(CASE WHEN {_FAILING} THEN 1 ELSE 0 END) AS failures, "
    f"max(CASE WHEN {_FAILING} THEN a.started_at END) AS last_failure"
)
_COLUMNS = ("run_id, kind, name, hour, project, branch, finished, attempts, seconds, tests, test_seconds, "
            "passed, judged, failures, last_failure")
# the ended runs named by the JSON list ``?`` and their attempts
_ENDED = ("FROM test_attempts a JOIN runs r ON r.run_id = a.run_id "
          "WHERE a.run_id IN (SELECT value FROM json_each(?)) AND r.status != 'running'")
_FINISHED = "CASE WHEN r.status = 'finished' THEN 1 ELSE 0 END"
_RUN = f"a.run_id, r.project, r.vcs_branch, {_FINISHED}"
_GROUPED = {
    "device": ("a.device_id", "AND a.device_id IS NOT NULL"),
    "cause": ("coalesce(a.error_type, '(none)')", f"AND {_FAILING}"),
}
_SUMS = ("sum(attempts), sum(seconds), sum(tests), sum(test_seconds), sum(passed), sum(judged), sum(failures), "
         "max(last_failure)")


def _insert(kind: str) -> str:
    if kind == "marker":  # the attempts grouped by their list of markers first: few lists, many attempts
        return (f"WITH lists AS (SELECT a.run_id, r.project, r.vcs_branch AS branch, {_FINISHED} AS finished, "
                f"a.markers, {_HOUR} AS hour, {_FIGURES} "
                f"{_ENDED} AND a.markers != '[]' GROUP BY {_RUN}, a.markers, {_HOUR}) "
                f"INSERT INTO run_groups ({_COLUMNS}) "
                f"SELECT run_id, 'marker', m.value, hour, project, branch, finished, {_SUMS} "
                "FROM lists CROSS JOIN json_each(lists.markers) AS m "
                "GROUP BY run_id, m.value, hour, project, branch, finished ORDER BY 1, 3, 4")
    name, where = _GROUPED[kind]
    return (f"INSERT INTO run_groups ({_COLUMNS}) "
            f"SELECT a.run_id, '{kind}', {name}, {_HOUR}, r.project, r.vcs_branch, "
            f"{_FINISHED}, {_FIGURES} {_ENDED} {where} GROUP BY {_RUN}, {name}, {_HOUR} ORDER BY 1, 3, 4")


_INSERTS = tuple(_insert(kind) for kind in KINDS)


def refresh(conn: Any, run_ids: list[str]) -> None:
    """Write the groups of these runs again (those still running get none)."""
    if not run_ids:
        return
    listed = json.dumps(sorted(set(run_ids)))
    conn.execute("DELETE FROM run_groups WHERE run_id IN (SELECT value FROM json_each(?))", (listed,))
    for insert in _INSERTS:
        conn.execute(insert, (listed,))


def rebuild(conn: Any, project: str | None = None, chunk: int = 500) -> int:
    """Write every ended run's groups again (of one project); returns how many runs."""
    where, args = ("WHERE project = ?", (project,)) if project else ("", ())
    conn.execute(f"DELETE FROM run_groups {where}", args)
    runs = [row[0] for row in conn.execute(
        f"SELECT run_id FROM runs {where} {'AND' if where else 'WHERE'} status != 'running' ORDER BY run_id", args)]
    for start in range(0, len(runs), chunk):
        refresh(conn, runs[start:start + chunk])
    return len(runs)
