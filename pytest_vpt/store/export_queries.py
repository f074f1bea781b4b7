"""The queries an export reads, streamed: every row of a range, never the whole of it in memory.

Each query is a list of :class:`Column` (name, kind, unit, SQL expression) over its tables,
narrowed to a project (or every project) and a range ``[since, until)`` of its time column.
:func:`stream` yields the rows in batches: ``fetchmany`` on SQLite, a server-side (named)
cursor on PostgreSQL. The database formats what a file format asks (``style``):

- ``raw``: values as stored (times in epoch seconds, flags 0/1);
- ``iso``: times as ISO 8601 UTC text with milliseconds (``2026-11-30T08:00:00.250Z``);
- ``sheet``: ``iso``, and text a spreadsheet would take for a formula (starting with ``=``,
  ``+``, ``-``, ``@``, a tab or a carriage return) given a leading apostrophe, so it is text.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .sql import postgres

#: the rows a batch holds
BATCH = 5000
DAY = 86400.0
STYLES = ("raw", "iso", "sheet")
KINDS = ("text", "int", "float", "time", "bool", "json")


@dataclass(frozen=True)
class Column:
    """One column of an export: ``kind`` says how a format writes it, ``unit`` what it counts."""

    name: str
    kind: str
    unit: str
    description: str
    sql: str


@dataclass(frozen=True)
class ExportQuery:
    """A query's columns, its FROM clause, the columns its project and range narrow, its order."""

    name: str
    description: str
    columns: tuple[Column, ...]
    source: str
    project: str
    time: str
    order: str
    group: str = ""
    whole_days: bool = False  # a range starts at its first moment's UTC day (the KPI rollup is per day)


def _c(name: str, kind: str, unit: str, description: str, sql: str | None = None) -> Column:
    return Column(name, kind, unit, description, sql or name)


def _ratio(part: str, whole: str) -> str:
    return f"CASE WHEN {whole} > 0 THEN CAST({part} AS DOUBLE PRECISION) / ({whole}) END"


_RUN = (_c("branch", "text", "", "the run's VCS branch", "r.vcs_branch"),
        _c("commit", "text", "", "the run's VCS revision", "r.vcs_revision"))
_FINAL_OUTCOME = "a.is_final = 1 AND a.outcome = '{0}'"
_JUDGED = "a.is_final = 1 AND a.outcome IN ('passed', 'failed', 'error')"

