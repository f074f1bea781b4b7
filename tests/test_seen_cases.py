"""The test cases a SQLite connection remembers while writing test rows (store.ids.seen_cases):
what it writes is what a connection that remembers nothing writes, whatever happened since
(a transaction rolled back, another connection wrote), and batches large enough to go many
rows to a statement store the rows one at a time would."""

from __future__ import annotations

import pytest

from pytest_vpt.events import attempt_event, run_event
from pytest_vpt.store import ids, open_store
from pytest_vpt.store.test_rows import row_of
from pytest_vpt.store.writes import write_test_rows

RUN = "run-seen"
AT = 1_800_000_000.0
PATH = "tests/t.py"  # a test's suite unless it names one


def _row(ident: str, nodeid: str, at: float = AT, **more) -> tuple:
    return row_of(attempt_event(ident, run_id=RUN, project="p", nodeid=nodeid, outcome="passed", attempt=1,
                                final=True, started_at=at, finished_at=at + 1, path=PATH, **more))


def _cases_of_attempts(store) -> list[tuple]:
    return [tuple(row) for row in store.conn.execute(
        "SELECT a.event_id, c.nodeid, c.suite, c.line FROM test_attempts a JOIN test_cases c USING (test_id) "
        "ORDER BY a.event_id")]


@pytest.fixture
def store(tmp_path):
    with open_store(f"sqlite:///{tmp_path}/vpt.db") as opened:
        opened.write([run_event(RUN, "p", "running", AT)])
        yield opened


def test_a_case_written_by_a_transaction_that_rolled_back_is_forgotten(store) -> None:
    """The test id a rolled back transaction gave a new case goes to the next new case; the
    first one, sent again, gets a test id of its own (twice over: one write, then two in one
    transaction)."""
    store.write_tests([_row("z-1", "t::z")])
    for writes in ([[_row("a-1", "t::a")]], [[_row("a-1", "t::a")], [_row("a-2", "t::a", line=3)]]):
        with pytest.raises(RuntimeError):
            with store.transaction() as conn:
                for rows in writes:
                    write_test_rows(conn, rows)
                raise RuntimeError("rolled back")
        assert _cases_of_attempts(store) == [("z-1", "t::z", PATH, None)]
    store.write_tests([_row("b-1", "t::b")])
    store.write_tests([_row("a-1", "t::a")])
    assert _cases_of_attempts(store) == [("a-1", "t::a", PATH, None), ("b-1", "t::b", PATH, None),
                                         ("z-1", "t::z", PATH, None)]


def test_what_another_connection_wrote_is_not_overlooked(store, tmp_path) -> None:
    """A case another connection changed is written as a connection that knew nothing would."""
    store.write_tests([_row("a-1", "t::a", suite="one", line=1)])
    with open_store(f"sqlite:///{tmp_path}/vpt.db") as other:
        other.write_tests([_row("a-2", "t::a", suite="two", line=2), _row("b-1", "t::b")])
    store.write_tests([_row("a-3", "t::a", suite="one", line=1), _row("b-2", "t::b")])
    assert _cases_of_attempts(store) == [
        ("a-1", "t::a", "one", 1), ("a-2", "t::a", "one", 1), ("a-3", "t::a", "one", 1),
        ("b-1", "t::b", PATH, None), ("b-2", "t::b", PATH, None)]


@pytest.mark.parametrize("known", [0, 40, 400])
def test_a_project_read_whole_or_looked_up_stores_the_same(tmp_path, known) -> None:
    """Whether the connection reads a project's cases one by one or all at once, a batch of
    known and new tests (some with news) stores the same as the same batch sent as events."""
    earlier = [_row(f"e-{index}", f"t::{index}", AT + index, suite="s") for index in range(known)]
    batch = [_row(f"n-{index}", f"t::{index}", AT - 1 if index % 9 == 0 else AT + 500,
                  suite="s" if index % 4 else "other", line=index % 3 or None,
                  error_message="boom" if index % 5 == 0 else None) for index in range(0, 300, 2)]
    tables = []
    for as_rows in (False, True):
        with open_store(f"sqlite:///{tmp_path}/{as_rows}.db") as store:
            store.write([run_event(RUN, "p", "running", AT)])
            for rows in (earlier, batch):
                if not rows:
                    continue
                if as_rows:
                    store.write_tests(rows)
                else:
                    store.write([event for event in map(_event_of, rows)])
            tables.append({table: [tuple(row) for row in store.conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2")]
                           for table in ("test_cases", "test_attempts", "test_daily")})
    assert tables[0] == tables[1]
    assert len(tables[1]["test_attempts"]) == known + len(batch)


def _event_of(row: tuple) -> dict:
    from pytest_vpt.store.test_rows import event_of

    return event_of(row)


def test_the_seen_cases_are_the_connections_own(store, tmp_path) -> None:
    store.write_tests([_row("a-1", "t::a")])
    with store.transaction() as conn:
        seen = ids.seen_cases(conn)
        assert seen is not None and ("p", "t::a") in seen
    with open_store(f"sqlite:///{tmp_path}/vpt.db") as other, other.transaction() as conn:
        assert ids.seen_cases(conn) is not seen
