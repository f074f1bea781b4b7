"""The ids a batch sends: each one its project's, and one row however often it is sent.

An id another project holds (a run, incident, metric or device sample) refuses the batch
with :class:`StoreConflict`, before anything is written; an id stored already (or sent
earlier in the batch) is skipped, whatever the event's other fields. Each check is one
indexed query per kind of event (test attempts: one per run) and batch.

A SQLite connection also remembers the test cases it saw stored (:func:`seen_cases`), so
that a batch of known tests looks none of them up.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from collections.abc import Iterable, Iterator
from operator import itemgetter
from typing import Any

from .base import StoreConflict
from .test_rows import ID, PROJECT, RUN_ID

_Event = dict[str, Any]


def _holders(conn: Any, table: str, column: str, ids: set[str]) -> dict[str, str]:
    """id -> project of the rows of ``table`` whose ``column`` is one of ``ids``."""
    if not ids:
        return {}
    rows = conn.execute(
        f"SELECT {column}, project FROM {table} WHERE {column} IN (SELECT value FROM json_each(?))",
        (json.dumps(sorted(ids)),),
    )
    return {row[0]: row[1] for row in rows}


def refuse_others(conn: Any, events: list[_Event], table: str, column: str, field: str) -> dict[str, str]:
    """Raise StoreConflict if an event's ``field`` is held in ``table`` by another project,
    or claimed by another project earlier in the batch; returns the stored holders."""
    stored = _holders(conn, table, column, {e[field] for e in events})
    claimed = dict(stored)
    for event in events:
        if claimed.setdefault(event[field], event["vpt.project"]) != event["vpt.project"]:
            raise StoreConflict(field, event[field])
    return stored


def unstored(conn: Any, events: list[_Event], table: str) -> list[_Event]:
    """The events whose id ``table`` does not hold yet, each id once (another project's: refused)."""
    stored = refuse_others(conn, events, table, "event_id", "id")
    first: dict[str, _Event] = {}
    for event in events:
        first.setdefault(event["id"], event)
    return [event for key, event in first.items() if key not in stored]


def run_claims(tests: list[tuple]) -> list[_Event]:
    """The runs test rows write into, each with its project, once: what refuse_others checks."""
    pairs = dict.fromkeys(zip(map(itemgetter(RUN_ID), tests), map(itemgetter(PROJECT), tests)))
    return [{"vpt.run.id": run_id, "vpt.project": project} for run_id, project in pairs]


def unstored_tests(conn: Any, tests: list[tuple]) -> list[tuple]:
    """The test rows (see test_rows) whose attempt (run id, event id) is not stored yet, each once."""
    keys = list(zip(map(itemgetter(RUN_ID), tests), map(itemgetter(ID), tests)))
    if len(set(keys)) == len(keys):  # each once already (as a batch usually is)
        first = dict(zip(keys, tests))
    else:
        first = {}
        for key, row in zip(keys, tests):
            first.setdefault(key, row)
    by_run: dict[str, list[str]] = {}
    if len({run_id for run_id, _ in first}) == 1:
        by_run[keys[0][0]] = list(map(itemgetter(1), first))
    else:
        for run_id, event_id in first:
            by_run.setdefault(run_id, []).append(event_id)
    stored = set()
    for run_id, ids in by_run.items():
        stored.update((run_id, found[0]) for found in _tuples(
            conn, "SELECT event_id FROM test_attempts WHERE run_id = ? AND event_id IN (SELECT value FROM json_each(?))",
            (run_id, json.dumps(ids))))
    return [row for key, row in first.items() if key not in stored] if stored else list(first.values())


# The stored test cases of some node ids of a project: their ids, then what CASES_CONFLICT may update.
_CASES_OF = ("SELECT nodeid, test_id, first_seen, suite, line, params FROM test_cases WHERE project = ? "
             "AND nodeid IN (SELECT value FROM json_each(?)) AND md5(nodeid) IN (SELECT md5(value) FROM json_each(?))")
_CASES_IN = "SELECT nodeid, test_id, first_seen, suite, line, params FROM test_cases WHERE project = ?"
_CASES_COUNT = "SELECT count(*) FROM test_cases WHERE project = ?"
#: a project's cases are read all at once when this many times the lookups done are as many
WHOLE = 8


def _case_facts(project: str, rows: Iterable) -> Iterator[tuple[tuple[str, str], tuple]]:
    return (((project, nodeid), (test_id, first_seen, (suite, line, params)))
            for nodeid, test_id, first_seen, suite, line, params in rows)


def stored_cases(conn: Any, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], tuple]:
    """(project, node id) -> (test id, first seen, (suite, line, params)) of the stored test
    cases among ``keys``: one query per project."""
    by_project: dict[str, set[str]] = {}
    for project, nodeid in keys:
        by_project.setdefault(project, set()).add(nodeid)
    found: dict[tuple[str, str], tuple] = {}
    for project, nodeids in by_project.items():
        listed = json.dumps(sorted(nodeids))
        found.update(_case_facts(project, _tuples(conn, _CASES_OF, (project, listed, listed))))
    return found


