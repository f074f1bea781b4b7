"""What a report says: tests with their attempts, and the error for a report that cannot be read."""

from __future__ import annotations

from dataclasses import dataclass, field


class JUnitError(ValueError):
    """A report that is unsafe, malformed or unreadable; ``str(err)`` is ``"FILE:LINE: what is
    wrong"`` (``"FILE: what is wrong"`` when no line applies)."""

    def __init__(self, path: str, what: str, line: int | None = None) -> None:
        self.path = path
        self.line = line
        self.what = what
        super().__init__(f"{path}:{line}: {what}" if line is not None else f"{path}: {what}")


class Refused(Exception):
    """What is wrong in a report, raised while it is read; ``line`` where it is known (else the
    line of the element being read is taken)."""

    def __init__(self, what: str, line: int | None = None) -> None:
        super().__init__(what)
        self.line = line


@dataclass(slots=True)
class ReportedAttempt:
    """One run of a test: ``outcome`` is passed, failed, error, skipped, or rerun (a failed
    attempt retried later)."""

    outcome: str
    duration: float | None = None  # seconds
    message: str | None = None  # the result's message, else the first line of its text
    error_type: str | None = None  # the failure's or error's ``type``
    started_at: float | None = None  # epoch seconds, from the case's or its suite's timestamp


@dataclass(slots=True)
class ReportedTest:
    """One test of a report, with its attempts oldest first (the last is the final one)."""

    nodeid: str
    name: str
    classname: str | None = None
    file: str | None = None
    line: int | None = None
    suite: str | None = None
    attempts: list[ReportedAttempt] = field(default_factory=list)
