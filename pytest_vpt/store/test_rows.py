"""Test attempts in bulk: a test event as a tuple, the wire format's attributes in order.

A producer that writes many tests (``vpt push`` of a large report) hands rows, not events,
to ``Sink.write_tests`` and ``Store.write_tests``: no dict per attempt, and the checks done
once per column of the batch (:func:`check_rows`) rather than once per event. A row is the
test event's ``id`` then its attributes in :data:`TEST_ROW` order, so ``event_of(row)`` is
the very event the producer would have emitted (what a sink sends a server, or spools).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from ..events import SCHEMAS, EventError, make_event, validate_batch
from ..events.validation import plain_values

#: a test row's values: the event id, then the test event's attributes in the wire format's order
TEST_ROW = ("id", *SCHEMAS["test"])
_SPECS = (((str,), True), *SCHEMAS["test"].values())
#: where a row holds the values the store keys it by
ID, RUN_ID, PROJECT, NODEID = (TEST_ROW.index(name) for name in ("id", "vpt.run.id", "vpt.project", "test.case.name"))
STARTED, FINISHED = TEST_ROW.index("vpt.test.started_at"), TEST_ROW.index("vpt.test.finished_at")


def row_of(event: dict[str, Any]) -> tuple:
    """A test event as a row."""
    return tuple(map(event.get, TEST_ROW))


def event_of(row: tuple) -> dict[str, Any]:
    """A row as the test event it stands for."""
    return make_event("test", row[ID], dict(zip(TEST_ROW[1:], row[1:])))


def events_of(rows: Iterable[tuple]) -> list[dict[str, Any]]:
    return [event_of(row) for row in rows]


def test_stubs(rows: list[tuple]) -> list[dict[str, Any]]:
    """What the after-write step reads of a batch of test events (their type and run), once
    per run: a batch of rows is followed by the same steps as its events."""
    return [{"type": "test", "vpt.run.id": run_id} for run_id in dict.fromkeys(row[RUN_ID] for row in rows)]


def check_rows(rows: list[tuple]) -> list[tuple]:
    """Return ``rows`` if each is a valid test event, checked column by column; else raise the
    first wrong one's EventError (the same as that event's own validation raises)."""
    if {type(row) for row in rows} - {tuple} or {len(row) for row in rows} - {len(TEST_ROW)}:
        raise EventError(f"a test row is a tuple of {len(TEST_ROW)} values: {', '.join(TEST_ROW)}")
    if not _plainly_valid(rows):
        validate_batch(events_of(rows))  # says which row is wrong, and why
    return rows


def _plainly_valid(rows: list[tuple]) -> bool:
    """Whether every row is valid, one column at a time; False: look at each event."""
    if not rows:
        return True
    columns = list(zip(*rows))
    for name, (types, required), values in zip(TEST_ROW, _SPECS, columns):
        if not plain_values(name, list(values), types, required):
            return False
    ends = [math.inf if end is None else end for end in columns[FINISHED]]
    return not any(start > end for start, end in zip(columns[STARTED], ends)) and "" not in columns[ID]
