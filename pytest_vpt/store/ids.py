"""The ids a batch sends: each one its project's, and one row however often it is sent.

An id another project holds (a run, incident, metric or device sample) refuses the batch
with :class:`StoreConflict`, before anything is written; an id stored already (or sent
earlier in the batch) is skipped, whatever the event's other fields. Each check is one
indexed query per kind of event (test attempts: one per run) and batch.
"""

from __future__ import annotations

import json
from typing import Any

from .base import StoreConflict

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


def unstored_tests(conn: Any, tests: list[_Event]) -> list[_Event]:
    """The test events whose attempt (run id, event id) is not stored yet, each once."""
    first: dict[tuple[str, str], _Event] = {}
    by_run: dict[str, list[str]] = {}
    for event in tests:
        if first.setdefault((event["vpt.run.id"], event["id"]), event) is event:
            by_run.setdefault(event["vpt.run.id"], []).append(event["id"])
    stored = set()
    for run_id, ids in by_run.items():
        stored.update((run_id, row[0]) for row in conn.execute(
            "SELECT event_id FROM test_attempts WHERE run_id = ? AND event_id IN (SELECT value FROM json_each(?))",
            (run_id, json.dumps(ids))))
    return [event for key, event in first.items() if key not in stored]
