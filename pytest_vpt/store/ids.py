"""The ids a batch sends: each one its project's, and one row however often it is sent.

An id another project holds (a run, incident, metric or device sample) refuses the batch
with :class:`StoreConflict`, before anything is written; an id stored already (or sent
earlier in the batch) is skipped, whatever the event's other fields. Each check is one
indexed query per kind of event (test attempts: one per run) and batch.
"""

from __future__ import annotations

import json
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
    first: dict[tuple[str, str], tuple] = {}
    by_run: dict[str, list[str]] = {}
    for row in tests:
        if first.setdefault((row[RUN_ID], row[ID]), row) is row:
            by_run.setdefault(row[RUN_ID], []).append(row[ID])
    stored = set()
    for run_id, ids in by_run.items():
        stored.update((run_id, found[0]) for found in conn.execute(
            "SELECT event_id FROM test_attempts WHERE run_id = ? AND event_id IN (SELECT value FROM json_each(?))",
            (run_id, json.dumps(ids))))
    return [row for key, row in first.items() if key not in stored] if stored else list(first.values())
