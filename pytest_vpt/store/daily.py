"""The per-test, per-day rollup (``test_daily``), folded by SQL.

A write queues the attempts it stored for the first time in ``test_daily_pending`` (a batch
sent twice queues them once); a fold adds the queued attempts to their days' rows and
empties the queue. Counts add up, and so do the seconds that reruns, failing final attempts
and quarantined ones took (what testing costs: store/costs.py); a day's durations are a
histogram of 5 %-wide buckets (``vpt_bucket``, as :func:`pytest_vpt.analytics.buckets.bucket`)
kept as the text ``"bucket count bucket count ..."`` and merged by ``vpt_merge_hist`` (:func:`merge_hist`),
so a week's p95 is read from seven rows per test. The day's p50 and p95 are kept beside it
(``p50_seconds``, ``p95_seconds``: ``vpt_hist_percentile``, as :func:`hist_percentile`) for
plain SQL to read (Grafana has no ``vpt_merge_hist``), and so are all the project's tests'
durations of the day (``duration_daily``: count, sum, histogram, p50, p95), folded from the
same queued attempts in one more statement (in the same one on PostgreSQL). One fold of many
batches costs about what one fold of one batch costs: the service folds in the background. On
SQLite a test's day is merged once per fold, its attempts bucketed in plain SQL, and histograms
met again (most are alike) are not merged or read again.

A poison item cannot stop the fold: a duration out of range (infinite, NaN, negative, longer
than ``LONGEST``) is counted without its duration and listed in ``rollup_failures``; if the
fold fails all the same, it narrows to projects, then tests, and sets aside (with the error)
only the attempts of a test that cannot be folded. ``vpt db rebuild`` tries them again.
"""

from __future__ import annotations

import json
import math
import time
from bisect import bisect_left
from collections.abc import Callable, Iterator
from functools import lru_cache
from itertools import accumulate
from typing import Any

from ..analytics.buckets import middle
from ..events import DURATION_MAX
from . import rollup_failures

