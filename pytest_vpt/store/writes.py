"""How events become rows: one mapping, the same for every engine (SQL in sql.py's spelling)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from operator import itemgetter
from typing import Any

from . import devices, ids
from .daily import PENDING_COLUMNS
from ..redaction import redact_url
from .test_rows import NODEID, PROJECT, STARTED, TEST_ROW, row_of
from .rows import ATTEMPT_COLUMNS, COUNT_COLUMNS, INCIDENT_COLUMNS, METRIC_COLUMNS, RUN_COLUMNS, TEST_CASE_COLUMNS
from .sql import least, same_nodeid

# A test's id is this store's key for (project, node id), looked up by the database: its
# placeholders take the project and the node id twice (see test_key).
_TEST_ID = f"(SELECT test_id FROM test_cases WHERE project = ? AND {same_nodeid('nodeid')})"


def test_key(event: dict[str, Any]) -> tuple:
    """The values of _TEST_ID's placeholders for an event (no test: no test id)."""
    nodeid = event.get("test.case.name")
    return event["vpt.project"], nodeid, nodeid


def _json(value: Any, empty: str) -> str:
    return json.dumps(value, sort_keys=True) if value else empty


class _Table:
    """How one event type becomes rows of one table: attributes copied as they are, then the
    values ``derive(event)`` returns for ``derived`` (column -> the SQL placeholder receiving it)."""

    def __init__(
        self, table: str, attributes: dict[str, str], derived: dict[str, str] | None = None,
        derive: Callable[[dict[str, Any]], tuple] = lambda event: (), conflict: str = "DO NOTHING",
    ) -> None:
        derived = derived or {}
        self.keys = tuple(attributes.values())
        self.derive = derive
        values = ["?"] * len(attributes) + list(derived.values())
        self.sql = (f"INSERT INTO {table} ({', '.join([*attributes, *derived])}) VALUES ({', '.join(values)}) "
                    f"ON CONFLICT {conflict}")

    def rows(self, events: list[dict[str, Any]]) -> list[tuple]:
        keys, derive = self.keys, self.derive
        return [(*map(event.get, keys), *derive(event)) for event in events]


_RUNS = _Table(
    "runs", RUN_COLUMNS, {c: "?" for c in (*COUNT_COLUMNS, "labels")},
    lambda e: (*map((e.get("vpt.run.counts") or {}).get, COUNT_COLUMNS, [0] * len(COUNT_COLUMNS)),
               _json(e.get("vpt.run.labels"), "{}")),
    # A run's start event never overwrites its finish, whatever order they arrive in; nor does
    # another project's run (ids.py refuses it; this holds against a concurrent writer too).
    "(run_id) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in [*RUN_COLUMNS, *COUNT_COLUMNS, "labels"] if c != "run_id")
    + " WHERE (runs.status = 'running' OR excluded.status != 'running') AND runs.project = excluded.project",
)


def _changed(column: str) -> str:
    return f"(excluded.{column} IS NOT NULL AND (test_cases.{column} IS NULL OR excluded.{column} <> test_cases.{column}))"


#: a test case seen again keeps its first sighting and learns what it did not know; a row
#: with nothing new is left alone (a run does not rewrite every test's row)
CASES_CONFLICT = (
    f"(project, nodeid) DO UPDATE SET first_seen = {least('test_cases.first_seen', 'excluded.first_seen')}, "
    "line = coalesce(excluded.line, test_cases.line), suite = coalesce(excluded.suite, test_cases.suite), "
    "params = coalesce(excluded.params, test_cases.params) "
    f"WHERE excluded.first_seen < test_cases.first_seen OR {' OR '.join(map(_changed, ('line', 'suite', 'params')))}"
)
#: a test case's row from a test row: its columns, then its first sighting (the attempt's start)
case_row = itemgetter(*(TEST_ROW.index(attribute) for attribute in TEST_CASE_COLUMNS.values()), STARTED)
CASES = _Table("test_cases", TEST_CASE_COLUMNS, {"first_seen": "?"}, conflict=CASES_CONFLICT)
#: an attempt's columns after those copied from its test row and its test id
ATTEMPT_DERIVED = ("duration", "markers", "quarantined", "device_offline")
#: the columns of an attempt row: those copied from its test row, its test id, then ATTEMPT_DERIVED
ATTEMPT_ROW = (*ATTEMPT_COLUMNS, "test_id", *ATTEMPT_DERIVED)
_COPIED = itemgetter(*(TEST_ROW.index(attribute) for attribute in ATTEMPT_COLUMNS.values()))
_SETUP, _CALL, _TEARDOWN, _MARKERS, _QUARANTINED, _OFFLINE = (TEST_ROW.index(attribute) for attribute in (
    "vpt.test.duration.setup", "vpt.test.duration.call", "vpt.test.duration.teardown", "vpt.test.markers",
    "vpt.test.quarantined", "vpt.device.offline"))
