"""Where durations and pass rates changed, as records: :class:`ChangeReads` is the part of the
façade (:class:`pytest_vpt.history.History`) that finds them (see store/change_queries.py
for what is read, analytics/changes/ for the detector)."""

from __future__ import annotations

import difflib
import math
import time
from dataclasses import dataclass
from typing import Any

from ..store import change_queries, queries
from .errors import HistoryError
from .record import Record

#: the bounds of a read: tests examined, runs read per series
TESTS_MAX, RUNS_MIN, RUNS_MAX = 1000, 10, 5000


class UnknownTest(HistoryError):
    """No test of that node id in the project; the message names the closest known ones."""

    __test__ = False  # not a pytest test class

    def __init__(self, nodeid: str, known: list[str]) -> None:
        close = difflib.get_close_matches(nodeid, known, n=5) or known[:5]
        more = f" (of {len(known)})" if len(known) > len(close) else ""
        super().__init__(f"no test {nodeid!r} in the project: " +
                         (f"known{more}: {', '.join(close)}" if close else "it has no tests yet"))
        self.nodeid = nodeid
        self.known = close


class BadChangeRead(ValueError):
    """A bound of the read out of range; ``field`` names the parameter."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass
class Change(Record):
    """A change of level: a test's duration (seconds, medians) or a pass rate (0 to 1: the
    project's when ``nodeid`` is None), from the run ``run_id`` (started ``at``, on ``commit``)
    on; ``index`` is that run's place in the series read, oldest first."""

    kind: str  # "duration" or "pass_rate"
    nodeid: str | None
    before: float
    after: float
    ratio: float | None  # after / before
    at: float
    run_id: str
    commit: str | None
    index: int
    p_value: float  # Mann-Whitney U between the runs before and from the change


@dataclass
class Changes(Record):
    """The changes found in a window, newest first, and what was read to find them: the runs
    (of the project, or of the test) and the tests whose durations were examined."""

    project: str
    since: float
    until: float
    runs: int
    tests: int
    changes: list[Change]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Changes:
        return cls(row["project"], row["since"], row["until"], row["runs"], row["tests"],
                   [Change.from_row(change) for change in row["changes"]])


class ChangeReads:
    """The change-point read of :class:`pytest_vpt.history.History`."""

    def changes(self, since: float, until: float | None = None, nodeid: str | None = None,
                max_tests: int = 100, max_runs: int = 200) -> Changes:
        """The project's changes from ``since`` to ``until`` (now): the pass rate per run and
        the duration of the ``max_tests`` tests whose days spread most, each over its newest
        ``max_runs`` runs of the window; of one test (``nodeid``), its duration and pass rate.
        An unknown test raises UnknownTest; a bound out of range, BadChangeRead."""
        project = self._needs_project("a trend's changes")  # type: ignore[attr-defined]
        until = time.time() if until is None else until
        if not (math.isfinite(since) and math.isfinite(until)) or since >= until:
            raise BadChangeRead(f"the window from {since!r} to {until!r} is empty: since must come first", "since")
        if not 1 <= max_tests <= TESTS_MAX:
            raise BadChangeRead(f"max_tests {max_tests!r}: use 1 to {TESTS_MAX}", "max_tests")
        if not RUNS_MIN <= max_runs <= RUNS_MAX:
            raise BadChangeRead(f"max_runs {max_runs!r}: use {RUNS_MIN} to {RUNS_MAX}", "max_runs")
        query = self._query  # type: ignore[attr-defined]
        if nodeid is not None and query(change_queries.test_id_of, project, nodeid) is None:
            raise UnknownTest(nodeid, query(queries.nodeids, project))
        return Changes.from_row(query(change_queries.changes, project, since, until, nodeid, max_tests, max_runs))