QUERIES: dict[str, ExportQuery] = {q.name: q for q in (
    ExportQuery(
        "test_executions", "every test attempt (reruns included) with its run, outcome and durations",
        (_c("run_id", "text", "", "the run", "a.run_id"), _c("project", "text", "", "the project", "c.project"),
         *_RUN, _c("nodeid", "text", "", "pytest's node id", "c.nodeid"),
         _c("attempt", "int", "", "1 for the first try, 2 for the first rerun, ...", "a.attempt"),
         _c("final", "bool", "", "the test's last attempt in the run", "a.is_final"),
         _c("outcome", "text", "", "passed, failed, error, skipped, xfailed, xpassed or rerun", "a.outcome"),
         _c("started_at", "time", "UTC", "when the attempt started", "a.started_at"),
         _c("finished_at", "time", "UTC", "when it finished", "a.finished_at"),
         _c("duration", "float", "s", "setup + call + teardown", "a.duration"),
         _c("setup_duration", "float", "s", "the setup phase", "a.setup_duration"),
         _c("call_duration", "float", "s", "the call phase", "a.call_duration"),
         _c("teardown_duration", "float", "s", "the teardown phase", "a.teardown_duration"),
         _c("device", "text", "", "the device the test used", "a.device_id"),
         _c("error_type", "text", "", "the exception's type, for a failure or error", "a.error_type"),
         _c("worker", "text", "", "the xdist worker", "a.worker")),
        "test_attempts a JOIN test_cases c ON c.test_id = a.test_id LEFT JOIN runs r ON r.run_id = a.run_id",
        "c.project", "a.started_at", "a.started_at, a.run_id, a.event_id"),
    ExportQuery(
        "runs", "every run started in the range, with its counts",
        (_c("run_id", "text", "", "the run"), _c("project", "text", "", "the project"),
         _c("status", "text", "", "running, finished or interrupted"),
         _c("branch", "text", "", "VCS branch", "vcs_branch"), _c("commit", "text", "", "VCS revision", "vcs_revision"),
         _c("started_at", "time", "UTC", "when the session started"),
         _c("finished_at", "time", "UTC", "when it finished"),
         _c("duration", "float", "s", "wall time", "finished_at - started_at"),
         _c("cpu_seconds", "float", "s", "CPU time of pytest and its workers"),
         _c("exit_status", "int", "", "pytest's exit status"),
         *(_c(name, "int", "tests", f"tests whose final outcome is {name}") for name in
           ("passed", "failed", "error", "skipped", "xfailed", "xpassed")),
         _c("tests", "int", "tests", "tests run"), _c("reruns", "int", "attempts", "rerun attempts", "rerun"),
         _c("ci_provider", "text", "", "the CI system"), _c("ci_run_url", "text", "", "the CI run's page"),
         _c("host", "text", "", "the machine", "host_name")),
        "runs", "project", "started_at", "started_at, run_id"),
    ExportQuery(
        "tests", "per test: its attempts in the range, final outcomes, pass rate, durations, verdict",
        (_c("project", "text", "", "the project", "c.project"), _c("nodeid", "text", "", "pytest's node id", "c.nodeid"),
         _c("runs", "int", "runs", "runs with a final attempt", "count(DISTINCT CASE WHEN a.is_final = 1 THEN a.run_id END)"),
         _c("attempts", "int", "attempts", "attempts, reruns included", "count(*)"),
         *(_c(name, "int", "runs", f"final outcomes {name}",
              f"sum(CASE WHEN {_FINAL_OUTCOME.format(name)} THEN 1 ELSE 0 END)")
           for name in ("passed", "failed", "error", "skipped")),
         _c("reruns", "int", "attempts", "rerun attempts", "sum(CASE WHEN a.outcome = 'rerun' THEN 1 ELSE 0 END)"),
         _c("pass_rate", "float", "ratio", "passed / (passed + failed + error), 0 to 1",
            _ratio(f"sum(CASE WHEN {_FINAL_OUTCOME.format('passed')} THEN 1 ELSE 0 END)",
                   f"sum(CASE WHEN {_JUDGED} THEN 1 ELSE 0 END)")),
         _c("mean_duration", "float", "s", "mean duration of the final attempts",
            "avg(CASE WHEN a.is_final = 1 THEN a.duration END)"),
         _c("max_duration", "float", "s", "longest final attempt", "max(CASE WHEN a.is_final = 1 THEN a.duration END)"),
         _c("first_at", "time", "UTC", "first attempt in the range", "min(a.started_at)"),
         _c("last_at", "time", "UTC", "last attempt in the range", "max(a.started_at)"),
         _c("status", "text", "", "the flakiness verdict now (stable, flaky, broken, fixed, new)", "max(f.status)"),
         _c("flakiness_score", "float", "", "the verdict's score, 0 to 1", "max(f.score)")),
        "test_attempts a JOIN test_cases c ON c.test_id = a.test_id LEFT JOIN test_flakiness f ON f.test_id = a.test_id",
        "c.project", "a.started_at", "c.project, c.nodeid", group="c.project, c.nodeid"),
    ExportQuery(
        "devices", "per device sampled in the range: probes, time online, uptime, response time",
        (_c("project", "text", "", "the project", "s.project"), _c("device", "text", "", "the device", "s.device_id"),
         _c("kind", "text", "", "the device's kind", "max(d.kind)"), _c("probe", "text", "", "how it is probed", "max(d.probe)"),
         _c("samples", "int", "probes", "probes in the range", "count(*)"),
         _c("online", "int", "probes", "probes that found it online", "sum(s.online)"),
         _c("uptime", "float", "ratio", "online probes / probes, 0 to 1", _ratio("sum(s.online)", "count(*)")),
         _c("mean_response_time", "float", "s", "mean response time of the online probes", "avg(s.response_time)"),
         _c("max_response_time", "float", "s", "slowest response", "max(s.response_time)"),
         _c("first_at", "time", "UTC", "first probe in the range", "min(s.time)"),
         _c("last_at", "time", "UTC", "last probe in the range", "max(s.time)")),
        "device_samples s LEFT JOIN devices d ON d.project = s.project AND d.device_id = s.device_id",
        "s.project", "s.time", "s.project, s.device_id", group="s.project, s.device_id"),
    ExportQuery(
        "incidents", "device outages and video incidents (black screens, freezes, ...) started in the range",
        (_c("project", "text", "", "the project"), _c("source", "text", "", "the device or stream"),
         _c("kind", "text", "", "device_offline, or the video incident's kind (black_screen, freeze, ...)"),
         _c("started_at", "time", "UTC", "when it started"), _c("ended_at", "time", "UTC", "when it ended (empty: going on)"),
         _c("duration", "float", "s", "how long it lasted (so far)"),
         _c("severity", "text", "", "a video incident's severity"),
         _c("error", "text", "", "a device's last probe error"),
         _c("thumbnail", "text", "", "a video incident's evidence"),
         _c("run_id", "text", "", "the run that saw it")),
        "(SELECT project, device_id AS source, 'device_offline' AS kind, started_at, ended_at, duration, "
        "NULL AS severity, error, NULL AS thumbnail, NULL AS run_id FROM device_incidents UNION ALL "
        "SELECT project, source, kind, started_at, ended_at, duration, severity, NULL, thumbnail, run_id "
        "FROM video_incidents) i", "project", "started_at", "started_at, source, kind"),
    ExportQuery(
        "metrics", "every metric sample in the range (custom metrics, coverage, video scores)",
        (_c("project", "text", "", "the project", "m.project"), _c("run_id", "text", "", "the run, if any", "m.run_id"),
         _c("nodeid", "text", "", "the test, if any", "c.nodeid"), _c("name", "text", "", "the metric", "m.name"),
         _c("kind", "text", "", "gauge, counter or timer", "m.kind"), _c("value", "float", "unit", "the sample", "m.value"),
         _c("unit", "text", "", "the metric's unit", "m.unit"), _c("tags", "json", "", "tags, a JSON object", "m.tags"),
         _c("time", "time", "UTC", "when it was recorded", "m.time")),
        "metrics m LEFT JOIN test_cases c ON c.test_id = m.test_id", "m.project", "m.time", "m.time, m.event_id"),
    ExportQuery(
        "kpis", "the KPIs of each UTC day in the range (from the KPI rollup)",
        (_c("project", "text", "", "the project"), _c("day", "time", "UTC", "the day's start"),
         _c("runs", "int", "runs", "runs finished"), _c("tests", "int", "tests", "final outcomes"),
         *(_c(name, "int", "tests", f"final outcomes {name}") for name in ("passed", "failed", "error")),
         _c("quarantined", "int", "tests", "failures of quarantined tests (left out of the pass rate)"),
         _c("pass_rate", "float", "ratio", "passed / (passed + failed + error - quarantined)",
            _ratio("passed", "passed + failed + error - quarantined")),
         _c("tests_run", "int", "tests", "distinct tests run"), _c("flaky_tests", "int", "tests", "of them flaky"),
         _c("episodes_started", "int", "episodes", "failure episodes started"),
         _c("episodes_ended", "int", "episodes", "failure episodes ended"),
         _c("mttr", "float", "s", "mean time to repair the episodes ended", _ratio("repair_sum", "episodes_ended")),
         _c("mean_wall", "float", "s", "mean run wall time", _ratio("wall_sum", "wall_count")),
         _c("device_uptime", "float", "ratio", "devices' time online / time covered",
            _ratio("device_online", "device_covered")),
         _c("device_incidents", "int", "incidents", "device incidents"),
         _c("video_incidents", "int", "incidents", "video incidents"),
         _c("quality", "float", "score", "the quality score, 0 to 100")),
        "kpi_daily", "project", "day", "project, day", whole_days=True),
)}


