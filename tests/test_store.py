"""The SQLite store: versioned migrations, idempotent batches, all-or-nothing writes."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time

import pytest

from pytest_vpt.events import EventError, event_id, make_event
from pytest_vpt.store import StoreError, open_store, parse_store_url
from pytest_vpt.store.migrate import SchemaError, latest_version, migrate_sqlite, migrations
from pytest_vpt.store import queries


def _schema(path) -> dict[str, str]:
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute("SELECT name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name")
        return {name: " ".join((sql or "").split()) for name, sql in rows}
    finally:
        conn.close()


def test_migrates_an_empty_database(tmp_path) -> None:
    open_store(f"sqlite:///{tmp_path}/new/vpt.db").close()
    conn = sqlite3.connect(tmp_path / "new" / "vpt.db")
    versions = [row[0] for row in conn.execute("SELECT version FROM schema_version ORDER BY version")]
    assert versions == list(range(1, latest_version("sqlite") + 1))
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert {"runs", "test_cases", "test_attempts", "metrics"} <= set(_schema(tmp_path / "new" / "vpt.db"))


@pytest.mark.parametrize("start", range(latest_version("sqlite")))
def test_migrates_from_every_earlier_version(tmp_path, start: int) -> None:
    """A database left at any earlier version ends with the same schema as a new one."""
    fresh, old = tmp_path / "fresh.db", tmp_path / "old.db"
    open_store(f"sqlite:///{fresh}").close()
    conn = sqlite3.connect(old, isolation_level=None)
    assert migrate_sqlite(conn, target=start) == start
    conn.close()
    open_store(f"sqlite:///{old}").close()
    assert _schema(old) == _schema(fresh)


def test_migrations_are_numbered_without_gaps() -> None:
    assert [m.version for m in migrations("sqlite")] == list(range(1, latest_version("sqlite") + 1))


def test_a_newer_database_is_refused_by_name(tmp_path) -> None:
    path = tmp_path / "vpt.db"
    open_store(f"sqlite:///{path}").close()
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO schema_version VALUES (999, 0)")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="schema version 999, newer than this pytest-vpt knows"):
        open_store(f"sqlite:///{path}")


def test_two_processes_creating_one_database_migrate_it_once(tmp_path) -> None:
    path = tmp_path / "vpt.db"
    code = f"from pytest_vpt.store import open_store; open_store('sqlite:///{path}').close()"
    procs = [subprocess.Popen([sys.executable, "-c", code]) for _ in range(4)]
    assert [p.wait(timeout=60) for p in procs] == [0, 0, 0, 0]
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT count(*) FROM schema_version").fetchone()[0] == latest_version("sqlite")


def _run_event(run_id: str, status: str, **extra) -> dict:
    return make_event("run", event_id(run_id, status), {
        "vpt.run.id": run_id, "vpt.project": "p", "vpt.run.status": status, "vpt.run.started_at": 100.0, **extra,
    })


def _test_event(run_id: str, nodeid: str, outcome: str = "passed") -> dict:
    return make_event("test", event_id(run_id, nodeid), {
        "vpt.run.id": run_id, "vpt.project": "p", "test.case.name": nodeid, "vpt.test.outcome": outcome,
        "vpt.test.attempt": 1, "vpt.test.final": True, "vpt.test.started_at": 101.0,
        "vpt.test.duration.call": 0.5,
    })


def test_a_batch_written_twice_is_stored_once(store_url) -> None:
    batch = [_run_event("r1", "running"), *(_test_event("r1", f"t.py::test_{i}") for i in range(5))]
    with open_store(store_url) as store:
        store.write(batch)
        store.write(batch)
        assert len(queries.run_tests(store.conn, "r1")) == 5
        assert len(queries.runs(store.conn)) == 1


def test_a_late_start_event_never_overwrites_the_finish(store_url) -> None:
    finish = _run_event("r1", "finished", **{"vpt.run.exit_status": 1, "vpt.run.counts": {"tests": 3, "failed": 1}})
    with open_store(store_url) as store:
        store.write([finish])
        store.write([_run_event("r1", "running")])
        [run] = queries.runs(store.conn)
    assert (run["status"], run["exit_status"], run["tests"], run["failed"]) == ("finished", 1, 3, 1)


def test_a_failing_batch_writes_nothing(store_url) -> None:
    bad = _test_event("r1", "t.py::test_bad")
    bad["vpt.test.outcome"] = "exploded"
    batch = [_run_event("r1", "running"), _test_event("r1", "t.py::test_ok"), bad]
    with open_store(store_url) as store:
        with pytest.raises(EventError, match="'vpt.test.outcome': 'exploded' is not one of"):
            store.write(batch)
        # a caller that says it checked the batch is still held by the table's CHECK constraint
        with pytest.raises(StoreError, match="(CHECK constraint failed|violates check constraint)"):
            store.write(batch, checked=True)
        assert queries.runs(store.conn) == []
        assert queries.run_tests(store.conn, "r1") == []


def test_run_ids_can_be_abbreviated(store_url) -> None:
    with open_store(store_url) as store:
        store.write([_run_event("abc123", "running"), _run_event("abd456", "running")])
        assert [r["run_id"] for r in queries.find_runs(store.conn, "abc")] == ["abc123"]
        assert len(queries.find_runs(store.conn, "ab")) == 2
        assert queries.find_runs(store.conn, "a_c") == []  # LIKE wildcards are taken literally


def test_the_cli_never_creates_a_store(tmp_path) -> None:
    with pytest.raises(StoreError, match="no database at"):
        open_store(f"sqlite:///{tmp_path}/missing.db", create=False)
    assert not (tmp_path / "missing.db").exists()


@pytest.mark.parametrize("url, error", [
    ("sqlite://host/x.db", "has no host"),
    ("sqlite:///", "names no database file"),
    ("sqlite:///x.db?colour=red", "unknown option 'colour'"),
    ("sqlite:///x.db?timeout=-1", "must not be negative"),
    ("mysql://x/db", "unsupported scheme 'mysql'"),
    ("postgresql:///db", "a postgresql URL names its server"),
])
def test_store_url_errors(url: str, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        parse_store_url(url)


def test_store_url_paths(tmp_path) -> None:
    assert parse_store_url("sqlite:///rel/vpt.db", tmp_path).path == tmp_path / "rel" / "vpt.db"
    assert str(parse_store_url("sqlite:////abs/vpt.db", tmp_path).path) == "/abs/vpt.db"
    assert parse_store_url("sqlite:///v.db?timeout=0.5").options == {"timeout": 0.5}


@pytest.fixture
def read_only(tmp_path):
    """Makes files and folders read-only for this process, as root too (immutable), then undoes it."""
    made = []

    def make(*paths) -> None:
        for path in paths:
            if os.geteuid() == 0:
                subprocess.run(["chattr", "+i", str(path)], check=True)
            else:
                path.chmod(0o555 if path.is_dir() else 0o444)
            made.append(path)

    yield make
    for path in reversed(made):
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(path)], check=True)
        else:
            path.chmod(0o755 if path.is_dir() else 0o644)


def test_regression_a_read_only_database_can_be_read(tmp_path, read_only) -> None:
    """A store copied as an artifact, or in a shared folder this user may not write: `vpt runs`
    reads it (without write-ahead log or migration); writing it is a clear error."""
    folder = tmp_path / "artifact"
    url = f"sqlite:///{folder}/vpt.db"
    with open_store(url) as store:
        store.write([_run_event("r1", "finished"), _test_event("r1", "t.py::test_ok")])
    read_only(folder / "vpt.db", folder)
    result = subprocess.run([sys.executable, "-m", "pytest_vpt", "--store", url, "runs", "--json"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert [run["run_id"] for run in json.loads(result.stdout)] == ["r1"]
    with pytest.raises(StoreError, match="vpt.db"):
        open_store(url).write([_run_event("r2", "running")])
