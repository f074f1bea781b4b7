"""How events become rows: one mapping, the same for every engine (SQL in sql.py's spelling)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from . import devices
from .daily import PENDING_COLUMNS
from .rows import ATTEMPT_COLUMNS, COUNT_COLUMNS, INCIDENT_COLUMNS, METRIC_COLUMNS, RUN_COLUMNS, TEST_CASE_COLUMNS
from .sql import least

# A test's id is this store's key for (project, node id), looked up by the database.
_TEST_ID = "(SELECT test_id FROM test_cases WHERE project = ? AND nodeid = ?)"


def _json(value: Any, empty: str) -> str:
    return json.dumps(value, sort_keys=True) if value else empty


def _duration(event: dict[str, Any]) -> float | None:
    """Setup, call and teardown together (those known)."""
    get = event.get
    setup, call, teardown = get("vpt.test.duration.setup"), get("vpt.test.duration.call"), get("vpt.test.duration.teardown")
    if setup is None and call is None and teardown is None:
        return None
    return (setup or 0) + (call or 0) + (teardown or 0)


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
    "test_cases", TEST_CASE_COLUMNS, {"first_seen": "?"}, lambda e: (e["vpt.test.started_at"],), CASES_CONFLICT,
)
#: an attempt's columns after those copied from its event and its test id
ATTEMPT_DERIVED = ("duration", "markers", "quarantined", "device_offline")


def attempt_derived(e: dict[str, Any]) -> tuple:
    """The values of ATTEMPT_DERIVED for a test event."""
    return (_duration(e), _json(e.get("vpt.test.markers"), "[]"), int(bool(e.get("vpt.test.quarantined"))),
            int(bool(e.get("vpt.device.offline"))))


ATTEMPTS = _Table(
    "test_attempts", ATTEMPT_COLUMNS, {"test_id": _TEST_ID, **{c: "?" for c in ATTEMPT_DERIVED}},
    lambda e: (e["vpt.project"], e["test.case.name"], *attempt_derived(e)),
)
_METRICS = _Table(
    "metrics", METRIC_COLUMNS, {"test_id": _TEST_ID, "tags": "?"},
    lambda e: (e["vpt.project"], e.get("test.case.name"), _json(e.get("vpt.metric.tags"), "{}")),
)
_INCIDENTS = _Table(
    "video_incidents", INCIDENT_COLUMNS, {"test_id": _TEST_ID}, lambda e: (e["vpt.project"], e.get("test.case.name")),
    # an incident written while open is written again when it ends
    "(event_id) DO UPDATE SET ended_at = excluded.ended_at, duration = excluded.duration, "
    "severity = excluded.severity, end_frame = excluded.end_frame, thumbnail = coalesce(excluded.thumbnail, "
    "video_incidents.thumbnail) WHERE video_incidents.ended_at IS NULL",
)
_PENDING = (f"INSERT INTO test_daily_pending ({', '.join(PENDING_COLUMNS)}) "
            f"VALUES ({_TEST_ID}, ?, ?, ?, ?, ?)")


def write_tests(conn: Any, tests: list[dict[str, Any]]) -> None:
    """Test events: their test cases, then their attempts (the portable way: row by row),
    the new attempts queued for the daily rollup."""
    new = _unstored(conn, tests)
    conn.executemany(CASES.sql, CASES.rows(tests))
    conn.executemany(ATTEMPTS.sql, ATTEMPTS.rows(tests))
    conn.executemany(_PENDING, [
        (e["vpt.project"], e["test.case.name"], e["vpt.test.started_at"], e["vpt.test.outcome"], int(e["vpt.test.final"]),
         _duration(e), int(bool(e.get("vpt.test.quarantined"))))
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


def write_events(conn: Any, events: list[dict[str, Any]], tests_writer: Callable[[Any, list], None] = write_tests) -> None:
    """Write a batch of valid events through ``conn`` (inside the caller's transaction); an
    engine may write the test events its own faster way (``tests_writer``)."""
    by_type: dict[str, list[dict[str, Any]]] = {
        "run": [], "test": [], "metric": [], "device": [], "device_sample": [], "incident": []}
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
    if by_type["incident"]:
        conn.executemany(_INCIDENTS.sql, _INCIDENTS.rows(by_type["incident"]))
