"""A time series: a line per series over the report's range, the value axis in the panel's
unit, and vertical marks where something changed (a change point)."""

from __future__ import annotations

from ...history.panels import PanelData
from ...panels.model import Panel
from ..values import in_unit, text
from .frame import Frame
from .series import series_of
from .svg import PALETTE, Scale, bounds, c, ticks, time_ticks

H, LEFT, RIGHT, TOP, BOTTOM = 200, 52, 8, 8, 22


def width_of(spec: Panel) -> int:
    """The drawing's width: 40 per column of Grafana's 24, so that text keeps its size across panels."""
    return max(320, 40 * spec.width)


def render(data: PanelData, spec: Panel, frame: Frame) -> str:
    width = width_of(spec)
    found = series_of(data)
    values = [v for _, points in found for _, v in points if v is not None]
    low, high = bounds(values, spec.minimum, spec.maximum)
    x = Scale(frame.start, frame.end, LEFT, width - RIGHT)
    y = Scale(low, high, H - BOTTOM, TOP)
    parts = [f'<svg class="chart" viewBox="0 0 {width} {H}" role="img" aria-label="{text(spec.title)}">']
    for tick in ticks(low, high):
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{width - RIGHT}" y1="{c(y(tick))}" y2="{c(y(tick))}"/>'
                     f'<text class="ay" x="{LEFT - 4}" y="{c(y(tick) + 3)}">{in_unit(tick, spec.unit)}</text>')
    for tick, label in time_ticks(frame.start, frame.end, max(2, width // 90)):
        parts.append(f'<text class="ax" x="{c(x(tick))}" y="{H - 6}">{label}</text>')
    for index, (name, points) in enumerate(found):
        colour = PALETTE[index % len(PALETTE)]
        parts.append(f'<path fill="none" stroke="{colour}" stroke-width="1.5" d="{_path(points, x, y)}">'
                     f'<title>{text(name)}</title></path>')
        if len([p for p in points if p[1] is not None]) == 1:
            (at, value), = [p for p in points if p[1] is not None]
            parts.append(f'<circle r="2.5" fill="{colour}" cx="{c(x(at))}" cy="{c(y(value))}"/>')
    for mark in frame.marks:
        if frame.start <= mark.at <= frame.end:
            parts.append(f'<line class="mark" x1="{c(x(mark.at))}" x2="{c(x(mark.at))}" y1="{TOP}" '
                         f'y2="{H - BOTTOM}"><title>{text(mark.label)}</title></line>')
    parts.append("</svg>")
    parts.append(legend([name for name, _ in found]))
    return "".join(parts)


def _path(points: list[tuple[float, float | None]], x: Scale, y: Scale) -> str:
    steps, pen = [], "M"
    for at, value in points:
        if value is None:
            pen = "M"
            continue
        steps.append(f"{pen}{c(x(at))} {c(y(value))}")
        pen = "L"
    return "".join(steps)


def legend(names: list[str]) -> str:
    """The series' names beside a swatch of their colour (the swatch's class picks it)."""
    if len(names) < 2:
        return ""
    items = "".join(f'<li><i class="s{i % len(PALETTE)}"></i>{text(name)}</li>' for i, name in enumerate(names))
    return f'<ul class="legend">{items}</ul>'
