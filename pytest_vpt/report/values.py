"""Values for people: numbers in a panel's unit, moments in UTC, every text escaped for HTML."""

from __future__ import annotations

import math
import time
from decimal import Decimal
from html import escape
from typing import Any

from ..wording import duration

#: columns of a table panel that hold a moment (epoch seconds) or a number of seconds
MOMENT_COLUMNS = frozenset({"time", "started", "ended", "last run", "last seen", "since"})
SECONDS_COLUMNS = frozenset({"duration", "seconds", "wall seconds", "cpu seconds", "longest", "incident seconds",
                             "mtbf", "mttr", "reruns", "flaky and quarantined failures", "all lost"})
_LONGEST = 1e9  # seconds: no duration or moment this product shows is beyond 31 years from the epoch


def text(value: Any) -> str:
    """Any value as escaped HTML text (quotes too: safe in an attribute)."""
    return escape("" if value is None else str(value), quote=True)


def number(value: Any) -> float | None:
    """A finite number (PostgreSQL's numeric too), or None for anything else (text, NULL, NaN,
    infinities, booleans)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)) or not math.isfinite(value):
        return None
    return float(value)


def plain(value: Any) -> Any:
    """A value as JSON has it: PostgreSQL's numeric as a float (NaN and infinities as None)."""
    if isinstance(value, Decimal):
        return number(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def moment(epoch: Any, seconds: bool = False) -> str:
    """``2026-12-01 08:30`` (UTC); what no calendar shows as ``?``."""
    value = number(epoch)
    if value is None or not 0 <= value < 4e10:
        return "" if epoch is None else "?"
    return time.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M", time.gmtime(value))


def day(epoch: float) -> str:
    return moment(epoch)[:10]


def span(value: Any) -> str:
    """A duration: ``850 ms``, ``42 s``, ``12m 05s``, ``3h 20m``, ``2d 04h``."""
    found = number(value)
    if found is None:
        return "" if value is None else "?"
    if abs(found) >= _LONGEST:
        return "?"
    return duration(found, " ")


def in_unit(value: Any, unit: str | None) -> str:
    """A panel's number in its unit (Grafana's names: percent, s, h, short, none)."""
    found = number(value)
    if found is None:
        return "-" if value is None else text(value)
    if unit == "percent":
        return f"{found:.1f} %"
    if unit == "s":
        return span(found)
    if unit == "h":
        return f"{found:.1f} h"
    if found == int(found) and abs(found) < 1e15:
        return f"{int(found):,}"
    return f"{found:.3g}" if abs(found) < 1 else f"{found:,.1f}"


def cell(column: str, value: Any) -> str:
    """A table cell by its column's name: moments, seconds, numbers, or text (escaped)."""
    if column in MOMENT_COLUMNS and number(value) is not None:
        return moment(value)
    if column in SECONDS_COLUMNS and number(value) is not None:
        return span(value)
    if number(value) is not None:
        return in_unit(value, None)
    return text(value)
