"""A stat: a tile per value: the first row's columns, or, when the rows are named (devices),
a tile per row showing its state, coloured by the panel's thresholds."""

from __future__ import annotations

from ...history.panels import PanelData
from ...panels.model import Panel
from ..values import in_unit, number, text
from .frame import Frame
from .svg import step_colour

#: the states a device-status value stands for
STATES = {-1: "stale", 0: "offline", 1: "online"}


def _tile(label: str, shown: str, colour: str) -> str:
    return (f'<div class="tile"><svg viewBox="0 0 10 10" class="dot"><circle cx="5" cy="5" r="5" fill="{colour}"/>'
            f'</svg><b>{shown}</b><span>{text(label)}</span></div>')


def render(data: PanelData, spec: Panel, frame: Frame) -> str:
    tiles = []
    for query in data.queries:
        if not query.rows:
            continue
        named = len(query.columns) > 1 and number(query.rows[0][0]) is None
        if named and "state" in query.columns:
            at = query.columns.index("state")
            for row in query.rows:
                state = number(row[at])
                tiles.append(_tile(str(row[0]), STATES.get(int(state) if state is not None else -1, "unknown"),
                                   step_colour(state, spec.thresholds)))
            continue
        for name, value in zip(query.columns, query.rows[0]):
            tiles.append(_tile(name, in_unit(value, spec.unit), step_colour(number(value), spec.thresholds)))
    return f'<div class="tiles">{"".join(tiles)}</div>'
