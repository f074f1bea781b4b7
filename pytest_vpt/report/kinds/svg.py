"""What the charts share: the palette, a linear scale with round ticks, threshold colours,
and compact coordinates (one decimal) so that a chart of many points stays small."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

from ...panels.model import Threshold

#: series colours, colour-blind safe (Okabe-Ito), then Grafana's named threshold colours
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#000000")
NAMED = {"green": "#1a9850", "orange": "#f28e2b", "red": "#d73027", "grey": "#8c8c8c", "yellow": "#e6b800",
         "blue": "#0072b2"}


def colour(name: str) -> str:
    return NAMED.get(name, "#8c8c8c")


def step_colour(value: float | None, thresholds: Sequence[Threshold], default: str = "#0072b2") -> str:
    """The colour of the threshold step ``value`` falls in (the base step below every other)."""
    if value is None or not thresholds:
        return default
    found = thresholds[0].color
    for step in thresholds:
        if step.value is None or value >= step.value:
            found = step.color
    return colour(found)


def c(value: float) -> str:
    """A coordinate, to a tenth: ``12.3``, ``40``."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


@dataclass(frozen=True)
class Scale:
    """From ``low``..``high`` (data) onto ``start``..``stop`` (pixels)."""

    low: float
    high: float
    start: float
    stop: float

    def __call__(self, value: float) -> float:
        if self.high == self.low:
            return (self.start + self.stop) / 2
        return self.start + (value - self.low) * (self.stop - self.start) / (self.high - self.low)


def ticks(low: float, high: float, count: int = 4) -> list[float]:
    """About ``count`` round values from ``low`` to ``high``."""
    if high <= low:
        return [low]
    raw = (high - low) / count
    size = 10 ** math.floor(math.log10(raw))
    step = next(m * size for m in (1, 2, 2.5, 5, 10) if m * size >= raw)
    first = math.ceil(low / step) * step
    return [round(first + i * step, 10) for i in range(int((high - first) / step + 1e-9) + 1)]


def bounds(values: Sequence[float], minimum: float | None, maximum: float | None) -> tuple[float, float]:
    """The value axis: the panel's minimum and maximum where set, else the data's (a flat line widened)."""
    low = minimum if minimum is not None else min(values, default=0.0)
    high = maximum if maximum is not None else max(values, default=1.0)
    if maximum is None and values:
        high = max(high, low) + (abs(high) * 0.05 or 1.0) if high <= low else high * 1.05 if high > 0 else high
    return low, max(high, low)


_STEPS = (3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 2 * 86400, 7 * 86400, 14 * 86400, 30 * 86400, 90 * 86400)


def time_ticks(start: float, end: float, most: int) -> list[tuple[float, str]]:
    """At most ``most`` whole hours or UTC days within the range, labelled ``11-27`` or ``11-27 06h``."""
    step = next((s for s in _STEPS if (end - start) / s <= most), _STEPS[-1])
    first = math.ceil(start / step) * step
    found = []
    for index in range(int((end - first) // step) + 1):
        at = first + index * step
        label = time.strftime("%m-%d" if step >= 86400 else "%m-%d %Hh", time.gmtime(at))
        found.append((at, label))
    return found
