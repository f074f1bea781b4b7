"""Every id is its project's, long node ids are stored in full, one event id is one row:
on both engines, through the store's own write and reads."""

from __future__ import annotations

import random
import sqlite3
import threading
import time

import psycopg
import pytest

from pytest_vpt.events import event_id, make_event
from pytest_vpt.store import StoreConflict, StoreError, flakiness, open_store
from pytest_vpt.store.migrate import migrate_postgres, migrate_sqlite
from pytest_vpt.store.writes import write_events
from pytest_vpt.store import queries

T0 = 1.8e9


def run(project: str, run_id: str, status: str = "running", **extra) -> dict:
    return make_event("run", event_id(project, run_id, status), {
        "vpt.run.id": run_id, "vpt.project": project, "vpt.run.status": status, "vpt.run.started_at": T0,
        **({"vpt.run.finished_at": T0 + 60, "vpt.run.exit_status": 0} if status == "finished" else {}), **extra,
    })


def attempt(project: str, run_id: str, nodeid: str, at: float = T0 + 1, ident: str | None = None, **extra) -> dict:
    return make_event("test", ident or event_id(project, run_id, nodeid), {
        "vpt.run.id": run_id, "vpt.project": project, "test.case.name": nodeid, "vpt.test.outcome": "passed",
        "vpt.test.attempt": 1, "vpt.test.final": True, "vpt.test.started_at": at, "vpt.test.duration.call": 0.5,
        **extra,
    })


def metric(project: str, ident: str, value: float, at: float = T0 + 2) -> dict:
    return make_event("metric", ident, {
        "vpt.project": project, "vpt.metric.name": "video.fps", "vpt.metric.value": value,
        "vpt.metric.kind": "gauge", "vpt.metric.time": at,
    })


def incident(project: str, ident: str, end: float | None = None) -> dict:
    return make_event("incident", ident, {
        "vpt.project": project, "vpt.incident.kind": "freeze", "vpt.incident.source": "hdmi0",
        "vpt.incident.start": T0, "vpt.incident.end": end, "vpt.incident.duration": (end or T0 + 1) - T0,
        "vpt.incident.severity": "major",
    })


def sample(project: str, ident: str, at: float, online: bool = True) -> dict:
    return make_event("device_sample", ident, {
        "vpt.project": project, "vpt.device.id": "stb-1", "vpt.sample.time": at, "vpt.device.online": online,
        "vpt.device.interval": 5.0,
    })


@pytest.fixture
def store(store_url):
    with open_store(store_url) as opened:
        yield opened


def refused(store, batch: list[dict], value: str) -> StoreConflict:
    with pytest.raises(StoreConflict) as caught:
        store.write(batch)
    message = str(caught.value)
    assert repr(value) in message and "belongs to another project" in message
    assert "beta" not in message  # the holder is not told
    return caught.value


def test_regression_cross_project_run_overwrite(store) -> None:
    store.write([run("beta", "R"), attempt("beta", "R", "t.py::test_b")])
    before = queries.runs(store.conn, project="beta")
    conflict = refused(store, [run("alpha", "A"), run("alpha", "R", "finished", **{"vpt.run.counts": {"tests": 9}})], "R")
    assert conflict.field == "vpt.run.id" and conflict.value == "R"
    refused(store, [run("alpha", "A"), attempt("alpha", "R", "t.py::test_a")], "R")
    assert queries.runs(store.conn, project="beta") == before  # status, counts: as beta sent them
    assert queries.runs(store.conn, project="alpha") == []  # the whole batch was refused, A too
    assert [t["nodeid"] for t in queries.run_tests(store.conn, "R")] == ["t.py::test_b"]


def test_one_batch_cannot_give_a_run_id_to_two_projects(store) -> None:
    refused(store, [run("beta", "R"), attempt("alpha", "R", "t.py::test_a")], "R")
    assert queries.runs(store.conn) == []


def test_regression_cross_project_incident_overwrite(store) -> None:
    store.write([incident("beta", "inc-1")])  # still open
    refused(store, [incident("alpha", "inc-1", end=T0 + 30)], "inc-1")
    [kept] = queries.video_incidents(store.conn)
    assert (kept["project"], kept["ended_at"], kept["duration"]) == ("beta", None, 1.0)
    store.write([incident("beta", "inc-1", end=T0 + 30)])  # its own project still ends it
    assert queries.video_incidents(store.conn, project="beta")[0]["ended_at"] == T0 + 30


def test_regression_cross_project_metric_id(store) -> None:
    store.write([metric("beta", "m-1", 25.0)])
    refused(store, [metric("alpha", "m-2", 1.0), metric("alpha", "m-1", 0.0, at=T0 + 99)], "m-1")
    assert [(m["project"], m["value"], m["time"]) for m in queries.metrics(store.conn)] == [("beta", 25.0, T0 + 2)]


