"""A bar gauge: a horizontal bar per row (its first column names it, its first number sizes
it), coloured by the panel's thresholds."""

from __future__ import annotations

from ...history.panels import PanelData
from ...panels.model import Panel
from ..values import in_unit, number, text
from .frame import Frame
from .svg import c, step_colour

W, ROW = 480, 18


def render(data: PanelData, spec: Panel, frame: Frame) -> str:
    bars = [(str(row[0]), number(next((v for v in row[1:] if number(v) is not None), None)))
            for query in data.queries[:1] for row in query.rows]
    top = spec.maximum if spec.maximum is not None else max((v for _, v in bars if v is not None), default=1.0) or 1.0
    parts = [f'<svg class="bars" viewBox="0 0 {W} {ROW * len(bars) + 2}" role="img" aria-label="{text(spec.title)}">']
    for index, (name, value) in enumerate(bars):
        y = index * ROW
        width = 0.0 if value is None else max(0.0, min(1.0, value / top)) * (W - 250)
        parts.append(f'<text class="lbl" x="0" y="{y + 13}">{text(name[:32])}</text>'
                     f'<rect x="170" y="{y + 3}" width="{c(width)}" height="{ROW - 6}" '
                     f'fill="{step_colour(value, spec.thresholds)}"/>'
                     f'<text class="val" x="{W}" y="{y + 13}">{in_unit(value, spec.unit)}</text>')
    return "".join(parts) + "</svg>"
