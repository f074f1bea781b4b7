"""The portable SQL's tokens in each dialect, Grafana's expansion of them (variables with "All",
values with quotes), the mistakes a panel's SQL can hold, and the catalogue's own rules."""

from __future__ import annotations

import pytest

from grafana_expand import ExpansionError, expand, interval_text
from pytest_vpt.panels.catalogue import DASHBOARDS, panels
from pytest_vpt.panels.dialects import PortableSQLError, parameters, render, variables_of
from pytest_vpt.panels.model import ALL, ALL_VALUE, DIALECTS

SQL = ("SELECT $bucket(day, 86400) AS \"time\", sum(n) FROM t WHERE $window(day) AND project = $var(project) "
       "AND $in(branch, branch) GROUP BY 1")
START, END = 1523556000.0, 1523556300.0


def test_each_dialect_spells_the_tokens_its_own_way() -> None:
    width = "(CASE WHEN ($__interval_ms / 1000.0) > 86400 THEN ($__interval_ms / 1000.0) ELSE 86400 END)"
    assert render(SQL, "postgres") == (
        f"SELECT (floor((day) / {width}) * {width}) AS \"time\", sum(n) FROM t WHERE $__unixEpochFilter(day) "
        "AND project = ${project:sqlstring} AND ('__all' IN (${branch:sqlstring}) OR branch IN (${branch:sqlstring})) "
        "GROUP BY 1")
    assert render(SQL, "sqlite") == (
        f"SELECT (CAST((day) / {width} AS INTEGER) * {width}) AS \"time\", sum(n) FROM t WHERE "
        "(day >= ($__from / 1000.0) AND day <= ($__to / 1000.0)) AND project = ${project:sqlstring} "
        "AND ('__all' IN (${branch:sqlstring}) OR branch IN (${branch:sqlstring})) GROUP BY 1")
    local = "(CASE WHEN :vpt_interval > 86400 THEN :vpt_interval ELSE 86400 END)"
    assert render(SQL, "local") == (
        f"SELECT (floor((day) / {local}) * {local}) AS \"time\", sum(n) FROM t WHERE "
        "(day >= :vpt_from AND day <= :vpt_to) AND project = :project "
        "AND (:branch_all = 1 OR branch IN (SELECT value FROM json_each(:branch_in))) GROUP BY 1")


def test_grafana_expands_all_and_chosen_values() -> None:
    everything = expand(render(SQL, "postgres"), "postgres", START, END, 60, {"project": "o'neil", "branch": ALL},
                        {"branch": ALL_VALUE})
    assert everything == (
        "SELECT (floor((day) / (CASE WHEN (60000 / 1000.0) > 86400 THEN (60000 / 1000.0) ELSE 86400 END)) * "
        "(CASE WHEN (60000 / 1000.0) > 86400 THEN (60000 / 1000.0) ELSE 86400 END)) AS \"time\", sum(n) FROM t "
        "WHERE day >= 1523556000 AND day <= 1523556300 AND project = 'o''neil' "
        "AND ('__all' IN ('__all') OR branch IN ('__all')) GROUP BY 1")
    chosen = expand(render(SQL, "sqlite"), "sqlite", START, END, 60, {"project": "box", "branch": ["main", "dev"]})
    assert "(day >= (1523556000000 / 1000.0) AND day <= (1523556300000 / 1000.0))" in chosen
    assert "('__all' IN ('main','dev') OR branch IN ('main','dev'))" in chosen


def test_the_local_parameters_say_all_or_the_values() -> None:
    assert parameters(START, END, 60, {"project": "box", "branch": ALL, "device": ["a", "b"]}) == {
        "vpt_from": START, "vpt_to": END, "vpt_interval": 60.0,
        "project": "box", "project_in": '["box"]', "project_all": 0,
        "branch": None, "branch_in": "[]", "branch_all": 1,
        "device": "a", "device_in": '["a", "b"]', "device_all": 0,
    }


