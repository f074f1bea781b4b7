"""The one after-write step: the same runs written into a local store and sent to a `vpt server`
change the same verdicts, and the sinks report the same changes."""

from __future__ import annotations

from click.testing import CliRunner

from pytest_vpt.cli import cli
from pytest_vpt.sinks import open_sink
from pytest_vpt.store import open_store
from pytest_vpt.store.after_write import after_write

from conftest import run_events
from server_process import Server

CLEAN = {"t.py::a": "P", "t.py::b": "P"}
TURNED = {"t.py::a": "FP", "t.py::b": "F"}  # a passes on its rerun (flaky), b fails (broken)


def runs() -> list[list[dict]]:
    return [run_events(f"r{index}", 1.8e9 + index, f"{index:040x}", CLEAN) for index in range(5)] + [
        run_events("r5", 1.8e9 + 5, f"{5:040x}", TURNED)]


def changes_through(sink) -> list:
    sink.open()
    seen = []
    for batch in runs():
        sink.write(batch)
        seen.append(sink.close_run(batch[0]["vpt.run.id"]).to_json())
    assert sink.close().ok
    return seen


def verdicts(url: str) -> list[tuple]:
    with open_store(url, create=False) as store:
        return [tuple(row) for row in store.conn.execute(
            "SELECT c.nodeid, f.status, f.runs, f.failures FROM test_flakiness f JOIN test_cases c USING (test_id) "
            "ORDER BY c.nodeid")]


def test_a_local_store_and_the_server_report_the_same_changes(make_store_url, tmp_path, monkeypatch) -> None:
    local, served = make_store_url(), make_store_url()
    token = CliRunner().invoke(cli, ["--store", served, "token", "create", "--project", "box"]).output.strip()
    monkeypatch.setenv("VPT_TOKEN", token)
    server = Server(served).start()
    try:
        sent = changes_through(open_sink(server.url, tmp_path))
    finally:
        server.stop()
    written = changes_through(open_sink(local, tmp_path))
    assert written == sent
    assert [(nodeid, status) for nodeid, status, _ in written[-1]["became"]] == [("t.py::a", "flaky"),
                                                                                 ("t.py::b", "broken")]
    assert [entry[:2] for entry in written[-1]["quarantine"]] == [("t.py::a", "entered")]
    assert written[:-1] == [{"became": [], "quarantine": []}] * 5
    assert verdicts(local) == verdicts(served) == [("t.py::a", "flaky", 6, 1), ("t.py::b", "broken", 6, 1)]


def test_the_daily_rollup_is_folded_unless_the_caller_folds_it_later(tmp_path) -> None:
    """As the server writes (fold=False), test events wait in the queue; a batch that ends a
    run folds it first, so that the KPIs of the run's days count its tests."""
    with open_store(f"sqlite:///{tmp_path / 'vpt.db'}") as store:
        def queued() -> int:
            return store.conn.execute("SELECT count(*) FROM test_daily_pending").fetchone()[0]

        for batch in runs()[:-1]:
            finish, tests = batch[:1], batch[1:]
            store.write(tests, fold=False)
            after_write(store, tests, fold=False)
            assert queued() == 2
            store.write(finish, fold=False)
            after_write(store, finish, fold=False)
            assert queued() == 0
        batch = runs()[-1]
        store.write(batch, fold=False)
        changed = after_write(store, batch)
        assert queued() == 0
    assert list(changed) == ["r5"] and len(changed["r5"].became) == 2
