"""One catalogue dashboard as Grafana's dashboard JSON for a dialect: its uid (the
catalogue's, with the dialect's suffix, so both can live in one Grafana), a datasource
variable first (provisioned dashboards cannot use ``__inputs``) and the catalogue's
variables as queries of it, its rows and panels on the grid, links to the dashboards it names
(keeping the time range and variables), and an auto-refresh."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from grafana_foundation_sdk.builders import dashboard as builders
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models import dashboard as models

from ..panels.model import Dashboard, Variable
from .layout import lay_out
from .panels import Render, grafana_panel
from .targets import DATASOURCE_VARIABLE, PLUGINS, datasource_ref

#: a dashboard's uid in Grafana: the catalogue's and this suffix
SUFFIXES = {"postgres": "pg", "sqlite": "sqlite"}
_UID = re.compile(r"[A-Za-z0-9_-]{1,40}\Z")


def grafana_uid(uid: str, dialect: str) -> str:
    """The uid a catalogue dashboard has in Grafana for ``dialect``: ``flaky`` -> ``flaky-pg``."""
    found = f"{uid}-{SUFFIXES[dialect]}"
    if not _UID.match(found):
        raise ValueError(f"dashboard uid {uid!r}: Grafana takes at most 40 letters, digits, '-' and '_' "
                         f"(with the suffix: {found!r})")
    return found


def dashboard_json(board: Dashboard, dialect: str, render: Render, *, catalogue: Iterable[Dashboard] = (),
                   datasource_uid: str | None = None) -> dict[str, Any]:
    """``board`` as dashboard JSON for ``dialect`` (postgres or sqlite); ``catalogue`` holds
    the dashboards it links to; ``datasource_uid``: the datasource variable's first choice."""
    if dialect not in PLUGINS:
        raise ValueError(f"dialect {dialect!r}: Grafana dashboards are for {', '.join(PLUGINS)}")
    titles = {other.uid: other.title for other in (board, *catalogue)}
    builder = (builders.Dashboard(board.title).uid(grafana_uid(board.uid, dialect)).description(board.description)
               .tags(list(board.tags)).refresh(board.refresh).time(board.time_from, "now").timezone("utc")
               .tooltip(models.DashboardCursorSync.CROSSHAIR).readonly()
               .with_variable(_datasource_variable(dialect, datasource_uid)))
    for variable in board.variables:
        builder = builder.with_variable(_query_variable(variable, dialect, render))
    for uid in board.links:
        if uid not in titles:
            raise ValueError(f"dashboard {board.uid}: it links to {uid!r}, which is not in the catalogue "
                             f"(known: {', '.join(sorted(titles))})")
        builder = builder.link(builders.DashboardLink(titles[uid]).type(models.DashboardLinkType.LINK)
                               .url(f"/d/{grafana_uid(uid, dialect)}").icon("dashboard")
                               .include_vars(True).keep_time(True))
    panel_id = 0
    for placed in lay_out(board):
        row = None
        if placed.header:
            panel_id += 1
            header = placed.header
            row = (builders.Row(placed.row.title).id(panel_id).collapsed(placed.row.collapsed)
                   .grid_pos(models.GridPos(h=header.h, w=header.w, x=header.x, y=header.y)))
            if not placed.row.collapsed:
                builder, row = builder.with_row(row), None
        for panel, place in placed.panels:
            panel_id += 1
            built = _Built(grafana_panel(panel, panel_id, place, dialect, render))
            if row is None:
                builder = builder.with_panel(built)
            else:
                row = row.with_panel(built)
        if row is not None:
            builder = builder.with_row(row)
    return json.loads(json.dumps(builder.build(), cls=JSONEncoder))


class _Built(builders.Panel):
    """A panel model already built, handed to the SDK's dashboard and row builders."""

    def __init__(self, panel: models.Panel) -> None:
        self._internal = panel


def _datasource_variable(dialect: str, uid: str | None) -> builders.DatasourceVariable:
    variable = builders.DatasourceVariable(DATASOURCE_VARIABLE).label("Data source").type(PLUGINS[dialect])
    if uid:
        variable = variable.current(models.VariableOption(selected=True, text=uid, value=uid))
    return variable


def _query_variable(variable: Variable, dialect: str, render: Render) -> builders.QueryVariable:
    sql = render(variable.query.sql, dialect)
    found = (builders.QueryVariable(variable.name).label(variable.label).query(sql)
             .datasource(datasource_ref(dialect)).multi(variable.multi).include_all(variable.include_all)
             .refresh(models.VariableRefresh.ON_DASHBOARD_LOAD).sort(models.VariableSort.ALPHABETICAL_ASC))
    if variable.include_all:
        found = found.all_value(variable.all_value).current(models.VariableOption(selected=True, text="All", value="$__all"))
    return found
