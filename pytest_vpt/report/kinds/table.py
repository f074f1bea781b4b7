"""A table: the query's columns and rows, each cell by its column (moments in UTC, seconds
as durations, numbers, text escaped)."""

from __future__ import annotations

from ...history.panels import PanelData
from ...panels.model import Panel
from ..values import cell, number, text
from .frame import Frame


def render(data: PanelData, spec: Panel, frame: Frame) -> str:
    parts = []
    for query in data.queries:
        head = "".join(f"<th>{text(name)}</th>" for name in query.columns)
        body = "".join(
            "<tr>" + "".join(f'<td{" class=n" if number(value) is not None else ""}>{cell(name, value)}</td>'
                             for name, value in zip(query.columns, row)) + "</tr>"
            for row in query.rows)
        parts.append(f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>')
    return "".join(parts)
