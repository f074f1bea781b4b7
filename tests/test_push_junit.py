"""`vpt push`: JUnit XML and the plugin's result file into a real store or a real `vpt server`,
read back through the History API; exit codes 3 (bad input) and 4 (backend down: spooled)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from pytest_vpt.cli import cli
from pytest_vpt.history import History

from server_process import Server, free_port

PYTEST_STYLE = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" errors="0" failures="1" skipped="1" tests="4" time="0.9"
 timestamp="2026-11-30T10:00:00.000000+00:00" hostname="ci">
<testcase classname="tests.test_box" name="test_boots" time="0.10"/>
<testcase classname="tests.test_box" name="test_tunes" time="0.20"/>
<testcase classname="tests.test_box" name="test_tunes" time="0.20"/>
<testcase classname="tests.test_box" name="test_reboots" time="0.30"><failure message="AssertionError: no signal">E   AssertionError: no signal</failure></testcase>
<testcase classname="tests.test_box" name="test_hdr" time="0.00"><skipped type="pytest.skip" message="no HDR panel">skipped</skipped></testcase>
</testsuite></testsuites>
"""

SUREFIRE_STYLE = """<?xml version="1.0" encoding="UTF-8"?>
<testsuite name="com.example.PlayerTest" time="1.5" tests="3" errors="0" skipped="0" failures="0">
<testcase name="plays" classname="com.example.PlayerTest" time="0.5"/>
<testcase name="seeks" classname="com.example.PlayerTest" time="0.4">
<flakyFailure message="timeout" type="java.lang.AssertionError"><stackTrace>at x</stackTrace></flakyFailure>
</testcase>
<testcase name="pauses" classname="com.example.PlayerTest" time="0.6"/>
</testsuite>
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder (the working directory) with a git work tree of its own."""
    folder = tmp_path / "project"
    folder.mkdir()
    subprocess.run(["git", "init", "-q", str(folder)], check=True)
    monkeypatch.chdir(folder)
    return folder


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def vpt(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def history(store: str) -> History:
    return History.open(store, project="box")


def runs(store: str) -> list[dict]:
    with history(store) as found:
        return [run.to_dict() for run in found.runs()]


def attempts_of(store: str, run_id: str, all_attempts: bool = False) -> list[dict]:
    with history(store) as found:
        return [test.to_dict() for test in found.run_tests(run_id, all_attempts=all_attempts)]


def spooled(folder: Path) -> int:
    spool = folder / ".vpt" / "spool"
    return len(list(spool.glob("*.jsonl"))) if spool.is_dir() else 0


# JUnit XML into a store


def test_a_report_becomes_a_finished_run_with_its_attempts(project: Path) -> None:
    write(project, "reports/pytest.xml", PYTEST_STYLE)
    write(project, "reports/surefire.xml", SUREFIRE_STYLE)
    store = f"sqlite:///{project / 'vpt.db'}"
    code, output = vpt("--store", store, "push", "reports/*.xml", "--project", "box", "--label", "rig=lab-3", "--json")
    assert code == 0, output
    pushed = json.loads(output)
    assert pushed["tests"] == 7 and pushed["attempts"] == 9
    assert pushed["outcomes"] == {"passed": 5, "failed": 1, "skipped": 1}
    [run] = runs(store)
    assert run["run_id"] == pushed["run_id"] and run["status"] == "finished" and run["exit_status"] == 1
    assert (run["tests"], run["passed"], run["failed"], run["skipped"], run["rerun"]) == (7, 5, 1, 1, 2)
    assert run["labels"] == {"rig": "lab-3"}
    attempts = attempts_of(store, run["run_id"], all_attempts=True)
    retried = sorted((t["attempt"], t["outcome"], t["is_final"]) for t in attempts if t["nodeid"].endswith("seeks"))
    assert retried == [(1, "rerun", False), (2, "passed", True)]
    tunes = sorted((t["attempt"], t["outcome"], t["is_final"]) for t in attempts if t["nodeid"].endswith("test_tunes"))
    assert tunes == [(1, "rerun", False), (2, "passed", True)]
    assert sorted(pushed["flaky"]) == sorted(t["nodeid"] for t in attempts if t["attempt"] == 2)


def test_the_same_file_pushed_twice_is_stored_once(project: Path, store_url: str) -> None:
    write(project, "pytest.xml", PYTEST_STYLE)
    first = vpt("--store", store_url, "push", "pytest.xml", "--project", "box", "--json")
    again = vpt("--store", store_url, "push", "pytest.xml", "--project", "box", "--json")
    assert first[0] == again[0] == 0, first[1] + again[1]
    assert json.loads(first[1])["run_id"] == json.loads(again[1])["run_id"]
    [run] = runs(store_url)
    assert run["tests"] == 4 and run["rerun"] == 1
    assert len(attempts_of(store_url, run["run_id"], all_attempts=True)) == 5
    with history(store_url) as found:
        verdict = found.verdict(next(n for n in found.nodeids() if n.endswith("test_tunes"))).test.to_dict()
    assert verdict["runs"] == 1  # folded into the flakiness rollup once, not once per push


def test_shards_given_one_run_id_join_one_run(project: Path) -> None:
    write(project, "shard-1.xml", PYTEST_STYLE)
    write(project, "shard-2.xml", SUREFIRE_STYLE)
    store = f"sqlite:///{project / 'vpt.db'}"
    for shard in ("shard-1.xml", "shard-2.xml", "shard-1.xml"):  # the first shard's job retried, too
        code, output = vpt("--store", store, "push", shard, "--project", "box", "--run-id", "build-812")
        assert code == 0, output
    assert "the run now holds 7 tests" in output
    [run] = runs(store)
    assert run["run_id"] == "build-812" and run["status"] == "finished"
    assert (run["tests"], run["passed"], run["failed"], run["skipped"], run["rerun"]) == (7, 5, 1, 1, 2)
    assert len(attempts_of(store, "build-812")) == 7
    with history(store) as found:
        folded = {nodeid: found.verdict(nodeid).test.to_dict()["runs"]
                  for nodeid in found.nodeids() if not nodeid.endswith("test_hdr")}  # a skip gets no verdict
    assert len(folded) == 6 and set(folded.values()) == {1}  # every shard's tests judged, each once


def test_a_ci_job_pushing_twice_adds_to_its_own_run(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {"GITHUB_ACTIONS": "true", "GITHUB_RUN_ID": "7001", "GITHUB_RUN_ATTEMPT": "1",
                        "GITHUB_JOB": "tests", "GITHUB_SHA": "c0ffee"}.items():
        monkeypatch.setenv(name, value)
    write(project, "unit.xml", PYTEST_STYLE)
    write(project, "player.xml", SUREFIRE_STYLE)
    store = f"sqlite:///{project / 'vpt.db'}"
    assert vpt("--store", store, "push", "unit.xml", "--project", "box")[0] == 0
    assert vpt("--store", store, "push", "player.xml", "--project", "box")[0] == 0
    monkeypatch.setenv("GITHUB_RUN_ATTEMPT", "2")  # the job run again: a run of its own
    assert vpt("--store", store, "push", "player.xml", "--project", "box")[0] == 0
    found = runs(store)
    assert sorted(run["tests"] for run in found) == [3, 7]
    assert {run["ci_provider"] for run in found} == {"github"} and {run["vcs_revision"] for run in found} == {"c0ffee"}


def test_in_github_actions_the_push_writes_the_job_summary_and_outputs(project: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    summary, outputs = project / "summary.md", project / "outputs.txt"
    for name, value in {"GITHUB_ACTIONS": "true", "GITHUB_RUN_ID": "7002", "GITHUB_RUN_ATTEMPT": "1",
                        "GITHUB_JOB": "tests", "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_OUTPUT": str(outputs),
                        "GITHUB_ENV": str(project / "env.txt")}.items():
        monkeypatch.setenv(name, value)
    write(project, "unit.xml", PYTEST_STYLE)
    store = f"sqlite:///{project / 'vpt.db'}"
    code, output = vpt("--store", store, "push", "unit.xml", "--project", "box", "--fail-on", "failures")
    assert code == 1, output  # a test failed, and fail-on says so
    [run] = runs(store)
    written = _outputs(outputs.read_text())
    assert written["run-id"] == run["run_id"] and written["failed"] == "1"
    assert "test_reboots" in summary.read_text() and "::error" in output
    assert vpt("--store", store, "push", "unit.xml", "--project", "box", "--no-github")[0] == 0


def _outputs(text: str) -> dict[str, str]:
    """$GITHUB_OUTPUT's values (``name<<DELIMITER`` blocks)."""
    return {name: value for name, delimiter, value in re.findall(r"^([\w-]+)<<(\S+)\n(.*?)\n\2$", text, re.M | re.S)}


# bad input: exit 3, nothing written


@pytest.mark.parametrize("bad, line", [
    ('<?xml version="1.0"?>\n<testsuite name="s">\n<testcase name="a" classname="c">\n', None),
    ('<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>\n<testsuite>&a;</testsuite>\n', 2),
    ("this is not XML at all\n", 1),
], ids=["truncated", "entities", "not xml"])
def test_a_bad_file_is_exit_3_naming_it_and_nothing_is_written(project: Path, bad: str, line: int | None) -> None:
    write(project, "good.xml", PYTEST_STYLE)
    write(project, "bad.xml", bad)
    store = f"sqlite:///{project / 'vpt.db'}"
    code, output = vpt("--store", store, "push", "good.xml", "bad.xml", "--project", "box")
    assert code == 3, output
    assert "bad.xml:" in output and "nothing was pushed" in output
    if line is not None:
        assert f"bad.xml:{line}" in output
    assert not (project / "vpt.db").exists() or runs(store) == []


def test_a_file_that_is_missing_or_matches_nothing_is_exit_3(project: Path) -> None:
    assert vpt("push", "missing.xml")[0] == 3
    code, output = vpt("push", "reports/*.xml")
    assert code == 3 and "reports/*.xml: no file matches it" in output
    write(project, "report.txt", PYTEST_STYLE)
    code, output = vpt("push", "report.txt")
    assert code == 2 and "--junit" in output
    store = f"sqlite:///{project / 'vpt.db'}"
    assert vpt("--store", store, "push", "--junit", "report.txt", "--project", "box")[0] == 0


# a real server: exit 4 when it is down, spooled, sent later


@pytest.fixture
def token(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The server's store, with a token of project box in VPT_TOKEN."""
    store = f"sqlite:///{tmp_path / 'server.db'}"
    made = CliRunner().invoke(cli, ["--store", store, "token", "create", "--project", "box"]).output.strip()
    monkeypatch.setenv("VPT_TOKEN", made)
    return store


def test_a_server_down_is_exit_4_and_the_spool_sends_it_later(project: Path, token: str) -> None:
    write(project, "pytest.xml", PYTEST_STYLE)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    code, output = vpt("push", "pytest.xml", "--server", url, "--project", "box")
    assert code == 4, output
    assert "spooled in .vpt/spool: vpt push --spool sends them" in output and os.environ["VPT_TOKEN"] not in output
    assert spooled(project) >= 1
    server = Server(token, port=port).start()
    try:
        code, output = vpt("push", "--spool", "--server", url)
        assert code == 0, output
        assert spooled(project) == 0
        [run] = runs(token)
        assert run["status"] == "finished" and run["tests"] == 4 and run["failed"] == 1
        again = vpt("push", "pytest.xml", "--project", "box", "--json")[1]  # VPT_SERVER unset: the local store
        assert json.loads(again)["target"].startswith("sqlite:")
    finally:
        server.stop()


def test_shards_pushed_to_a_server_join_one_run(project: Path, token: str, monkeypatch: pytest.MonkeyPatch) -> None:
    write(project, "shard-1.xml", PYTEST_STYLE)
    write(project, "shard-2.xml", SUREFIRE_STYLE)
    server = Server(token).start()
    monkeypatch.setenv("VPT_SERVER", server.url)
    try:
        for shard in ("shard-1.xml", "shard-2.xml"):
            code, output = vpt("push", shard, "--project", "box", "--run-id", "build-9")
            assert code == 0, output
    finally:
        server.stop()
    [run] = runs(token)
    assert (run["run_id"], run["tests"], run["passed"], run["rerun"]) == ("build-9", 7, 5, 2)


# the same verdicts as pytest --vpt


FLAKY_SUITE = """
import os, pathlib, pytest

def _attempt(name):
    marker = pathlib.Path(os.environ["ATTEMPTS_DIR"]) / name
    count = int(marker.read_text()) + 1 if marker.exists() else 1
    marker.write_text(str(count))
    return count

@pytest.mark.parametrize("n", range(6))
def test_passes(n):
    pass

def test_fails():
    assert 1 == 2

def test_passes_on_second_attempt():
    assert _attempt("second") >= 2

def test_passes_on_third_attempt():
    assert _attempt("third") >= 3
"""


def test_a_rerun_suite_under_xdist_gets_the_verdicts_pytest_vpt_gives(pytester: pytest.Pytester,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    pytester.makepyfile(test_suite=FLAKY_SUITE)
    monkeypatch.chdir(pytester.path)
    recorded, pushed = f"sqlite:///{pytester.path / 'recorded.db'}", f"sqlite:///{pytester.path / 'pushed.db'}"
    for run in range(3):  # three runs: the verdicts have a history to judge
        attempts = pytester.mkdir(f"attempts-{run}")
        monkeypatch.setenv("ATTEMPTS_DIR", str(attempts))
        result = pytester.runpytest_subprocess(
            "-p", "no:cacheprovider", "-n", "2", "--reruns", "2", "--vpt", f"--vpt-store={recorded}",
            "--vpt-project=box", f"--junitxml=report-{run}.xml")
        assert result.ret == 1
        code, output = vpt("--store", pushed, "push", f"report-{run}.xml", "--project", "box")
        assert code == 0, output
    verdicts = {}
    for store in (recorded, pushed):
        with history(store) as found:
            verdicts[store] = {nodeid.split("::")[-1]: _verdict(found.verdict(nodeid).test.to_dict())
                               for nodeid in found.nodeids()}
    assert verdicts[pushed] == verdicts[recorded]
    assert verdicts[pushed]["test_passes_on_third_attempt"][1:3] == (3, 9)  # runs, attempts
    assert verdicts[pushed]["test_fails"][0] == "broken"
    assert {status for status, *_ in verdicts[pushed].values()} >= {"flaky", "broken"}
    [last_recorded], [last_pushed] = runs(recorded)[:1], runs(pushed)[:1]
    for key in ("tests", "passed", "failed", "rerun"):
        assert last_pushed[key] == last_recorded[key], key


def _verdict(found: dict) -> tuple:
    return (found["status"], found["runs"], found["attempts"], found["failures"], found["failed_runs"],
            found["pass_on_retry"], round(found["score"], 6))


# the plugin's result file


def test_the_result_file_round_trip(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    pytester.makepyfile(test_suite=FLAKY_SUITE)
    monkeypatch.setenv("ATTEMPTS_DIR", str(pytester.mkdir("attempts")))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2", "--reruns", "2", "--vpt",
                                           "--vpt-project=box", "--vpt-result-file=out/run.ndjson")
    assert result.ret == 1
    result.stdout.fnmatch_lines([f"recorded run * into {pytester.path / 'out' / 'run.ndjson'}"])
    assert not (pytester.path / ".vpt" / "vpt.db").exists()  # nothing written but the file
    lines = (pytester.path / "out" / "run.ndjson").read_text().splitlines()
    assert [json.loads(lines[0])["vpt.run.status"], json.loads(lines[-1])["vpt.run.status"]] == ["running", "finished"]
    monkeypatch.chdir(pytester.path)
    store = f"sqlite:///{pytester.path / 'later.db'}"
    for _ in range(2):  # sent twice: stored once
        code, output = vpt("--store", store, "push", "--vpt-result-file", "out/run.ndjson")
        assert code == 0 and "1 run" in output, output
    [run] = runs(store)
    assert (run["tests"], run["passed"], run["failed"], run["rerun"]) == (9, 8, 1, 5)
    with history(store) as found:
        third = found.verdict("test_suite.py::test_passes_on_third_attempt").test.to_dict()
    assert (third["runs"], third["attempts"], third["pass_on_retry"]) == (1, 3, 1)


@pytest.mark.parametrize("damage, problem", [
    (lambda text: text[:-20], "run.ndjson:4: the last line is cut off"),
    (lambda text: text.replace('"vpt.test.attempt":1', '"vpt.test.attempt":"one"', 1), "vpt.test.attempt"),
    (lambda text: "", ":0: holds no events"),
], ids=["cut off", "off the wire format", "empty"])
def test_a_damaged_result_file_is_exit_3_and_nothing_is_sent(project: Path, damage, problem: str) -> None:
    write(project, "test_a.py", "def test_ok(): pass\ndef test_two(): pass\n")
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--vpt",
                           "--vpt-project=box", "--vpt-result-file=run.ndjson"], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    path = project / "run.ndjson"
    path.write_text(damage(path.read_text()))
    code, output = vpt("--store", f"sqlite:///{project / 'vpt.db'}", "push", "--vpt-result-file", "run.ndjson")
    assert code == 3 and "run.ndjson:" in output and problem in output, output
    assert not (project / "vpt.db").exists() or runs(f"sqlite:///{project / 'vpt.db'}") == []


def test_a_big_report_shows_its_progress_on_a_terminal_only(project: Path) -> None:
    from test_cli_progress import on_terminal, piped

    cases = "".join(f'<testcase classname="tests.test_load" name="test_{n}" time="0.01"/>\n' for n in range(8000))
    write(project, "big.xml", f'<?xml version="1.0"?>\n<testsuite name="load">\n{cases}</testsuite>\n')
    code, seen = on_terminal(project, "--store", f"sqlite:///{project / 'a.db'}", "push", "big.xml", "--project", "box")
    assert code == 0, seen
    assert re.search(r"pushing to sqlite:.*\b[\d,]+ tests\b", seen), seen
    done = piped(project, "--store", f"sqlite:///{project / 'b.db'}", "push", "big.xml", "--project", "box")
    assert done.returncode == 0 and "pushing to" not in done.stdout + done.stderr
    assert done.stdout.startswith("run junit-") and "8000 tests (8000 passed)" in done.stdout