class UnknownExportQuery(LookupError):
    """A query name no export has; the message lists those there are."""

    def __init__(self, name: str) -> None:
        super().__init__(f"no export query {name!r}: known are {', '.join(QUERIES)}")
        self.name = name


def _postgres(conn: Any) -> bool:
    return not isinstance(conn, sqlite3.Connection)


def _iso(expr: str, pg: bool) -> str:
    if pg:
        return f"""to_char(to_timestamp({expr}) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')"""
    return f"strftime('%Y-%m-%dT%H:%M:%fZ', {expr}, 'unixepoch')"


def _as_text(expr: str, pg: bool) -> str:
    """``expr`` made text a spreadsheet shows as it is: a leading apostrophe before what it would
    take for a formula."""
    first = f"substr({expr}, 1, 1)"
    tab, cr = ("chr(9)", "chr(13)") if pg else ("char(9)", "char(13)")
    return f"CASE WHEN {first} IN ('=', '+', '-', '@', {tab}, {cr}) THEN '''' || {expr} ELSE {expr} END"


def select(conn: Any, query: ExportQuery, project: str | None, style: str = "raw") -> str:
    """The query's SELECT for this connection's engine, in ``style``, with the placeholders
    (project if given, since, until) in SQLite's spelling."""
    if style not in STYLES:
        raise ValueError(f"no export style {style!r}: one of {', '.join(STYLES)}")
    pg = _postgres(conn)
    shown = []
    for column in query.columns:
        expr = column.sql
        if column.kind == "time" and style != "raw":
            expr = _iso(expr, pg)
        elif column.kind in ("text", "json") and style == "sheet":
            expr = _as_text(expr, pg)
        shown.append(f'{expr} AS "{column.name}"')
    where = [f"{query.time} >= ?", f"{query.time} < ?"]
    if project is not None:
        where.insert(0, f"{query.project} = ?")
    group = f" GROUP BY {query.group}" if query.group else ""
    return f"SELECT {', '.join(shown)} FROM {query.source} WHERE {' AND '.join(where)}{group} ORDER BY {query.order}"


