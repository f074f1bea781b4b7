"""Test attempts in bulk (store.test_rows): a row is its test event's values, stored as the
event is, checked as the event is, and sent or spooled as the event when a sink cannot
write rows."""

from __future__ import annotations

import json

import pytest

from pytest_vpt.events import EventError, attempt_event, run_event
from pytest_vpt.producers.junit.model import ReportedAttempt, ReportedTest
from pytest_vpt.producers.junit.push import _attempt_rows
from pytest_vpt.sinks import open_sink
from pytest_vpt.sinks.base import BufferedSink
from pytest_vpt.store import open_store
from pytest_vpt.store.test_rows import TEST_ROW, check_rows, event_of, row_of

RUN = "run-rows"


def _attempts(count: int, at: float = 1_800_000_000.0) -> list[dict]:
    """Test events of ``count`` tests, some with a rerun, a message, a line, a suite."""
    events = []
    for index in range(count):
        reruns = 1 if index % 5 == 0 else 0
        for attempt in range(1, reruns + 2):
            final = attempt == reruns + 1
            events.append(attempt_event(
                f"a-{index}-{attempt}", run_id=RUN, project="p", nodeid=f"tests/test_x.py::test_{index}",
                outcome=("failed" if index % 7 == 0 else "passed") if final else "rerun", attempt=attempt,
                final=final, started_at=at + index, finished_at=at + index + 0.5, path="tests/test_x.py",
                function=f"test_{index}", line=index + 1 if index % 2 else None, call=0.5,
                error_message="assert 0" if index % 7 == 0 else None, suite="suite" if index % 3 else None,
                seq=index))
    return events


def test_a_row_is_its_event() -> None:
    event = _attempts(1)[0]
    assert event_of(row_of(event)) == event
    assert len(row_of(event)) == len(TEST_ROW)


def test_rows_store_what_their_events_store(make_store_url) -> None:
    """The same batch written as events into one store and as rows into another, then some
    rows sent again: the stores hold the same, the second sending adds nothing."""
    events = _attempts(60)
    start = run_event(RUN, "p", "running", 1_800_000_000.0)
    as_events, as_rows = make_store_url(), make_store_url()
    with open_store(as_events) as store:
        store.write([start, *events])
    with open_store(as_rows) as store:
        store.write([start])
        store.write_tests([row_of(event) for event in events])
        store.write_tests([row_of(event) for event in events[:10]])
    with open_store(as_events) as one, open_store(as_rows) as other:
        for table in ("test_cases", "test_attempts", "test_daily", "duration_daily"):
            query = f"SELECT * FROM {table} ORDER BY 1, 2"
            assert [tuple(row) for row in one.conn.execute(query)] == [tuple(row) for row in other.conn.execute(query)]
        assert other.conn.execute("SELECT count(*) FROM test_attempts").fetchone()[0] == len(events)


def test_a_wrong_row_is_refused_as_its_event_is(tmp_path) -> None:
    event = _attempts(1)[0]
    wrong = {**event, "vpt.test.started_at": float("nan")}
    with pytest.raises(EventError) as by_event:
        open_store(f"sqlite:///{tmp_path}/a.db").write([wrong])
    with open_store(f"sqlite:///{tmp_path}/b.db") as store:
        with pytest.raises(EventError) as by_row:
            store.write_tests([row_of(event), row_of(wrong)])
        assert store.conn.execute("SELECT count(*) FROM test_attempts").fetchone()[0] == 0
    assert str(by_row.value) == str(by_event.value)
    with pytest.raises(EventError, match="a test row is a tuple of 26 values"):
        check_rows([row_of(event)[:-1]])
    for name, value in (("test.case.name", "x" * 20_000), ("vpt.test.outcome", "fine"), ("vpt.test.attempt", True),
                        ("vpt.run.id", None), ("error.type", "a\x00b"), ("vpt.test.finished_at", 1.0)):
        with pytest.raises(EventError, match=name.replace(".", r"\.")):
            check_rows([row_of({**event, name: value})])


def test_the_junit_rows_are_the_events_the_plugin_would_record() -> None:
    """Each row vpt push writes is the event ``attempt_event`` builds for that attempt."""
    test = ReportedTest("tests/test_x.py::test_y", "test_y", "tests.test_x", "tests/test_x.py", 12, "suite-a", [
        ReportedAttempt("rerun", 0.25, "m" * 70_000, "AssertionError", 1_800_000_000.0),
        ReportedAttempt("failed", None, "boom", "T" * 5000, None),
    ])
    rows = _attempt_rows(test, RUN, "p", 1_700_000_000.0, 40)
    assert [event_of(row) for row in rows] == [
        attempt_event(row[0], run_id=RUN, project="p", nodeid=test.nodeid, outcome=outcome, attempt=number,
                      final=number == 2, started_at=started, finished_at=started + (attempt.duration or 0.0),
                      path=test.file, function=test.name, line=12, call=attempt.duration,
                      error_type=attempt.error_type, error_message=attempt.message, seq=40 + number, suite=test.suite)
        for row, number, outcome, started, attempt in zip(
            rows, (1, 2), ("rerun", "failed"), (1_800_000_000.0, 1_700_000_000.0), test.attempts)
    ]


def test_a_sink_without_a_bulk_path_sends_the_rows_as_events_and_spools_them_so(tmp_path) -> None:
    """A store that cannot be written keeps the rows in the spool as their events; sent later,
    they are stored as if sent as events."""
    events = _attempts(8)
    store_path = tmp_path / "vpt.db"
    store_path.mkdir()  # not a database: the sink cannot open it
    sink = open_sink(f"sqlite:///{store_path}", tmp_path)
    sink.open()
    sink.emit(run_event(RUN, "p", "running", 1_800_000_000.0))
    sink.write_tests([row_of(event) for event in events])
    report = sink.close()
    assert report.spooled["test"] == len(events) and not report.written
    spooled = [json.loads(line) for path in sorted((tmp_path / ".vpt" / "spool").glob("*.jsonl"))
               for line in path.read_text().splitlines()]
    assert [event for event in spooled if event["type"] == "test"] == events


def test_rows_go_in_batches_of_the_sinks_size_after_the_events_before_them(tmp_path) -> None:
    """A sink writes rows in batches of its size, the events taken before them first, and
    what is left of them before the next event."""
    sent: list[list[str]] = []

    class Recording(BufferedSink):
        def _send(self, batch: list[dict]) -> dict:
            sent.append([event["type"] for event in batch])
            return {}

    sink = Recording("recording", None, batch_size=4)
    sink.emit(run_event(RUN, "p", "running", 1_800_000_000.0))
    sink.write_tests([row_of(event) for event in _attempts(3)])  # 4 attempts: one has a rerun
    sink.write_tests([row_of(event) for event in _attempts(5)[1:]])  # 5 more
    sink.emit(run_event(RUN, "p", "finished", 1_800_000_000.0, finished_at=1_800_000_100.0))
    report = sink.close()
    assert sent == [["run"], ["test"] * 4, ["test"] * 4, ["test"], ["run"]]
    assert report.written == {"run": 2, "test": 9}
