"""What the recording process reads from pytest's reports, as plain messages.

A phase report (setup, call or teardown of one attempt) becomes a tuple of plain values in
the order of :class:`~pytest_vpt.recording.messages.Phase`'s fields: cheap to build between
two tests, and cheap to hand to the recorder process.
"""

from __future__ import annotations

import re
from typing import Any

from ..events import cut_text

_MESSAGE_LIMIT = 1000
# An exception's type is a dotted name whose last part is capitalised: "pkg.mod.MyError".
_TYPE = r"(?:[A-Za-z_]\w*\.)*[A-Z]\w*"
_TYPED_MESSAGE = re.compile(rf"({_TYPE}): ?(.*)\Z", re.S)
_BARE_TYPE = re.compile(rf"{_TYPE}\Z")


def phase_message(report: Any, worker: str, data: dict[str, Any] | None) -> tuple:
    """``("phase", *Phase)``: one phase report of a test attempt, from ``worker`` (a quarantined
    failure keeps its own status and error: the quarantine's reason says it was made non-blocking)."""
    when = report.when
    quarantined = report.__dict__.get("vpt_quarantined")
    if quarantined is not None:
        status, error, reason = quarantined["status"], tuple(quarantined["error"]), quarantined["reason"]
    else:
        status, reason = category(report), None
        error = describe(report) if status != "passed" and status else None
    return (
        "phase", worker, report.nodeid, when, status, report.duration, report.start, report.stop,
        report.__dict__.get("rerun", 0), report.location if when == "setup" else None,
        error, data, type(report).__name__ == "SubtestReport", reason, report.__dict__.get("vpt_device"),
    )


def collect_message(report: Any) -> tuple:
    """``("collect", *Collect)``: a module that failed to collect (error) or was skipped whole."""
    return ("collect", report.nodeid or ".", report.fspath, "error" if report.failed else "skipped", describe(report))


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
    return cut_text(line, _MESSAGE_LIMIT)
