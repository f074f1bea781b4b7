"""The SQL a Grafana alert rule runs for one series of a condition: the same tables, windows and
meaning as the product's own reads (pytest_vpt.store.alert_queries through
pytest_vpt.alerts.series), one row per group (string columns: the labels Grafana gives the
alert instance; ``value``: a number), written in the catalogue's portable SQL and rendered by
the panels' dialect renderer. Grafana evaluates at ``$to``: a window is ``($to - W, $to]``.

A text or yes/no series compared with a constant (``device_status == "offline"``,
``value("power") == "off"``) is compared in SQL, giving 1 or 0: Grafana's math compares
numbers only. A condition's part Grafana cannot run is a :class:`NotExpressible` naming why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from ..alerts.expression import Series
from ..alerts.expression.nodes import Literal_
from ..alerts.series import SERIES
from ..panels.dialects import render

DEVICE = ("project", "device")
PROJECT = ("project",)
STREAM = ("project", "stream")
#: the window a query reads when its series has none (Grafana's relative range needs one)
LEAST_RANGE = 600.0
_KEY = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_ .:/-]{0,99}\Z")  # a probe value's name
_TAG = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}\Z")  # a metric tag's name ($field takes these)
_SQL_OPS = {"==": "=", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
_DEVICES = ("FROM (SELECT project, device_id FROM devices UNION SELECT project, device_id FROM device_status) AS k "
            "LEFT JOIN devices AS d USING (project, device_id) LEFT JOIN device_status AS s USING (project, device_id)")
_SAMPLES = ("FROM device_status st JOIN device_samples s ON s.project = st.project AND s.device_id = st.device_id "
            "AND s.time > $to - {w} AND s.time <= $to")
_STATE = ("CASE WHEN s.last_time IS NULL THEN 'unknown' "
          "WHEN $to > s.last_end + COALESCE(d.timeout, 0) + COALESCE(d.flush, 0) + 1.0 THEN 'stale' "
          "WHEN s.last_online <> 0 THEN 'online' ELSE 'offline' END")
_FINAL = "a.started_at > $to - {w} AND a.started_at <= $to AND a.is_final = 1"
_INCIDENT_KIND = {"black_screen": "black_screen", "freeze_detected": "freeze"}


class NotExpressible(ValueError):
    """A part of a condition Grafana's queries and math cannot say as the product means it."""


@dataclass(frozen=True)
class SeriesQuery:
    """One query of a rule: its SQL for a dialect, the seconds it reads back from ``$to``
    (Grafana's relative time range), its label columns and which reads' groups it has."""

    sql: str
    window: float
    labels: tuple[str, ...]
    source: tuple


