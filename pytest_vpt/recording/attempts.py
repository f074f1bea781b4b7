"""From pytest's phase reports (setup, call, teardown) to one record per test attempt."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..events import OUTCOMES

_MESSAGE_LIMIT = 1000
# An exception's type is a dotted name whose last part is capitalised: "pkg.mod.MyError".
_TYPE = r"(?:[A-Za-z_]\w*\.)*[A-Z]\w*"
_TYPED_MESSAGE = re.compile(rf"({_TYPE}): ?(.*)\Z", re.S)
_BARE_TYPE = re.compile(rf"{_TYPE}\Z")


@dataclass(slots=True)
class Attempt:
    """One attempt of one test, assembled from the reports of its phases."""

    nodeid: str
    number: int
    worker: str | None
    location: tuple | None = None
    outcome: str | None = None
    started_at: float | None = None
    finished_at: float | None = None
    durations: dict[str, float] = field(default_factory=dict)
    error_type: str | None = None
    error_message: str | None = None
    seq: int | None = None
    markers: list[str] | None = None
    params: str | None = None
    samples: list[dict[str, Any]] = field(default_factory=list)

    def add(self, report: Any, category: str, error_type: str | None = None) -> None:
        """Fold in one phase report whose pytest status category is ``category``.

        ``error_type`` is the exception's name as the test process saw it, when known.
        """
        when = report.when
        if when in ("setup", "call", "teardown"):
            self.durations[when] = self.durations.get(when, 0.0) + (report.duration or 0.0)
        start = getattr(report, "start", None)
        if start is not None and (self.started_at is None or start < self.started_at):
            self.started_at = start
        stop = getattr(report, "stop", None)
        if stop is not None and (self.finished_at is None or stop > self.finished_at):
            self.finished_at = stop
        if self.location is None:
            self.location = report.location
        outcome = category if category in OUTCOMES else default_category(report)
        if outcome and (self.outcome in (None, "passed") or outcome == "rerun"):
            self.outcome = outcome
            if outcome != "passed" and self.error_message is None:
                self.error_type, self.error_message = describe(report)
                self.error_type = error_type or self.error_type

    @property
    def final(self) -> bool:
        return self.outcome != "rerun"


def default_category(report: Any) -> str:
    """pytest's own status category for a report (used for categories it does not know)."""
    if report.passed:
        return "passed" if report.when == "call" else ""
    if report.skipped:
        return "skipped"
    return "failed" if report.when == "call" else "error"


def describe(report: Any) -> tuple[str | None, str | None]:
    """The error type and the first line of the message of a failed or skipped report."""
    wasxfail = getattr(report, "wasxfail", None)
    if wasxfail is not None and report.skipped:
        return None, _first_line(wasxfail.removeprefix("reason: ")) or None
    longrepr = report.longrepr
    if longrepr is None:
        return None, None
    if isinstance(longrepr, tuple):  # a skip: (path, line, "Skipped: reason")
        return None, _first_line(str(longrepr[2]).removeprefix("Skipped: "))
    crash = getattr(longrepr, "reprcrash", None)
    if crash is not None and crash.message:
        return split_error(crash.message)
    text = str(longrepr)
    # A collection error's text ends with the exception line, prefixed "E   ".
    for line in reversed(text.splitlines()):
        if line.startswith("E   "):
            return split_error(line[4:].strip())
    return None, _first_line(text)


def split_error(message: str) -> tuple[str | None, str]:
    """``"ValueError: boom"`` -> ``("ValueError", "boom")``; the message cut to its first line."""
    message = message.strip()
    typed = _TYPED_MESSAGE.match(message)
    if typed:
        return typed.group(1), _first_line(typed.group(2))
    first = _first_line(message)
    if _BARE_TYPE.match(first):
        return first, ""
    return None, first


def _first_line(text: str) -> str:
    line = text.strip().split("\n", 1)[0].strip()
    return line[:_MESSAGE_LIMIT]