DAY = 86400.0
OUTCOMES = ("passed", "failed", "error", "skipped", "xfailed", "xpassed")
PENDING_COLUMNS = ("test_id", "started_at", "outcome", "is_final", "duration", "quarantined")
#: the longest duration folded: setup, call and teardown, each within the wire format's limit
LONGEST = 3 * DURATION_MAX
OUT_OF_RANGE = f"a duration outside 0 to {LONGEST:.0f} s: counted without it"
# a time within the first day is day 0 (PostgreSQL's division of 5e-324 underflows: an error)
_DAY = f"(CASE WHEN p.started_at >= 0 AND p.started_at < {DAY} THEN 0 ELSE floor(p.started_at / {DAY}) * {DAY} END)"
_FINAL = "p.is_final = 1"
_IN_RANGE = f"p.duration >= 0 AND p.duration <= {LONGEST}"  # false for NULL, NaN and infinities
_TIMED = f"{_FINAL} AND p.outcome != 'skipped' AND {_IN_RANGE}"
_COUNTS = {
    "attempts": "count(*)",
    "runs": f"sum(CASE WHEN {_FINAL} THEN 1 ELSE 0 END)",
    **{o: f"sum(CASE WHEN {_FINAL} AND p.outcome = '{o}' THEN 1 ELSE 0 END)" for o in OUTCOMES},
    "reruns": f"sum(CASE WHEN {_FINAL} THEN 0 ELSE 1 END)",
    "quarantined": f"sum(CASE WHEN {_FINAL} AND p.quarantined = 1 THEN 1 ELSE 0 END)",
    "duration_sum": f"coalesce(sum(CASE WHEN {_TIMED} THEN p.duration END), 0)",
    "duration_count": f"sum(CASE WHEN {_TIMED} THEN 1 ELSE 0 END)",
    # what testing costs (store/costs.py): the seconds of reruns, of failing and of quarantined final attempts
    "rerun_duration_sum": f"coalesce(sum(CASE WHEN {_FINAL} THEN NULL WHEN {_IN_RANGE} THEN p.duration END), 0)",
    "failed_duration_sum": f"coalesce(sum(CASE WHEN {_FINAL} AND p.outcome IN ('failed', 'error') AND {_IN_RANGE} "
                           "THEN p.duration END), 0)",
    "quarantined_duration_sum": f"coalesce(sum(CASE WHEN {_FINAL} AND p.quarantined = 1 AND {_IN_RANGE} "
                                "THEN p.duration END), 0)",
}
# The queued attempts in scope ({where}) as "queued": read (SQLite, the only writer), or taken
# off the queue in the same statement (PostgreSQL, while others write).
_READ = f"queued AS (SELECT {', '.join(PENDING_COLUMNS)} FROM test_daily_pending WHERE {{where}})"
_TAKE = f"queued AS (DELETE FROM test_daily_pending WHERE {{where}} RETURNING {', '.join(PENDING_COLUMNS)})"
# Attempts whose duration is out of range are counted without it, and the test is listed.
_FLAG = (
    "INSERT INTO rollup_failures (what, test_id, project, error, at, count) "
    f"SELECT 'duration', p.test_id, c.project, '{OUT_OF_RANGE}', ?, count(*) "
    "FROM queued p JOIN test_cases c ON c.test_id = p.test_id "
    f"WHERE p.duration IS NOT NULL AND NOT ({_IN_RANGE}) GROUP BY p.test_id, c.project ORDER BY 2 "
    "ON CONFLICT (what, test_id) DO UPDATE SET error = excluded.error, at = excluded.at, "
    "count = rollup_failures.count + excluded.count"
)
# A timed attempt's duration bucket (5 % wide: vpt_bucket, as :func:`bucket`), and as SQLite
# computes the same in plain SQL: libm's logarithm, as Python's, divided alike (durations in range
# are 0 or more; its math functions are needed anyway, for _DAY's floor).
_BUCKET = "vpt_bucket(p.duration)"
_SQLITE_BUCKET = "CAST(floor(ln(max(p.duration, 0.000001)) / ln(1.05)) AS INTEGER)"
# The days' histograms of the batch, then its counts; rows are written in key order, so
# concurrent folds take row locks alike.
_HISTOGRAMS = (
    f"buckets AS (SELECT p.test_id, {_DAY} AS day, {_BUCKET} AS bucket, count(*) AS n "
    f"FROM queued p WHERE {_TIMED} GROUP BY 1, 2, 3), "
    "histograms AS (SELECT test_id, day, group_concat(bucket || ' ' || n, ' ') AS hist FROM buckets GROUP BY 1, 2)"
)
# The percentiles of a histogram (``m``: the day's merged one) that plain SQL reads.
_PERCENTILES = "vpt_hist_percentile({0}, 0.5), vpt_hist_percentile({0}, 0.95)"
_MERGED = ("(duration_hist, p50_seconds, p95_seconds) = (SELECT m, " + _PERCENTILES.format("m") + " FROM "
           "(SELECT vpt_merge_hist({0}.duration_hist, excluded.duration_hist) AS m LIMIT 1) AS merged)")
_COLUMNS = f"test_id, day, project, {', '.join(_COUNTS)}, duration_hist, p50_seconds, p95_seconds"
_ADD_COUNTS = ", ".join(f"{c} = test_daily.{c} + excluded.{c}" for c in _COUNTS)
# Each test's day of the batch ({join}: and its histogram), in key order.
_GROUPED = (f"FROM queued p JOIN test_cases c ON c.test_id = p.test_id {{join}}"
            f"GROUP BY p.test_id, {_DAY}, c.project ORDER BY 1, 2")
