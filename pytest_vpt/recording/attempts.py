"""From pytest's phase reports (setup, call, teardown) to one record per test attempt."""

from __future__ import annotations

import re
from typing import Any


_MESSAGE_LIMIT = 1000
# An exception's type is a dotted name whose last part is capitalised: "pkg.mod.MyError".
_TYPE = r"(?:[A-Za-z_]\w*\.)*[A-Z]\w*"
_TYPED_MESSAGE = re.compile(rf"({_TYPE}): ?(.*)\Z", re.S)
_BARE_TYPE = re.compile(rf"{_TYPE}\Z")


class Attempt:
    """One attempt of one test, assembled from the reports of its phases."""

    __slots__ = (
        "nodeid", "number", "worker", "seq", "location", "outcome", "started_at", "finished_at",
        "setup", "call", "teardown", "error_type", "error_message", "markers", "params", "samples",
    )

    def __init__(self, nodeid: str, number: int, worker: str | None, seq: int | None = None) -> None:
        self.nodeid = nodeid
        self.number = number
        self.worker = worker
        self.seq = seq
        self.location: tuple | None = None
        self.outcome: str | None = None
        self.started_at: float | None = None
        self.finished_at: float | None = None
        self.setup: float | None = None  # phase durations in seconds
        self.call: float | None = None
        self.teardown: float | None = None
        self.error_type: str | None = None
        self.error_message: str | None = None
        self.markers: list[str] | None = None
        self.params: str | None = None
        self.samples: list[dict[str, Any]] = []

    def add(self, report: Any, category: str) -> None:
        """Fold in one phase report whose status category (see :func:`category`) is ``category``."""
        when = report.when
        if when == "setup":
            self.setup = report.duration
            self.started_at = report.start or None  # 0 on reports made up by a plugin
            self.location = report.location
        elif when == "call":
            self.call = report.duration
        elif when == "teardown":
            self.teardown = report.duration
        if self.location is None:
            self.location = report.location
        self.finished_at = report.stop or self.finished_at
        if category and (self.outcome is None or self.outcome == "passed" or category == "rerun"):
            self.outcome = category
            if category != "passed" and self.error_message is None:
                self.error_type, self.error_message = describe(report)

    @property
    def duration(self) -> float:
        return (self.setup or 0.0) + (self.call or 0.0) + (self.teardown or 0.0)

    @property
    def final(self) -> bool:
        return self.outcome != "rerun"


def category(report: Any) -> str:
    """A report's status category as pytest's terminal counts it ("" for a passing setup or
    teardown), with pytest-rerunfailures' "rerun"; the same rules as pytest_report_teststatus."""
    outcome = report.outcome
    if outcome == "rerun":
        return "rerun"
    if "wasxfail" in report.__dict__:
        if outcome == "skipped":
            return "xfailed"
        if outcome == "passed":
            return "xpassed"
    if outcome == "passed":
        return "passed" if report.when == "call" else ""
    if outcome == "skipped":
        return "skipped"
    return "error" if report.when in ("setup", "teardown") else "failed"


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
    if message.startswith("assert "):  # pytest's rewritten assert: the message is the expression
        return "AssertionError", _first_line(message)
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
