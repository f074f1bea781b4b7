"""PostgreSQL's bulk path for test events: COPY, and test cases looked up once per connection.

Row-by-row inserts (with a sub-select for every attempt's test id) write a few thousand
attempts per second. Here a connection remembers the test cases it saw committed, so a
batch of known tests writes no test case at all; its attempts are copied straight into
``test_attempts`` and ``test_daily_pending``. Attempts stored already were left out before
(see ids.py); one that another writer stored meanwhile makes the batch go through a staging
table, skipping what is there. The rows are the portable path's (writes.py), so both paths
store the same thing.
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Iterable
from typing import Any

import psycopg

from .daily import PENDING_COLUMNS
from .rows import TEST_CASE_COLUMNS
from .sql import hashed_nodeid_key, same_nodeid
from .test_rows import NODEID, PROJECT
from .writes import ATTEMPT_ROW, CASES_CONFLICT, attempt_row, case_row, pending_row, write_tests

#: below this many test events, the portable path is as quick
THRESHOLD = 50
#: the binary COPY type of each column that is not text
COPY_TYPES = {
    "attempt": "integer", "is_final": "integer", "worker_seq": "integer", "line": "integer", "quarantined": "integer",
    "device_offline": "integer", "started_at": "float8", "finished_at": "float8", "setup_duration": "float8",
    "call_duration": "float8", "teardown_duration": "float8", "duration": "float8", "first_seen": "float8",
    "test_id": "bigint",
}
#: the columns a test case and a test attempt are copied with, and an attempt row's queue row
CASE_ROW = (*TEST_CASE_COLUMNS, "first_seen")
_FACTS = tuple(TEST_CASE_COLUMNS)[2:]  # after project and node id


def _stage(name: str, columns: tuple[str, ...]) -> str:
    body = ", ".join(f"{column} {COPY_TYPES.get(column, 'text')}" for column in columns)
    return f"CREATE TEMP TABLE IF NOT EXISTS {name} ({body}) ON COMMIT DELETE ROWS"


_INSERT_CASES = hashed_nodeid_key(
    f"INSERT INTO test_cases ({', '.join(CASE_ROW)}) "
    f"SELECT project, nodeid, {', '.join(f'max({c})' for c in _FACTS)}, min(first_seen) "
    # In one order, so that concurrent batches of the same tests take their row locks alike.
    f"FROM vpt_stage_cases GROUP BY project, nodeid ORDER BY project, nodeid ON CONFLICT {CASES_CONFLICT}"
)
_READ_CASES = (
    f"SELECT c.test_id, {', '.join(f'c.{column}' for column in CASE_ROW)} FROM test_cases c "
    "JOIN (SELECT DISTINCT project, nodeid FROM vpt_stage_cases) s "
    f"ON c.project = s.project AND {same_nodeid('c.nodeid', 's.nodeid')}"
)
# Attempts already stored are skipped; the others are queued for the daily rollup.
_INSERT_ATTEMPTS = (
    f"WITH stored AS (INSERT INTO test_attempts ({', '.join(ATTEMPT_ROW)}) SELECT * FROM vpt_stage_attempts "
    f"ON CONFLICT DO NOTHING RETURNING {', '.join(PENDING_COLUMNS)}) "
    f"INSERT INTO test_daily_pending ({', '.join(PENDING_COLUMNS)}) SELECT {', '.join(PENDING_COLUMNS)} FROM stored"
)


class KnownCases:
    """The test cases a connection saw committed: (project, node id) -> (test id, case row).

    What a transaction learns counts once it has committed (a rolled back one may have
    made test ids that do not exist)."""

    LIMIT = 200_000

    def __init__(self) -> None:
        self.known: dict[tuple[str, str], tuple[int, tuple]] = {}
        self.learned: dict[tuple[str, str], tuple[int, tuple]] = {}

    def get(self, key: tuple[str, str]) -> tuple[int, tuple] | None:
        return self.learned.get(key) or self.known.get(key)

    def committed(self) -> None:
        if len(self.known) + len(self.learned) > self.LIMIT:
            self.known.clear()
        self.known.update(self.learned)
        self.learned.clear()

    def rolled_back(self) -> None:
        self.learned.clear()


def _news(row: tuple, kept: tuple[int, tuple] | None) -> bool:
    """Whether a case row tells test_cases something (see writes.CASES_CONFLICT)."""
    if kept is None:
        return True
    stored = kept[1]
    if row[-1] < stored[-1]:
        return True
    return row[2:-1] != stored[2:-1] and any(new is not None and new != old for new, old in zip(row[2:-1], stored[2:-1]))


def copy_tests(conn: Any, tests: list[tuple]) -> None:
    """Write test rows not stored yet (their cases, then their attempts) through a psycopg connection."""
    if len(tests) < THRESHOLD:
        write_tests(conn, tests)
        return
    cases = conn.known_cases
    raw = conn.raw
    with raw.cursor() as cursor:
        news = [row for row in map(case_row, tests) if _news(row, cases.get((row[0], row[1])))]
        if news:
            cursor.execute(_stage("vpt_stage_cases", CASE_ROW))
            _copy(cursor, "vpt_stage_cases", CASE_ROW, news)
            cursor.execute(_INSERT_CASES)
            for test_id, *row in cursor.execute(_READ_CASES):
                cases.learned[row[0], row[1]] = (test_id, tuple(row))
        known = ChainMap(cases.learned, cases.known) if cases.learned else cases.known
        attempts = [attempt_row(test, known[test[PROJECT], test[NODEID]][0]) for test in tests]
        try:
            with raw.transaction():
                _copy(cursor, "test_attempts", ATTEMPT_ROW, attempts)
                _copy(cursor, "test_daily_pending", PENDING_COLUMNS, map(pending_row, attempts))
        except psycopg.errors.UniqueViolation:  # some were stored before
            cursor.execute(_stage("vpt_stage_attempts", ATTEMPT_ROW))
            _copy(cursor, "vpt_stage_attempts", ATTEMPT_ROW, attempts)
            cursor.execute(_INSERT_ATTEMPTS)


def _copy(cursor: psycopg.Cursor, table: str, columns: tuple[str, ...], rows: Iterable) -> None:
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types([COPY_TYPES.get(column, "text") for column in columns])
        for row in rows:
            copy.write_row(row)
