"""Failure episodes of each test on each branch (``test_episodes``), kept as runs are written.

A finished run newer than every run folded on its branch (``test_episode_branches``) moves
the episodes on with a few statements that touch only the run's failing tests and the tests
with an episode open on the branch: open episodes its passes end, open episodes its failures
lengthen, and new episodes for its other failures. A run older than that (it arrived late,
or again) has the timelines of those tests, and of the tests with an episode reaching past
it, folded again from their runs (pytest_vpt.analytics.kpis.fold_episodes), as
:func:`rebuild` folds every timeline. Each returns the UTC days whose episodes changed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from itertools import groupby
from typing import Any

from ..analytics.kpis import Episode, fold_episodes
from .daily import day_of

FAILING = "('failed', 'error')"
JUDGED = "('passed', 'xpassed', 'xfailed', 'failed', 'error')"
_COLUMNS = ("test_id", "branch", "project", "started_at", "start_run", "last_fail_at", "runs", "ended_at", "end_run",
            "previous_end")
_INSERT = f"INSERT INTO test_episodes ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})"
_OPEN = "project = ? AND branch = ? AND ended_at IS NULL"
_IDS = "(SELECT CAST(value AS INTEGER) FROM json_each(?))"
# The run's tests that failed, and those with an open episode it judged: 1 failed, 0 passed.
_JUDGED_IN_RUN = (
    f"SELECT test_id, max(CASE WHEN outcome IN {FAILING} THEN 1 ELSE 0 END) FROM test_attempts "
    f"WHERE run_id = ? AND is_final = 1 AND (outcome IN {FAILING} OR (outcome IN {JUDGED} AND test_id IN {_IDS})) "
    "GROUP BY test_id"
)
_NEW = (
    f"INSERT INTO test_episodes ({', '.join(_COLUMNS)}) "
    "SELECT t.id, :branch, :project, :at, :run_id, :at, 1, NULL, NULL, "
    "(SELECT max(e.ended_at) FROM test_episodes e WHERE e.test_id = t.id AND e.branch = :branch) "
    "FROM (SELECT CAST(value AS INTEGER) AS id FROM json_each(:ids)) t ORDER BY t.id"
)
_MARK = ("INSERT INTO test_episode_branches (project, branch, last_run_at) VALUES (?, ?, ?) "
         "ON CONFLICT (project, branch) DO UPDATE SET last_run_at = excluded.last_run_at "
         "WHERE excluded.last_run_at > test_episode_branches.last_run_at")
# Each test's finished runs that judged it, on each branch: 1 if its final outcome failed.
_TIMELINE = (
    "SELECT a.test_id, coalesce(r.vcs_branch, '') AS branch, r.started_at, r.run_id, "
    f"max(CASE WHEN a.outcome IN {FAILING} THEN 1 ELSE 0 END) AS failed "
    "FROM test_attempts a JOIN runs r ON r.run_id = a.run_id "
    f"WHERE {{where}} AND r.status = 'finished' AND a.is_final = 1 AND a.outcome IN {JUDGED} "
    "GROUP BY a.test_id, coalesce(r.vcs_branch, ''), r.started_at, r.run_id"
)


def refresh(conn: Any, run_id: str) -> tuple[str, set[float]] | None:
    """Fold the finished run ``run_id`` into its tests' episodes: its project and the days changed."""
    run = conn.execute("SELECT project, started_at, coalesce(vcs_branch, '') FROM runs "
                       "WHERE run_id = ? AND status = 'finished'", (run_id,)).fetchone()
    if run is None:
        return None
    project, at, branch = run
    mark = conn.execute("SELECT last_run_at FROM test_episode_branches WHERE project = ? AND branch = ?",
                        (project, branch)).fetchone()
    opened = {row[0] for row in conn.execute(f"SELECT test_id FROM test_episodes WHERE {_OPEN}", (project, branch))}
    judged = conn.execute(_JUDGED_IN_RUN, (run_id, json.dumps(sorted(opened)))).fetchall()
    failing = {test_id for test_id, failed in judged if failed}
    conn.execute(_MARK, (project, branch, at))
    if mark is not None and at <= mark[0]:  # late: fold the timelines it may change again
        reaching = {row[0] for row in conn.execute(
            "SELECT DISTINCT test_id FROM test_episodes WHERE project = ? AND branch = ? "
            "AND (ended_at IS NULL OR ended_at > ?)", (project, branch, at))}
        return project, refold(conn, project, branch, failing | reaching)
    passed = sorted(test_id for test_id, failed in judged if not failed and test_id in opened)
    longer, new = sorted(failing & opened), sorted(failing - opened)
    if passed:
        conn.execute(f"UPDATE test_episodes SET ended_at = ?, end_run = ? WHERE {_OPEN} AND test_id IN {_IDS}",
                     (at, run_id, project, branch, json.dumps(passed)))
    if longer:
        conn.execute(f"UPDATE test_episodes SET runs = runs + 1, last_fail_at = ? WHERE {_OPEN} AND test_id IN {_IDS}",
                     (at, project, branch, json.dumps(longer)))
    if new:
        conn.execute(_NEW, {"branch": branch, "project": project, "at": at, "run_id": run_id, "ids": json.dumps(new)})
    return project, {day_of(at)} if passed or failing else set()


