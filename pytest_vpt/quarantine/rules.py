"""How a test's quarantine entry changes with one run: pure rules, no store, no pytest."""

from __future__ import annotations

from dataclasses import dataclass, replace

SOURCES = ("auto", "list", "marker")


@dataclass(frozen=True)
class QuarantinePolicy:
    auto: bool = True  # quarantine tests whose verdict turns flaky
    passes: int = 20  # consecutive clean passes after which a test leaves

    def __post_init__(self) -> None:
        if self.passes < 1:
            raise ValueError(f"passes must be at least 1, got {self.passes}")


@dataclass(frozen=True)
class Entry:
    """A test's latest quarantine; in force while ``left_at`` is None."""

    nodeid: str
    source: str
    reason: str
    entered_at: float
    entered_run: str | None = None
    passes: int = 0
    left_at: float | None = None
    left_reason: str | None = None

    @property
    def active(self) -> bool:
        return self.left_at is None


def next_entry(
    entry: Entry | None, *, nodeid: str, run_id: str, at: float, clean: bool, status: str, reason: str,
    last_flaky_at: float | None, explicit: tuple[str, str] | None, policy: QuarantinePolicy,
) -> tuple[Entry | None, str | None]:
    """The entry after a run in which the test had a verdict, and what happened:
    "entered", "left" or None.

    ``clean``: it passed at the first attempt; ``status``/``reason``: its verdict after the
    run; ``explicit``: (source, reason) when a list file or marker asks for quarantine.
    """
    if entry is not None and entry.active:
        passes = entry.passes + 1 if clean else 0
        if entry.source == "auto" and status == "broken":
            return replace(entry, passes=passes, left_at=at, left_reason=f"broken, not flaky: {reason}"), "left"
        if passes >= policy.passes:
            return replace(entry, passes=passes, left_at=at,
                           left_reason=f"passed {passes} consecutive runs"), "left"
        return replace(entry, passes=passes), None
    if explicit is not None and (entry is None or entry.source == "auto"):
        source, why = explicit
        return Entry(nodeid, source, why, at, run_id, int(clean)), "entered"
    if policy.auto and status == "flaky":
        renewed = entry is None or (last_flaky_at is not None and last_flaky_at > (entry.left_at or 0.0))
        if renewed:
            return Entry(nodeid, "auto", reason, at, run_id, int(clean)), "entered"
    return entry, None
