"""Grafana dashboards from the panel catalogue: each one valid for Grafana's schema, its
panels on the grid where the catalogue's widths put them, its queries and variables through
the dashboard's datasource variable, in both dialects."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_vpt import grafana
from pytest_vpt.grafana.board import dashboard_json
from pytest_vpt.grafana.panels import KINDS
from pytest_vpt.panels.catalogue import DASHBOARDS
from pytest_vpt.panels.dialects import render
from pytest_vpt.panels.model import Dashboard, Panel, Query, Row, Threshold, Variable

from grafana_checks import lint, panels, schema_errors

PLUGINS = {"postgres": "grafana-postgresql-datasource", "sqlite": "frser-sqlite-datasource"}


def tagged(sql: str, dialect: str) -> str:
    """A stand-in renderer: shows which dialect each query was rendered for."""
    return f"/* {dialect} */ {sql}"


def panel(key: str, kind: str = "stat", width: int = 12, height: int = 8, **given) -> Panel:
    queries = given.pop("queries", () if kind == "text" else (Query(f"SELECT 1 AS {key.replace('-', '_')}"),))
    return Panel(key, key.title(), f"What {key} shows.", kind, queries, width=width, height=height, **given)


RUNS = Dashboard(
    "runs", "Runs", "The project's runs.",
    (Row("", (panel("intro", "text", 24, 3, options={"content": "Runs of **$project**"}),)),
     Row("Overview", (panel("rate", "timeseries", 16, queries=(Query("SELECT t AS time, r FROM x", "time_series"),
                                                                Query("SELECT t AS time, s FROM y", "time_series", "B"))),
                      panel("count", width=12, height=6), panel("last", width=8))),
     Row("Details", (panel("table", "table", 24), panel("pie", "piechart", 6)), collapsed=True),
     Row("Devices", (panel("state", "state-timeline", 24, 5),))),
    variables=(Variable("project", "Project", Query("SELECT project FROM runs")),
               Variable("branch", "Branch", Query("SELECT vcs_branch FROM runs"), multi=True, include_all=True)),
    links=("devices",),
)
DEVICES = Dashboard("devices", "Devices", "The project's devices.", (Row("Health", (panel("up", "gauge", 24),)),),
                    links=("runs",))


def test_panels_sit_where_their_widths_put_them_and_collapsed_rows_hold_theirs() -> None:
    board = dashboard_json(RUNS, "postgres", tagged, catalogue=(DEVICES,))
    top = [(p["type"], p["title"], p["gridPos"]) for p in board["panels"]]
    assert top == [
        ("text", "Intro", {"h": 3, "w": 24, "x": 0, "y": 0}),
        ("row", "Overview", {"h": 1, "w": 24, "x": 0, "y": 3}),
        ("timeseries", "Rate", {"h": 8, "w": 16, "x": 0, "y": 4}),
        # 16 + 12 passes 24 columns: the next line starts below the tallest of the line
        ("stat", "Count", {"h": 6, "w": 12, "x": 0, "y": 12}),
        ("stat", "Last", {"h": 8, "w": 8, "x": 12, "y": 12}),
        ("row", "Details", {"h": 1, "w": 24, "x": 0, "y": 20}),
        # a collapsed row takes one line: the next row follows it
        ("row", "Devices", {"h": 1, "w": 24, "x": 0, "y": 21}),
        ("state-timeline", "State", {"h": 5, "w": 24, "x": 0, "y": 22}),
    ]
    details = board["panels"][5]
    assert details["collapsed"] is True
    assert [(p["title"], p["gridPos"]) for p in details["panels"]] == [
        ("Table", {"h": 8, "w": 24, "x": 0, "y": 21}), ("Pie", {"h": 8, "w": 6, "x": 0, "y": 29})]
    assert board["panels"][1]["panels"] == [] and board["panels"][1]["collapsed"] is False
    assert [p["id"] for p in panels(board)] == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]


@pytest.mark.parametrize("dialect", ["postgres", "sqlite"])
def test_a_dashboard_of_every_kind_is_valid_for_grafana(dialect) -> None:
    every = Dashboard("kinds", "Every kind", "One panel of each visualisation.",
                      (Row("All", tuple(panel(kind.replace("-", ""), kind, 6) for kind in KINDS)),))
    boards = [dashboard_json(every, dialect, tagged), dashboard_json(RUNS, dialect, tagged, catalogue=(DEVICES,)),
              dashboard_json(DEVICES, dialect, tagged, catalogue=(RUNS,))]
    for board in boards:
        assert schema_errors(board) == []
    assert lint(boards, PLUGINS[dialect]) == []
    assert [p["type"] for p in boards[0]["panels"][1:]] == list(KINDS)


def test_queries_are_rendered_for_the_dialect_and_read_the_datasource_variable() -> None:
    pg, lite = (dashboard_json(RUNS, dialect, tagged, catalogue=(DEVICES,)) for dialect in ("postgres", "sqlite"))
    assert pg["uid"] == "runs-pg" and lite["uid"] == "runs-sqlite"
    rate = pg["panels"][2]
    assert rate["datasource"] == {"type": "grafana-postgresql-datasource", "uid": "${datasource}"}
    assert rate["targets"] == [
        {"refId": "A", "datasource": rate["datasource"], "format": "time_series", "rawQuery": True,
         "editorMode": "code", "rawSql": "/* postgres */ SELECT t AS time, r FROM x"},
        {"refId": "B", "datasource": rate["datasource"], "format": "time_series", "rawQuery": True,
         "editorMode": "code", "rawSql": "/* postgres */ SELECT t AS time, s FROM y"}]
    count = lite["panels"][3]
    assert count["targets"] == [
        {"refId": "A", "datasource": {"type": "frser-sqlite-datasource", "uid": "${datasource}"},
         "queryType": "table", "rawQueryText": "/* sqlite */ SELECT 1 AS count",
         "queryText": "/* sqlite */ SELECT 1 AS count", "timeColumns": ["time"]}]
    assert "datasource" not in pg["panels"][0] and "targets" not in pg["panels"][0]  # a text panel queries nothing


def test_variables_start_with_the_datasource_and_query_through_it() -> None:
    board = dashboard_json(RUNS, "sqlite", tagged, catalogue=(DEVICES,), datasource_uid="vpt-lite")
    source, project, branch = board["templating"]["list"]
    assert (source["type"], source["name"], source["query"], source["current"]["value"]) == (
        "datasource", "datasource", "frser-sqlite-datasource", "vpt-lite")
    assert (project["type"], project["query"], project["datasource"]) == (
        "query", "/* sqlite */ SELECT project FROM runs", {"type": "frser-sqlite-datasource", "uid": "${datasource}"})
    assert (project["multi"], project["includeAll"], project["refresh"]) == (False, False, 1)
    assert "current" not in project  # Grafana takes its first value
    assert (branch["multi"], branch["includeAll"], branch["allValue"], branch["current"]["value"]) == (
        True, True, "'__all'", "$__all")
    assert "current" not in dashboard_json(RUNS, "sqlite", tagged, catalogue=(DEVICES,))["templating"]["list"][0]


def test_dashboards_link_to_each_other_keeping_time_and_variables_and_refresh_on_their_own() -> None:
    board = dashboard_json(RUNS, "postgres", tagged, catalogue=(DEVICES,))
    assert board["links"] == [{"title": "Devices", "type": "link", "icon": "dashboard", "tooltip": "",
                               "url": "/d/devices-pg", "tags": [], "asDropdown": False, "targetBlank": False,
                               "includeVars": True, "keepTime": True}]
    assert (board["refresh"], board["time"], board["timezone"], board["tags"]) == (
        "1m", {"from": "now-7d", "to": "now"}, "utc", ["pytest-vpt"])
    with pytest.raises(ValueError, match=r"links to 'devices', which is not in the catalogue \(known: runs\)"):
        dashboard_json(RUNS, "postgres", tagged)


def test_units_thresholds_limits_and_options_reach_the_panel() -> None:
    steps = (Threshold(None, "red"), Threshold(90.0, "orange"), Threshold(95.0, "green"))
    rate = panel("rate", "gauge", 6, unit="percent", minimum=0, maximum=100, thresholds=steps,
                 options={"showThresholdLabels": True, "reduceOptions": {"calcs": ["mean"]}})
    board = dashboard_json(Dashboard("one", "One", "One gauge.", (Row("R", (rate,)),)), "postgres", tagged)
    gauge = board["panels"][1]
    assert gauge["fieldConfig"]["defaults"] == {
        "unit": "percent", "min": 0, "max": 100, "color": {"mode": "thresholds"},
        "thresholds": {"mode": "absolute", "steps": [{"value": None, "color": "red"},
                                                     {"value": 90.0, "color": "orange"},
                                                     {"value": 95.0, "color": "green"}]}}
    # the panel's options over the kind's defaults, a nested mapping merged key by key
    assert gauge["options"]["showThresholdLabels"] is True
    assert gauge["options"]["reduceOptions"] == {"calcs": ["mean"], "values": False}
    assert gauge["options"]["showThresholdMarkers"] is True
    assert schema_errors(board) == []


@pytest.mark.parametrize("bad, message", [
    (panel("wide", width=25), "panel wide: width 25 is not between 1 and 24 columns"),
    (panel("flat", height=0), "panel flat: height 0 is not between 1 and 100 grid rows"),
    (panel("odd", "sparkline"), "panel odd: kind 'sparkline' is not one of timeseries, stat, gauge"),
    (panel("twice", queries=(Query("SELECT 1"), Query("SELECT 2"))), "panel twice: refId 'A' is empty or used twice"),
    (panel("steps", thresholds=(Threshold(10, "red"),)), "panel steps: thresholds start with a base step"),
    (Panel("mute", "Mute", " ", "stat", ()), "panel mute: a panel needs a description"),
])
def test_a_panel_grafana_could_not_show_is_refused_by_name(bad, message) -> None:
    board = Dashboard("bad", "Bad", "A bad panel.", (Row("R", (bad,)),))
    with pytest.raises(ValueError) as raised:
        dashboard_json(board, "postgres", tagged)
    assert str(raised.value).startswith(message)


def test_a_uid_grafana_cannot_take_is_refused() -> None:
    board = Dashboard("x" * 37, "Long", "A long uid.", (Row("R", (panel("a"),)),))
    assert dashboard_json(board, "postgres", tagged)["uid"] == "x" * 37 + "-pg"
    with pytest.raises(ValueError, match="at most 40 letters"):
        dashboard_json(board, "sqlite", tagged)
    with pytest.raises(ValueError, match="Grafana dashboards are for postgres, sqlite"):
        dashboard_json(board, "local", tagged)


@pytest.mark.parametrize("dialect", ["postgres", "sqlite"])
def test_every_catalogue_dashboard_is_valid_for_grafana_and_lints_clean(dialect) -> None:
    boards = grafana.dashboards(dialect, datasource_uid="pytest-vpt")
    assert [board["title"] for board in boards] == [board.title for board in DASHBOARDS]
    for board in boards:
        assert schema_errors(board) == [], board["uid"]
    assert lint(boards, PLUGINS[dialect]) == []
    assert all(board["uid"].endswith({"postgres": "-pg", "sqlite": "-sqlite"}[dialect]) for board in boards)
    # every catalogue query went through the dialect (no portable token is left)
    for board in boards:
        for each in panels(board):
            for target in each.get("targets", []):
                sql = target.get("rawSql", target.get("rawQueryText"))
                assert "$window(" not in sql and "$var(" not in sql and "$in(" not in sql, (board["uid"], sql)


def test_the_catalogue_rendered_by_hand_matches_the_api() -> None:
    """grafana.dashboards renders each query with the catalogue's dialects.render."""
    board = DASHBOARDS[0]
    assert grafana.dashboards("postgres")[0] == dashboard_json(board, "postgres", render, catalogue=DASHBOARDS)


_SIZES = st.tuples(st.integers(1, 24), st.integers(1, 12))
_ROWS = st.lists(st.tuples(st.text("ab ", max_size=3), st.lists(_SIZES, max_size=6), st.booleans()),
                 min_size=1, max_size=5)


@settings(max_examples=60, deadline=None)
@given(rows=_ROWS)
def test_any_widths_and_heights_stay_within_24_columns_without_overlapping(rows) -> None:
    board = Dashboard("any", "Any", "Rows of any panels.", tuple(
        Row(title, tuple(panel(f"p{r}-{i}", width=w, height=h) for i, (w, h) in enumerate(sizes)), collapsed)
        for r, (title, sizes, collapsed) in enumerate(rows)))
    built = dashboard_json(board, "sqlite", tagged)
    assert lint([built], PLUGINS["sqlite"]) == []
    assert schema_errors(built) == []
    # every panel is there, in the catalogue's order
    assert [p["title"] for p in panels(built) if p["type"] != "row"] == [
        each.title for row in board.rows for each in row.panels]
