"""The flakiness rollup (``test_flakiness``) and the quarantine, kept up to date per run.

:func:`refresh` folds one finished run into the rows of the tests it ran: counters grow,
and the verdict is recomputed from the test's latest runs, which are read only when the
test failed recently (a test with a window of clean passes gets the clean verdict without
reading anything, in one SQL statement for all of them: store.clean_passes). :func:`rebuild`
replays every finished run in order through the same fold, so it gives the same table.

The rollup records which runs each row holds (``test_flakiness_runs``): a run folded again
(a spool sent twice) changes nothing, and an older run arriving late is folded once, its
counts added and the verdict drawn again from the history. A verdict that fails for one
test is set aside in ``rollup_failures`` and the rest of the run is folded.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ..analytics.flakiness import PASS, Assessment, FlakinessSettings, TestRun, assess, clean_assessment
from ..analytics.flakiness.verdict import PFS_RUNS
from ..quarantine.rules import Entry, QuarantinePolicy, next_entry
from . import clean_passes, rollup_failures
from .clean_passes import VERDICT_OUTCOMES, VERDICTS
from .changes import RunChanges
from .sql import upsert

_ROW = (
    "test_id", "project", "status", "reason", "probability", "score", "flip_rate", "runs", "attempts",
    "failures", "failed_runs", "pass_on_retry", "mixed_commits", "consecutive_passes", "last_unclean_at",
    "first_flaky_at", "last_flaky_at", "flaky_branches", "previous_status", "status_since", "first_run_at",
    "last_run_at", "last_run_id", "last_branch",
)
_UPSERT = upsert("test_flakiness", _ROW, ("test_id",))
_ENTRY = ("project", "nodeid", "source", "reason", "entered_at", "entered_run", "passes", "left_at", "left_reason")
_UPSERT_ENTRY = upsert("quarantine", _ENTRY, ("project", "nodeid"))


_CHUNK = 2000  # tests folded at a time


@dataclass
class _RunOfTest:
    test_id: int
    nodeid: str
    attempts: str = ""
    attempt_count: int = 0


def refresh(
    conn: sqlite3.Connection, run_id: str, settings: FlakinessSettings = FlakinessSettings(),
    policy: QuarantinePolicy | None = QuarantinePolicy(), explicit: dict[str, tuple[str, str]] | None = None,
) -> RunChanges:
    """Fold the finished run ``run_id`` into its tests' rows (inside the caller's transaction).

    ``policy`` None leaves the quarantine untouched (a rebuild); ``explicit`` maps node ids
    to the (source, reason) of a list file or marker that asks for their quarantine.
    """
    changes = RunChanges()
    run = conn.execute(
        "SELECT project, started_at, vcs_revision, vcs_dirty, vcs_branch FROM runs "
        "WHERE run_id = ? AND status = 'finished'", (run_id,)
    ).fetchone()
    if run is None:
        return changes
    project, started_at, revision, dirty, branch = run
    # if the clean passes cannot be folded at once, each is folded (or set aside) with the others;
    # the first clean passes are looked for only when some test of the run has no row yet
    fold_args = (conn, run_id, project, started_at, branch, settings, explicit or {})
    rollup_failures.attempt(conn, clean_passes.fold_again, *fold_args)
    left = _left_over(conn, run_id, until_new=True)
    if left is None:
        rollup_failures.attempt(conn, clean_passes.fold_first, *fold_args)
        left = _left_over(conn, run_id)
    entries = _entries(conn, project) if policy is not None else {}
    failed: list[int] = []
    became: dict[int, tuple[str, str, str]] = {}
    quarantine: dict[int, tuple[str, str, str]] = {}
    this_run = dict(run_id=run_id, started_at=started_at, revision=revision, dirty=dirty, branch=branch)
    for tests in _tests_in_chunks(conn, run_id, project, left):
        failed += _fold_tests(conn, tests, project, this_run, settings, policy, explicit or {}, entries, became,
                              quarantine)
    _hold(conn, run_id, project, failed)
    changes.became = [change for test_id, change in became.items() if test_id not in failed]
    changes.quarantine = [change for test_id, change in quarantine.items() if test_id not in failed]
    return changes


def _fold_tests(
    conn: sqlite3.Connection, tests: list[_RunOfTest], project: str, this_run: dict[str, Any],
    settings: FlakinessSettings, policy: QuarantinePolicy | None, explicit: dict[str, tuple[str, str]],
    entries: dict[str, Entry], became: dict[int, tuple[str, str, str]], quarantine: dict[int, tuple[str, str, str]],
) -> list[int]:
    """Fold one chunk of the run's tests into their rows; note which became flaky or broken and
    which entered or left the quarantine; return those set aside."""
    run_id, started_at = this_run["run_id"], this_run["started_at"]
    rows = {row["test_id"]: dict(row) for row in conn.execute(
        "SELECT * FROM test_flakiness WHERE test_id IN (SELECT CAST(value AS INTEGER) FROM json_each(?)) "
        "AND last_run_id != ?", (json.dumps([test.test_id for test in tests]), run_id)
    )}
    written: dict[int, tuple[tuple, list[tuple]]] = {}  # test id -> its row, its quarantine entry (or none)
    failed: list[int] = []
    for test in tests:
        old = rows.get(test.test_id)
        try:
            row, verdict = _fold(conn, old, test, project, this_run, settings)
            entry, happened = (None, None) if policy is None else next_entry(
                entries.get(test.nodeid), nodeid=test.nodeid, run_id=run_id, at=started_at,
                clean=test.attempts == PASS, status=row["status"], reason=row["reason"],
                last_flaky_at=row["last_flaky_at"], explicit=explicit.get(test.nodeid), policy=policy,
            )
        except Exception as exc:  # a poison history: this test is set aside, the others fold
            rollup_failures.set_aside(conn, "flakiness", test.test_id, rollup_failures.reason(exc), run_id=run_id)
            failed.append(test.test_id)
            continue
        new_entries: list[tuple] = []
        if verdict.status in ("flaky", "broken") and (old is None or old["status"] != verdict.status):
            became[test.test_id] = (test.nodeid, verdict.status, verdict.reason)
        if entry is not None and entry != entries.get(test.nodeid):
            new_entries.append((project, *(getattr(entry, c) for c in _ENTRY[1:])))
        if happened:
            quarantine[test.test_id] = (test.nodeid, happened,
                                        entry.reason if happened == "entered" else entry.left_reason)
        written[test.test_id] = (tuple(row[c] for c in _ROW), new_entries)
    return failed + _write(conn, run_id, written)


def _write(conn: sqlite3.Connection, run_id: str, written: dict[int, tuple[tuple, list[tuple]]]) -> list[int]:
    """Write the tests' new rows and entries: all at once, or if that fails one test at a
    time, setting aside a test whose row cannot be written; returns those set aside."""
    def write(rows: list[tuple], entries: list[tuple]) -> None:
        conn.executemany(_UPSERT, rows)
        conn.executemany(_UPSERT_ENTRY, entries)

    everything = [row for row, _ in written.values()], [e for _, entries in written.values() for e in entries]
    if rollup_failures.attempt(conn, write, *everything) is None:
        return []
    failed = []
    for test_id, (row, entries) in written.items():
        error = rollup_failures.attempt(conn, write, [row], entries)
        if error is not None:
            rollup_failures.set_aside(conn, "flakiness", test_id, rollup_failures.reason(error), run_id=run_id)
            failed.append(test_id)
    return failed


def _hold(conn: sqlite3.Connection, run_id: str, project: str, failed: list[int]) -> None:
    """Record that the rows of the run's tests (its project's, but those ``failed``) now hold it."""
    conn.execute(
        # the run's tests found through their test cases' key, in its order, so the rows are written
        # in key order (written at random places, each would cost a page of its own); the project
        # is compared, not searched (c.project || '' keeps the planner off the project's test cases)
        "INSERT INTO test_flakiness_runs (run_id, test_id) SELECT ?, c.test_id FROM test_cases c "
        f"WHERE c.test_id IN (SELECT test_id FROM test_attempts WHERE run_id = ? AND outcome IN ({VERDICT_OUTCOMES})) "
        "AND c.project || '' = ? AND c.test_id NOT IN (SELECT CAST(value AS INTEGER) FROM json_each(?)) "
        "ORDER BY c.test_id ON CONFLICT DO NOTHING",
        (run_id, run_id, project, json.dumps(failed)),
    )


def rebuild(conn: sqlite3.Connection, settings: FlakinessSettings = FlakinessSettings(),
            project: str | None = None, on_progress: Callable[[int, int], Any] | None = None) -> int:
    """Recompute ``test_flakiness`` from every finished run, oldest first; return the runs
    replayed (each told to ``on_progress(done, total)``). The quarantine, which also holds
    decisions made by hand, is left as it is."""
    where, args = ("WHERE project = ?", (project,)) if project else ("", ())
    conn.execute(f"DELETE FROM test_flakiness {where}", args)
    conn.execute("DELETE FROM test_flakiness_runs " + (
        "WHERE test_id IN (SELECT test_id FROM test_cases WHERE project = ?)" if project else ""), args)
    rollup_failures.clear(conn, ("flakiness",), project)
    run_ids = [r[0] for r in conn.execute(
        f"SELECT run_id FROM runs {where} {'AND' if where else 'WHERE'} status = 'finished' "
        "ORDER BY started_at, run_id", args
    )]
    for done, run_id in enumerate(run_ids, start=1):
        refresh(conn, run_id, settings, policy=None)
        if on_progress is not None:
            on_progress(done, len(run_ids))
    return len(run_ids)


def explain(conn: sqlite3.Connection, test_id: int, total_runs: int,
            settings: FlakinessSettings = FlakinessSettings()) -> tuple[Assessment, list[TestRun]]:
    """The verdict on a test now, with its evidence, and the runs it was drawn from."""
    history = _history(conn, test_id, max(settings.window_runs, PFS_RUNS))
    return assess(history, total_runs, settings), history


def release(conn: sqlite3.Connection, project: str, nodeid: str, reason: str, at: float) -> bool:
    """End a test's quarantine now; False if it was not in force."""
    return conn.execute(
        "UPDATE quarantine SET left_at = ?, left_reason = ? WHERE project = ? AND nodeid = ? AND left_at IS NULL",
        (at, reason, project, nodeid),
    ).rowcount > 0


