"""What testing costs and covers, read from the rollups: :meth:`CostReads.costs` and its records."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from ..store import costs as cost_queries
from .record import Record
from .window import check_window

#: the longest window a read of the costs spans (its device and marker figures read the runs' attempts)
LONGEST_WINDOW = 366 * 86400.0
#: the most tests the ranking of flaky tests' costs keeps
TOP_MAX = 1000


@dataclass
class _CostSums(Record):
    """What a day and a window sum: runs and their wall and CPU seconds (``cpu_runs``: the runs
    that recorded their CPU), tests run and their seconds, reruns and the failures of flaky and
    quarantined tests with what they took, the latest coverage recorded."""

    runs: int
    wall_seconds: float
    cpu_seconds: float
    cpu_runs: int
    tests: int
    test_seconds: float
    reruns: int
    rerun_seconds: float
    lost_failures: int
    failure_seconds: float
    coverage_percent: float | None


@dataclass
class CostDay(_CostSums):
    """One UTC day's sums."""

    _first = ("day",)
    day: float


@dataclass
class CostTotal(_CostSums):
    """The window's sums; ``lost_seconds``: reruns' and lost failures' seconds, ``lost_share``
    their part of the tests' seconds (reruns included)."""

    lost_seconds: float
    lost_share: float | None


@dataclass
class FlakyCost(Record):
    """A flaky (or quarantined) test's cost over the window: its reruns' seconds and those of
    its lost failures (all failures of a flaky test, the quarantined ones of another)."""

    nodeid: str
    status: str | None
    runs: int
    reruns: int
    rerun_seconds: float
    failures: int
    failure_seconds: float
    quarantined: int
    cost_seconds: float


@dataclass
class DeviceUse(Record):
    """A device's use: the attempts that ran on it and their seconds (and hours), the tests
    (final attempts) it ran and how many distinct tests."""

    device: str
    attempts: int
    seconds: float
    hours: float
    tests: int
    distinct_tests: int


@dataclass
class MarkerUse(Record):
    """A marker's (a test type's) coverage: the tests run carrying it, distinct tests, seconds."""

    marker: str
    tests: int
    distinct_tests: int
    seconds: float


@dataclass
class Costs(Record):
    """What testing cost and covered over a window of whole UTC days (``since``: its first
    day's start)."""

    project: str
    since: float
    until: float
    days: list[CostDay]
    total: CostTotal
    flaky: list[FlakyCost]
    devices: list[DeviceUse]
    markers: list[MarkerUse]

    @property
    def empty(self) -> bool:
        """Nothing ran in the window."""
        return not self.days and not self.devices

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Costs:
        return cls(row["project"], row["since"], row["until"], [CostDay.from_row(r) for r in row["days"]],
                   CostTotal.from_row(row["total"]), [FlakyCost.from_row(r) for r in row["flaky"]],
                   [DeviceUse.from_row(r) for r in row["devices"]], [MarkerUse.from_row(r) for r in row["markers"]])


class CostReads:
    """The History's reads of what testing costs (a mixin of :class:`pytest_vpt.history.History`)."""

    def costs(self, since: float, until: float | None = None, top: int = 20) -> Costs:
        """What the project's testing cost and covered from ``since`` to ``until`` (default
        now), in whole UTC days: time per day (wall, CPU, reruns, failures of flaky and
        quarantined tests), the ``top`` dearest flaky tests, use per device and per marker."""
        project = self._needs_project("what testing costs")  # type: ignore[attr-defined]
        until = time.time() if until is None else until
        check_window(since, until, LONGEST_WINDOW)
        if isinstance(top, bool) or not isinstance(top, int) or not 1 <= top <= TOP_MAX:
            raise ValueError(f"top must be a whole number from 1 to {TOP_MAX}, got {top!r}")
        found = self._query(cost_queries.costs, project, since, until, top)  # type: ignore[attr-defined]
        return Costs.from_row(found)
