"""Every panel's SQL of every dashboard, expanded as Grafana expands it for each datasource, runs
read-only on a store of each engine holding a realistic history (tests/dashboard_data.py), and
returns what its panel draws: rows, a time column and numbers for a time series; the product's
own (local) dialect returns the same rows."""

from __future__ import annotations

import math
import time
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

import dashboard_data
from conftest import PG_DSN, _store_urls
from grafana_expand import expand, run_postgres_read_only, run_sqlite_read_only
from pytest_vpt.history import History, UnknownPanel
from pytest_vpt.panels.catalogue import DASHBOARDS, panels
from pytest_vpt.panels.dialects import parameters, render
from pytest_vpt.panels.model import ALL
from pytest_vpt.store import open_store
from pytest_vpt.store.access import grant_reader

DAY, HOUR = 86400.0, 3600.0
END = math.floor(time.time() / DAY) * DAY - 6 * HOUR  # the history ends 18:00 UTC yesterday
START = END - dashboard_data.Scale().days * DAY
READER = "vpt_panels_reader"
#: the variables as a user would set them: everything, or one branch, device and stream
EVERYTHING = {"project": "box", "branch": ALL, "device": ALL, "stream": ALL,
              "metric": list(dashboard_data.METRICS), "tag": "source", "tag_value": ALL}
ONE_OF_EACH = {"project": "box", "branch": ["main"], "device": ["stb-1", "rtsp://cam/1"], "stream": ["rtsp://cam/1"],
               "metric": ["boot.seconds"], "tag": "device", "tag_value": ["stb-1"]}

QUERIES = [
    pytest.param(dashboard, panel, query, id=f"{dashboard.uid}/{panel.key}/{query.ref_id}")
    for dashboard in DASHBOARDS for panel in panels(dashboard) for query in panel.queries
]
VARIABLES = [pytest.param(dashboard, variable, id=f"{dashboard.uid}/{variable.name}")
             for dashboard in DASHBOARDS for variable in dashboard.variables]


class Seeded:
    """A store holding the realistic history, and how Grafana and the product read it."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = "postgresql" if url.startswith("postgresql") else "sqlite"
        self.dialect = "postgres" if self.engine == "postgresql" else "sqlite"

    def grafana(self, sql: str, values: dict, dashboard=None, interval: float = HOUR) -> tuple[list[str], list[tuple]]:
        """``sql`` rendered for this engine's Grafana datasource, expanded and run read-only."""
        all_values = {v.name: v.all_value for d in DASHBOARDS for v in d.variables}
        text = expand(render(sql, self.dialect), self.dialect, START, END, interval, values, all_values)
        if self.engine == "sqlite":
            return run_sqlite_read_only(Path(self.url.removeprefix("sqlite:///")), text)
        schema = self.url.split("search_path%3D")[-1]
        return run_postgres_read_only(reader_dsn(), schema, text)

    def local(self, sql: str, values: dict, interval: float = HOUR) -> tuple[list[str], list[tuple]]:
        """``sql`` as the product's own pages run it: the local dialect with bound parameters."""
        with open_store(self.url, create=False) as store:
            cursor = store.conn.execute(render(sql, "local", self.engine), parameters(START, END, interval, values))
            names = [c[0] if isinstance(c, tuple) else c.name for c in cursor.description]
            return names, [tuple(row) for row in cursor.fetchall()]


def reader_dsn() -> str:
    return make_conninfo(**{**conninfo_to_dict(PG_DSN), "user": READER})


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def seeded(request, tmp_path_factory) -> Seeded:
    with _store_urls(request.param, tmp_path_factory.mktemp("dashboards")) as make:
        url = make()
        dashboard_data.seed(url, END)
        if request.param == "postgresql":
            with open_store(url) as store:
                grant_reader(store, READER)
        yield Seeded(url)


def _numeric(value) -> bool:
    return value is None or (isinstance(value, (int, float)) and not isinstance(value, bool)) or \
        type(value).__name__ == "Decimal"


def _rounded(rows: list[tuple]) -> list[tuple]:
    return [tuple(round(float(v), 6) if _numeric(v) and v is not None else v for v in row) for row in rows]


