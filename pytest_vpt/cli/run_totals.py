"""What the history already holds of a run, read from a store or a server: the counts a run
joined by several pushes (shards of one build, one ``--run-id``) finishes with."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable

from ..ci.readers import ReadFailed, ReadRefused, ServerReader
from ..history import History, HistoryError, TestResult
from ..producers.junit.push import RunTotals
from ..store import StoreError, StoreURL


def _totals(tests: Iterable[TestResult]) -> RunTotals | None:
    """Totals from a run's final attempts; None for none."""
    outcomes: Counter = Counter()
    reruns = 0
    started: float | None = None
    for test in tests:
        outcomes[test.outcome] += 1
        reruns += max((test.attempts or 1) - 1, 0)
        if test.started_at is not None and (started is None or test.started_at < started):
            started = test.started_at
    return RunTotals(outcomes, reruns, started) if outcomes else None


def store_totals(url: StoreURL, project: str) -> Callable[[str], RunTotals | None]:
    """Reads a run's totals from the store at ``url`` (a store not made yet holds none)."""
    def read(run_id: str) -> RunTotals | None:
        try:
            with History.open(url, project=project) as history:
                if history.run(run_id).run_id != run_id:  # an abbreviation of another run's id
                    return None
                return _totals(history.run_tests(run_id))
        except (HistoryError, StoreError):
            return None

    return read


def server_totals(url: str, token: str | None) -> Callable[[str], RunTotals | None]:
    """Reads a run's totals from the server at ``url`` (one that cannot answer: none; what is
    then pushed is spooled, and its finish carries this push's counts)."""
    def read(run_id: str) -> RunTotals | None:
        try:
            return _totals(ServerReader(url, token or "").run_tests(run_id))
        except (ReadFailed, ReadRefused, ValueError):
            return None

    return read
