"""The per-test, per-day rollup (``test_daily``), folded by SQL.

A write queues the attempts it stored for the first time in ``test_daily_pending`` (a batch
sent twice queues them once); a fold adds the queued attempts to their days' rows and
empties the queue. Counts add up; a day's durations are a histogram of 5 %-wide buckets
(``vpt_bucket``, as :func:`pytest_vpt.analytics.buckets.bucket`) kept as the text
``"bucket count bucket count ..."`` and merged by ``vpt_merge_hist`` (:func:`merge_hist`),
so a week's p95 is read from seven rows per test. One fold of many batches costs about what
one fold of one batch costs: the service folds in the background.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
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
# {source}: the queued attempts (a table, or PostgreSQL's rows taken off the queue). The
# days' histograms of the batch, then its counts; rows are written in key order, so
# concurrent folds take row locks alike.
_HISTOGRAMS = (
    f"buckets AS (SELECT p.test_id, {_DAY} AS day, vpt_bucket(p.duration) AS bucket, count(*) AS n "
    f"FROM {{source}} p WHERE {_TIMED} GROUP BY 1, 2, 3), "
    "histograms AS (SELECT test_id, day, group_concat(bucket || ' ' || n, ' ') AS hist FROM buckets GROUP BY 1, 2)"
)
_FOLD = (
    f"INSERT INTO test_daily (test_id, day, project, {', '.join(_COUNTS)}, duration_hist) "
    f"SELECT p.test_id, {_DAY}, c.project, {', '.join(_COUNTS.values())}, vpt_merge_hist('', max(h.hist)) "
    "FROM {source} p JOIN test_cases c ON c.test_id = p.test_id "
    f"LEFT JOIN histograms h ON h.test_id = p.test_id AND h.day = {_DAY} "
    f"GROUP BY p.test_id, {_DAY}, c.project ORDER BY 1, 2 "
    f"ON CONFLICT (test_id, day) DO UPDATE SET {', '.join(f'{c} = test_daily.{c} + excluded.{c}' for c in _COUNTS)}, "
    "duration_hist = vpt_merge_hist(test_daily.duration_hist, excluded.duration_hist)"
)
_FOLD_LOCK = 0x76707464  # one fold at a time: concurrent ones would only wait on each other's rows


def day_of(moment: float) -> float:
    return math.floor(moment / DAY) * DAY


def fold(conn: Any) -> None:
    """Fold the queued attempts (the caller's transaction is the only writer: SQLite)."""
    conn.execute(f"WITH {_HISTOGRAMS.format(source='test_daily_pending')} {_FOLD.format(source='test_daily_pending')}")
    conn.execute("DELETE FROM test_daily_pending")


def fold_concurrently(conn: Any) -> None:
    """Fold the attempts queued by transactions committed so far, while others write
    (PostgreSQL): rows are taken off the queue and folded in one statement."""
    conn.execute("SELECT pg_advisory_xact_lock(?)", (_FOLD_LOCK,))
    conn.execute(f"WITH taken AS (DELETE FROM test_daily_pending RETURNING {', '.join(PENDING_COLUMNS)}), "
                 f"{_HISTOGRAMS.format(source='taken')} {_FOLD.format(source='taken')}")


def histogram(text: str | None) -> Iterator[tuple[int, int]]:
    """The (bucket, count) pairs of a kept histogram."""
    values = list(map(int, (text or "").split()))
    return zip(values[0::2], values[1::2])


def merge_hist(a: str | None, b: str | None) -> str:
    """Two histograms added up, in bucket order (``vpt_merge_hist`` in SQL)."""
    merged: dict[int, int] = {}
    for bucket, count in (*histogram(a), *histogram(b)):
        merged[bucket] = merged.get(bucket, 0) + count
    return " ".join(f"{bucket} {merged[bucket]}" for bucket in sorted(merged))


def requeue(conn: Any, project: str | None = None) -> int:
    """Empty the rollup (of one project) and queue every stored attempt again; returns how many."""
    where, args = ("WHERE project = ?", (project,)) if project else ("", ())
    conn.execute(f"DELETE FROM test_daily {where}", args)
    owned = "WHERE test_id IN (SELECT test_id FROM test_cases WHERE project = ?)" if project else ""
    conn.execute(f"DELETE FROM test_daily_pending {owned}", args)
    return conn.execute(
        f"INSERT INTO test_daily_pending ({', '.join(PENDING_COLUMNS)}) "
        f"SELECT {', '.join(PENDING_COLUMNS)} FROM test_attempts {owned}", args,
    ).rowcount