def refold(conn: Any, project: str, branch: str, test_ids: Iterable[int]) -> set[float]:
    """Fold these tests' timelines on ``branch`` again from their runs; the days changed."""
    ids = json.dumps(sorted(test_ids))
    if ids == "[]":
        return set()
    scope = f"project = ? AND branch = ? AND test_id IN {_IDS}"
    days = _days(conn.execute(f"SELECT started_at, ended_at FROM test_episodes WHERE {scope}", (project, branch, ids)))
    conn.execute(f"DELETE FROM test_episodes WHERE {scope}", (project, branch, ids))
    rows = conn.execute(_TIMELINE.format(where=f"r.project = ? AND coalesce(r.vcs_branch, '') = ? AND a.test_id IN {_IDS}"),
                        (project, branch, ids)).fetchall()
    return days | _write(conn, project, rows)


def rebuild(conn: Any, project: str | None = None) -> int:
    """Fold every timeline (of one project) again from the runs; returns how many episodes."""
    where, args = ("project = ?", (project,)) if project else ("1 = 1", ())
    conn.execute(f"DELETE FROM test_episodes WHERE {where}", args)
    conn.execute(f"DELETE FROM test_episode_branches WHERE {where}", args)
    conn.execute(
        "INSERT INTO test_episode_branches (project, branch, last_run_at) "
        f"SELECT project, coalesce(vcs_branch, ''), max(started_at) FROM runs WHERE status = 'finished' AND {where} "
        "GROUP BY project, coalesce(vcs_branch, '')", args)
    projects = [project] if project else [row[0] for row in conn.execute("SELECT DISTINCT project FROM runs")]
    count = 0
    for name in projects:
        rows = conn.execute(_TIMELINE.format(where="r.project = ?"), (name,)).fetchall()
        count += len(_write(conn, name, rows, count_only=True))
    return count


def _write(conn: Any, project: str, rows: list, count_only: bool = False) -> Any:
    """Fold timeline rows into episodes and insert them: the days they touch (or the episodes)."""
    ordered = sorted((test_id, branch, float(at), run_id, bool(failed)) for test_id, branch, at, run_id, failed in rows)
    found: list[tuple] = []
    for (test_id, branch), runs in groupby(ordered, key=lambda row: (row[0], row[1])):
        found.extend(_row(test_id, branch, project, episode)
                     for episode in fold_episodes((at, run_id, failed) for _, _, at, run_id, failed in runs))
    conn.executemany(_INSERT, found)
    return found if count_only else _days((row[3], row[7]) for row in found)


def _row(test_id: int, branch: str, project: str, e: Episode) -> tuple:
    return (test_id, branch, project, e.started_at, e.start_run, e.last_fail_at, e.runs, e.ended_at, e.end_run,
            e.previous_end)


def _days(spans: Iterable[tuple[float, float | None]]) -> set[float]:
    return {day_of(moment) for span in spans for moment in span if moment is not None}