def forget(conn: sqlite3.Connection, project: str, nodeid: str) -> bool:
    """Drop a test's ended quarantine, so a list line or marker puts it back; False if none."""
    return conn.execute(
        "DELETE FROM quarantine WHERE project = ? AND nodeid = ? AND left_at IS NOT NULL", (project, nodeid)
    ).rowcount > 0


def _left_over(conn: sqlite3.Connection, run_id: str, until_new: bool = False) -> list[int] | None:
    """The ids of the run's tests whose row does not hold it yet (those the clean passes' fold
    left), in order; with ``until_new``, None as soon as one has no row at all (a new test:
    the first clean passes are still to be folded, and a first run of a large suite is not
    listed whole)."""
    # the run's attempts read in their key's order, not sorted and grouped: most often none is left
    left: set[int] = set()
    for test_id, has_row in conn.execute(
            "SELECT a.test_id, f.last_run_id IS NOT NULL FROM test_attempts a LEFT JOIN test_flakiness f "
            "ON f.test_id = a.test_id WHERE a.run_id = ? AND (f.last_run_id IS NULL OR f.last_run_id != a.run_id)",
            (run_id,)):
        if until_new and not has_row:
            return None
        left.add(test_id)
    return sorted(left)


def _tests_in_chunks(conn: sqlite3.Connection, run_id: str, project: str, ids: list[int]) -> Iterator[list[_RunOfTest]]:
    """The run's tests ``ids``, ``_CHUNK`` at a time: a run of 100,000 tests is not held in memory at once."""
    if not ids:
        return
    span = conn.execute("SELECT min(started_at), max(started_at) FROM test_attempts WHERE run_id = ?", (run_id,)).fetchone()
    for start in range(0, len(ids), _CHUNK):
        tests = _tests_of(conn, run_id, project, ids[start:start + _CHUNK], *span)
        if tests:
            yield tests


