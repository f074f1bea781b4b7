"""Runs as they happen: the records, and the reads :class:`~pytest_vpt.history.History` has for them.

A run in progress shows what its results so far say: how many tests, passed and failed so
far, the pass rate so far, its latest failures and its slowest tests. The same reads show a
run that just ended, with its final tallies, so a live view sees it finish.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from ..analytics.rates import pass_rate
from ..store import live_queries
from .errors import RunNotFound
from .record import Record

WINDOW_MAX = 366 * 86400.0  # seconds back a live read looks for runs at most
RUNS_MAX = 100  # runs a live read returns at most
ITEMS_MAX = 100  # failures or slowest tests a live run shows at most


class BadLiveRead(ValueError):
    """A live read's parameter out of its range; ``field`` names it."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass
class LiveFailure(Record):
    """A final failure or error of a live run: the test, its error type and its message's head."""

    nodeid: str
    outcome: str  # failed or error
    error_type: str | None
    message: str | None  # the first live_queries.MESSAGE_HEAD characters
    quarantined: bool  # non-blocking: the test is quarantined
    at: float  # when it ended


@dataclass
class LiveSlow(Record):
    """One of a live run's slowest tests so far."""

    nodeid: str
    outcome: str
    duration: float


@dataclass
class LiveRun(Record):
    """A run as it is now: running (its tallies so far) or just ended (its final ones)."""

    run_id: str
    project: str
    status: str  # running, finished, interrupted
    started_at: float
    finished_at: float | None
    elapsed: float  # seconds since it started (to its end, once ended)
    last_result_at: float | None  # when its latest result ended (None: none yet)
    tests: int  # final attempts so far
    passed: int
    failed: int  # blocking failures (quarantined ones are counted in ``quarantined``)
    error: int
    skipped: int
    xfailed: int
    xpassed: int
    quarantined: int
    reruns: int
    attempts: int
    pass_rate: float | None  # passed among the tests that ran to a verdict (analytics.rates)
    failures: list[LiveFailure] = field(default_factory=list)  # the latest first
    slowest: list[LiveSlow] = field(default_factory=list)  # the slowest first
    labels: dict[str, str] = field(default_factory=dict)
    ci_provider: str | None = None
    ci_run_url: str | None = None
    vcs_branch: str | None = None
    vcs_revision: str | None = None
    host_name: str | None = None


@dataclass
class LiveView(Record):
    """The runs of a project that are running, and those that ended in the last ``recent`` seconds."""

    project: str | None
    at: float  # when it was read
    running: int
    runs: list[LiveRun]


def _check(name: str, value: float, low: float, high: float, whole: bool = False) -> None:
    kinds = int if whole else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds) or not low <= value <= high:
        what = "an integer" if whole else "a number"
        raise BadLiveRead(f"{name}: expected {what} from {low:g} to {high:g}, got {value!r}", name)


class LiveReads:
    """The live reads of :class:`~pytest_vpt.history.History` (a mixin over its store)."""

    def live_runs(self, window: float = 86400.0, recent: float = 300.0, limit: int = 20,
                  failures: int = 10, slowest: int = 5, now: float | None = None) -> LiveView:
        """The runs started in the last ``window`` seconds that are running, or ended in the
        last ``recent`` seconds (running first, then the newest; at most ``limit``), each with
        its latest ``failures`` and its ``slowest`` tests so far."""
        _check("window", window, 1, WINDOW_MAX)
        _check("recent", recent, 0, WINDOW_MAX)
        _check("limit", limit, 1, RUNS_MAX, True)
        _check("failures", failures, 0, ITEMS_MAX, True)
        _check("slowest", slowest, 0, ITEMS_MAX, True)
        now = time.time() if now is None else now
        rows = self._query(live_queries.live_runs, self.project, now - window, now - recent, limit)
        runs = [self._live_run(row, failures, slowest, now) for row in rows]
        return LiveView(self.project, now, sum(run.status == "running" for run in runs), runs)

    def live(self, run_id: str, failures: int = 10, slowest: int = 5) -> LiveRun:
        """One run as it is now (``run_id`` may be abbreviated, as for :meth:`run`)."""
        _check("failures", failures, 0, ITEMS_MAX, True)
        _check("slowest", slowest, 0, ITEMS_MAX, True)
        full = self.run(run_id).run_id
        row = self._query(live_queries.live_run, full, self.project)
        if row is None:  # removed between the two reads
            raise RunNotFound(run_id)
        return self._live_run(row, failures, slowest, time.time())

    def _live_run(self, row: dict[str, Any], failures: int, slowest: int, now: float) -> LiveRun:
        run_id, started = row["run_id"], row["started_at"]
        counts = self._query(live_queries.tallies, run_id, started)
        found = self._query(live_queries.failures, run_id, started, failures) if failures else []
        slow = self._query(live_queries.slowest, run_id, started, slowest) if slowest else []
        end = row["finished_at"] if row["finished_at"] is not None else max(now, started)
        return LiveRun(
            **{key: row[key] for key in ("run_id", "project", "status", "started_at", "finished_at")},
            elapsed=end - started, last_result_at=counts.pop("last_result_at"), **counts,
            pass_rate=pass_rate(counts),
            failures=[LiveFailure.from_row(item) for item in found], slowest=[LiveSlow.from_row(item) for item in slow],
            **{key: row[key] for key in ("labels", "ci_provider", "ci_run_url", "vcs_branch", "vcs_revision",
                                         "host_name")},
        )
