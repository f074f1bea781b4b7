"""How events become rows: one mapping, the same for every engine (SQL in sql.py's spelling)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from . import daily, devices
from .rows import ATTEMPT_COLUMNS, COUNT_COLUMNS, METRIC_COLUMNS, RUN_COLUMNS, TEST_CASE_COLUMNS
from .sql import least

# A test's id is this store's key for (project, node id), looked up by the database.
_TEST_ID = "(SELECT test_id FROM test_cases WHERE project = ? AND nodeid = ?)"


def _json(value: Any, empty: str) -> str:
    return json.dumps(value, sort_keys=True) if value else empty


def _duration(event: dict[str, Any]) -> float | None:
    phases = [event.get(f"vpt.test.duration.{p}") for p in ("setup", "call", "teardown")]
    known = [p for p in phases if p is not None]
    return sum(known) if known else None


class _Table:
    """How one event type becomes rows of one table: attributes copied as they are, plus
    derived values (each with the SQL placeholder that receives it)."""

    def __init__(
        self, table: str, attributes: dict[str, str],
        derived: Iterable[tuple[str, str, Callable[[dict[str, Any]], Any]]] = (), conflict: str = "DO NOTHING",
    ) -> None:
        self.keys = tuple(attributes.values())
        self.derive = [fn for _, _, fn in derived]
        columns = [*attributes, *(column for column, _, _ in derived)]
        values = ["?"] * len(attributes) + [placeholder for _, placeholder, _ in derived]
        self.sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(values)}) ON CONFLICT {conflict}"

    def rows(self, events: list[dict[str, Any]]) -> list[tuple]:
        keys, derive = self.keys, self.derive
        return [(*map(event.get, keys), *(value for fn in derive for value in _flat(fn(event)))) for event in events]


def _flat(value: Any) -> tuple:
    return value if isinstance(value, tuple) else (value,)


def _test_key(event: dict[str, Any]) -> tuple[str, str]:
    return event["vpt.project"], event["test.case.name"]


def _metric_test_key(event: dict[str, Any]) -> tuple[str | None, str | None]:
    return event["vpt.project"], event.get("test.case.name")


_RUNS = _Table(
    "runs", RUN_COLUMNS,
    [(c, "?", lambda e, c=c: (e.get("vpt.run.counts") or {}).get(c, 0)) for c in COUNT_COLUMNS]
    + [("labels", "?", lambda e: _json(e.get("vpt.run.labels"), "{}"))],
    # A run's start event never overwrites its finish, whatever order they arrive in.
    "(run_id) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in [*RUN_COLUMNS, *COUNT_COLUMNS, "labels"] if c != "run_id")
    + " WHERE runs.status = 'running' OR excluded.status != 'running'",
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
CASES = _Table(
    "test_cases", TEST_CASE_COLUMNS, [("first_seen", "?", lambda e: e["vpt.test.started_at"])], CASES_CONFLICT,
)
#: an attempt's columns after those copied from its event (test_id: from its project and node id)
ATTEMPT_DERIVED = ("duration", "markers", "quarantined", "device_offline")
ATTEMPTS = _Table(
    "test_attempts", ATTEMPT_COLUMNS,
    [
        ("test_id", _TEST_ID, _test_key),
        ("duration", "?", _duration),
        ("markers", "?", lambda e: _json(e.get("vpt.test.markers"), "[]")),
        ("quarantined", "?", lambda e: int(bool(e.get("vpt.test.quarantined")))),
        ("device_offline", "?", lambda e: int(bool(e.get("vpt.device.offline")))),
    ],
)
_METRICS = _Table(
    "metrics", METRIC_COLUMNS,
    [("test_id", _TEST_ID, _metric_test_key), ("tags", "?", lambda e: _json(e.get("vpt.metric.tags"), "{}"))],
)



def write_tests(conn: Any, tests: list[dict[str, Any]]) -> None:
    """Test events: their test cases, then their attempts (the portable way: row by row),
    and the new attempts folded into the daily rollup."""
    new = _unstored(conn, tests)
    conn.executemany(CASES.sql, CASES.rows(tests))
    conn.executemany(ATTEMPTS.sql, ATTEMPTS.rows(tests))
    ids = _test_ids(conn, new)
    daily.fold(conn, [
        (ids[e["vpt.project"], e["test.case.name"]], e["vpt.project"], e["vpt.test.started_at"], e["vpt.test.outcome"],
         e["vpt.test.final"], _duration(e), bool(e.get("vpt.test.quarantined")))
        for e in new
    ])


def _unstored(conn: Any, tests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The test events not stored yet (nor repeated earlier in the batch)."""
    unique = list({(e["vpt.run.id"], e["id"]): e for e in tests}.values())
    by_run: dict[str, list[str]] = {}
    for e in unique:
        by_run.setdefault(e["vpt.run.id"], []).append(e["id"])
    stored = set()
    for run_id, ids in by_run.items():
        for index in range(0, len(ids), 500):
            chunk = ids[index:index + 500]
            stored.update((run_id, row[0]) for row in conn.execute(
                f"SELECT event_id FROM test_attempts WHERE run_id = ? AND event_id IN ({', '.join('?' * len(chunk))})",
                (run_id, *chunk)))
    return [e for e in unique if (e["vpt.run.id"], e["id"]) not in stored]


def _test_ids(conn: Any, tests: list[dict[str, Any]]) -> dict[tuple[str, str], int]:
    by_project: dict[str, set[str]] = {}
    for e in tests:
        by_project.setdefault(e["vpt.project"], set()).add(e["test.case.name"])
    ids = {}
    for project, nodeids in by_project.items():
        names = sorted(nodeids)
        for index in range(0, len(names), 500):
            chunk = names[index:index + 500]
            ids.update(((project, nodeid), test_id) for nodeid, test_id in conn.execute(
                f"SELECT nodeid, test_id FROM test_cases WHERE project = ? AND nodeid IN ({', '.join('?' * len(chunk))})",
                (project, *chunk)))
    return ids


def write_events(conn: Any, events: list[dict[str, Any]], tests_writer: Callable[[Any, list], None] = write_tests) -> None:
    """Write a batch of valid events through ``conn`` (inside the caller's transaction); an
    engine may write the test events its own faster way (``tests_writer``)."""
    by_type: dict[str, list[dict[str, Any]]] = {"run": [], "test": [], "metric": [], "device": [], "device_sample": []}
    for event in events:
        by_type[event["type"]].append(event)
    if by_type["run"]:
        conn.executemany(_RUNS.sql, _RUNS.rows(by_type["run"]))
    if by_type["test"]:
        tests_writer(conn, by_type["test"])
    if by_type["metric"]:
        conn.executemany(_METRICS.sql, _METRICS.rows(by_type["metric"]))
    if by_type["device"] or by_type["device_sample"]:
        devices.write(conn, by_type["device"], by_type["device_sample"])
