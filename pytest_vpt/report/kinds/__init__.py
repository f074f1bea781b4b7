"""Panels drawn by their kind (Grafana's visualisation names): one module per kind, each a
``render(data, spec, frame) -> str`` of HTML with inline SVG, registered in KINDS. The report
and the service's pages draw the catalogue's panels with them."""

from __future__ import annotations

from collections.abc import Callable

from ...history.panels import PanelData
from ...panels.model import Panel
from ..values import text
from . import bargauge, gauge, heatmap, piechart, stat, table, timeline, timeseries
from .frame import Frame, Mark

Renderer = Callable[[PanelData, Panel, Frame], str]
KINDS: dict[str, Renderer] = {
    "timeseries": timeseries.render, "gauge": gauge.render, "stat": stat.render, "table": table.render,
    "piechart": piechart.render, "bargauge": bargauge.render, "heatmap": heatmap.render,
    "state-timeline": timeline.render, "status-history": timeline.render, "barchart": bargauge.render,
}


def shows_data(data: PanelData) -> bool:
    """Whether a panel has anything to draw: a row with a value (a sum over nothing is one row of NULLs)."""
    return any(value is not None for query in data.queries for row in query.rows for value in row)


def render_panel(data: PanelData, spec: Panel, frame: Frame) -> str:
    """A panel as an HTML section: its title, what it shows, and its chart (or "no data")."""
    shown = shows_data(data)
    rows = sum(len(query.rows) for query in data.queries) if shown else 0
    draw = KINDS.get(data.kind, table.render)
    body = draw(data, spec, frame) if shown else '<p class="nodata">No data in this range</p>'
    return (f'<section class="panel w{min(max(spec.width, 6), 24)}" id="p-{text(data.key)}" data-kind="{text(data.kind)}" '
            f'data-rows="{rows}"><h3>{text(data.title)}</h3><p class="what">{text(data.description)}</p>{body}</section>')


__all__ = ["Frame", "KINDS", "Mark", "Renderer", "render_panel", "shows_data"]
