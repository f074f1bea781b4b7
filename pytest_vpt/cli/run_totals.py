"""What the history already holds of a run, read from a store or a server: the counts a run
joined by several pushes (shards of one build, one ``--run-id``) finishes with."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import quote

from ..producers.junit.push import RunTotals
from ..store import StoreURL


def _totals(tests: Iterable[Any]) -> RunTotals | None:
    """Totals from a run's final attempts (records or the server's dicts); None for none."""
    outcomes: Counter = Counter()
    reruns = 0
    started: float | None = None
    for test in tests:
        get = test.get if isinstance(test, dict) else lambda name, t=test: getattr(t, name)
        outcomes[get("outcome")] += 1
        reruns += max((get("attempts") or 1) - 1, 0)
        at = get("started_at")
        if at is not None and (started is None or at < started):
            started = at
    return RunTotals(outcomes, reruns, started) if outcomes else None


def store_totals(url: StoreURL, project: str) -> Callable[[str], RunTotals | None]:
    """Reads a run's totals from the store at ``url`` (a store not made yet holds none)."""
    from ..history import History, HistoryError
    from ..store import StoreError

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
    from ..sinks.base import SendError
    from ..sinks.http import fetch

    def read(run_id: str) -> RunTotals | None:
        try:
            found = fetch(url, token, f"/api/v1/runs/{quote(run_id, safe='')}/tests", timeout=30.0)
        except SendError:
            return None
        return _totals(test for test in found if isinstance(test, dict)) if isinstance(found, list) else None

    return read
