"""What only the PostgreSQL store has: partitions, indexes, the server's errors, and pytest runs into it."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid

import psycopg
import pytest
from click.testing import CliRunner

from pytest_vpt.cli import cli
from pytest_vpt.events import make_event
from pytest_vpt.store import StoreError, open_store, parse_store_url
from pytest_vpt.store.migrate import latest_version

from conftest import PG_DSN


def attempt(run_id: str, at: float, nodeid: str = "t.py::test_a") -> dict:
    return make_event("test", f"{run_id}-{nodeid}", {
        "vpt.run.id": run_id, "vpt.project": "box", "test.case.name": nodeid, "vpt.test.outcome": "passed",
        "vpt.test.attempt": 1, "vpt.test.final": True, "vpt.test.started_at": at,
    })


def partition_of(store, run_id: str) -> str:
    return store.conn.execute("SELECT tableoid::regclass::text FROM test_attempts WHERE run_id = ?", (run_id,)).fetchone()[0]


def test_fact_tables_are_partitioned_by_month_with_a_default(postgres_url) -> None:
    with open_store(postgres_url) as store:
        month = time.strftime("%Y%m", time.gmtime())
        for table in ("test_attempts", "metrics", "device_samples"):
            partitions = {row[0] for row in store.conn.execute(
                "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                "WHERE i.inhparent = ?::regclass", (table,))}
            assert {f"{table}_default", f"{table}_p{month}"} <= partitions
        store.write([attempt("now", time.time()), attempt("far", 4.1e9)])  # 2099: no partition made for it
        assert partition_of(store, "now") == f"test_attempts_p{month}"
        assert partition_of(store, "far") == "test_attempts_default"  # kept, never refused
        indexes = {row[0]: row[1] for row in store.conn.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'test_attempts'")}
        assert "USING brin (started_at)" in indexes["test_attempts_started_brin"]
        assert "(test_id, started_at) INCLUDE (outcome, duration)" in indexes["test_attempts_test_started"]


def test_creating_partitions_again_is_harmless(postgres_url) -> None:
    with open_store(postgres_url) as store:
        store.write([attempt("early", time.time() + 200 * 86400)])  # beyond the months made ahead: default
        store.conn.execute("SELECT vpt_create_partitions(?, ?)", (time.time(), time.time() + 400 * 86400))
        assert partition_of(store, "early") == "test_attempts_default"  # its month stays in the default
    open_store(postgres_url).close()


def test_two_processes_opening_a_new_store_migrate_it_once(postgres_url) -> None:
    code = f"from pytest_vpt.store import open_store; open_store({postgres_url!r}).close()"
    procs = [subprocess.Popen([sys.executable, "-c", code]) for _ in range(2)]
    assert [proc.wait(60) for proc in procs] == [0, 0]
    with open_store(postgres_url) as store:
        versions = [row[0] for row in store.conn.execute("SELECT version FROM schema_version ORDER BY version")]
    assert versions == list(range(1, latest_version("postgresql") + 1))


def test_a_password_is_never_shown() -> None:
    dsn = PG_DSN.replace("postgresql://postgres@", "postgresql://postgres:s3cret-token@")
    url = parse_store_url(dsn)
    assert "s3cret-token" not in str(url) and "@" not in str(url)  # no user, no password
    unreachable = dsn.rsplit("@", 1)[0] + "@127.0.0.1:1/postgres"  # nothing listens there
    started = time.monotonic()
    with pytest.raises(StoreError) as caught:
        open_store(unreachable)
    assert "s3cret-token" not in str(caught.value) and str(parse_store_url(unreachable)) in str(caught.value)
    assert time.monotonic() - started < 10


def test_pytest_records_into_postgresql(pytester, postgres_url) -> None:
    pytester.makeini("[pytest]\nvpt_project = shop\n")
    pytester.makepyfile("""
        import pytest

        def test_ok():
            pass

        def test_bad():
            assert 2 + 2 == 5

        @pytest.mark.skip(reason="not today")
        def test_later():
            pass
    """)
    result = pytester.runpytest("--vpt", "--vpt-store", postgres_url)
    result.assert_outcomes(passed=1, failed=1, skipped=1)
    result.stdout.fnmatch_lines(["recorded run * (3 tests, 3 attempts, 0 metrics) into postgresql://*"])
    out = CliRunner().invoke(cli, ["--store", postgres_url, "runs", "--json"]).output
    [run] = json.loads(out)
    assert (run["project"], run["tests"], run["passed"], run["failed"], run["skipped"]) == ("shop", 3, 1, 1, 1)
    verdicts = json.loads(CliRunner().invoke(cli, ["--store", postgres_url, "flaky", "--status", "all", "--json"]).output)
    assert {v["nodeid"].split("::")[1]: v["status"] for v in verdicts} == {"test_ok": "new", "test_bad": "new"}


def test_an_unreachable_server_never_breaks_the_run(pytester) -> None:
    pytester.makepyfile("def test_ok(): pass")
    result = pytester.runpytest("--vpt", "--vpt-store", "postgresql://vpt:hunter2@127.0.0.1:1/vpt")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["NOT recorded: run *",
                                 "  1 result spooled to .vpt/spool: the store refused them (postgresql://127.0.0.1:1/vpt: *"])
    assert "hunter2" not in result.stdout.str()


def test_the_store_reads_what_grafana_would(postgres_url) -> None:
    """Tables hold epoch seconds as double precision, so Grafana's $__unixEpochFilter works as in SQLite."""
    with open_store(postgres_url) as store:
        store.write([attempt("r1", 1_800_000_000.5)])
    with psycopg.connect(postgres_url) as conn:
        started = conn.execute("SELECT started_at FROM test_attempts WHERE started_at >= 1800000000 "
                               "AND started_at <= 1800000001").fetchone()[0]
    assert started == 1_800_000_000.5


