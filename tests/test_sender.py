"""Sending results to a `vpt server`: spooled when it cannot be reached, sent later, stored exactly once."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
import requests
from click.testing import CliRunner

from pytest_vpt.cli import cli
from pytest_vpt.store import open_store

from server_process import Server

SUITE = """
import time
import pytest

@pytest.mark.parametrize("n", range({count}))
def test_step(n):
    time.sleep({sleep})
    assert n % 7 != 3
"""


@pytest.fixture
def project(pytester, postgres_url, monkeypatch):
    """A project whose results go to a server (not started yet) writing PostgreSQL."""
    pytester.makeini("[pytest]\nvpt_project = box\n")
    server = Server(postgres_url)
    token = CliRunner().invoke(cli, ["--store", postgres_url, "token", "create", "--project", "box"]).output.strip()
    monkeypatch.setenv("VPT_TOKEN", token)
    monkeypatch.setenv("VPT_SERVER", server.url)
    monkeypatch.chdir(pytester.path)
    yield server
    server.stop()


def stored(server: Server) -> tuple[int, int, list[str]]:
    """Test attempts, distinct attempts, and the runs' statuses in the server's store."""
    with open_store(server.store) as store:
        total, distinct = store.conn.execute("SELECT count(*), count(DISTINCT event_id) FROM test_attempts").fetchone()
        statuses = [row[0] for row in store.conn.execute("SELECT status FROM runs ORDER BY started_at")]
    return total, distinct, statuses


def spooled(pytester) -> int:
    folder = pytester.path / ".vpt" / "spool"
    return len(list(folder.glob("*.jsonl"))) if folder.is_dir() else 0


def push() -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["push", "--spool"])
    return result.exit_code, result.output


def test_results_are_sent_to_the_server(pytester, project) -> None:
    project.start()
    pytester.makepyfile(SUITE.format(count=10, sleep=0))
    result = pytester.runpytest("--vpt")
    result.assert_outcomes(passed=9, failed=1)
    result.stdout.fnmatch_lines([f"sent run * (10 tests, 10 attempts, 0 metrics) to {project.url}: "
                                 "10 results sent, 0 spooled"])
    assert stored(project) == (10, 10, ["finished"])
    assert spooled(pytester) == 0


def test_a_server_that_is_down_costs_nothing_and_loses_nothing(pytester, project) -> None:
    pytester.makepyfile(SUITE.format(count=10, sleep=0))
    result = pytester.runpytest("--vpt")
    assert result.ret == 1  # the tests' own exit code: one test fails
    result.stdout.fnmatch_lines([f"NOT all sent: run * to {project.url}: 0 results sent, 10 spooled",
                                 "  spooled results are sent with the next run, or now with: vpt push --spool",
                                 "  reason: *cannot reach the server"])
    assert spooled(pytester) >= 1
    project.start()
    code, out = push()
    assert code == 0 and "left in" in out and spooled(pytester) == 0
    assert stored(project) == (10, 10, ["finished"])
    assert push()[0] == 0  # nothing left: nothing sent twice
    assert stored(project) == (10, 10, ["finished"])


def test_the_next_run_sends_what_the_last_one_spooled(pytester, project) -> None:
    pytester.makepyfile(SUITE.format(count=5, sleep=0))
    pytester.runpytest("--vpt")
    project.start()
    result = pytester.runpytest("--vpt")
    result.stdout.fnmatch_lines(["sent run * 5 results sent, 0 spooled", "  and 5 results spooled by earlier runs were sent"])
    assert stored(project) == (10, 10, ["finished", "finished"])


def test_the_server_killed_in_the_middle_of_an_xdist_run(pytester, project) -> None:
    project.start()
    pytester.makepyfile(SUITE.format(count=60, sleep=0.15))
    run = subprocess.Popen([sys.executable, "-m", "pytest", "--vpt", "-n", "2", "-p", "no:cacheprovider"],
                           cwd=pytester.path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           env={**os.environ})
    deadline = time.monotonic() + 60
    while stored(project)[0] == 0 and time.monotonic() < deadline:  # until the first results arrived
        time.sleep(0.1)
    project.kill()
    out, _ = run.communicate(timeout=120)
    assert run.returncode == 1, out  # the tests' exit code, whatever happened to the server
    assert "spooled" in out and spooled(pytester) >= 1
    sent_before = stored(project)[0]
    assert 0 < sent_before < 60
    project.start()
    assert push()[0] == 0
    assert stored(project) == (60, 60, ["finished"])  # every result exactly once


@pytest.fixture
def private_postgres():
    from private_postgres import PrivatePostgres

    server = PrivatePostgres()
    server.start()
    yield server
    server.remove()


def test_the_database_stopped_while_the_server_runs(pytester, private_postgres, monkeypatch) -> None:
    pytester.makeini("[pytest]\nvpt_project = box\n")
    token = CliRunner().invoke(cli, ["--store", private_postgres.url, "token", "create", "--project", "box"]).output.strip()
    server = Server(private_postgres.url).start()
    monkeypatch.setenv("VPT_TOKEN", token)
    monkeypatch.setenv("VPT_SERVER", server.url)
    monkeypatch.chdir(pytester.path)
    try:
        private_postgres.stop()
        import requests

        health = requests.get(f"{server.url}/healthz", timeout=30)
        assert health.status_code == 503 and health.json()["status"] == "unavailable"
        pytester.makepyfile(SUITE.format(count=8, sleep=0))
        result = pytester.runpytest("--vpt")
        result.stdout.fnmatch_lines(["NOT all sent: run * 0 results sent, 8 spooled", "  reason: *HTTP 503*"])
        private_postgres.start()
        assert push()[0] == 0
        assert stored(server) == (8, 8, ["finished"])
    finally:
        server.stop()


def test_the_quarantine_is_kept_by_the_server(pytester, project) -> None:
    """With --vpt-server, list and marker quarantines reach the server's quarantine, and the
    next run reads the quarantine from the server."""
    project.start()
    pytester.makepyfile(test_box="def test_listed(): assert False\ndef test_ok(): pass\n")
    pytester.path.joinpath("vpt-quarantine.txt").write_text("test_box.py::test_listed  # remote flakes\n")
    first = pytester.runpytest("--vpt", "--vpt-quarantine")
    assert first.ret == 0 and first.parseoutcomes() == {"passed": 1, "quarantined": 1}
    auth = {"Authorization": f"Bearer {os.environ['VPT_TOKEN']}"}
    [entry] = requests.get(f"{project.url}/api/v1/quarantine", headers=auth, timeout=10).json()
    assert (entry["nodeid"], entry["source"], entry["reason"], entry["left_at"]) == (
        "test_box.py::test_listed", "list", "remote flakes", None)
    pytester.path.joinpath("vpt-quarantine.txt").unlink()
    second = pytester.runpytest("--vpt", "--vpt-quarantine")  # the server still holds it during the run
    assert second.ret == 0 and second.parseoutcomes() == {"passed": 1, "quarantined": 1}
    project.stop()
    third = pytester.runpytest("--vpt", "--vpt-quarantine")  # the server is gone: markers and the list only
    assert third.ret == 1
    third.stdout.fnmatch_lines(["*quarantine: only markers and vpt-quarantine.txt apply: *cannot reach the server*"])