def number(value: float) -> str:
    """A number as SQL and Grafana's math read it: plain digits, never an exponent."""
    text = format(Decimal(repr(float(value))), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def text_literal(value: str) -> str:
    """A quoted SQL text; one holding ``$`` is refused (Grafana would read it as a macro)."""
    if "$" in value:
        raise NotExpressible(f"the text {value[:40]!r} holds a '$', which Grafana reads as a macro or variable")
    return "'" + value.replace("'", "''") + "'"


def window_of(series: Series) -> float:
    """The window the product reads ``series`` over (its own, the series' default, else 5 m)."""
    spec = SERIES[series.name][0]
    return series.window or spec.window or 300.0


def numeric_query(series: Series, dialect: str, group_by: tuple[str, ...]) -> SeriesQuery:
    """The query of a series read as a number per group (a yes/no one as 1 or 0)."""
    name, w = series.name, window_of(series)
    if name == "error_rate":
        sql = (f"SELECT s.project AS project, s.device_id AS device, "
               f"CAST(1.0 * sum(1 - s.online) / count(*) AS DOUBLE PRECISION) AS value {_SAMPLES.format(w=number(w))} "
               "GROUP BY s.project, s.device_id")
        return _query(sql, dialect, w, DEVICE, series)
    if name == "response_time":
        samples = (f"SELECT s.project AS project, s.device_id AS device, s.time AS time, s.response_time AS value "
                   f"{_SAMPLES.format(w=number(w))} WHERE s.response_time IS NOT NULL")
        return _query(_aggregated(samples, DEVICE, series.aggregation), dialect, w, DEVICE, series)
    if name == "failure_rate":
        sql = ("SELECT c.project AS project, CAST(1.0 * sum(CASE WHEN a.outcome IN ('failed', 'error') THEN 1 "
               "ELSE 0 END) / count(*) AS DOUBLE PRECISION) AS value "
               "FROM test_attempts a JOIN test_cases c ON c.test_id = a.test_id "
               f"WHERE {_FINAL.format(w=number(w))} GROUP BY c.project")
        return _query(sql, dialect, w, PROJECT, series)
    if name == "tests_per_hour":
        final = _FINAL.format(w="3600")
        sql = ("SELECT p.project AS project, CAST(count(a.test_id) AS DOUBLE PRECISION) AS value FROM "
               "(SELECT project FROM runs UNION SELECT c.project FROM test_attempts a JOIN test_cases c "
               f"ON c.test_id = a.test_id WHERE {final}) AS p "
               f"LEFT JOIN test_cases c ON c.project = p.project LEFT JOIN test_attempts a ON a.test_id = c.test_id "
               f"AND {final} GROUP BY p.project")
        return _query(sql, dialect, 3600.0, PROJECT, series)
    if name in _INCIDENT_KIND:
        sql = (f"SELECT project AS project, source AS stream, CAST(max(CASE WHEN kind = "
               f"{text_literal(_INCIDENT_KIND[name])} THEN 1 ELSE 0 END) AS DOUBLE PRECISION) AS value "
               "FROM video_incidents WHERE started_at <= $to AND (ended_at IS NULL OR ended_at > $to) "
               "GROUP BY project, source")
        return _query(sql, dialect, LEAST_RANGE, STREAM, series)
    if name == "metric":
        return _metric(series, dialect, group_by)
    raise NotExpressible(f"{name} is {SERIES[name][0].type}: Grafana's queries compare it only with a constant "
                         f"({name} == ...)")


def compared_query(series: Series, op: str, constant: Literal_, dialect: str) -> SeriesQuery:
    """The query of ``series OP constant`` for a text or yes/no series: 1 where it holds, else 0,
    for every group the series has (a value of another type compares as the product's: unequal)."""
    if op not in _SQL_OPS:
        raise NotExpressible(f"unknown comparison {op!r}")
    unequal = "1" if op == "!=" else "0"  # a value of another type: only != holds
    if series.name == "device_status":
        if not isinstance(constant.value, str):
            raise NotExpressible("device_status compares with a quoted state")
        sql = (f"SELECT k.project AS project, k.device_id AS device, CAST(CASE WHEN ({_STATE}) "
               f"{_SQL_OPS[op]} {text_literal(constant.value)} THEN 1 ELSE 0 END AS DOUBLE PRECISION) AS value "
               f"{_DEVICES}")
        return _query(sql, dialect, LEAST_RANGE, DEVICE, series)
    if series.name != "value":
        raise NotExpressible(f"{series.name} is not compared in SQL")
    key = series.texts[0]
    if not _KEY.match(key):
        raise NotExpressible(f"value({key[:40]!r}): Grafana's queries take a value's name of letters, digits "
                             "and _ . : / - (at most 100)")
    json = _Json(dialect, 's."values"', key)
    if isinstance(constant.value, bool):
        kind, test = "boolean", f"{json.truth} {_SQL_OPS[op]} {text_literal('true' if constant.value else 'false')}"
    elif isinstance(constant.value, str):
        kind, test = "string", f"{json.text} {_SQL_OPS[op]} {text_literal(constant.value)}"
    else:
        kind, test = "number", f"CAST({json.text} AS DOUBLE PRECISION) {_SQL_OPS[op]} {number(constant.value)}"
    sql = (f"SELECT st.project AS project, st.device_id AS device, CAST(CASE WHEN {json.kind} = '{kind}' "
           f"THEN (CASE WHEN {test} THEN 1 ELSE 0 END) ELSE {unequal} END AS DOUBLE PRECISION) AS value "
           "FROM device_status st JOIN device_samples s ON s.project = st.project AND s.device_id = st.device_id "
           f"AND s.time = st.last_time WHERE {json.kind} IN ('number', 'string', 'boolean')")
    return _query(sql, dialect, LEAST_RANGE, DEVICE, series)


def _metric(series: Series, dialect: str, group_by: tuple[str, ...]) -> SeriesQuery:
    w = window_of(series)
    tags = tuple(key for key in group_by if key != "project")
    for key in (*tags, *(key for key, _ in series.filters)):
        if not _TAG.match(key) or key in ("value", "time"):
            raise NotExpressible(f"the metric tag {key!r}: Grafana's queries take tag names of letters, digits "
                                 "and _ (not value or time)")
    columns = "".join(f', CAST($field(m.tags, {key}) AS TEXT) AS "{key}"' for key in tags)
    filters = "".join(f" AND COALESCE(CAST($field(m.tags, {key}) AS TEXT), 'None') = {text_literal(want)}"
                      for key, want in series.filters)
    samples = (f"SELECT m.project AS project{columns}, m.time AS time, m.value AS value FROM metrics m "
               f"WHERE m.name = {text_literal(series.texts[0])} AND m.time > $to - {number(w)} AND m.time <= $to"
               f"{filters}")
    labels = ("project", *tags)
    return _query(_aggregated(samples, labels, series.aggregation), dialect, w, labels, series)


def _aggregated(samples: str, labels: tuple[str, ...], how: str | None) -> str:
    """``samples`` (labels, time, value) folded per group as pytest_vpt.alerts.series.aggregate
    folds them: last (default), avg, min, max, sum, count, pNN (the nearest rank)."""
    keys = ", ".join(f'"{label}"' for label in labels)
    fold = {"avg": "avg(value)", "min": "min(value)", "max": "max(value)", "sum": "sum(value)",
            "count": "count(*)", None: "max(CASE WHEN vpt_newest = 1 THEN value END)"}
    fold["last"] = fold[None]
    if how not in fold:  # pNN: the smallest value with NN % of them at or below it
        fold[how] = f"max(CASE WHEN vpt_rank = ({int(how[1:])} * vpt_count + 99) / 100 THEN value END)"
    return (f"SELECT {keys}, CAST({fold[how]} AS DOUBLE PRECISION) AS value FROM (SELECT {keys}, value, "
            f"row_number() OVER (PARTITION BY {keys} ORDER BY value) AS vpt_rank, "
            f"row_number() OVER (PARTITION BY {keys} ORDER BY time DESC) AS vpt_newest, "
            f"count(*) OVER (PARTITION BY {keys}) AS vpt_count FROM ({samples}) AS samples) AS ranked "
            f"GROUP BY {keys}")


def _query(sql: str, dialect: str, window: float, labels: tuple[str, ...], series: Series) -> SeriesQuery:
    read = "video_incidents" if series.name in _INCIDENT_KIND else series.name  # one read, the same streams
    source = (read, series.texts, series.filters, window_of(series) if SERIES[series.name][0].window else None)
    return SeriesQuery(render(sql, dialect), max(window, 60.0), labels, source)


class _Json:
    """A probe value's name in a JSON object column, in a dialect's spelling: its ``kind``
    (number, string, boolean, or another word), its ``text`` and its ``truth`` ('true', 'false')."""

    def __init__(self, dialect: str, column: str, key: str) -> None:
        if dialect == "postgres":
            self.kind = f"jsonb_typeof(CAST({column} AS jsonb) -> {text_literal(key)})"
            self.text = self.truth = f"(CAST({column} AS jsonb) ->> {text_literal(key)})"
        else:
            path = "'$.\"" + key.replace("'", "''") + "\"'"
            self.kind = (f"(CASE json_type({column}, {path}) WHEN 'integer' THEN 'number' WHEN 'real' THEN 'number' "
                         f"WHEN 'text' THEN 'string' WHEN 'true' THEN 'boolean' WHEN 'false' THEN 'boolean' "
                         "ELSE 'other' END)")
            self.text = f"json_extract({column}, {path})"
            self.truth = f"json_type({column}, {path})"