#: an attempt row's values queued for the daily rollup (PENDING_COLUMNS)
pending_row = itemgetter(*(ATTEMPT_ROW.index(c) for c in PENDING_COLUMNS))


def attempt_row(row: tuple, test_id: int) -> tuple:
    """The values of ATTEMPT_ROW for a test row: setup, call and teardown together are its
    duration (those known; None if none is)."""
    setup, call, teardown = row[_SETUP], row[_CALL], row[_TEARDOWN]
    known = setup is not None or call is not None or teardown is not None
    duration = (setup or 0) + (call or 0) + (teardown or 0) if known else None
    return (*_COPIED(row), test_id, duration, _json(row[_MARKERS], "[]"), 1 if row[_QUARANTINED] else 0,
            1 if row[_OFFLINE] else 0)


_ATTEMPT_KEY = itemgetter(ATTEMPT_ROW.index("run_id"), ATTEMPT_ROW.index("event_id"))
_INSERT_ATTEMPTS = (f"INSERT INTO test_attempts ({', '.join(ATTEMPT_ROW)}) VALUES ({', '.join('?' * len(ATTEMPT_ROW))}) "
                    "ON CONFLICT DO NOTHING")
_INSERT_PENDING = (f"INSERT INTO test_daily_pending ({', '.join(PENDING_COLUMNS)}) "
                   f"VALUES ({', '.join('?' * len(PENDING_COLUMNS))})")
_METRICS = _Table(
    "metrics", METRIC_COLUMNS, {"test_id": _TEST_ID, "tags": "?"},
    lambda e: (*test_key(e), _json(e.get("vpt.metric.tags"), "{}")),
)
_INCIDENTS = _Table(
    "video_incidents", INCIDENT_COLUMNS, {"test_id": _TEST_ID}, test_key,
    # an incident written while open is written again when it ends (by its own project)
    "(event_id) DO UPDATE SET ended_at = excluded.ended_at, duration = excluded.duration, "
    "severity = excluded.severity, end_frame = excluded.end_frame, thumbnail = coalesce(excluded.thumbnail, "
    "video_incidents.thumbnail) WHERE video_incidents.ended_at IS NULL AND video_incidents.project = excluded.project",
)
# The stored test cases of some node ids of a project: their ids, then what CASES_CONFLICT may update.
_CASES_OF = ("SELECT nodeid, test_id, first_seen, suite, line, params FROM test_cases WHERE project = ? "
             "AND nodeid IN (SELECT value FROM json_each(?)) AND md5(nodeid) IN (SELECT md5(value) FROM json_each(?))")


def stored_cases(conn: Any, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], tuple]:
    """(project, node id) -> (test id, first seen, suite, line, params) of the stored test
    cases among ``keys``: one query per project."""
    by_project: dict[str, set[str]] = {}
    for project, nodeid in keys:
        by_project.setdefault(project, set()).add(nodeid)
    found: dict[tuple[str, str], tuple] = {}
    for project, nodeids in by_project.items():
        listed = json.dumps(sorted(nodeids))
        found.update(((project, nodeid), tuple(facts)) for nodeid, *facts in conn.execute(
            _CASES_OF, (project, listed, listed)))
    return found


