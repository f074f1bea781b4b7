"""The grid a dashboard's panels sit on: 24 columns, panels placed left to right in the order
the catalogue gives them, a panel that would pass the 24th column starting the next line;
each row a full-width line of height 1 above its panels. A collapsed row keeps its panels
inside it (positioned as if it were open) and the next row follows it directly."""

from __future__ import annotations

from dataclasses import dataclass

from ..panels.model import Dashboard, Panel, Row

COLUMNS = 24
MOST_HEIGHT = 100  # grid rows of one panel (a screen is ~30)


@dataclass(frozen=True)
class Place:
    """Where one panel (or row header) sits: ``x``, ``y`` from the top left, ``w``, ``h``."""

    x: int
    y: int
    w: int
    h: int


@dataclass(frozen=True)
class PlacedRow:
    """A row of the catalogue on the grid: its header (None: the panels above every row) and
    its panels with their places."""

    row: Row
    header: Place | None
    panels: tuple[tuple[Panel, Place], ...]


def lay_out(board: Dashboard) -> list[PlacedRow]:
    """Every row and panel of ``board`` placed; a first row without a title holds the panels
    shown above every row. Raises ValueError naming a panel whose size does not fit."""
    placed, y = [], 0
    for index, row in enumerate(board.rows):
        header = None
        if row.title or index:
            header = Place(0, y, COLUMNS, 1)
            y += 1
        panels, bottom = _flow(row.panels, y)
        placed.append(PlacedRow(row, header, panels))
        y = y if row.collapsed and header else bottom
    return placed


def _flow(panels: tuple[Panel, ...], top: int) -> tuple[tuple[tuple[Panel, Place], ...], int]:
    """Panels placed from ``top`` down; returns them and the first free line below them."""
    x, y, line = 0, top, 0
    found = []
    for panel in panels:
        if not 1 <= panel.width <= COLUMNS:
            raise ValueError(f"panel {panel.key}: width {panel.width} is not between 1 and {COLUMNS} columns")
        if not 1 <= panel.height <= MOST_HEIGHT:
            raise ValueError(f"panel {panel.key}: height {panel.height} is not between 1 and {MOST_HEIGHT} grid rows")
        if x + panel.width > COLUMNS:
            x, y, line = 0, y + line, 0
        found.append((panel, Place(x, y, panel.width, panel.height)))
        x += panel.width
        line = max(line, panel.height)
    return tuple(found), y + line
