"""The wire format: what is accepted, and errors that name the field."""

from __future__ import annotations

import pytest

from pytest_vpt.events import EventError, event_id, make_event, plainly_valid, validate


def _test_event(**changes) -> dict:
    event = make_event("test", "id-1", {
        "vpt.run.id": "r", "vpt.project": "p", "test.case.name": "t.py::test_a", "vpt.test.outcome": "passed",
        "vpt.test.attempt": 1, "vpt.test.final": True, "vpt.test.started_at": 1.0,
    })
    event.update(changes)
    return {k: v for k, v in event.items() if v is not None}


def test_a_valid_event_passes() -> None:
    assert validate(_test_event())["type"] == "test"


@pytest.mark.parametrize("changes, message", [
    ({"type": "tset"}, "field 'type': unknown event type 'tset'"),
    ({"schema_version": 9}, "field 'schema_version': expected 1, got 9"),
    ({"id": ""}, "field 'id': a non-empty string is required"),
    ({"vpt.test.outcome": "exploded"}, "field 'vpt.test.outcome': 'exploded' is not one of passed, failed"),
    ({"vpt.test.attempt": "1"}, "field 'vpt.test.attempt': expected int, got str"),
    ({"vpt.test.final": 1}, "field 'vpt.test.final': expected bool, got int"),
    ({"vpt.test.attempt": True}, "field 'vpt.test.attempt': expected int, got bool"),
    ({"test.case.name": None}, "field 'test.case.name': required in a test event"),
    ({"colour": "red"}, "field 'colour': not an attribute of a test event"),
    ({"vpt.test.attempt": 2**40}, r"field 'vpt.test.attempt': 1099511627776 is out of range \(-2147483648 to 2147483647\)"),
])
def test_errors_name_the_field(changes: dict, message: str) -> None:
    with pytest.raises(EventError, match=message):
        validate(_test_event(**changes))


def test_run_counts_are_checked() -> None:
    run = make_event("run", "r", {"vpt.run.id": "r", "vpt.project": "p", "vpt.run.status": "finished",
                                  "vpt.run.started_at": 1.0, "vpt.run.counts": {"passed": 2, "won": 1}})
    with pytest.raises(EventError, match="field 'vpt.run.counts': unknown count 'won'"):
        validate(run)


def test_event_ids_are_stable() -> None:
    assert event_id("run", "t.py::a", 1) == event_id("run", "t.py::a", 1)
    assert event_id("run", "t.py::a", 1) != event_id("run", "t.py::a", 2)


_MUTATIONS = [
    {}, {"type": "tset"}, {"type": None}, {"schema_version": 9}, {"schema_version": True}, {"id": ""}, {"id": 7},
    {"vpt.test.outcome": "exploded"}, {"vpt.test.attempt": "1"}, {"vpt.test.final": 1}, {"vpt.test.attempt": True},
    {"test.case.name": None}, {"colour": "red"}, {"test.case.name": "t.py::a\x00"}, {"vpt.test.markers": ["a\x00"]},
    {"vpt.test.markers": ["slow"]}, {"vpt.test.duration.call": 0.5}, {"vpt.test.duration.call": "0.5"},
    {"vpt.test.quarantined": True}, {"vpt.test.quarantined": 1}, {"code.line.number": 3.5}, {"error.type": None},
    {"vpt.test.attempt": 2**31}, {"vpt.worker.seq": -(2**31) - 1}, {"code.line.number": 2**31 - 1},
]


@pytest.mark.parametrize("changes", _MUTATIONS)
def test_a_batch_checked_attribute_by_attribute_agrees_with_validate(changes: dict) -> None:
    """plainly_valid (the service's quick check of a batch) accepts exactly what validate accepts."""
    batch = [_test_event(id=f"id-{n}") for n in range(20)]
    batch[13] = _test_event(**{"id": "id-13", **changes})
    try:
        for event in batch:
            validate(event)
        valid = True
    except EventError:
        valid = False
    assert plainly_valid(batch) is valid
    assert plainly_valid([*batch, "not an event"]) is False
    run = make_event("run", "r", {"vpt.run.id": "r", "vpt.project": "p", "vpt.run.status": "finished",
                                  "vpt.run.started_at": 1.0, "vpt.run.counts": {"passed": 2}})
    assert plainly_valid([run, *batch]) is valid
    assert plainly_valid([{**run, "vpt.run.counts": {"won": 1}}, *batch]) is False