def _tells_news(row: tuple, stored: tuple | None) -> bool:
    """Whether CASES_CONFLICT would change the stored case with this row (or there is none)."""
    if stored is None:
        return True
    _, first_seen, suite, line, params = stored
    return row[-1] < first_seen or any(
        new is not None and new != old for new, old in ((row[2], suite), (row[5], line), (row[6], params)))


def write_tests(conn: Any, tests: list[tuple]) -> None:
    """Test rows not stored yet (see test_rows): their test cases (those with news: a test
    seen before costs one lookup, no write), then their attempts, queued for the daily rollup."""
    rows = list(map(case_row, tests))
    cases = stored_cases(conn, {(row[0], row[1]) for row in rows})
    news = [row for row in rows if _tells_news(row, cases.get((row[0], row[1])))]
    if news:
        conn.executemany(CASES.sql, news)
        cases.update(stored_cases(conn, {(row[0], row[1]) for row in news if (row[0], row[1]) not in cases}))
    attempts = [attempt_row(test, cases[test[PROJECT], test[NODEID]][0]) for test in tests]
    attempts.sort(key=_ATTEMPT_KEY)  # in key order: fewer pages to find and write than at random
    conn.executemany(_INSERT_ATTEMPTS, attempts)
    conn.executemany(_INSERT_PENDING, [pending_row(row) for row in attempts])


def write_test_rows(conn: Any, tests: list[tuple], tests_writer: Callable[[Any, list], None] = write_tests) -> None:
    """Write a batch of valid test rows through ``conn`` (inside the caller's transaction),
    as write_events writes test events. Raises StoreConflict, before writing anything, if a
    row names another project's run; a row whose attempt is stored already is skipped."""
    ids.refuse_others(conn, ids.run_claims(tests), "runs", "run_id", "vpt.run.id")
    unstored = ids.unstored_tests(conn, tests)
    if unstored:
        tests_writer(conn, unstored)


_RUN_URLS = ("cicd.pipeline.run.url.full", "vcs.repository.url.full")


def _without_credentials(event: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    """``event`` with the URLs under ``keys`` stored without credentials, whoever sent it
    (a client from before they were removed at the source, a hand-made batch)."""
    found = {key: redact_url(event[key]) for key in keys if isinstance(event.get(key), str)}
    return {**event, **found} if found else event


def write_events(conn: Any, events: list[dict[str, Any]], tests_writer: Callable[[Any, list], None] = write_tests) -> None:
    """Write a batch of valid events through ``conn`` (inside the caller's transaction); an
    engine may write the test events (as rows, see test_rows) its own faster way (``tests_writer``).

    Raises StoreConflict, before writing anything, if the batch names another project's run,
    incident, metric or device sample; an event whose id is stored already is skipped."""
    by_type: dict[str, list[dict[str, Any]]] = {
        "run": [], "test": [], "metric": [], "device": [], "device_sample": [], "incident": []}
    for event in events:
        by_type[event["type"]].append(event)
    if by_type["run"] or by_type["test"]:
        ids.refuse_others(conn, [*by_type["run"], *by_type["test"]], "runs", "run_id", "vpt.run.id")
    if by_type["incident"]:
        ids.refuse_others(conn, by_type["incident"], "video_incidents", "event_id", "id")
    metrics = ids.unstored(conn, by_type["metric"], "metrics") if by_type["metric"] else []
    samples = ids.unstored(conn, by_type["device_sample"], "device_samples") if by_type["device_sample"] else []
    tests = ids.unstored_tests(conn, list(map(row_of, by_type["test"]))) if by_type["test"] else []
    if by_type["run"]:
        conn.executemany(_RUNS.sql, _RUNS.rows([_without_credentials(run, _RUN_URLS) for run in by_type["run"]]))
    if tests:
        tests_writer(conn, tests)
    if metrics:
        conn.executemany(_METRICS.sql, _METRICS.rows(metrics))
    if by_type["device"] or samples:
        devices.write(conn, by_type["device"], samples)
    if by_type["incident"]:
        conn.executemany(_INCIDENTS.sql, _INCIDENTS.rows(
            [_without_credentials(incident, ("vpt.incident.source",)) for incident in by_type["incident"]]))
