"""PostgreSQL's bulk path for test events: COPY into staging tables, then one INSERT each.

Row-by-row inserts (with a sub-select for every attempt's test id) write a few thousand
attempts per second; COPY and two set-based statements write tens of thousands. The rows
are the portable path's (writes.py), so both paths store the same thing.
"""

from __future__ import annotations

from typing import Any

from . import daily
from .rows import ATTEMPT_COLUMNS, TEST_CASE_COLUMNS
from .writes import ATTEMPT_DERIVED, ATTEMPTS, CASES, CASES_CONFLICT, write_tests

#: below this many test events, the portable path is as quick
THRESHOLD = 50
_TYPES = {
    "attempt": "integer", "is_final": "integer", "worker_seq": "integer", "line": "integer", "quarantined": "integer",
    "device_offline": "integer", "started_at": "float8", "finished_at": "float8", "setup_duration": "float8",
    "call_duration": "float8", "teardown_duration": "float8", "duration": "float8", "first_seen": "float8",
}
_CASE_STAGE = (*TEST_CASE_COLUMNS, "first_seen")
_CASE_FACTS = tuple(TEST_CASE_COLUMNS)[2:]  # after project and node id
# The attempt rows carry (project, node id) where the portable path looks the test id up.
_ATTEMPT_STAGE = (*ATTEMPT_COLUMNS, "project", "nodeid", *ATTEMPT_DERIVED)


def _stage(name: str, columns: tuple[str, ...]) -> str:
    body = ", ".join(f"{column} {_TYPES.get(column, 'text')}" for column in columns)
    return f"CREATE TEMP TABLE IF NOT EXISTS {name} ({body}) ON COMMIT DELETE ROWS"


_CREATE = (_stage("vpt_stage_cases", _CASE_STAGE), _stage("vpt_stage_attempts", _ATTEMPT_STAGE))
_INSERT_CASES = (
    f"INSERT INTO test_cases ({', '.join(_CASE_STAGE)}) "
    f"SELECT project, nodeid, {', '.join(f'max({c})' for c in _CASE_FACTS)}, min(first_seen) "
    # In one order, so that concurrent batches of the same tests take their row locks alike.
    f"FROM vpt_stage_cases GROUP BY project, nodeid ORDER BY project, nodeid ON CONFLICT {CASES_CONFLICT}"
)
# The attempts stored for the first time come back, for the daily rollup.
_INSERT_ATTEMPTS = (
    f"WITH stored AS (INSERT INTO test_attempts ({', '.join(ATTEMPT_COLUMNS)}, test_id, {', '.join(ATTEMPT_DERIVED)}) "
    f"SELECT {', '.join(f's.{c}' for c in ATTEMPT_COLUMNS)}, c.test_id, {', '.join(f's.{c}' for c in ATTEMPT_DERIVED)} "
    "FROM vpt_stage_attempts s JOIN test_cases c ON c.project = s.project AND c.nodeid = s.nodeid "
    "ON CONFLICT DO NOTHING RETURNING test_id, started_at, outcome, is_final, duration, quarantined) "
    "SELECT s.test_id, c.project, s.started_at, s.outcome, s.is_final, s.duration, s.quarantined "
    "FROM stored s JOIN test_cases c ON c.test_id = s.test_id"
)


def copy_tests(conn: Any, tests: list[dict[str, Any]]) -> None:
    """Write test events (their cases, then their attempts) through a psycopg connection."""
    if len(tests) < THRESHOLD:
        write_tests(conn, tests)
        return
    raw = conn.raw
    for statement in _CREATE:
        raw.execute(statement)
    with raw.cursor() as cursor:
        for table, columns, rows in (("vpt_stage_cases", _CASE_STAGE, CASES.rows(tests)),
                                     ("vpt_stage_attempts", _ATTEMPT_STAGE, ATTEMPTS.rows(tests))):
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        cursor.execute(_INSERT_CASES)
        cursor.execute(_INSERT_ATTEMPTS)
        stored = cursor.fetchall()
    daily.fold(conn, stored)