_FOLD = (
    f"INSERT INTO test_daily ({_COLUMNS}) "
    f"SELECT p.test_id, {_DAY}, c.project, {', '.join(_COUNTS.values())}, vpt_merge_hist('', max(h.hist)), "
    f"{_PERCENTILES.format('max(h.hist)')} "
    + _GROUPED.format(join=f"LEFT JOIN histograms h ON h.test_id = p.test_id AND h.day = {_DAY} ")
    + f" ON CONFLICT (test_id, day) DO UPDATE SET {_ADD_COUNTS}, " + _MERGED.format("test_daily")
)
# SQLite, the only writer, merges each test's day once, in the SELECT (an INSERT that reads its own
# table reads all of it first): the row the day has (none for a new day) with the batch's durations,
# one bucket per attempt ("b 1 b 1 ...": vpt_merge_hist adds them up); its percentiles are read once,
# from the merged histogram. (The WHERE lets ON CONFLICT follow a SELECT from a subquery.)
_KEPT_HIST = f"(SELECT t.duration_hist FROM test_daily t WHERE t.test_id = p.test_id AND t.day = {_DAY})"
_ATTEMPT_BUCKETS = f"group_concat(CASE WHEN {_TIMED} THEN {_SQLITE_BUCKET} || ' 1' END, ' ')"
_FOLD_MERGED = (
    f"INSERT INTO test_daily ({_COLUMNS}) SELECT *, {_PERCENTILES.format('hist')} FROM ("
    f"SELECT p.test_id, {_DAY}, c.project, {', '.join(_COUNTS.values())}, "
    f"vpt_merge_hist({_KEPT_HIST}, {_ATTEMPT_BUCKETS}) AS hist " + _GROUPED.format(join="")
    + f") WHERE 1 ON CONFLICT (test_id, day) DO UPDATE SET {_ADD_COUNTS}, (duration_hist, p50_seconds, "
    "p95_seconds) = (excluded.duration_hist, excluded.p50_seconds, excluded.p95_seconds)"
)
# The durations of all the project's tests per day (duration_daily), from the same attempts.
_PROJECT_BUCKETS = (
    f"project_buckets AS (SELECT c.project, {_DAY} AS day, {{bucket}} AS bucket, count(*) AS n, "
    "sum(p.duration) AS seconds FROM queued p JOIN test_cases c ON c.test_id = p.test_id "
    f"WHERE {_TIMED} GROUP BY 1, 2, 3)"
)
_HIST = "group_concat(bucket || ' ' || n, ' ')"
_FOLD_PROJECTS = (
    "INSERT INTO duration_daily (project, day, duration_count, duration_sum, duration_hist, p50_seconds, p95_seconds) "
    f"SELECT project, day, sum(n), sum(seconds), vpt_merge_hist('', {_HIST}), {_PERCENTILES.format(_HIST)} "
    "FROM project_buckets GROUP BY project, day ORDER BY 1, 2 "
    "ON CONFLICT (project, day) DO UPDATE SET duration_count = duration_daily.duration_count + excluded.duration_count, "
    "duration_sum = duration_daily.duration_sum + excluded.duration_sum, " + _MERGED.format("duration_daily")
)
_FOLD_LOCK = 0x76707464  # one fold at a time: concurrent ones would only wait on each other's rows
# The scopes a fold narrows to when a wider one fails: everything, a project, some tests.
_EVERYTHING = "1 = 1"
_OF_PROJECT = "test_id IN (SELECT test_id FROM test_cases WHERE project = ?)"
_WITHOUT_CASE = "test_id NOT IN (SELECT test_id FROM test_cases)"
_OF_TESTS = "test_id IN (SELECT CAST(value AS INTEGER) FROM json_each(?))"


def day_of(moment: float) -> float:
    return math.floor(moment / DAY) * DAY


def fold(conn: Any) -> None:
    """Fold the queued attempts (the caller's transaction is the only writer: SQLite)."""

    def fold_scope(where: str, args: tuple) -> None:
        conn.execute(f"WITH {_READ.format(where=where)} {_FLAG}", (*args, time.time()))
        conn.execute(f"WITH {_READ.format(where=where)} {_FOLD_MERGED}", args)
        conn.execute(f"WITH {_READ.format(where=where)}, {_PROJECT_BUCKETS.format(bucket=_SQLITE_BUCKET)} "
                     f"{_FOLD_PROJECTS}", args)
        conn.execute(f"DELETE FROM test_daily_pending WHERE {where}", args)

    _fold_isolating(conn, fold_scope)


def fold_concurrently(conn: Any) -> None:
    """Fold the attempts queued by transactions committed so far, while others write
    (PostgreSQL): rows are taken off the queue and folded in one statement."""
    conn.execute("SELECT pg_advisory_xact_lock(?)", (_FOLD_LOCK,))

    def fold_scope(where: str, args: tuple) -> None:
        conn.execute(f"WITH {_TAKE.format(where=where)}, flagged AS ({_FLAG}), {_HISTOGRAMS}, tests AS ({_FOLD}), "
                     f"{_PROJECT_BUCKETS.format(bucket=_BUCKET)} {_FOLD_PROJECTS}", (*args, time.time()))

    _fold_isolating(conn, fold_scope)


def _fold_isolating(conn: Any, fold_scope: Callable[[str, tuple], None]) -> None:
    """Fold everything at once; if that fails, project by project, and a project that fails
    test by test (halving its tests), so that only a test whose own attempts cannot be
    folded is left out: its attempts are taken off the queue and set aside, with the error."""
    if rollup_failures.attempt(conn, fold_scope, _EVERYTHING, ()) is None:
        return
    projects = [row[0] for row in conn.execute(
        "SELECT DISTINCT c.project FROM test_daily_pending p LEFT JOIN test_cases c ON c.test_id = p.test_id")]
    for project in projects:
        where, args = (_OF_PROJECT, (project,)) if project is not None else (_WITHOUT_CASE, ())
        if rollup_failures.attempt(conn, fold_scope, where, args) is None or project is None:
            continue
        tests = [row[0] for row in conn.execute(
            f"SELECT DISTINCT test_id FROM test_daily_pending WHERE {_OF_PROJECT} ORDER BY 1", (project,))]
        _halves(conn, fold_scope, tests)