# A chunk's attempts are found through the (test id, start) index, within the run's span of
# starts: the run's own key (run_id || '' keeps the planner off it), or the project's test
# cases (the project is compared here, not in SQL), would be scanned for every chunk.
_ATTEMPTS_OF_TESTS = (
    "SELECT a.test_id, c.project, c.nodeid, a.attempt, a.outcome FROM test_attempts a "
    "JOIN test_cases c ON c.test_id = a.test_id LEFT JOIN test_flakiness f ON f.test_id = a.test_id "
    "WHERE a.test_id IN (SELECT CAST(value AS INTEGER) FROM json_each(?)) AND a.started_at >= ? AND a.started_at <= ? "
    "AND a.run_id || '' = ? AND (f.last_run_id IS NULL OR f.last_run_id != a.run_id) "
    "AND NOT EXISTS (SELECT 1 FROM test_flakiness_runs h WHERE h.run_id = a.run_id AND h.test_id = a.test_id) "
    "ORDER BY a.test_id, a.attempt, a.started_at"
)


def _tests_of(conn: sqlite3.Connection, run_id: str, project: str, ids: list[int], first: float,
              last: float) -> list[_RunOfTest]:
    """The tests ``ids`` of a run of ``project`` (its attempts started from ``first`` to ``last``) with a
    verdict not yet folded in, each with its attempts' verdicts in order (an attempt stored
    twice counts once)."""
    tests: dict[int, _RunOfTest] = {}
    seen: set[tuple[int, int]] = set()
    for test_id, owner, nodeid, attempt, outcome in conn.execute(
            _ATTEMPTS_OF_TESTS, (json.dumps(ids), first, last, run_id)):
        verdict = VERDICTS.get(outcome)
        if verdict is None or owner != project or (test_id, attempt) in seen:
            continue
        seen.add((test_id, attempt))
        test = tests.get(test_id)
        if test is None:
            test = tests[test_id] = _RunOfTest(test_id, nodeid)
        test.attempts += verdict
        test.attempt_count += 1
    return list(tests.values())


