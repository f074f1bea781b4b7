"""The vpt command: runs, run, tests — tables for people, JSON for programs."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from pytest_vpt import __version__
from pytest_vpt.cli import cli

SUITE = """
import pytest
@pytest.mark.parametrize("channel", ["bbc[hd]", "cnn"])
def test_tune(channel): pass
def test_fails(): raise ValueError("no signal on HDMI 2")
@pytest.mark.skip(reason="no remote")
def test_skip(): pass
"""


@pytest.fixture
def history(pytester: pytest.Pytester, monkeypatch) -> pytest.Pytester:
    pytester.makepyfile(test_box=SUITE)
    pytester.runpytest("--vpt")
    pytester.runpytest("--vpt", "--vpt-project", "other")
    monkeypatch.chdir(pytester.path)
    return pytester


def vpt(*args: str) -> tuple[int, str]:
    result = CliRunner(env={"COLUMNS": "200"}).invoke(cli, list(args), catch_exceptions=False)  # a wide terminal
    return result.exit_code, result.output


def test_runs_json(history) -> None:
    code, out = vpt("runs", "--json")
    assert code == 0
    runs = json.loads(out)
    assert [r["project"] for r in runs] == ["other", history.path.name]  # newest first
    assert {k: runs[0][k] for k in ("tests", "passed", "failed", "skipped", "error", "rerun")} == {
        "tests": 4, "passed": 2, "failed": 1, "skipped": 1, "error": 0, "rerun": 0}
    assert runs[0]["status"] == "finished" and runs[0]["exit_status"] == 1


def test_runs_table_and_project_filter(history) -> None:
    code, out = vpt("runs", "--project", "other")
    assert code == 0
    header, *rows = out.strip().splitlines()
    assert header.split()[:6] == ["run", "project", "started", "duration", "status", "tests"]
    assert len(rows) == 1 and "other" in rows[0] and "exit 1" in rows[0] and "66.7%" in rows[0]


def test_run_by_prefix_with_outcome_filter(history) -> None:
    run_id = json.loads(vpt("runs", "--json")[1])[0]["run_id"]
    code, out = vpt("run", run_id[:6], "--outcome", "failed", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["run"]["run_id"] == run_id
    assert [(t["nodeid"], t["error_type"], t["error_message"]) for t in data["tests"]] == [
        ("test_box.py::test_fails", "ValueError", "no signal on HDMI 2")]
    code, out = vpt("run", run_id[:6])
    assert "test_box.py::test_tune[bbc[hd]]" in out  # brackets are shown, not taken as markup
    assert "ValueError: no signal on HDMI 2" in out


def test_unknown_and_ambiguous_run(history) -> None:
    code, out = vpt("run", "zzzz")
    assert code == 1 and "no run 'zzzz'" in out
    code, out = vpt("run", "")
    assert code == 1 and "ambiguous" in out


def test_history_of_one_test(history) -> None:
    code, out = vpt("tests", "test_box.py::test_fails", "--json")
    rows = json.loads(out)
    assert len(rows) == 2 and {r["project"] for r in rows} == {"other", history.path.name}
    assert all(r["outcome"] == "failed" for r in rows)
    code, out = vpt("tests", "test_box.py::test_fails", "--project", "other")
    assert code == 0 and out.count("failed") == 1
    code, out = vpt("tests", "test_box.py::nope")
    assert code == 1 and "no test 'test_box.py::nope' recorded" in out


def test_no_store_yet(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out = vpt("runs")
    assert code == 1 and "no database at" in out and "pytest --vpt" in out
    assert not (tmp_path / ".vpt").exists()


def test_store_option_and_env(history, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    store = f"sqlite:///{history.path}/.vpt/vpt.db"
    assert len(json.loads(vpt("--store", store, "runs", "--json")[1])) == 2
    monkeypatch.setenv("VPT_STORE", store)
    assert len(json.loads(vpt("runs", "--json")[1])) == 2
    code, out = vpt("--store", "nonsense", "runs")
    assert code == 1 and "'nonsense' is not a store URL" in out


def test_finds_the_project_store_from_a_subdirectory(history, monkeypatch) -> None:
    history.path.joinpath("pytest.ini").write_text("[pytest]\n")
    sub = history.mkdir("deep")
    monkeypatch.chdir(sub)
    assert len(json.loads(vpt("runs", "--json")[1])) == 2


def test_version_and_module_entry_point() -> None:
    assert vpt("--version") == (0, f"vpt, version {__version__}\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("VPT_")}
    done = subprocess.run([sys.executable, "-m", "pytest_vpt", "--help"], capture_output=True, text=True, env=env)
    assert done.returncode == 0 and "runs" in done.stdout and "tests" in done.stdout
