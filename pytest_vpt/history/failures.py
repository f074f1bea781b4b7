"""Failures by cause: the records, and the reads :class:`~pytest_vpt.history.History` has for them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..analytics.failures import DEFAULT_CATEGORIES, Category, category_names, describe
from ..store import failure_queries
from .errors import HistoryError
from .record import Record

LIMIT_MAX = 1000  # groups a read returns at most


class UnknownCategory(HistoryError):
    """A category asked for that the categories in use do not have; the message lists them."""

    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(f"no category {name!r} (known: {', '.join(known)})")
        self.name = name
        self.known = known


@dataclass
class FailureGroup(Record):
    """Failures that share a signature (error type and normalised message) and a category."""

    signature: str  # "Type: normalised message"
    signature_id: str  # 12 hex digits standing for the signature
    error_type: str | None
    message: str  # normalised
    example: str  # the latest failure's message as it was
    category: str
    failures: int
    flaky: int  # of them reruns of tests that passed on a retry
    tests: int
    runs: int
    nodeids: list[str]  # the tests it hit most (at most 5)
    first_seen: float
    last_seen: float
    device_offline: int  # of them while the test's device was offline (marked, or a device incident)
    video_incident: int  # of them overlapped by a video incident of the test or its device


@dataclass
class FailureReport(Record):
    """A window's failures grouped by cause: how many were read (``truncated``: the read
    stopped at ``read_max``), how many each category took, and the groups (the largest first,
    those of ``category`` if asked, at most ``limit``; ``groups_total`` before the limit)."""

    project: str
    since: float
    until: float
    failures: int
    flaky: int
    truncated: bool
    read_max: int
    categories: dict[str, int]
    groups_total: int
    groups: list[FailureGroup]


@dataclass
class RunCategories(Record):
    """How many of one run's failures each category took; ``line``: what the summary says."""

    run_id: str
    failures: int
    flaky: int
    categories: dict[str, int]
    line: str | None


class FailureReads:
    """The reads of failures by cause (a mixin of History)."""

    def failures(self, since: float, until: float | None = None, nodeid: str | None = None,
                 category: str | None = None, limit: int = 20,
                 categories: Sequence[Category] | None = None) -> FailureReport:
        """The project's failures in the runs started from ``since`` to ``until`` (None: now),
        grouped by signature and category (``categories``: the built-in ones unless given), of
        one test if ``nodeid``, of one category if ``category``; at most ``limit`` groups."""
        project = self._needs_project("failures")
        chosen = DEFAULT_CATEGORIES if categories is None else tuple(categories)
        if category is not None and category not in category_names(chosen):
            raise UnknownCategory(category, category_names(chosen))
        if not 1 <= limit <= LIMIT_MAX:
            raise ValueError(f"limit: {limit} is outside 1 to {LIMIT_MAX}")
        found: dict[str, Any] = self._query(failure_queries.failures, project, since, until, chosen, nodeid)
        groups = [g for g in found.pop("groups") if category is None or g["category"] == category]
        return FailureReport(**found, groups_total=len(groups),
                             groups=[FailureGroup.from_row(g) for g in groups[:limit]])

    def run_categories(self, run_id: str, categories: Sequence[Category] | None = None) -> RunCategories:
        """How many of a run's failures (final failures and flaky reruns) each category took;
        ``run_id`` may be abbreviated."""
        run = self.run(run_id)
        chosen = DEFAULT_CATEGORIES if categories is None else tuple(categories)
        found = self._query(failure_queries.run_failures, run.run_id, chosen, self.project)
        return RunCategories(**found, line=describe(found["categories"], found["flaky"]))