def _fold(conn: sqlite3.Connection, old: dict | None, test: _RunOfTest, project: str, run: dict,
          settings: FlakinessSettings) -> tuple[dict[str, Any], Assessment]:
    """The test's row after this run, and its verdict."""
    at, attempts = run["started_at"], test.attempts
    clean = attempts == PASS
    row = dict(old) if old is not None else {
        "test_id": test.test_id, "project": project, "status": "new", "runs": 0, "attempts": 0, "failures": 0,
        "failed_runs": 0, "pass_on_retry": 0, "consecutive_passes": 0, "last_unclean_at": None,
        "first_flaky_at": None, "last_flaky_at": None, "previous_status": None, "status_since": at,
        "first_run_at": at, "last_run_at": at, "last_run_id": run["run_id"], "last_branch": run["branch"],
    }
    newest = at >= row["last_run_at"]
    until = max(at, row["last_run_at"])  # runs folded so far: a rebuild must not see later ones
    row["runs"] += 1
    row["attempts"] += test.attempt_count
    row["failures"] += attempts.count("F")
    row["failed_runs"] += PASS not in attempts
    row["pass_on_retry"] += "F" in attempts and PASS in attempts[attempts.index("F"):]
    row["first_run_at"] = min(row["first_run_at"], at)
    if not clean:
        row["last_unclean_at"] = max(row["last_unclean_at"] or at, at)
    if newest:
        row["consecutive_passes"] = row["consecutive_passes"] + 1 if clean else 0
        row["last_run_at"], row["last_run_id"], row["last_branch"] = at, run["run_id"], run["branch"]

    passes = row["consecutive_passes"]
    quiet_since = at - settings.window_days * 86400.0
    never_failed = row["last_unclean_at"] is None
    if newest and clean and (never_failed or passes >= PFS_RUNS and (
        passes >= settings.window_runs or row["last_unclean_at"] < quiet_since
    )):
        verdict = clean_assessment(row["runs"], row["runs"] if never_failed else passes)
        branches: Iterable[str] = []
    else:
        history = _history(conn, test.test_id, max(settings.window_runs, PFS_RUNS), until)
        verdict = assess(history, row["runs"], settings)
        if not newest:  # an older run arrived late: count the clean streak from what was read
            streak = next((i for i, r in enumerate(reversed(history)) if not r.clean), None)
            if streak is not None:
                row["consecutive_passes"] = streak
            elif clean and (row["last_unclean_at"] is None or at > row["last_unclean_at"]):
                row["consecutive_passes"] += 1  # within a streak that reaches back past what was read
        evidence = {e.run_id for e in verdict.evidence}
        branches = {r.branch for r in history if r.run_id in evidence and r.branch} if verdict.status == "flaky" else []
    if verdict.status == "flaky" and verdict.flaky_times:
        times = verdict.flaky_times
        row["first_flaky_at"] = min(row["first_flaky_at"] or times[0], *times)
        row["last_flaky_at"] = max(row["last_flaky_at"] or times[-1], *times)
    if old is None or verdict.status != old["status"]:
        row["previous_status"] = old["status"] if old is not None else None
        row["status_since"] = at
    row.update(status=verdict.status, reason=verdict.reason, probability=verdict.probability, score=verdict.score,
               flip_rate=verdict.flip_rate, mixed_commits=verdict.mixed_commits,
               flaky_branches=json.dumps(sorted(branches)))
    return row, verdict


