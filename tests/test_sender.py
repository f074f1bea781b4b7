"""Sending results to a `vpt server`: spooled when it cannot be reached, sent later, stored exactly once."""

from __future__ import annotations

import os
import re
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


def test_regression_long_nodeid_does_not_block_the_spool(pytester, project) -> None:
    """A spooled batch the server refused (a test id longer than the wire format allows, as an
    older plugin sent it: 422) stopped the spool for good: every later run from the directory
    sent 0 results. Now it moves to rejected/ with the server's reason, the later batches are
    sent, and vpt push --spool says so."""
    from conftest import run_events
    from pytest_vpt.events import NODE_ID_MAX
    from pytest_vpt.sinks.spool import Spool

    long_id = "t.py::test_long[" + "x" * NODE_ID_MAX + "]"
    Spool(pytester.path / ".vpt" / "spool").put(run_events("old", 1.8e9, "a" * 40, {long_id: "P"}))
    time.sleep(0.05)  # sent oldest first: this one before the next run's
    pytester.makepyfile(SUITE.format(count=5, sleep=0))
    pytester.runpytest("--vpt")  # the server is down: spooled
    waiting = spooled(pytester)
    assert waiting >= 2
    project.start()
    code, out = push()
    assert code == 1
    [(sent, rejected)] = re.findall(r"(\d+) batch(?:es)? \(\d+ events?\) sent.*\n.*?(\d+) batch(?:es)? \(\d+ events?\) "
                                    r"REJECTED by the server as invalid, moved to \S+rejected \(each with a .reason file\)", out)
    assert int(rejected) == 1 and int(sent) + int(rejected) == waiting, out
    rejected_dir = pytester.path / ".vpt" / "spool" / "rejected"
    for batch in rejected_dir.glob("*.jsonl"):
        assert "HTTP 422" in batch.with_suffix(".reason").read_text()
    assert spooled(pytester) == 0
    total, distinct, statuses = stored(project)
    assert (total, distinct) == (5, 5) and "finished" in statuses  # the later run is all there
    result = pytester.runpytest("--vpt")
    result.stdout.fnmatch_lines(["sent run * 5 results sent, 0 spooled"])  # the rejected batch is not sent again
    assert stored(project)[:2] == (10, 10)
    assert push()[0] == 0  # nothing left, nothing refused


def test_the_summary_says_a_spooled_batch_was_rejected(pytester, project) -> None:
    """The run that resends the spool names what the server refused and where it now lies."""
    from conftest import run_events
    from pytest_vpt.events import NODE_ID_MAX
    from pytest_vpt.sinks.spool import Spool

    Spool(pytester.path / ".vpt" / "spool").put(
        run_events("old", 1.8e9, "a" * 40, {"t.py::test_long[" + "x" * NODE_ID_MAX + "]": "P"}))
    project.start()
    pytester.makepyfile(SUITE.format(count=2, sleep=0))
    result = pytester.runpytest("--vpt")
    result.stdout.fnmatch_lines([
        "sent run * 2 results sent, 0 spooled",
        "  * events spooled by earlier runs were REJECTED",
        "  rejected batches (refused by the server as invalid) are kept in *rejected*",
    ])
    assert result.ret == 0 and stored(project)[:2] == (2, 2)


def test_a_batch_refused_during_a_run_is_kept_aside_and_the_rest_is_sent(pytester, project, tmp_path) -> None:
    """A live batch the server refuses as invalid goes to rejected/ and the run goes on sending;
    a server that is unavailable (here: a token it does not know) spools for later."""
    from conftest import run_events
    from pytest_vpt.sinks.http import HttpSink

    project.start()
    sink = HttpSink(project.url, os.environ["VPT_TOKEN"], tmp_path / "spool")
    sink.open()
    bad = run_events("refused", 1.8e9, "a" * 40, {"t.py::test_a": "P"})
    bad[1]["vpt.test.outcome"] = "exploded"
    sink.write(bad)
    sink.write(run_events("kept", 1.8e9, "a" * 40, {"t.py::test_a": "P"}))
    report = sink.close()
    assert report.rejected == {"run": 1, "test": 1} and report.written == {"run": 1, "test": 1}
    assert report.rejected_in == str(tmp_path / "spool" / "rejected")
    [reason] = (tmp_path / "spool" / "rejected").glob("*.reason")
    assert "HTTP 422: event 1: field 'vpt.test.outcome'" in reason.read_text()
    stranger = HttpSink(project.url, "vpt_not-a-token", tmp_path / "spool")
    stranger.write(run_events("later", 1.8e9, "a" * 40, {"t.py::test_a": "P"}))
    assert stranger.close().spooled == {"run": 1, "test": 1}  # 401: kept to be sent again, not rejected
    assert len(list((tmp_path / "spool").glob("*.jsonl"))) == 1


def test_the_summary_names_what_the_run_changed_on_the_server(pytester, project, monkeypatch) -> None:
    """A test that becomes flaky, and so enters the quarantine, is named in the summary as with a
    local store: the server says so in its answer to the batch holding the finished run."""
    project.start()
    pytester.makepyfile(test_box="import os\ndef test_flaky(): assert os.environ.get('BOX') != 'bad'\n")
    pytester.path.joinpath(".gitignore").write_text(".vpt/\n")
    git = ["git", "-c", "user.name=ci", "-c", "user.email=ci@example.com"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "box tests"]):
        subprocess.run([*git, *args], cwd=pytester.path, check=True)
    for _ in range(3):
        calm = pytester.runpytest("--vpt")
        assert calm.ret == 0 and "became" not in calm.stdout.str()
    monkeypatch.setenv("BOX", "bad")
    first = pytester.runpytest("--vpt", "--vpt-quarantine")
    assert first.ret == 1
    first.stdout.fnmatch_lines(["became flaky (1):", "  test_box.py::test_flaky: passed and failed on the same code*",
                                "entered quarantine (1):", "  test_box.py::test_flaky: *",
                                f"sent run * to {project.url}: 1 result sent, 0 spooled"])
