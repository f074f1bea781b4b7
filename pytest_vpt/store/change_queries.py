"""Where durations and pass rates changed in a window, read through rollups and indexes only.

Durations: the candidate tests come from the daily rollup (``test_daily``: each test's
duration histogram per day): a test is one when the spread of its days, the highest day's
p75 over the lowest day's p25, reaches the detector's least ratio; the ``max_tests`` with
the widest spread of daily medians are examined. For each, its final attempts' durations,
the newest ``max_runs`` of the window, are read through the ``(test_id, started_at)`` index,
with their runs' commits; failed and erroneous attempts are left out of the detection (they
may have stopped early). Pass rates: the project's finished runs of the window (the newest
``max_runs``), each its own pass rate (passed among judged, as ``pass_rate_per_day``); of
one test, its final attempts, passed (1) or failed (0). Each series goes through
:func:`pytest_vpt.analytics.changes.find_changes`, so each change names the run it started at.
"""

from __future__ import annotations

from typing import Any

from ..analytics.buckets import percentile
from ..analytics.changes import DURATIONS, RATES, ChangeSettings, find_changes
from ..analytics.rates import pass_rate
from .daily import day_of, histogram
from .sql import same_nodeid

_FAILED = ("failed", "error")


def test_id_of(conn: Any, project: str, nodeid: str) -> int | None:
    row = conn.execute(f"SELECT test_id FROM test_cases WHERE project = ? AND {same_nodeid('nodeid')}",
                       (project, nodeid, nodeid)).fetchone()
    return None if row is None else int(row[0])


def candidates(conn: Any, project: str, since: float, until: float, min_ratio: float,
               limit: int) -> list[tuple[int, str]]:
    """The tests whose daily durations spread by ``min_ratio`` or more, widest first."""
    days: dict[int, list[tuple[float, float, float]]] = {}
    names: dict[int, str] = {}
    for test_id, nodeid, hist in conn.execute(
        "SELECT d.test_id, c.nodeid, d.duration_hist FROM test_daily d JOIN test_cases c ON c.test_id = d.test_id "
        "WHERE d.project = ? AND d.day >= ? AND d.day <= ? AND d.duration_count > 0",
        (project, day_of(since), day_of(until)),
    ):
        counts = dict(histogram(hist))
        if counts:
            names[test_id] = nodeid
            days.setdefault(test_id, []).append((percentile(counts, 0.25), percentile(counts, 0.5),
                                                 percentile(counts, 0.75)))
    spread = []
    for test_id, figures in days.items():
        low, high = min(f[0] for f in figures), max(f[2] for f in figures)
        medians = [f[1] for f in figures]
        if high >= low * min_ratio:
            spread.append((-max(medians) / min(medians), -high / low, names[test_id], test_id))
    return [(test_id, nodeid) for *_, nodeid, test_id in sorted(spread)[:limit]]


def _attempts(conn: Any, test_id: int, since: float, until: float, limit: int) -> list[tuple]:
    """A test's final attempts in the window (the newest ``limit``), oldest first: run id,
    start, duration, outcome, commit."""
    rows = conn.execute(
        "SELECT a.run_id, r.started_at, a.duration, a.outcome, r.vcs_revision FROM test_attempts a "
        "JOIN runs r ON r.run_id = a.run_id WHERE a.test_id = ? AND a.started_at >= ? AND a.started_at <= ? "
        "AND a.is_final = 1 AND a.outcome != 'skipped' ORDER BY a.started_at DESC LIMIT ?",
        (test_id, since, until, limit),
    ).fetchall()
    return [tuple(row) for row in reversed(rows)]


def _runs(conn: Any, project: str, since: float, until: float, limit: int) -> list[tuple]:
    """The project's finished runs in the window that judged a test (the newest ``limit``),
    oldest first: run id, start, commit, pass rate."""
    rows = conn.execute(
        "SELECT run_id, started_at, vcs_revision, passed, failed, error, quarantined FROM runs "
        "WHERE project = ? AND status = 'finished' AND started_at >= ? AND started_at <= ? "
        "ORDER BY started_at DESC LIMIT ?", (project, since, until, limit),
    ).fetchall()
    found = []
    for run_id, started_at, commit, passed, failed, error, quarantined in reversed(rows):
        rate = pass_rate({"passed": passed, "failed": failed, "error": error, "quarantined": quarantined})
        if rate is not None:
            found.append((run_id, started_at, commit, rate))
    return found


def _changes(kind: str, nodeid: str | None, values: list[float], at: list[tuple], settings: ChangeSettings,
             outliers: list[bool] | None = None) -> list[dict[str, Any]]:
    """The changes of one series, each with the run (id, start, commit) of its first value."""
    return [{"kind": kind, "nodeid": nodeid, "before": change.before, "after": change.after, "ratio": change.ratio,
             "at": at[change.index][1], "run_id": at[change.index][0], "commit": at[change.index][2],
             "index": change.index, "p_value": change.p_value}
            for change in find_changes(values, settings, outliers)]


def changes(conn: Any, project: str, since: float, until: float, nodeid: str | None = None,
            max_tests: int = 100, max_runs: int = 200) -> dict[str, Any]:
    """The window's changes (newest first), how many runs were read (of the project, or of
    the test) and how many tests' durations examined; of one test (``nodeid``), only its own."""
    found: list[dict[str, Any]] = []
    if nodeid is None:
        tests = candidates(conn, project, since, until, DURATIONS.min_ratio, max_tests)
        runs = _runs(conn, project, since, until, max_runs)
        found += _changes("pass_rate", None, [run[3] for run in runs], [run[:3] for run in runs], RATES)
        read = len(runs)
    else:
        test_id = test_id_of(conn, project, nodeid)
        tests, read = ([] if test_id is None else [(test_id, nodeid)]), 0
    for test_id, name in tests:
        attempts = _attempts(conn, test_id, since, until, max_runs)
        timed = [row for row in attempts if row[2] is not None]
        found += _changes("duration", name, [row[2] for row in timed], [(r[0], r[1], r[4]) for r in timed],
                          DURATIONS, [row[3] in _FAILED for row in timed])
        if nodeid is not None:
            judged = [row for row in attempts if row[3] in ("passed", *_FAILED)]
            found += _changes("pass_rate", name, [float(row[3] == "passed") for row in judged],
                              [(r[0], r[1], r[4]) for r in judged], RATES)
            read = len(attempts)
    found.sort(key=lambda change: (-change["at"], change["kind"], change["nodeid"] or ""))
    return {"project": project, "since": since, "until": until, "runs": read, "tests": len(tests), "changes": found}