@pytest.mark.parametrize(("sql", "message"), [
    ("SELECT $since", r"unknown token \$since in .*known are \$bucket, \$each, \$field"),
    ("SELECT $window(a, b)", r"\$window takes 1 arguments, not 2"),
    ("SELECT $bucket()", r"\$bucket takes 1 or 2 arguments, not 0"),
    ("SELECT $from()", r"\$from takes no parentheses"),
    ("SELECT $window(a", r"\$window's parenthesis is not closed"),
    ("SELECT $var(Project)", r"'Project' is not a variable name"),
    ("SELECT $field(tags, a-b)", r"\$field's key 'a-b' is not a plain name"),
])
def test_a_mistake_in_portable_sql_is_named(sql, message) -> None:
    with pytest.raises(PortableSQLError, match=message):
        render(sql, "postgres")


@pytest.mark.parametrize(("args", "message"), [
    ((START, END, 0), "the interval must be positive, not 0"),
    ((END, START, 60), "the range ends"),
    ((float("nan"), END, 60), "start must be a finite number of seconds, not nan"),
])
def test_bad_parameters_are_named(args, message) -> None:
    with pytest.raises(PortableSQLError, match=message):
        parameters(*args)


def test_unknown_dialects_engines_variables_and_macros_are_refused() -> None:
    with pytest.raises(PortableSQLError, match="unknown dialect 'mysql': known are postgres, sqlite, local"):
        render("SELECT 1", "mysql")
    with pytest.raises(PortableSQLError, match="unknown engine 'oracle'"):
        render("SELECT 1", "local", "oracle")
    with pytest.raises(ExpansionError, match="no value for the variable 'branch'"):
        expand(render(SQL, "postgres"), "postgres", START, END, 60, {"project": "box"})
    with pytest.raises(ExpansionError, match=r"undefined macro: \$__timeGroupAlias"):
        expand("SELECT $__timeGroupAlias(day, 1h)", "postgres", START, END, 60, {})
    assert interval_text(60) == "1m" and interval_text(7200) == "2h" and interval_text(0.5) == "500ms"


def test_nested_tokens_and_their_variables() -> None:
    sql = "SELECT 1 FROM m WHERE $in($field(tags, source), stream) AND $window(coalesce(a, b))"
    assert variables_of(sql) == {"stream"}
    assert render(sql, "postgres") == (
        "SELECT 1 FROM m WHERE ('__all' IN (${stream:sqlstring}) OR (CAST(tags AS jsonb) ->> 'source') IN "
        "(${stream:sqlstring})) AND (coalesce(a, b) >= $__unixEpochFrom() AND coalesce(a, b) <= $__unixEpochTo())")


def test_the_catalogue_s_dashboards_are_stable_and_complete() -> None:
    assert [d.uid for d in DASHBOARDS] == ["vpt-test-execution", "vpt-device-health", "vpt-video-quality",
                                           "vpt-system-performance",
                                           "vpt-executive-summary", "vpt-qa-operations", "vpt-devops-monitoring",
                                           "vpt-quality-assurance", "vpt-custom-metrics"]
    for dashboard in DASHBOARDS:
        names = {variable.name for variable in dashboard.variables}
        assert names >= {"project"} and set(dashboard.links) <= {d.uid for d in DASHBOARDS} - {dashboard.uid}
        keys = [panel.key for panel in panels(dashboard)]
        assert len(keys) == len(set(keys)) and len(keys) >= 6
        for panel in panels(dashboard):
            assert panel.title and panel.description.endswith(".") and 0 < panel.width <= 24
            assert len({query.ref_id for query in panel.queries}) == len(panel.queries)
            for query in panel.queries:
                assert variables_of(query.sql) <= names, (panel.key, variables_of(query.sql) - names)
                for dialect in DIALECTS:
                    render(query.sql, dialect)
        earlier: set[str] = set()  # a variable reads only those before it (Grafana refreshes them in order)
        for variable in dashboard.variables:
            assert variables_of(variable.query.sql) <= earlier, variable.name
            earlier.add(variable.name)
