"""A heatmap: a row per series (a test, a stream), a cell per point, darker for more; each
cell's title tells its moment and value."""

from __future__ import annotations

from ...history.panels import PanelData
from ...panels.model import Panel
from ..values import in_unit, moment, text
from .frame import Frame
from .series import series_of
from .svg import Scale, c

W, ROW, LEFT = 480, 14, 190


def render(data: PanelData, spec: Panel, frame: Frame) -> str:
    found = series_of(data)
    moments = sorted({at for _, points in found for at, _ in points})
    values = [v for _, points in found for _, v in points if v is not None]
    low = spec.minimum if spec.minimum is not None else min(values, default=0.0)
    high = spec.maximum if spec.maximum is not None else max(values, default=1.0)
    shade = Scale(low, high, 0.12, 1.0)
    step = (moments[1] - moments[0]) if len(moments) > 1 else (frame.end - frame.start)
    x = Scale(frame.start, frame.end, LEFT, W)
    width = max(1.0, x(frame.start + step) - x(frame.start) - 0.5)
    parts = [f'<svg class="heat" viewBox="0 0 {W} {ROW * len(found) + 2}" role="img" aria-label="{text(spec.title)}">']
    for index, (name, points) in enumerate(found):
        y = index * ROW
        parts.append(f'<text class="lbl" x="0" y="{y + 11}">{text(_short(name))}<title>{text(name)}</title></text>')
        for at, value in points:
            if value is None:
                continue
            opacity = shade(value) if high > low else 1.0
            parts.append(f'<rect x="{c(x(at))}" y="{y + 1}" width="{c(width)}" height="{ROW - 2}" fill="#d55e00" '
                         f'fill-opacity="{opacity:.2f}"><title>{moment(at)}: {in_unit(value, spec.unit)}</title></rect>')
    return "".join(parts) + "</svg>"


def _short(name: str, most: int = 30) -> str:
    """A long name (a node id) kept to its end, where the test's own name is."""
    return name if len(name) <= most else "…" + name[-(most - 1):]
