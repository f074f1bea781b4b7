"""The panel catalogue's vocabulary: each panel is defined once, with its query written in the
catalogue's portable SQL, and rendered into each dialect (Grafana on PostgreSQL, Grafana on
SQLite, and the product's own pages), so no two of them can show different numbers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

#: Where a query runs: Grafana's PostgreSQL datasource, Grafana's SQLite datasource
#: (frser-sqlite-datasource), or the product itself (bound parameters, no Grafana macro).
Dialect = Literal["postgres", "sqlite", "local"]
DIALECTS: tuple[Dialect, ...] = ("postgres", "sqlite", "local")
#: "All" of a variable, as the product's own pages name it (dialects.parameters)
ALL = "All"
#: a variable's custom all value: an SQL string, which Grafana inserts unformatted (see dialects)
ALL_VALUE = "'__all'"


@dataclass(frozen=True)
class Query:
    """One query of a panel: portable SQL (see :mod:`pytest_vpt.panels.dialects` for its
    tokens) and the shape it returns (``time_series``: a ``time`` column in epoch seconds and
    numeric columns; ``table``: named columns)."""

    sql: str
    format: Literal["time_series", "table"] = "table"
    ref_id: str = "A"


@dataclass(frozen=True)
class Threshold:
    """A step of a panel's thresholds: from ``value`` up (None: the base step), ``color``."""

    value: float | None
    color: str


@dataclass(frozen=True)
class Panel:
    """A panel: what it shows (``description`` is required), how (``kind``: a Grafana
    visualisation such as timeseries, stat, gauge, table, piechart, heatmap, barchart,
    bargauge, state-timeline, status-history, text), and its place (``width`` of 24 columns,
    ``height`` in grid rows). ``key`` is stable: a panel's id wherever it appears."""

    key: str
    title: str
    description: str
    kind: str
    queries: tuple[Query, ...]
    unit: str | None = None
    thresholds: tuple[Threshold, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    width: int = 12
    height: int = 8
    options: Mapping[str, Any] = field(default_factory=dict)  # the visualisation's own options


@dataclass(frozen=True)
class Row:
    """A titled row of panels (collapsed: folded until opened)."""

    title: str
    panels: tuple[Panel, ...]
    collapsed: bool = False


@dataclass(frozen=True)
class Variable:
    """A dashboard variable whose values a query lists (its first column), e.g. project,
    branch, device; ``include_all`` adds "All", which every query must accept."""

    name: str
    label: str
    query: Query
    multi: bool = False
    include_all: bool = False
    all_value: str = ALL_VALUE  # Grafana's allValue: what "All" inserts


@dataclass(frozen=True)
class Dashboard:
    """A dashboard: a stable ``uid``, its variables, its rows, and the uids it links to."""

    uid: str
    title: str
    description: str
    rows: tuple[Row, ...]
    variables: tuple[Variable, ...] = ()
    links: tuple[str, ...] = ()
    tags: tuple[str, ...] = ("pytest-vpt",)
    refresh: str = "1m"
    time_from: str = "now-7d"