@pytest.mark.parametrize(("dashboard", "panel", "query"), QUERIES)
def test_every_panel_returns_what_it_draws(seeded: Seeded, dashboard, panel, query) -> None:
    for values in (EVERYTHING, ONE_OF_EACH):
        names, rows = seeded.grafana(query.sql, values)
        assert rows, f"{panel.title} returned nothing with {values}"
        assert len(set(names)) == len(names)
        if query.format == "time_series":
            assert names[0] == "time", names
            assert all(isinstance(row[0], (int, float)) or type(row[0]).__name__ == "Decimal" for row in rows)
            assert all(START - DAY <= float(row[0]) <= END for row in rows), "a bucket outside the range"
            numbers = [i for i, value in enumerate(rows[0]) if i and _numeric(value)]
            assert numbers, f"{panel.title}: no numeric column in {names}"
        if panel.kind in ("stat", "gauge", "piechart", "bargauge"):
            assert any(isinstance(v, (int, float)) or type(v).__name__ == "Decimal" for row in rows for v in row)
        local_names, local_rows = seeded.local(query.sql, values)
        assert local_names == names
        assert _rounded(local_rows) == _rounded(rows), f"{panel.title}: the local dialect differs"


@pytest.mark.parametrize(("dashboard", "variable"), VARIABLES)
def test_every_variable_lists_values(seeded: Seeded, dashboard, variable) -> None:
    names, rows = seeded.grafana(variable.query.sql, EVERYTHING)
    assert rows and all(isinstance(row[0], str) for row in rows)
    expected = {"project": {"box"}, "branch": {"dev", "main"}, "device": {"stb-1", "stb-2", *dashboard_data.STREAMS},
                "stream": set(dashboard_data.STREAMS), "metric": set(dashboard_data.METRICS), "tag": {"device", "source"},
                "tag_value": set(dashboard_data.STREAMS)}[variable.name]
    assert {row[0] for row in rows} == expected


def test_a_finer_interval_keeps_a_rollup_s_grain(seeded: Seeded) -> None:
    """At a 5-minute interval the hourly and daily rollups still give one point per hour or day."""
    panel = {p.key: p for p in panels(DASHBOARDS[0])}["duration-trend"]
    _, rows = seeded.grafana(panel.queries[0].sql, EVERYTHING, interval=300)
    assert [float(row[0]) % DAY for row in rows] == [0.0] * len(rows)
    assert len(rows) == len({row[0] for row in rows}) >= 4


def test_grafana_s_read_only_connections_cannot_write(seeded: Seeded) -> None:
    """The reads run where writing is refused: a read-only SQLite file and transaction."""
    if seeded.engine == "sqlite":
        with pytest.raises(Exception, match="readonly|read-only"):
            run_sqlite_read_only(Path(seeded.url.removeprefix("sqlite:///")), "DELETE FROM runs")
    else:
        with pytest.raises(psycopg.Error):
            run_postgres_read_only(reader_dsn(), seeded.url.split("search_path%3D")[-1], "DELETE FROM runs")


@pytest.mark.parametrize("dashboard", DASHBOARDS, ids=[d.uid for d in DASHBOARDS])
def test_the_history_api_reads_each_dashboard_as_grafana_does(seeded: Seeded, dashboard) -> None:
    """History.dashboard_data: every panel of the dashboard, the numbers Grafana gets."""
    with History.open(seeded.url, project="box") as history:
        data = history.dashboard_data(dashboard.title, START, END, interval=HOUR)
    assert [row["title"] for row in data.rows] == [row.title for row in dashboard.rows]
    read = {panel.key: panel for row in data.rows for panel in row["panels"]}
    assert list(read) == [panel.key for panel in panels(dashboard)]
    for panel in panels(dashboard):
        assert not read[panel.key].empty, f"{panel.title} is empty"
        for query, answer in zip(panel.queries, read[panel.key].queries):
            values = {**data.variables}
            names, rows = seeded.grafana(query.sql, values)
            assert answer.columns == names
            assert _rounded([tuple(r) for r in answer.rows]) == _rounded(rows), panel.title


def test_the_history_api_names_what_it_cannot_read(seeded: Seeded) -> None:
    with History.open(seeded.url, project="box") as history:
        with pytest.raises(UnknownPanel, match="no dashboard 'Sales'.*'Test Execution'"):
            history.dashboard_data("Sales", START, END)
        with pytest.raises(UnknownPanel, match="no panel 'pie'"):
            history.panel_data("pie", START, END)
        with pytest.raises(ValueError, match="project 'box''s, not 'other'"):
            history.panel_data("pass-rate", START, END, variables={"project": "other"})
        with pytest.raises(ValueError, match="start .* must be before end"):
            history.panel_data("pass-rate", END, START)
        assert history.variable_values(DASHBOARDS[0].variables[1], START, END) == ["dev", "main"]
