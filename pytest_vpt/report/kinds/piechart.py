"""A pie chart (a donut): the first row's columns as slices, with a legend of their counts."""

from __future__ import annotations

import math

from ...history.panels import PanelData
from ...panels.model import Panel
from ..values import in_unit, number, text
from .frame import Frame
from .svg import PALETTE, c

R, CX, CY = 40, 50, 50


def render(data: PanelData, spec: Panel, frame: Frame) -> str:
    slices = [(name, number(value) or 0.0) for query in data.queries[:1] for row in query.rows[:1]
              for name, value in zip(query.columns, row)]
    total = sum(value for _, value in slices if value > 0)
    parts = [f'<svg class="pie" viewBox="0 0 100 100" role="img" aria-label="{text(spec.title)}">']
    turned = 0.0
    for index, (name, value) in enumerate(slices):
        if value <= 0 or not total:
            continue
        colour = PALETTE[index % len(PALETTE)]
        share = value / total
        if share >= 0.9999:
            parts.append(f'<circle cx="{CX}" cy="{CY}" r="{R}" fill="none" stroke="{colour}" stroke-width="18"/>')
        else:
            x0, y0 = CX + R * math.sin(2 * math.pi * turned), CY - R * math.cos(2 * math.pi * turned)
            turned += share
            x1, y1 = CX + R * math.sin(2 * math.pi * turned), CY - R * math.cos(2 * math.pi * turned)
            parts.append(f'<path fill="none" stroke="{colour}" stroke-width="18" d="M{c(x0)} {c(y0)}A{R} {R} 0 '
                         f'{1 if share > 0.5 else 0} 1 {c(x1)} {c(y1)}"><title>{text(name)}</title></path>')
    parts.append("</svg>")
    items = "".join(f'<li><i class="s{i % len(PALETTE)}"></i>{text(name)} {in_unit(value, spec.unit)}</li>'
                    for i, (name, value) in enumerate(slices))
    return "".join(parts) + f'<ul class="legend">{items}</ul>'
