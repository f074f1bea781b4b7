"""A poison item cannot stop the rollups: it is counted without what is wrong with it, or set
aside with its error, listed by `vpt db status` and `/metrics`, and everything else folds."""

from __future__ import annotations

import json

import pytest
import requests
from click.testing import CliRunner

from pytest_vpt.cli import cli
from pytest_vpt.events import make_event
from pytest_vpt.store import flakiness, open_store, queries

from conftest import run_events
from server_process import Server

T0 = 1.8e9


def timed_run(run_id: str, project: str, at: float, tests: dict[str, float]) -> list[dict]:
    """A finished run of ``project`` whose tests passed, each in the given seconds."""
    common = {"vpt.run.id": run_id, "vpt.project": project}
    events = [make_event("run", f"{run_id}-finished", {
        **common, "vpt.run.status": "finished", "vpt.run.started_at": at, "vpt.run.finished_at": at + 60})]
    for nodeid, seconds in tests.items():
        events.append(make_event("test", f"{run_id}-{nodeid}", {
            **common, "test.case.name": nodeid, "vpt.test.attempt": 1, "vpt.test.final": True,
            "vpt.test.outcome": "passed", "vpt.test.started_at": at + 1, "vpt.test.duration.call": seconds}))
    return events


def daily(store) -> dict[str, tuple]:
    return {row[0]: tuple(row[1:]) for row in store.conn.execute(
        "SELECT c.nodeid, d.project, d.runs, d.passed, d.duration_count, d.duration_sum FROM test_daily d "
        "JOIN test_cases c ON c.test_id = d.test_id ORDER BY c.nodeid")}


def vpt(store_url: str, *args: str):
    result = CliRunner().invoke(cli, ["--store", store_url, *args])
    assert result.exit_code == 0, result.output
    return result


def db_status(store_url: str) -> dict:
    return json.loads(vpt(store_url, "db", "status", "--json").output)


def poison(store, column_value_by_nodeid: dict[str, float], tables=("test_attempts", "test_daily_pending")) -> None:
    """Durations an old store may hold (the wire format refuses them now)."""
    for nodeid, value in column_value_by_nodeid.items():
        for table in tables:
            store.conn.execute(f"UPDATE {table} SET duration = ? WHERE test_id = "
                               "(SELECT test_id FROM test_cases WHERE nodeid = ?)", (value, nodeid))


def test_regression_poison_duration_does_not_freeze_rollup(store_url) -> None:
    with open_store(store_url) as store:
        store.write(timed_run("a1", "alpha", T0, {"t.py::inf": 1.0, "t.py::huge": 1.0, "t.py::fine": 2.0}), fold=False)
        store.write(timed_run("b1", "beta", T0, {"t.py::other": 3.0}), fold=False)
        poison(store, {"t.py::inf": float("inf"), "t.py::huge": 1.7e308})
        store.fold_daily()
        folded = daily(store)
        assert folded == {
            "t.py::fine": ("alpha", 1, 1, 1, 2.0),
            "t.py::huge": ("alpha", 1, 1, 0, 0.0),  # counted, without its duration
            "t.py::inf": ("alpha", 1, 1, 0, 0.0),
            "t.py::other": ("beta", 1, 1, 1, 3.0),
        }
        assert queries.duration_p95(store.conn, "beta", days=1, now=T0 + 300)[0]["runs"] == 1
    status = db_status(store_url)
    assert status["queued"] == 0 and status["schema_version"] == status["latest_schema_version"]
    assert sorted((f["what"], f["project"], f["nodeid"], f["count"]) for f in status["failures"]) == [
        ("duration", "alpha", "t.py::huge", 1), ("duration", "alpha", "t.py::inf", 1)]
    assert "outside 0 to 94867200 s" in status["failures"][0]["error"]
    shown = vpt(store_url, "db", "status").output
    assert "t.py::inf" in shown and "without duration" in shown
    assert "folded 4 attempts into the daily rollup again" in vpt(store_url, "db", "rebuild").output
    with open_store(store_url) as store:
        assert daily(store) == folded
    assert [f["count"] for f in db_status(store_url)["failures"]] == [1, 1]  # listed again, not added up


def test_a_test_whose_daily_rollup_cannot_fold_is_set_aside(store_url) -> None:
    """Poison the fold itself (a corrupt histogram of a day): that test's attempts are set aside
    with the error, every other test and project folds; a rebuild derives the day again."""
    with open_store(store_url) as store:
        store.write(timed_run("a1", "alpha", T0, {"t.py::corrupt": 1.0, "t.py::fine": 2.0}))
        store.conn.execute("UPDATE test_daily SET duration_hist = 'not a histogram' WHERE test_id = "
                           "(SELECT test_id FROM test_cases WHERE nodeid = 't.py::corrupt')")
        store.write(timed_run("a2", "alpha", T0 + 100, {"t.py::corrupt": 1.0, "t.py::fine": 2.0}), fold=False)
        store.write(timed_run("b1", "beta", T0 + 100, {"t.py::other": 3.0}), fold=False)
        store.fold_daily()
        assert {nodeid: row[1] for nodeid, row in daily(store).items()} == {
            "t.py::corrupt": 1, "t.py::fine": 2, "t.py::other": 1}
        assert store.conn.execute("SELECT count(*) FROM test_daily_pending").fetchone()[0] == 0
    (failure,) = db_status(store_url)["failures"]
    assert (failure["what"], failure["project"], failure["nodeid"], failure["count"]) == ("daily", "alpha", "t.py::corrupt", 1)
    assert failure["error"]
    output = vpt(store_url, "db", "rebuild").output
    assert "could not be folded" not in output
    with open_store(store_url) as store:
        assert daily(store)["t.py::corrupt"] == ("alpha", 2, 2, 2, 2.0)
    assert db_status(store_url)["failures"] == []