def _tuples(conn: Any, sql: str, args: tuple) -> Iterable[tuple]:
    """``sql``'s rows, as plain tuples where the engine can (quicker to make than rows by name)."""
    if isinstance(conn, sqlite3.Connection):
        cursor = conn.cursor()
        cursor.row_factory = None
        return cursor.execute(sql, args)
    return conn.execute(sql, args)


class SeenCases(dict):
    """(project, node id) -> (test id, first seen, (suite, line, params)): the test cases one
    SQLite connection saw stored, valid while ``generation`` and ``data_version`` hold; of the
    ``whole`` projects, all their cases; ``looked_up``: how many were, of the others."""

    LIMIT = 200_000

    def __init__(self, generation: int, data_version: int) -> None:
        super().__init__()
        self.generation, self.data_version = generation, data_version
        self.whole: set[str] = set()
        self.looked_up: dict[str, int] = {}

    def clear(self) -> None:
        super().clear()
        self.whole.clear()
        self.looked_up.clear()


def cases_of(conn: Any, keys: list[tuple[str, str]], seen: SeenCases | None) -> list[tuple | None]:
    """The stored case of each (project, node id) in ``keys`` as stored_cases gives it (None:
    none), those ``seen`` lacks looked up, or all of a project's read at once (one scan)
    when the lookups of its cases would soon cost more."""
    if seen is None:
        found = stored_cases(conn, keys)
        return list(map(found.get, keys))
    cases = list(map(seen.get, keys))
    if None not in cases:
        return cases
    missing: dict[str, set[str]] = {}
    for (project, nodeid), case in zip(keys, cases):
        if case is None and project not in seen.whole:
            missing.setdefault(project, set()).add(nodeid)
    for project, nodeids in missing.items():
        looked_up = seen.looked_up.get(project, 0) + len(nodeids)
        if conn.execute(_CASES_COUNT, (project,)).fetchone()[0] <= min(WHOLE * looked_up, seen.LIMIT):
            seen.update(_case_facts(project, _tuples(conn, _CASES_IN, (project,))))
            seen.whole.add(project)
        else:
            seen.update(stored_cases(conn, ((project, nodeid) for nodeid in nodeids)))
            seen.looked_up[project] = looked_up
    return list(map(seen.get, keys))


#: the seen cases of the latest connections, by the token each keeps in a temporary table
_SEEN: dict[str, SeenCases] = {}
_CONNECTIONS = 8
_MARK = "vpt_seen_cases"


def seen_cases(conn: Any) -> SeenCases | None:
    """The test cases this connection saw stored (None: not SQLite's), inside its transaction.

    They are forgotten if they may have changed since: another connection committed (the
    database's data_version moved), or a transaction that wrote test cases (see
    :func:`writing_cases`) rolled back: its generation, kept in a temporary table, went back
    with it. A test case is never deleted."""
    if not isinstance(conn, sqlite3.Connection):
        return None
    conn.execute(f"CREATE TEMP TABLE IF NOT EXISTS {_MARK} (token TEXT NOT NULL, generation INTEGER NOT NULL)")
    mark = conn.execute(f"SELECT token, generation FROM temp.{_MARK}").fetchone()
    version = conn.execute("PRAGMA data_version").fetchone()[0]
    if mark is None:
        mark = (secrets.token_hex(16), 0)
        conn.execute(f"INSERT INTO temp.{_MARK} (token, generation) VALUES (?, ?)", mark)
    token, generation = mark
    seen = _SEEN.get(token)
    if seen is None:
        while len(_SEEN) >= _CONNECTIONS:
            del _SEEN[next(iter(_SEEN))]
        seen = _SEEN[token] = SeenCases(generation, version)
    elif (seen.generation, seen.data_version) != (generation, version) or len(seen) > seen.LIMIT:
        seen.clear()
        seen.generation, seen.data_version = generation, version
    return seen


def writing_cases(conn: Any, seen: SeenCases | None) -> None:
    """Say, before writing test cases, that this transaction writes them: if it rolls back,
    the connection forgets what it saw (see :func:`seen_cases`)."""
    if seen is not None:
        conn.execute(f"UPDATE temp.{_MARK} SET generation = generation + 1")
        seen.generation += 1
