"""Failure categories (Allure's idea, without learning): an ordered list of categories, each a
name and rules a failure must all meet; the first category whose rules a failure meets is
its category, and a failure no category takes is :data:`UNKNOWN`.

Allure puts a failure no custom category takes under one of its two defaults ("Product
defects" for a failed test, "Test defects" for a broken one). pytest-vpt does not guess: a
failure no rule recognised is ``unknown``, which is what someone triaging looks at next. A
file that wants Allure's behaviour ends with two catch-alls (``outcomes: [failed]``, then
``outcomes: [error]``). A name may be given to several entries: each is another way into the
same category.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ...wording import plural
from .signature import first_line

#: what a failure's outcome can be: a final attempt that failed (in the test) or was an error
#: (in its setup or teardown), or an attempt pytest-rerunfailures ran again
OUTCOMES = ("failed", "error", "rerun")
UNKNOWN = "unknown"
TEXT_MAX = 1000  # characters of a message a rule's regex reads


@dataclass(frozen=True)
class Failure:
    """What a category's rules look at in one failing attempt."""

    outcome: str
    error_type: str | None = None
    message: str | None = None
    markers: tuple[str, ...] = ()
    device_offline: bool = False  # marked so, or its device had an incident meanwhile
    flaky: bool = False  # a rerun of a test that then passed on a retry


@dataclass(frozen=True)
class Category:
    """One entry of the list: a name and its rules (None: not a condition)."""

    name: str
    outcomes: frozenset[str] | None = None
    error_types: frozenset[str] | None = None  # exact names (the whole type or its last dotted part)
    error_type: re.Pattern[str] | None = None  # matches the whole type or its last dotted part
    message: re.Pattern[str] | None = None  # found anywhere in the message's first line
    markers: frozenset[str] | None = None  # any of them
    device_offline: bool | None = None
    flaky: bool | None = None
    description: str = ""

    def matches(self, failure: Failure) -> bool:
        if self.device_offline is not None and failure.device_offline != self.device_offline:
            return False
        if self.flaky is not None and failure.flaky != self.flaky:
            return False
        if self.outcomes is not None and failure.outcome not in self.outcomes:
            return False
        if self.error_types is not None or self.error_type is not None:
            full = failure.error_type or ""
            names = (full, full.rpartition(".")[2])
            if self.error_types is not None and not any(name in self.error_types for name in names):
                return False
            if self.error_type is not None and not any(self.error_type.fullmatch(name) for name in names):
                return False
        if self.markers is not None and not any(marker in self.markers for marker in failure.markers):
            return False
        if self.message is not None and not self.message.search(first_line(failure.message)[:TEXT_MAX]):
            return False
        return True

    def to_dict(self) -> dict[str, object]:
        """The entry as a categories file writes it (its rules only)."""
        found: dict[str, object] = {"name": self.name}
        for key in ("outcomes", "error_types", "markers"):
            value = getattr(self, key)
            if value is not None:
                found[key] = sorted(value)
        for key in ("error_type", "message"):
            value = getattr(self, key)
            if value is not None:
                found[key] = value.pattern
        for key in ("device_offline", "flaky"):
            if getattr(self, key) is not None:
                found[key] = getattr(self, key)
        if self.description:
            found["description"] = self.description
        return found


def categorize(failure: Failure, categories: Iterable[Category]) -> str:
    """The name of the first category ``failure`` matches, else :data:`UNKNOWN`."""
    for category in categories:
        if category.matches(failure):
            return category.name
    return UNKNOWN


def category_names(categories: Iterable[Category]) -> list[str]:
    """The categories' names in their order, each once, then :data:`UNKNOWN`."""
    return [*dict.fromkeys(category.name for category in categories), UNKNOWN]


def describe(counts: Mapping[str, int], reruns: int = 0) -> str | None:
    """``4 failures: 3 product defect, 1 device offline`` (the most first), with how many of
    them were flaky reruns (reruns of tests that passed on a retry); None when there was no failure."""
    total = sum(counts.values())
    if not total:
        return None
    parts = ", ".join(f"{count} {name}" for name, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
                      if count)
    flaky = f" ({plural(reruns, 'flaky rerun')})" if reruns else ""
    return f"{plural(total, 'failure')}{flaky}: {parts}"
