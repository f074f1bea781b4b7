"""What testing costs: formulas over the seconds the rollups add up (no store, no I/O).

- *Time lost to reruns*: the seconds attempts took that were not a test's final one.
- *Time lost to failures of flaky and quarantined tests*: the seconds of a test's failing
  final attempts (failed or error) when its verdict is flaky, else those of its quarantined
  final attempts (a quarantine turns only failures; a flaky test's quarantined failures are
  among its failures, so none is counted twice).
- *A test's cost*: its reruns' seconds plus those failures' seconds, over the window.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

HOUR = 3600.0
#: the metric a run records its coverage in: pytest-cov's total
COVERAGE_PERCENT = "vpt.coverage.percent"


def lost_to_failures(flaky: bool, failed_seconds: float, quarantined_seconds: float) -> float:
    """The seconds a test's failures cost: all of them when it is flaky, else its quarantined ones."""
    return failed_seconds if flaky else quarantined_seconds


def test_cost(rerun_seconds: float, failure_seconds: float) -> float:
    """What a flaky (or quarantined) test cost: its reruns' seconds and its lost failures'."""
    return rerun_seconds + failure_seconds


test_cost.__test__ = False  # type: ignore[attr-defined]  # a formula, not a pytest test


def hours(seconds: float) -> float:
    return seconds / HOUR


def share(part: float, whole: float) -> float | None:
    """``part`` as a fraction of ``whole`` (None when there is no whole)."""
    return part / whole if whole > 0 else None


def ranked(costs: Iterable[Mapping[str, Any]], limit: int | None = None) -> list[Mapping[str, Any]]:
    """Tests by ``cost_seconds``, dearest first (then by node id), at most ``limit`` of them."""
    found = sorted(costs, key=lambda cost: (-cost["cost_seconds"], cost["nodeid"]))
    return found if limit is None else found[:limit]


def last_of_each_day(values: Iterable[tuple[float, float, float]]) -> dict[float, float]:
    """Per day, the value of its latest moment, from (day, moment, value) triples."""
    latest: dict[float, tuple[float, float]] = {}
    for day, moment, value in values:
        if day not in latest or moment >= latest[day][0]:
            latest[day] = (moment, value)
    return {day: value for day, (_, value) in latest.items()}
