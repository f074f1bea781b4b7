"""The per-test, per-day rollup (``test_daily``, ``test_daily_durations``), folded by SQL.

A write queues the attempts it stored for the first time in ``test_daily_pending`` (a batch
sent twice queues them once); a fold adds the queued attempts to their days' rows and
empties the queue. Counts add up, and durations are counted per 5 %-wide bucket
(``vpt_bucket``, as :func:`pytest_vpt.analytics.buckets.bucket`), which add up too, so a
week's p95 is read from seven days of buckets per test. One fold of many batches costs
about what one fold of one batch costs: the service folds in the background.
"""

from __future__ import annotations

import math
from typing import Any

DAY = 86400.0
OUTCOMES = ("passed", "failed", "error", "skipped", "xfailed", "xpassed")
PENDING_COLUMNS = ("test_id", "started_at", "outcome", "is_final", "duration", "quarantined")
_DAY = f"floor(p.started_at / {DAY}) * {DAY}"
_FINAL = "p.is_final = 1"
_TIMED = f"{_FINAL} AND p.outcome != 'skipped' AND p.duration IS NOT NULL"
_COUNTS = {
    "attempts": "count(*)",
    "runs": f"sum(CASE WHEN {_FINAL} THEN 1 ELSE 0 END)",
    **{o: f"sum(CASE WHEN {_FINAL} AND p.outcome = '{o}' THEN 1 ELSE 0 END)" for o in OUTCOMES},
    "reruns": f"sum(CASE WHEN {_FINAL} THEN 0 ELSE 1 END)",
    "quarantined": f"sum(CASE WHEN {_FINAL} AND p.quarantined = 1 THEN 1 ELSE 0 END)",
    "duration_sum": f"coalesce(sum(CASE WHEN {_TIMED} THEN p.duration END), 0)",
    "duration_count": f"sum(CASE WHEN {_TIMED} THEN 1 ELSE 0 END)",
}
# {source}: the queued attempts (a table, or PostgreSQL's rows taken off the queue). Each
# statement writes its rows in key order, so concurrent folds take row locks alike.
_FOLD_COUNTS = (
    f"INSERT INTO test_daily (test_id, day, project, {', '.join(_COUNTS)}) "
    f"SELECT p.test_id, {_DAY}, c.project, {', '.join(_COUNTS.values())} "
    "FROM {source} p JOIN test_cases c ON c.test_id = p.test_id "
    f"GROUP BY p.test_id, {_DAY}, c.project ORDER BY 1, 2 "
    f"ON CONFLICT (test_id, day) DO UPDATE SET {', '.join(f'{c} = test_daily.{c} + excluded.{c}' for c in _COUNTS)}"
)
_FOLD_DURATIONS = (
    "INSERT INTO test_daily_durations (project, day, test_id, bucket, n) "
    f"SELECT c.project, {_DAY}, p.test_id, vpt_bucket(p.duration), count(*) "
    f"FROM {{source}} p JOIN test_cases c ON c.test_id = p.test_id WHERE {_TIMED} "
    "GROUP BY c.project, 2, p.test_id, 4 ORDER BY 1, 2, 3, 4 "
    "ON CONFLICT (project, day, test_id, bucket) DO UPDATE SET n = test_daily_durations.n + excluded.n"
)
_FOLD_LOCK = 0x76707464  # one fold at a time: concurrent ones would only wait on each other's rows


def day_of(moment: float) -> float:
    return math.floor(moment / DAY) * DAY


def fold(conn: Any) -> None:
    """Fold the queued attempts (the caller's transaction is the only writer: SQLite)."""
    conn.execute(_FOLD_COUNTS.format(source="test_daily_pending"))
    conn.execute(_FOLD_DURATIONS.format(source="test_daily_pending"))
    conn.execute("DELETE FROM test_daily_pending")


def fold_concurrently(conn: Any) -> None:
    """Fold the attempts queued by transactions committed so far, while others write
    (PostgreSQL): rows are taken off the queue and folded in one statement."""
    conn.execute("SELECT pg_advisory_xact_lock(?)", (_FOLD_LOCK,))
    conn.execute(
        f"WITH taken AS (DELETE FROM test_daily_pending RETURNING {', '.join(PENDING_COLUMNS)}), "
        f"counted AS ({_FOLD_COUNTS.format(source='taken')}) {_FOLD_DURATIONS.format(source='taken')}"
    )


def requeue(conn: Any, project: str | None = None) -> int:
    """Empty the rollup (of one project) and queue every stored attempt again; returns how many."""
    where, args = ("WHERE project = ?", (project,)) if project else ("", ())
    conn.execute(f"DELETE FROM test_daily {where}", args)
    conn.execute(f"DELETE FROM test_daily_durations {where}", args)
    owned = "WHERE test_id IN (SELECT test_id FROM test_cases WHERE project = ?)" if project else ""
    conn.execute(f"DELETE FROM test_daily_pending {owned}", args)
    return conn.execute(
        f"INSERT INTO test_daily_pending ({', '.join(PENDING_COLUMNS)}) "
        f"SELECT {', '.join(PENDING_COLUMNS)} FROM test_attempts {owned}", args,
    ).rowcount
