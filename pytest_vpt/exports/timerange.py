"""An export's range: a span up to now (``30d``, ``12h``, ``2w``, ``90m``), a number of seconds,
or a pair of moments (epoch seconds)."""

from __future__ import annotations

import math
import re
import time

from ..history.exports import LONGEST_EXPORT
from .base import ExportError

_SPAN = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])\Z")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
FORMS = "a number and a unit up to now (90m, 24h, 30d, 2w), seconds, or (since, until) in epoch seconds"



def resolve(timerange: str | float | tuple[float, float], now: float | None = None) -> tuple[float, float]:
    """``(since, until)`` of ``timerange``; ExportError naming it if it is not one, is empty,
    or is longer than a year and a day."""
    now = time.time() if now is None else now
    if isinstance(timerange, str):
        found = _SPAN.match(timerange.strip())
        if not found:
            raise ExportError("timerange", f"range {timerange!r}: use {FORMS}")
        span = float(found.group(1)) * _UNIT[found.group(2)]
        since, until = now - span, now
    elif isinstance(timerange, (int, float)) and not isinstance(timerange, bool):
        since, until = now - timerange, now
    elif isinstance(timerange, tuple) and len(timerange) == 2:
        since, until = timerange
    else:
        raise ExportError("timerange", f"range {timerange!r}: use {FORMS}")
    length = until - since if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (since, until)) else 0
    if math.isfinite(length) and length > LONGEST_EXPORT:
        raise ExportError("timerange", f"range {timerange!r} is {length / 86400:,.0f} days long: "
                                       f"at most {LONGEST_EXPORT / 86400:.0f}")
    for value in (since, until):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
            raise ExportError("timerange", f"range {timerange!r}: its ends must be moments (epoch seconds from 0)")
    if since >= until:
        raise ExportError("timerange", f"range {timerange!r} is empty: it must start before it ends")
    return float(since), float(until)