def test_a_device_sample_id_of_another_project_is_refused(store) -> None:
    store.write([sample("beta", "s-1", T0)])
    refused(store, [sample("alpha", "s-1", T0 + 5, online=False)], "s-1")
    assert [tuple(row) for row in store.conn.execute("SELECT project, online FROM device_samples")] == [("beta", 1)]


def test_a_concurrent_writer_cannot_take_over_a_new_run(postgres_url) -> None:
    """Alpha's batch checks while beta's batch creating the same run is not committed yet:
    it waits for beta's row, and then does not overwrite it."""
    with open_store(postgres_url) as beta, open_store(postgres_url) as alpha:
        with beta.transaction() as conn:
            write_events(conn, [run("beta", "R"), incident("beta", "inc-1")])
            late = threading.Thread(target=alpha.write, args=([
                run("alpha", "R", "finished", **{"vpt.run.counts": {"tests": 9}}), incident("alpha", "inc-1", T0 + 9)],))
            late.start()
            time.sleep(0.5)  # alpha has found neither id, and waits on beta's rows
        late.join(timeout=30)
        [kept] = queries.runs(beta.conn)
        assert (kept["project"], kept["status"], kept["tests"]) == ("beta", "running", 0)
        assert [(i["project"], i["ended_at"]) for i in queries.video_incidents(beta.conn)] == [("beta", None)]


def test_reads_are_scoped_by_project(store) -> None:
    store.write([run("beta", "Rb1"), attempt("beta", "Rb1", "t.py::test_same"), metric("beta", "mb", 1.0),
                 run("alpha", "Ra1"), attempt("alpha", "Ra1", "t.py::test_same"), metric("alpha", "ma", 2.0)])
    assert [r["run_id"] for r in queries.find_runs(store.conn, "R", project="alpha")] == ["Ra1"]
    assert queries.find_runs(store.conn, "Rb1", project="alpha") == []
    assert queries.run_tests(store.conn, "Rb1", project="alpha") == []
    assert len(queries.run_tests(store.conn, "Rb1", project="beta")) == 1
    assert [h["run_id"] for h in queries.history(store.conn, "t.py::test_same", project="alpha")] == ["Ra1"]
    assert [m["value"] for m in queries.metrics(store.conn, project="alpha")] == [2.0]


def long_nodeid(length: int) -> str:
    """A parametrized node id of ``length`` characters, some of them several bytes in UTF-8,
    in no pattern that compression would shorten."""
    head = "tests/test_streams.py::test_decode["
    letters = random.Random(length).choices("abcdefghijklmnopqrstuvwxyz0123456789-_üé€", k=length - len(head) - 1)
    return f"{head}{''.join(letters)}]"


def test_regression_long_nodeid_stored(store) -> None:
    nodeids = [long_nodeid(4_000), long_nodeid(16_000), long_nodeid(16_000)[:-2] + "x]"]  # the last two share 15,998
    assert [len(n) for n in nodeids] == [4_000, 16_000, 16_000]
    # many tests at once take the PostgreSQL store's bulk path; a few the portable one
    many = [attempt("p", "r1", f"t.py::test_{i}") for i in range(60)]
    store.write([run("p", "r1", "finished"), *many, *(attempt("p", "r1", n) for n in nodeids)])
    store.write([run("p", "r2", "finished"), *(attempt("p", "r2", n, at=T0 + 90) for n in nodeids)])
    for nodeid in nodeids:
        found = queries.history(store.conn, nodeid, project="p")
        assert [(h["run_id"], h["nodeid"]) for h in found] == [("r2", nodeid), ("r1", nodeid)]
    assert store.conn.execute("SELECT count(*) FROM test_cases").fetchone()[0] == 63  # each test once

    requests = {nodeids[0]: ("marker", "flaky decoder"), nodeids[1]: ("list", "tracked in BUG-1")}
    store.refresh_flakiness("r1", explicit=requests)
    store.refresh_flakiness("r2", explicit=requests)
    quarantined = {q["nodeid"]: (q["source"], q["passes"]) for q in queries.quarantine(store.conn, "p")}
    assert quarantined == {nodeids[0]: ("marker", 2), nodeids[1]: ("list", 2)}  # two clean runs each
    assert store.apply(flakiness.release, "p", nodeids[1], "fixed", T0 + 200)
    assert [q["nodeid"] for q in queries.quarantine(store.conn, "p") if q["left_at"] is None] == [nodeids[0]]


