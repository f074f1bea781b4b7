"""A gauge: the value on a half circle from the panel's minimum to maximum, coloured by its
threshold step, with a tick at each step (for the pass rate: the target)."""

from __future__ import annotations

import math

from ...history.panels import PanelData
from ...panels.model import Panel
from ..values import in_unit, number, text
from .frame import Frame
from .svg import c, step_colour

R, CX, CY = 80, 100, 96


def first_value(data: PanelData) -> float | None:
    """The first number of the first row (a gauge's or a stat's single value)."""
    for query in data.queries:
        for row in query.rows:
            for value in row:
                if number(value) is not None:
                    return number(value)
    return None


def _point(share: float, radius: float = R) -> tuple[float, float]:
    angle = math.pi * (1 - min(max(share, 0.0), 1.0))
    return CX + radius * math.cos(angle), CY - radius * math.sin(angle)


def _arc(share: float) -> str:
    x, y = _point(share)
    return f"M{CX - R} {CY}A{R} {R} 0 0 1 {c(x)} {c(y)}"


def render(data: PanelData, spec: Panel, frame: Frame) -> str:
    value = first_value(data)
    low = spec.minimum if spec.minimum is not None else 0.0
    high = spec.maximum if spec.maximum is not None else 100.0
    share = 0.0 if value is None or high == low else (value - low) / (high - low)
    colour = step_colour(value, spec.thresholds)
    parts = [f'<svg class="gauge" viewBox="0 0 200 112" role="img" aria-label="{text(spec.title)}">',
             f'<path class="track" d="{_arc(1.0)}"/>']
    if value is not None:
        parts.append(f'<path d="{_arc(share)}" fill="none" stroke="{colour}" stroke-width="16"/>')
    for step in spec.thresholds:
        if step.value is not None and low <= step.value <= high:
            inner, outer = _point((step.value - low) / (high - low), R - 12), _point((step.value - low) / (high - low), R + 12)
            parts.append(f'<line class="target" x1="{c(inner[0])}" y1="{c(inner[1])}" x2="{c(outer[0])}" '
                         f'y2="{c(outer[1])}"><title>{in_unit(step.value, spec.unit)}</title></line>')
    parts.append(f'<text class="big" x="{CX}" y="{CY - 8}">{in_unit(value, spec.unit)}</text></svg>')
    targets = [step.value for step in spec.thresholds if step.value is not None]
    if targets:
        parts.append(f'<p class="note">target {in_unit(max(targets), spec.unit)}: '
                     f'{"met" if value is not None and value >= max(targets) else "not met"}</p>')
    return "".join(parts)