def _halves(conn: Any, fold_scope: Callable[[str, tuple], None], tests: list[int]) -> None:
    """Fold these tests' attempts, which fail together, in halves; set aside a single failing one."""
    if len(tests) == 1:
        error = rollup_failures.attempt(conn, fold_scope, _OF_TESTS, (json.dumps(tests),))
        if error is not None:
            _set_aside(conn, tests[0], error)
        return
    for half in (tests[:len(tests) // 2], tests[len(tests) // 2:]):
        if len(half) == 1 or rollup_failures.attempt(conn, fold_scope, _OF_TESTS, (json.dumps(half),)) is not None:
            _halves(conn, fold_scope, half)


def _set_aside(conn: Any, test_id: int, error: Exception) -> None:
    """Take a test's queued attempts off the queue, recording why and how many."""
    queued = conn.execute("DELETE FROM test_daily_pending WHERE test_id = ?", (test_id,)).rowcount
    rollup_failures.set_aside(conn, "daily", test_id, rollup_failures.reason(error), queued)


def histogram(text: str | None) -> Iterator[tuple[int, int]]:
    """The (bucket, count) pairs of a kept histogram."""
    values = list(map(int, (text or "").split()))
    return zip(values[0::2], values[1::2])


#: how many histograms merged and read are remembered: a fold meets the same ones again and again
_REMEMBERED = 1 << 12


@lru_cache(maxsize=_REMEMBERED)
def merge_hist(a: str | None, b: str | None) -> str:
    """Two histograms added up, in bucket order (``vpt_merge_hist`` in SQL)."""
    if not a and b and b.count(" ") == 1:  # the common cases first: a new day's single bucket,
        return b
    if a and b and a.count(" ") == 1 and b.count(" ") == 1:  # or a single bucket met again
        (bucket_a, count_a), (bucket_b, count_b) = a.split(" "), b.split(" ")
        if bucket_a == bucket_b:
            return f"{bucket_a} {int(count_a) + int(count_b)}"
    merged: dict[int, int] = {}
    for bucket, count in (*histogram(a), *histogram(b)):
        merged[bucket] = merged.get(bucket, 0) + count
    return " ".join(f"{bucket} {merged[bucket]}" for bucket in sorted(merged))


@lru_cache(maxsize=_REMEMBERED)
def hist_percentile(text: str | None, share: float) -> float | None:
    """The duration below which ``share`` of a kept histogram's counts fall, as
    :func:`pytest_vpt.analytics.buckets.percentile` reads it (``vpt_hist_percentile`` in SQL)."""
    if not text:
        return None
    if text.count(" ") == 1:  # the common case: one bucket
        bucket_, count = text.split(" ")
        return middle(int(bucket_)) if int(count) > 0 else None
    values = list(map(int, text.split()))
    pairs = sorted(zip(values[0::2], values[1::2]))
    buckets, seen = [b for b, _ in pairs], list(accumulate(n for _, n in pairs))
    if not seen or not seen[-1]:
        return None
    return middle(buckets[min(bisect_left(seen, share * seen[-1]), len(buckets) - 1)])


def requeue(conn: Any, project: str | None = None) -> int:
    """Empty the rollup (of one project) and queue every stored attempt again; returns how many."""
    where, args = ("WHERE project = ?", (project,)) if project else ("", ())
    conn.execute(f"DELETE FROM test_daily {where}", args)
    conn.execute(f"DELETE FROM duration_daily {where}", args)
    rollup_failures.clear(conn, ("daily", "duration"), project)
    owned = "WHERE test_id IN (SELECT test_id FROM test_cases WHERE project = ?)" if project else ""
    conn.execute(f"DELETE FROM test_daily_pending {owned}", args)
    return conn.execute(
        f"INSERT INTO test_daily_pending ({', '.join(PENDING_COLUMNS)}) "
        f"SELECT {', '.join(PENDING_COLUMNS)} FROM test_attempts {owned}", args,
    ).rowcount
