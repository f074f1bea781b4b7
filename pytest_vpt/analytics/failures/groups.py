"""Failing attempts grouped by cause: one group per signature and category, most failures first."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .categories import Category, Failure, categorize
from .signature import first_line, signature

NODEIDS_SHOWN = 5  # node ids a group names (the tests it hit most)
EXAMPLE_MAX = 500  # characters of a group's example message


def failure_of(row: Mapping[str, Any]) -> Failure:
    """What the categories look at in a failing attempt's row (see store/failure_queries.py):
    its device counts as offline when the attempt was marked so or the device had an incident
    meanwhile."""
    return Failure(row["outcome"], row["error_type"], row["error_message"], tuple(row["markers"] or ()),
                   bool(row["device_offline"] or row.get("device_incident")), bool(row["flaky"]))


def count_categories(rows: Iterable[Mapping[str, Any]], categories: Sequence[Category]) -> tuple[dict[str, int], int]:
    """How many failing attempts each category took, and how many of them were flaky reruns."""
    counts: Counter[str] = Counter()
    reruns = 0
    for row in rows:
        counts[categorize(failure_of(row), categories)] += 1
        reruns += bool(row["flaky"])
    return dict(counts), reruns


class _Group:
    __slots__ = ("error_type", "message", "category", "example", "failures", "flaky", "tests", "runs", "first_seen",
                 "last_seen", "device_offline", "video_incident")

    def __init__(self, error_type: str, message: str, category: str) -> None:
        self.error_type, self.message, self.category = error_type, message, category
        self.example = ""
        self.failures = self.flaky = self.device_offline = self.video_incident = 0
        self.tests: Counter[str] = Counter()
        self.runs: set[str] = set()
        self.first_seen = self.last_seen = None

    def add(self, row: Mapping[str, Any], failure: Failure) -> None:
        at = row["started_at"]
        self.failures += 1
        self.flaky += failure.flaky
        self.device_offline += failure.device_offline
        self.video_incident += bool(row.get("video_incident"))
        self.tests[row["nodeid"]] += 1
        self.runs.add(row["run_id"])
        if self.first_seen is None or at < self.first_seen:
            self.first_seen = at
        if self.last_seen is None or at >= self.last_seen:
            self.last_seen = at
            self.example = first_line(row["error_message"])[:EXAMPLE_MAX]

    def to_dict(self) -> dict[str, Any]:
        found = signature(self.error_type, self.message)
        shown = sorted(self.tests.items(), key=lambda item: (-item[1], item[0]))[:NODEIDS_SHOWN]
        return {
            "signature": found.text, "signature_id": found.id, "error_type": self.error_type or None,
            "message": self.message, "example": self.example, "category": self.category,
            "failures": self.failures, "flaky": self.flaky, "tests": len(self.tests), "runs": len(self.runs),
            "nodeids": [nodeid for nodeid, _ in shown], "first_seen": self.first_seen, "last_seen": self.last_seen,
            "device_offline": self.device_offline, "video_incident": self.video_incident,
        }


def group_failures(rows: Iterable[Mapping[str, Any]], categories: Sequence[Category]) -> list[dict[str, Any]]:
    """The failing attempts' groups (one per signature and category), as plain dicts: the most
    failures first, then the latest seen, then by signature."""
    groups: dict[tuple[str, str, str], _Group] = {}
    for row in rows:
        failure = failure_of(row)
        found = signature(row["error_type"], row["error_message"])
        category = categorize(failure, categories)
        key = (found.error_type, found.message, category)
        group = groups.get(key)
        if group is None:
            group = groups[key] = _Group(*key)
        group.add(row, failure)
    done = [group.to_dict() for group in groups.values()]
    return sorted(done, key=lambda g: (-g["failures"], -(g["last_seen"] or 0), g["signature"], g["category"]))
