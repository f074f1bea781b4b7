"""The catalogue's panels read from the store, as the product's own pages, reports and exports
show them: :meth:`PanelReads.panel_data`, :meth:`PanelReads.dashboard_data`. The SQL is the one
Grafana runs (pytest_vpt.panels), rendered into the ``local`` dialect, so the numbers agree."""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..panels.catalogue import DASHBOARDS, panels
from ..panels.dialects import parameters, render, variables_of
from ..panels.model import ALL, Dashboard, Panel, Variable
from .record import Record
from .window import check_window

#: the longest range a panel is read for
LONGEST_RANGE = 400 * 86400.0
#: the most points a time series is given (the interval widens to stay within it)
MOST_POINTS = 1000


class UnknownPanel(LookupError):
    """A dashboard or panel the catalogue does not have; the message lists those it has."""


@dataclass
class QueryData(Record):
    """One query's answer: its column names and rows (lists of plain values)."""

    ref_id: str
    format: str
    columns: list[str]
    rows: list[list[Any]]


@dataclass
class PanelData(Record):
    """A panel's definition (key, title, description, kind, unit) and its queries' answers."""

    key: str
    title: str
    description: str
    kind: str
    unit: str | None
    queries: list[QueryData]

    @property
    def empty(self) -> bool:
        return not any(query.rows for query in self.queries)


@dataclass
class DashboardData(Record):
    """A dashboard's panels read for one range: ``rows`` as (row title, its panels' data)."""

    uid: str
    title: str
    start: float
    end: float
    interval: float
    variables: dict[str, Any]
    rows: list[dict[str, Any]]


def find_dashboard(name: str) -> Dashboard:
    """The dashboard whose uid or title (any case) is ``name``."""
    for board in DASHBOARDS:
        if name in (board.uid, board.uid.removeprefix("vpt-")) or name.casefold() == board.title.casefold():
            return board
    raise UnknownPanel(f"no dashboard {name!r}: known are " + ", ".join(f"{b.title!r} ({b.uid})" for b in DASHBOARDS))


def find_panel(key: str) -> Panel:
    """The panel of the catalogue whose key is ``key``."""
    for board in DASHBOARDS:
        for panel in panels(board):
            if panel.key == key:
                return panel
    raise UnknownPanel(f"no panel {key!r}: known are " + ", ".join(sorted({p.key for b in DASHBOARDS for p in panels(b)})))


def interval_for(start: float, end: float, points: int = MOST_POINTS) -> float:
    """Grafana's way: the range over the points a graph has room for, at least a minute."""
    return max(60.0, math.ceil((end - start) / points))


class PanelReads:
    """The History's reads of the panel catalogue (a mixin of :class:`pytest_vpt.history.History`)."""

    def panel_data(self, panel: Panel | str, start: float, end: float | None = None, interval: float | None = None,
                   variables: Mapping[str, str | Sequence[str]] | None = None) -> PanelData:
        """What ``panel`` (a Panel or its key) shows from ``start`` to ``end`` (default now),
        epoch seconds, per ``interval`` seconds (default: as Grafana chooses), with the
        dashboard's ``variables`` (default: the history's project, every branch and device)."""
        panel = find_panel(panel) if isinstance(panel, str) else panel
        end, interval = self._range(start, end, interval)
        values = self._variables(variables)
        answers = []
        for query in panel.queries:
            wanted = variables_of(query.sql)
            missing = sorted(name for name in wanted if name not in values)
            if missing:
                raise ValueError(f"panel {panel.key!r} needs the variable(s) {', '.join(missing)}")
            sql = render(query.sql, "local", self.store.engine)  # type: ignore[attr-defined]
            bound = parameters(start, end, interval, {name: values[name] for name in wanted})
            columns, rows = self._query(_run, sql, bound)  # type: ignore[attr-defined]
            answers.append(QueryData(query.ref_id, query.format, columns, rows))
        return PanelData(panel.key, panel.title, panel.description, panel.kind, panel.unit, answers)

    def dashboard_data(self, dashboard: Dashboard | str, start: float, end: float | None = None,
                       interval: float | None = None,
                       variables: Mapping[str, str | Sequence[str]] | None = None) -> DashboardData:
        """Every panel of ``dashboard`` (a Dashboard, its uid or its title), row by row, read
        as :meth:`panel_data` reads one."""
        board = find_dashboard(dashboard) if isinstance(dashboard, str) else dashboard
        end, interval = self._range(start, end, interval)
        values = self._variables(variables)
        for variable in board.variables:  # as Grafana loads a dashboard: in order, each from those before
            if variable.name not in values:
                values[variable.name] = self._first_value(variable, start, end, interval, values)
        rows = [{"title": row.title,
                 "panels": [self.panel_data(panel, start, end, interval, values) for panel in row.panels]}
                for row in board.rows]
        return DashboardData(board.uid, board.title, start, end, interval, dict(values), rows)

    def variable_values(self, variable: Variable, start: float, end: float | None = None,
                        variables: Mapping[str, str | Sequence[str]] | None = None) -> list[str]:
        """The values ``variable`` offers for the range, given the variables before it."""
        end, interval = self._range(start, end, None)
        sql = render(variable.query.sql, "local", self.store.engine)  # type: ignore[attr-defined]
        bound = parameters(start, end, interval, {n: v for n, v in self._variables(variables).items()
                                                  if n in variables_of(variable.query.sql)})
        _, rows = self._query(_run, sql, bound)  # type: ignore[attr-defined]
        return [str(row[0]) for row in rows if row and row[0] is not None]

    def _first_value(self, variable: Variable, start: float, end: float, interval: float,
                     values: Mapping[str, Any]) -> Any:
        if variable.include_all:
            return ALL
        offered = self.variable_values(variable, start, end, values)
        if not offered:
            return [] if variable.multi else ""
        return offered[:1] if variable.multi else offered[0]

    def _range(self, start: float, end: float | None, interval: float | None) -> tuple[float, float]:
        end = time.time() if end is None else end
        check_window(start, end, LONGEST_RANGE, ("start", "end"))
        return end, interval_for(start, end) if interval is None else interval

    def _variables(self, given: Mapping[str, str | Sequence[str]] | None) -> dict[str, Any]:
        values: dict[str, Any] = {"branch": ALL, "device": ALL, "stream": ALL}
        if self.project:  # type: ignore[attr-defined]
            values["project"] = self.project  # type: ignore[attr-defined]
        for name, value in (given or {}).items():
            if name == "project" and self.project and value != self.project:  # type: ignore[attr-defined]
                raise ValueError(f"this history is project {self.project!r}'s, not {value!r}")  # type: ignore[attr-defined]
            values[name] = value
        return values


def _run(conn: Any, sql: str, bound: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    cursor = conn.execute(sql, bound)
    columns = [column[0] for column in cursor.description or ()]
    return columns, [list(row) for row in cursor.fetchall()]