def arguments(project: str | None, since: float, until: float) -> list[Any]:
    return [since, until] if project is None else [project, since, until]


def find(name: str) -> ExportQuery:
    try:
        return QUERIES[name]
    except (KeyError, TypeError):
        raise UnknownExportQuery(name) from None


def stream(conn: Any, name: str, project: str | None, since: float, until: float, style: str = "raw",
           batch: int = BATCH) -> Iterator[list[tuple[Any, ...]]]:
    """The rows of query ``name`` for ``project`` (None: every project) from ``since`` up to
    ``until`` (epoch seconds), in batches of up to ``batch`` plain tuples."""
    query = find(name)
    if query.whole_days:
        since = since - since % DAY
    sql, args = select(conn, query, project, style), arguments(project, since, until)
    if _postgres(conn):
        yield from _stream_postgres(conn.raw, postgres(sql), args, batch)
        return
    cursor = conn.cursor()
    cursor.row_factory = None
    try:
        cursor.execute(sql, args)
        while rows := cursor.fetchmany(batch):
            yield rows
    finally:
        cursor.close()


def _stream_postgres(raw: Any, sql: str, args: list[Any], batch: int) -> Iterator[list[tuple[Any, ...]]]:
    """A named cursor in a read-only transaction, planned for every row (not the first few)."""
    with raw.transaction():
        raw.execute("SET TRANSACTION READ ONLY")
        raw.execute("SET LOCAL cursor_tuple_fraction = 1.0")
        with raw.cursor(name="vpt_export") as cursor:
            cursor.itersize = batch
            cursor.execute(sql, args)
            while rows := cursor.fetchmany(batch):
                yield rows


def copy_csv(conn: Any, name: str, project: str | None, since: float, until: float) -> Iterator[bytes] | None:
    """On PostgreSQL, the rows of query ``name`` (as :func:`stream` gives them in the ``sheet``
    style) as the server writes CSV: ``COPY (SELECT ...) TO STDOUT (FORMAT csv)``, no header,
    LF line ends, a chunk at a time. None on SQLite, which has no COPY."""
    if not _postgres(conn):
        return None
    query = find(name)
    if query.whole_days:
        since = since - since % DAY
    sql = postgres(select(conn, query, project, "sheet"))
    return _copy(conn.raw, f"COPY ({sql}) TO STDOUT (FORMAT csv)", arguments(project, since, until))


def _copy(raw: Any, statement: str, args: list[Any]) -> Iterator[bytes]:
    with raw.transaction():
        raw.execute("SET TRANSACTION READ ONLY")
        with raw.cursor() as cursor, cursor.copy(statement, args) as copy:
            for data in copy:
                yield bytes(data)

