"""The periods SLA compliance is counted over: a UTC day, or an ISO week (Monday 00:00 UTC to
the next), and when a scheduled report is due."""

from __future__ import annotations

import math
from datetime import datetime, timezone

DAY = 86400.0
WEEK = 7 * DAY
PERIODS = {"daily": DAY, "weekly": WEEK}


def check(period: str) -> float:
    """The length of ``period`` (daily, weekly); a ValueError naming it otherwise."""
    if period not in PERIODS:
        raise ValueError(f"period must be daily or weekly, not {period!r}")
    return PERIODS[period]


def start_of(moment: float, period: str) -> float:
    """The start of the period holding ``moment``."""
    check(period)
    day = math.floor(moment / DAY)
    if period == "daily":
        return day * DAY
    return (day - (day + 3) % 7) * DAY  # 1970-01-01 was a Thursday: weekday 3 from Monday


def last_complete(now: float, period: str) -> float:
    """The start of the latest period that ended by ``now``."""
    return start_of(now, period) - check(period)


def before(start: float, period: str, count: int) -> list[float]:
    """The starts of the ``count`` periods before the one starting at ``start``, oldest first."""
    length = check(period)
    return [start - length * n for n in range(count, 0, -1)]


def label(start: float, period: str) -> str:
    """``2026-11-30`` for a day, ``2026-W49`` for an ISO week."""
    moment = datetime.fromtimestamp(start, timezone.utc)
    if check(period) == DAY:
        return moment.strftime("%Y-%m-%d")
    year, week, _ = moment.isocalendar()
    return f"{year}-W{week:02d}"


def due(now: float, last_sent: float | None, frequency: str) -> bool:
    """Whether a scheduled report is due at ``now``: a period (of ``frequency``) has ended
    since the report last sent (``last_sent``: when it was sent; None: never)."""
    begun = start_of(now, frequency)
    return last_sent is None or last_sent < begun