def _history(conn: sqlite3.Connection, test_id: int, runs: int, until: float | None = None) -> list[TestRun]:
    """The test's latest ``runs`` finished runs with a verdict (up to ``until``), oldest first."""
    found: dict[str, list] = {}
    until = until if until is not None else float("inf")
    for run_id, started_at, revision, dirty, branch, attempt, outcome in conn.execute(
        # Only the latest runs' attempts are read: a long history stays in the database.
        "SELECT a.run_id, r.started_at, r.vcs_revision, r.vcs_dirty, r.vcs_branch, a.attempt, a.outcome "
        "FROM test_attempts a JOIN runs r ON r.run_id = a.run_id "
        "WHERE a.test_id = ? AND r.status = 'finished' AND r.started_at <= ? AND a.run_id IN ("
        # newest first along the (test_id, started_at) index, until enough runs are found
        "  SELECT f.run_id FROM test_attempts f "
        f"  WHERE f.test_id = ? AND f.attempt = 1 AND f.outcome IN ({VERDICT_OUTCOMES}) AND EXISTS ("
        "    SELECT 1 FROM runs fr WHERE fr.run_id = f.run_id AND fr.status = 'finished' AND fr.started_at <= ?) "
        "  ORDER BY f.started_at DESC LIMIT ?"
        ") ORDER BY a.started_at DESC",
        (test_id, until, test_id, until, runs),
    ):
        verdict = VERDICTS.get(outcome)
        if verdict is None:
            continue
        if run_id not in found:
            if len(found) == runs:
                break
            found[run_id] = [started_at, revision, dirty, branch, {}]
        found[run_id][4].setdefault(attempt, verdict)  # an attempt stored twice counts once
    return sorted(
        (TestRun(run_id, s, "".join(v for _, v in sorted(a.items())), rev, d, b)
         for run_id, (s, rev, d, b, a) in found.items()),
        key=lambda r: (r.started_at, r.run_id),
    )


def _entries(conn: sqlite3.Connection, project: str) -> dict[str, Entry]:
    return {
        row[0]: Entry(*row) for row in conn.execute(
            f"SELECT {', '.join(_ENTRY[1:])} FROM quarantine WHERE project = ?", (project,)
        )
    }
