"""What a panel is drawn within: the report's range, and marks to draw on a time axis."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Mark:
    """A moment to mark (a change point), and what happened then."""

    at: float
    label: str


@dataclass(frozen=True)
class Frame:
    start: float
    end: float
    marks: tuple[Mark, ...] = ()
