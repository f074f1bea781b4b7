"""The one check of a range of time a read is given (costs, exports, panels)."""

from __future__ import annotations

import math

DAY = 86400.0


def check_window(start: float, end: float, longest: float, names: tuple[str, str] = ("since", "until")) -> None:
    """Refuse a range that is not one: both moments finite epoch seconds from 0, ``start``
    before ``end``, at most ``longest`` seconds long; ValueError naming the bad value (by
    ``names``, the caller's own words for the two ends)."""
    for name, value in zip(names, (start, end)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
            raise ValueError(f"{name} must be a moment (epoch seconds, 0 or later), got {value!r}")
    if start >= end:
        raise ValueError(f"{names[0]} ({start:.0f}) must be before {names[1]} ({end:.0f})")
    if end - start > longest:
        raise ValueError(f"the range is {(end - start) / DAY:,.0f} days long: at most {longest / DAY:,.0f}")
