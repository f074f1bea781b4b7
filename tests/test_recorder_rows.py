"""The recorder writes test attempts as test rows (Sink.write_tests): a store holds what the
same attempts written as events hold, a test's metrics still name their test, and a held
row reaches the store within its hold."""

from __future__ import annotations

import marshal
import re
import sqlite3
from typing import Any

import pytest

from pytest_vpt.recording import recorder as recorder_module
from pytest_vpt.recording.phases import phase_message
from pytest_vpt.recording.recorder import RunInfo, RunRecorder
from pytest_vpt.sinks.store import StoreSink
from pytest_vpt.store import parse_store_url

SUITE = """
import pytest

@pytest.mark.parametrize("n", range(7))
def test_passes(n):
    assert n >= 0

@pytest.mark.smoke
def test_fails():
    assert 1 == 2, "x" * 70000

@pytest.mark.flaky(reruns=2)
def test_always_fails_with_reruns():
    raise RuntimeError("rig unreachable")

@pytest.mark.skip(reason="not on this rig")
def test_skipped():
    pass

@pytest.mark.xfail(reason="known bug")
def test_xfails():
    assert False

@pytest.fixture
def broken_teardown():
    yield
    raise OSError("cleanup")

def test_teardown_error(broken_teardown):
    pass
"""
#: columns whose values come from the clock (the run's end, the KPI days' coverage), compared by whether they are set
_CLOCK = re.compile(r"(finished_at|applied_at|^covered$|^wall_sum$|^wall_hist$|^quality$|^parts$|^repair_sum$|computed_at)")


class EventsOnly:
    """A store sink seen as a sink that takes no rows: the recorder hands it their events."""

    def __init__(self, sink: StoreSink) -> None:
        self._sink = sink
        self.report = sink.report

    def __getattr__(self, name: str) -> Any:
        if name == "write_tests":
            raise AttributeError(name)
        return getattr(self._sink, name)


def _tables(path) -> dict[str, list[tuple]]:
    conn = sqlite3.connect(path)
    tables = [name for (name,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1")]
    found = {}
    for table in tables:
        columns = [column[1] for column in conn.execute(f"PRAGMA table_info({table})")]
        found[table] = sorted(
            (tuple((value is not None) if _CLOCK.search(column) else value for column, value in zip(columns, row))
             for row in conn.execute(f"SELECT * FROM {table}")), key=repr)
    conn.close()
    return found


def _record(messages: list[tuple], path, rows: bool) -> Any:
    sink = StoreSink(parse_store_url(f"sqlite:///{path}"))
    sink.open()
    recorder = RunRecorder(RunInfo("run-1", "demo", 1_800_000_000.0), sink if rows else EventsOnly(sink))
    recorder.start()
    for message in messages:
        recorder.handle(marshal.loads(marshal.dumps(message)))  # as the recorder process gets it
    result = recorder.finish(1, None)
    sink.close()
    return result


def test_a_store_written_with_rows_holds_what_their_events_would_have_written(
        pytester: pytest.Pytester, tmp_path, monkeypatch) -> None:
    """The phases of a real run (reruns, errors, skips, metrics) recorded twice: as rows, in
    batches of three (several hand-overs mid-run), and as events. Every table is the same."""
    pytester.makepyfile(test_box=SUITE)
    reprec = pytester.inline_run("--vpt", "-p", "no:randomly")
    sample = {"name": "tries", "value": 1, "kind": "gauge", "unit": "ms", "tags": {"rig": "1"}, "time": 1.8e9}
    messages = [phase_message(report, "main", {"markers": ["smoke"], "metrics": [sample]})
                for report in reprec.getreports("pytest_runtest_logreport")]
    monkeypatch.setattr(recorder_module, "ROWS_BATCH", 3)
    as_rows = _record(messages, tmp_path / "rows.db", rows=True)
    as_events = _record(messages, tmp_path / "events.db", rows=False)

    assert as_rows.sink.ok and as_rows.sink.written == as_events.sink.written
    assert as_rows.sink.written["test"] == as_rows.attempts == 14 and as_rows.totals == as_events.totals
    rows, events = _tables(tmp_path / "rows.db"), _tables(tmp_path / "events.db")
    assert rows.keys() == events.keys()
    for table in rows:
        assert rows[table] == events[table], table
    assert len(rows["test_attempts"]) == 14 and len(rows["metrics"]) > 14
    with sqlite3.connect(tmp_path / "rows.db") as conn:  # every metric names its test: its row came first
        assert conn.execute("SELECT count(*) FROM metrics WHERE test_id IS NULL").fetchone()[0] == 0


def test_a_held_row_reaches_the_store_once_its_hold_is_over(pytester: pytest.Pytester, tmp_path) -> None:
    pytester.makepyfile(test_one="def test_one():\n    pass\n")
    reprec = pytester.inline_run("--vpt")
    sink = StoreSink(parse_store_url(f"sqlite:///{tmp_path / 'vpt.db'}"))
    sink.open()
    recorder = RunRecorder(RunInfo("run-held", "demo", 1_800_000_000.0), sink, hold=0.0)
    recorder.start()
    assert recorder.wait_left() is None  # nothing held
    for report in reprec.getreports("pytest_runtest_logreport"):
        recorder.handle(phase_message(report, "main", None))
    assert recorder.wait_left() == 0.0 and sink.report.written["test"] == 0
    recorder.flush_due()
    assert recorder.wait_left() is None and sink.report.written["test"] == 1
    with sqlite3.connect(tmp_path / "vpt.db") as conn:
        assert conn.execute("SELECT outcome, is_final FROM test_attempts").fetchall() == [("passed", 1)]
    assert recorder.finish(0, None).sink.ok
    sink.close()