def test_a_verdict_that_fails_is_set_aside_and_the_rest_of_the_run_folds(store_url) -> None:
    with open_store(store_url) as store:
        for index in range(3):
            store.write(run_events(f"r{index}", T0 + index * 600, f"{index:040x}", {"t.py::a": "P", "t.py::b": "P"}))
            store.refresh_flakiness(f"r{index}")
        # a row no verdict can be folded into: text in SQLite's integer column, the
        # largest integer on PostgreSQL (one more run is out of range)
        store.conn.execute("UPDATE test_flakiness SET runs = ? WHERE test_id = (SELECT test_id FROM test_cases "
                           "WHERE nodeid = 't.py::a')", ("corrupt" if store.engine == "sqlite" else 2**31 - 1,))
        store.write(run_events("r3", T0 + 1800, f"{3:040x}", {"t.py::a": "F", "t.py::b": "F"}))
        changes = store.refresh_flakiness("r3")
        assert [nodeid for nodeid, _, _ in changes.became] == ["t.py::b"]
        (b,) = queries.flakiness_of(store.conn, "t.py::b")
        assert (b["runs"], b["failed_runs"], b["last_run_id"]) == (4, 1, "r3")
    (failure,) = db_status(store_url)["failures"]
    assert (failure["what"], failure["nodeid"], failure["run_id"], failure["count"]) == ("flakiness", "t.py::a", "r3", 1)
    assert "run r3" in vpt(store_url, "db", "status", "--wide").output
    vpt(store_url, "flaky", "rebuild")
    with open_store(store_url) as store:
        (a,) = queries.flakiness_of(store.conn, "t.py::a")
        assert (a["runs"], a["failed_runs"]) == (4, 1)
    assert db_status(store_url)["failures"] == []


def test_regression_verdict_with_duplicate_rows_in_the_store(store_url) -> None:
    """An attempt stored twice (one event id with two times, as PostgreSQL kept it) counts once,
    and the verdict after failures is drawn, refreshing and rebuilding alike."""
    with open_store(store_url) as store:
        for index, outcome in enumerate("FFPP"):
            store.write(run_events(f"r{index}", T0 + index * 600, f"{index:040x}", {"t.py::a": outcome}))
            if index == 3:
                store.conn.execute(
                    "INSERT INTO test_attempts (run_id, event_id, test_id, attempt, is_final, outcome, started_at) "
                    "SELECT run_id, event_id || '-again', test_id, attempt, is_final, outcome, started_at + 1 "
                    "FROM test_attempts WHERE run_id = 'r3'")
            store.refresh_flakiness(f"r{index}", policy=None)
        (row,) = queries.flakiness_of(store.conn, "t.py::a")
        assert (row["runs"], row["attempts"], row["status"]) == (4, 4, "fixed")
        store.apply(flakiness.rebuild)
        (again,) = queries.flakiness_of(store.conn, "t.py::a")
        assert (again["runs"], again["attempts"], again["status"]) == (4, 4, "fixed")


@pytest.fixture
def server_with_failures(store_url):
    with open_store(store_url) as store:
        store.write(timed_run("a1", "alpha", T0, {"t.py::inf": 1.0, "t.py::huge": 1.0}), fold=False)
        poison(store, {"t.py::inf": float("inf"), "t.py::huge": 1.7e308})
        store.fold_daily()
    server = Server(store_url).start()
    yield server
    server.stop()


def test_metrics_count_what_the_rollups_set_aside(server_with_failures) -> None:
    text = requests.get(f"{server_with_failures.url}/metrics", timeout=10).text
    assert 'vpt_rollup_failures{what="duration"} 2.0' in text
    assert 'vpt_rollup_failures{what="daily"} 0.0' in text


def test_regression_store_write_refuses_a_poison_event_without_the_server(store_url) -> None:
    """`store.write` checks the wire format too: the 1.7e308 duration of the report is refused
    with the field and its limit, and nothing of the batch is written."""
    from pytest_vpt.events import EventError

    events = timed_run("r1", "alpha", T0, {"t.py::ok": 1.0, "t.py::poison": 1.0})
    events[2]["vpt.test.duration.setup"] = events[2]["vpt.test.duration.call"] = 1.7e308
    with open_store(store_url) as store:
        with pytest.raises(EventError, match=r"vpt\.test\.duration\.(setup|call).*31622400") as refused:
            store.write(events)
        assert refused.value.index == 2
        assert store.conn.execute("SELECT count(*) FROM runs").fetchone()[0] == 0
        store.write(timed_run("r2", "alpha", T0, {"t.py::ok": 1.0}))
        assert daily(store)["t.py::ok"][1:3] == (1, 1)
