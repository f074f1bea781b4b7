"""A page's time range and refresh, read from its query string (hostile input: each value
bounded and checked, an error naming the parameter that was wrong).

``range`` is one of :data:`PRESETS` (seconds back from now) or ``custom`` with ``from`` and
``to`` (UTC, ``2026-12-01T08:30``); ``refresh`` is the seconds between two reloads of the
panels (0: never)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import urlencode

PRESETS: dict[str, float] = {"1h": 3600.0, "24h": 86400.0, "7d": 7 * 86400.0, "30d": 30 * 86400.0}
DEFAULT = "24h"
LONGEST = 400 * 86400.0  # as the history reads a panel at most
REFRESH_LEAST, REFRESH_MOST = 5, 3600
_VALUE_MOST = 64  # characters of a parameter's value read at all
_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d")


class BadRange(ValueError):
    """A range or refresh parameter out of its bounds; ``field`` names it."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


@dataclass(frozen=True)
class Range:
    """The range a page shows: a preset (its end is now, each time it is read) or a custom one."""

    name: str
    seconds: float  # the preset's length (a custom range's too)
    custom_start: float | None = None
    custom_end: float | None = None
    refresh: int = 60

    def bounds(self, now: float | None = None) -> tuple[float, float]:
        if self.custom_start is not None and self.custom_end is not None:
            return self.custom_start, self.custom_end
        end = time.time() if now is None else now
        return end - self.seconds, end

    def query(self) -> str:
        """The query string that asks for this range again (for the panels' reloads)."""
        values = {"range": self.name, "refresh": str(self.refresh)}
        if self.name == "custom":
            values.update({"from": _iso(self.custom_start), "to": _iso(self.custom_end)})
        return urlencode(values)


def _iso(epoch: float | None) -> str:
    return datetime.fromtimestamp(epoch or 0, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


def _value(params: Mapping[str, str], name: str) -> str | None:
    value = params.get(name)
    if value is not None and len(value) > _VALUE_MOST:
        raise BadRange(f"{len(value)} characters: at most {_VALUE_MOST}", name)
    return value


def _moment(params: Mapping[str, str], name: str) -> float:
    value = _value(params, name)
    if not value:
        raise BadRange("a custom range needs it (UTC, e.g. 2026-12-01T08:30)", name)
    for layout in _FORMATS:
        try:
            return datetime.strptime(value, layout).replace(tzinfo=timezone.utc).timestamp()
        except ValueError:
            continue
    raise BadRange(f"{value!r} is not a UTC moment like 2026-12-01T08:30", name)


def parse_range(params: Mapping[str, str], refresh: int = 60) -> Range:
    """The range and refresh ``params`` ask for; ``refresh`` when they name none."""
    given = _value(params, "refresh")
    if given is not None:
        if not (given.isascii() and given.isdigit()) or not (int(given) == 0 or REFRESH_LEAST <= int(given) <= REFRESH_MOST):
            raise BadRange(f"{given!r}: 0 (never) or whole seconds from {REFRESH_LEAST} to {REFRESH_MOST}", "refresh")
        refresh = int(given)
    name = _value(params, "range") or ("custom" if params.get("from") or params.get("to") else DEFAULT)
    if name in PRESETS:
        return Range(name, PRESETS[name], refresh=refresh)
    if name != "custom":
        raise BadRange(f"{name!r} is not one of {', '.join(PRESETS)}, custom", "range")
    start, end = _moment(params, "from"), _moment(params, "to")
    if start < 0:
        raise BadRange(f"{_iso(0)} at the earliest", "from")
    if start >= end:
        raise BadRange(f"{_iso(end)} is not after from ({_iso(start)})", "to")
    if end - start > LONGEST:
        raise BadRange(f"the range is {(end - start) / 86400:.0f} days long: at most {LONGEST / 86400:.0f}", "to")
    return Range("custom", end - start, start, end, refresh)


def refresh_of(grafana: str) -> int:
    """A dashboard's Grafana refresh (``30s``, ``1m``, ``1h``) in seconds, within the bounds."""
    units = {"s": 1, "m": 60, "h": 3600}
    number, unit = grafana[:-1], grafana[-1:]
    seconds = int(number) * units[unit] if number.isascii() and number.isdigit() and unit in units else 60
    return min(max(seconds, REFRESH_LEAST), REFRESH_MOST)
