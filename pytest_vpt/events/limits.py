"""The limits of the wire format's values (the table in the package's docstring), and the
producers' way to stay within them: cut a text, fit a node id."""

from __future__ import annotations

import hashlib
import math
from typing import Any, NamedTuple

#: whole numbers (attempts, counts, line numbers, exit statuses) are stored as 32-bit integers
INT_MIN, INT_MAX = -(2**31), 2**31 - 1
#: times are epoch seconds (UTC) from 1970-01-01 to 2100-01-01
TIME_MIN, TIME_MAX = 0.0, 4_102_444_800.0
#: durations are seconds, at most 366 days
DURATION_MAX = 31_622_400.0
#: metric values and device probe values, either sign
VALUE_MAX = 1e15
#: characters in an id (the store keys rows by them), a node id (long parametrizations), an
#: exception's message, and any other text
ID_MAX, NODE_ID_MAX, MESSAGE_MAX, TEXT_MAX = 200, 16_384, 65_536, 4_096
#: levels of lists and objects in an attribute, and items (or keys) in each
DEPTH_MAX, ITEMS_MAX = 8, 256


class Range(NamedTuple):
    """The numbers an attribute accepts, and how its error says so."""

    low: float
    high: float
    text: str
    low_excluded: bool = False

    def holds(self, value: float) -> bool:
        """Whether ``value`` is in the range (never for NaN)."""
        return (self.low < value if self.low_excluded else self.low <= value) and value <= self.high


_TIME = Range(TIME_MIN, TIME_MAX, f"{TIME_MIN:.0f} to {TIME_MAX:.0f} seconds, 1970-01-01 to 2100-01-01 UTC")
_DURATION = Range(0.0, DURATION_MAX, f"0 to {DURATION_MAX:.0f} seconds")
#: attribute -> the numbers it accepts
RANGES: dict[str, Range] = {
    **dict.fromkeys((
        "vpt.run.started_at", "vpt.run.finished_at", "vpt.test.started_at", "vpt.test.finished_at",
        "vpt.metric.time", "vpt.sample.time", "vpt.incident.start", "vpt.incident.end", "vpt.device.seen_at",
    ), _TIME),
    **dict.fromkeys((
        "vpt.test.duration.setup", "vpt.test.duration.call", "vpt.test.duration.teardown", "vpt.incident.duration",
        "vpt.incident.position", "vpt.run.cpu_seconds",
        "vpt.device.timeout", "vpt.device.grace", "vpt.device.response_time", "vpt.device.flush",
    ), _DURATION),
    "vpt.device.interval": Range(0.0, DURATION_MAX, f"above 0 to {DURATION_MAX:.0f} seconds", low_excluded=True),
    "vpt.metric.value": Range(-VALUE_MAX, VALUE_MAX, f"{-VALUE_MAX:g} to {VALUE_MAX:g}"),
}
#: event type -> (start, end): an end is not before its start
ENDS = {
    "run": ("vpt.run.started_at", "vpt.run.finished_at"),
    "test": ("vpt.test.started_at", "vpt.test.finished_at"),
    "incident": ("vpt.incident.start", "vpt.incident.end"),
}
#: attribute -> the characters each of its texts may have (TEXT_MAX for any other)
TEXT_LIMITS: dict[str, int] = {
    **dict.fromkeys((
        "id", "vpt.run.id", "vpt.project", "vpt.device.id", "vpt.worker.id", "vpt.device.kind", "vpt.incident.kind",
    ), ID_MAX),
    **dict.fromkeys((
        "test.case.name", "vpt.test.params", "code.function.name", "vpt.run.quarantine_requests",
    ), NODE_ID_MAX),
    "exception.message": MESSAGE_MAX,
}


def cut_text(text: str | None, limit: int) -> str | None:
    """``text`` if it has at most ``limit`` characters, else its head and how much was cut:
    ``"... [1234 characters cut]"``, ``limit`` characters in all."""
    if text is None or len(text) <= limit:
        return text
    kept = limit - len(f"... [{len(text)} characters cut]")
    return f"{text[:kept]}... [{len(text) - kept} characters cut]"


def fit_node_id(nodeid: str) -> str:
    """A node id of at most NODE_ID_MAX characters: a longer one (a parametrization of over 16,000
    characters) keeps its head and gains a hash of the whole, so the same test keeps one id."""
    if len(nodeid) <= NODE_ID_MAX:
        return nodeid
    digest = hashlib.sha256(nodeid.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    tail = f"... [{len(nodeid)} characters, sha256 {digest}]"
    return nodeid[:NODE_ID_MAX - len(tail)] + tail


def container_problem(value: Any, text_max: int = TEXT_MAX) -> str | None:
    """What makes a JSON value too big to store: too deep (more than DEPTH_MAX levels), a list
    or object of more than ITEMS_MAX items, a text longer than ``text_max`` or holding a NUL,
    a number that is not finite, anything JSON cannot hold. Walked without recursion."""
    pending: list[tuple[Any, int, Any]] = [(value, 1, None)]  # (item, its depth, its key in an object)
    while pending:
        item, depth, key = pending.pop()
        kind = type(item)
        if kind is str:
            if "\x00" in item:
                return "contains a NUL character"
            if len(item) > text_max:
                return f"holds a text of {len(item)} characters, at most {text_max}"
        elif kind is dict or kind is list:
            if depth > DEPTH_MAX:
                return f"nested more than {DEPTH_MAX} levels deep"
            if len(item) > ITEMS_MAX:
                return f"{'an object of' if kind is dict else 'a list of'} {len(item)} items, at most {ITEMS_MAX}"
            if kind is dict:
                odd = [name for name in item if type(name) is not str]
                if odd:
                    return f"keys are strings, got {type(odd[0]).__name__}"
                pending.extend((name, depth, None) for name in item)
                pending.extend((child, depth + 1, name) for name, child in item.items())
            else:
                pending.extend((child, depth + 1, None) for child in item)
        elif kind is float:
            if not math.isfinite(item):
                return f"{'a number' if key is None else repr(key)} must be a finite number, got {item!r}"
        elif kind is not int and kind is not bool and item is not None:
            return f"holds a {kind.__name__}, not a JSON value"
    return None