def test_db_init_makes_a_read_only_role_for_grafana(postgres_url, monkeypatch) -> None:
    role = f"grafana_{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("VPT_GRAFANA_PASSWORD", "pw-123")
    try:
        result = CliRunner().invoke(cli, ["--store", postgres_url, "db", "init", "--grafana-role", role])
        assert result.exit_code == 0, result.output
        assert f"role {role} created: it may read every table, and nothing else" in result.output
        with open_store(postgres_url) as store:
            store.write([attempt("r1", time.time())])
            store.conn.execute("SELECT vpt_create_partitions(?, ?)", (3e9, 3e9))  # a table made after the grant
        reader = postgres_url.replace("postgresql://postgres@", f"postgresql://{role}:pw-123@")
        with psycopg.connect(reader, autocommit=True) as conn:
            assert conn.execute("SELECT count(*) FROM test_attempts").fetchone()[0] == 1
            conn.execute("SELECT count(*) FROM test_attempts_p206501")
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("DELETE FROM runs")
        again = CliRunner().invoke(cli, ["--store", postgres_url, "db", "init", "--grafana-role", role])
        assert f"role {role} updated" in again.output
    finally:
        with psycopg.connect(PG_DSN, autocommit=True) as admin:
            admin.execute(f'DROP OWNED BY "{role}"')
            admin.execute(f'DROP ROLE IF EXISTS "{role}"')


def test_db_init_refuses_what_it_cannot_do(tmp_path) -> None:
    result = CliRunner().invoke(cli, ["--store", f"sqlite:///{tmp_path / 'vpt.db'}", "db", "init", "--grafana-role", "g"])
    assert result.exit_code == 1 and "--grafana-role needs a PostgreSQL store" in result.output
    result = CliRunner().invoke(cli, ["--store", f"sqlite:///{tmp_path / 'vpt.db'}", "db", "init"])
    assert result.exit_code == 0 and (tmp_path / "vpt.db").exists()