def test_regression_same_event_id_two_times_one_row(store) -> None:
    store.write([run("p", "r1", "finished"), attempt("p", "r1", "t.py::test_a", ident="e-1")])
    store.write([attempt("p", "r1", "t.py::test_a", at=T0 + 30, ident="e-1", **{"vpt.test.outcome": "failed"})])
    bulk = [attempt("p", "r1", f"t.py::test_{i}", at=T0 + 40 + i, ident=f"b-{i}") for i in range(60)]
    store.write(bulk + [attempt("p", "r1", "t.py::test_0", at=T0 + 500, ident="b-0")])  # repeated in the batch
    store.write([{**e, "vpt.test.started_at": e["vpt.test.started_at"] + 86400 * 40} for e in bulk])  # another month
    attempts = queries.run_tests(store.conn, "r1", all_attempts=True)
    assert len(attempts) == 61
    assert [(a["outcome"], a["started_at"]) for a in attempts if a["nodeid"] == "t.py::test_a"] == [("passed", T0 + 1)]
    assert store.conn.execute("SELECT count(*) FROM test_daily_pending").fetchone()[0] == 0  # each folded once
    changes = store.refresh_flakiness("r1")  # the verdict reads one attempt per id
    assert len(queries.flaky(store.conn, project="p", statuses=[], limit=100)) == 61
    assert changes is not None

    store.write([metric("p", "m-1", 1.0), metric("p", "m-1", 2.0, at=T0 + 86400 * 40)])
    store.write([metric("p", "m-1", 3.0, at=T0 + 86400 * 80)])
    assert [m["value"] for m in queries.metrics(store.conn, project="p")] == [1.0]
    store.write([sample("p", "s-1", T0), sample("p", "s-1", T0 + 5)])
    store.write([sample("p", "s-1", T0 + 86400 * 40)])
    assert store.conn.execute("SELECT count(*) FROM device_samples").fetchone()[0] == 1


def test_a_refused_batch_leaves_the_connection_usable(store) -> None:
    store.write([run("beta", "R")])
    with pytest.raises(StoreError):  # a StoreConflict is a StoreError
        store.write([run("alpha", "R")])
    store.write([run("alpha", "A")])
    assert [r["run_id"] for r in queries.runs(store.conn, project="alpha")] == ["A"]


def test_an_older_store_keys_its_test_cases_by_hash_after_migrating(make_store_url, tmp_path) -> None:
    """A store at version 8 with test cases and a quarantine entry: migrated, the same
    tests are found again (not made twice), and long node ids can be added."""
    url = make_store_url()
    rows = ("INSERT INTO test_cases (project, nodeid, first_seen) VALUES ('p', 't.py::test_old', 1.0)",
            "INSERT INTO quarantine (project, nodeid, source, reason, entered_at) "
            "VALUES ('p', 't.py::test_old', 'list', 'old', 1.0)")
    if url.startswith("sqlite"):
        conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        migrate_sqlite(conn, target=8)
    else:
        conn = psycopg.connect(url, autocommit=True)
        migrate_postgres(conn, target=8)
    for statement in rows:
        conn.execute(statement)
    conn.close()
    with open_store(url) as store:
        nodeid = long_nodeid(8_000)
        store.write([run("p", "r1", "finished"), attempt("p", "r1", "t.py::test_old"), attempt("p", "r1", nodeid)])
        assert store.conn.execute("SELECT count(*) FROM test_cases").fetchone()[0] == 2
        store.refresh_flakiness("r1", explicit={"t.py::test_old": ("list", "old"), nodeid: ("marker", "new")})
        assert sorted(q["nodeid"] for q in queries.quarantine(store.conn, "p")) == sorted(["t.py::test_old", nodeid])
        assert [q["passes"] for q in queries.quarantine(store.conn, "p") if q["nodeid"] == "t.py::test_old"] == [1]


def test_no_postgresql_index_holds_a_node_id_itself(postgres_url) -> None:
    """A btree entry holds about 2,700 bytes: node ids are indexed by their md5 only."""
    with open_store(postgres_url) as store:
        indexes = {row[0]: row[1] for row in store.conn.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()")}
    keys = {name: text.partition(" USING ")[2] for name, text in indexes.items()}
    holding = [name for name, key in keys.items() if "nodeid" in key.replace("md5(nodeid)", "")]
    assert holding == []
    assert "(project, md5(nodeid))" in indexes["test_cases_project_nodeid_md5"]
    assert "(project, md5(nodeid))" in indexes["quarantine_project_nodeid_md5"]


def test_a_concurrent_resend_with_another_time_is_one_row(postgres_url) -> None:
    """The same attempt sent twice at once, with two times (two partitions on PostgreSQL):
    the batch that comes second waits for the first (held up here by a lock on the run's
    row) and skips the attempt, rather than find it missing and store it again."""
    with open_store(postgres_url) as first, open_store(postgres_url) as second:
        first.write([run("p", "r1")])
        holder = psycopg.connect(postgres_url)  # a transaction: the run's row stays locked
        holder.execute("SELECT * FROM runs WHERE run_id = 'r1' FOR UPDATE")
        writers = [
            threading.Thread(target=first.write, args=([run("p", "r1", "finished"),
                                                        attempt("p", "r1", "t.py::test_a", ident="e-1")],)),
            threading.Thread(target=second.write, args=([attempt("p", "r1", "t.py::test_a", at=T0 + 86400 * 40,
                                                                 ident="e-1")],)),
        ]
        for writer in writers:
            writer.start()
            time.sleep(0.5)
        holder.commit()
        holder.close()
        for writer in writers:
            writer.join(timeout=30)
        assert [a["started_at"] for a in queries.run_tests(first.conn, "r1", all_attempts=True)] == [T0 + 1]
