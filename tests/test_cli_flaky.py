"""vpt flaky and vpt quarantine: what a user reads and changes from the command line."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from pytest_vpt.cli import cli
from pytest_vpt.store import open_store

from conftest import run_events


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project directory whose store holds a stable, a flaky and a broken test."""
    (tmp_path / "pytest.ini").write_text("[pytest]\nvpt_project = box\n")
    monkeypatch.chdir(tmp_path)
    with open_store(f"sqlite:///{tmp_path / '.vpt' / 'vpt.db'}") as store:
        for index in range(8):
            tests = {"t.py::test_ok": "P", "t.py::test_flaky": "FP" if index in (2, 5) else "P",
                     "t.py::test_broken": "F" if index >= 6 else "P"}
            store.write(run_events(f"run{index}", 1.8e9 + index * 60, f"{index:040x}", tests))
            store.refresh_flakiness(f"run{index}")
    return tmp_path


def vpt(*args: str) -> tuple[int, str]:
    result = CliRunner(env={"COLUMNS": "200"}).invoke(cli, list(args), catch_exceptions=False)  # a wide terminal
    return result.exit_code, result.output


def test_flaky_lists_flaky_tests_by_score(project) -> None:
    code, out = vpt("flaky")
    assert code == 0
    assert "t.py::test_flaky" in out and "passed on retry in 2 runs" in out
    assert "test_broken" not in out and "test_ok" not in out
    code, out = vpt("flaky", "--status", "all", "--json")
    rows = json.loads(out)
    assert [r["nodeid"] for r in rows][0] == "t.py::test_flaky"  # the highest score first
    assert {r["nodeid"]: r["status"] for r in rows} == {
        "t.py::test_ok": "stable", "t.py::test_flaky": "flaky", "t.py::test_broken": "broken"}


def test_flaky_filters(project) -> None:
    assert json.loads(vpt("flaky", "--branch", "main", "--json")[1])[0]["nodeid"] == "t.py::test_flaky"
    assert json.loads(vpt("flaky", "--branch", "release", "--json")[1]) == []
    assert json.loads(vpt("flaky", "--since", "2028-01-01", "--json")[1]) == []  # the runs are from 2027
    assert len(json.loads(vpt("flaky", "--since", "2020-01-01T00:00", "--status", "all", "--json")[1])) == 3
    assert json.loads(vpt("flaky", "--project", "other", "--json")[1]) == []
    code, out = vpt("flaky", "--since", "last tuesday")
    assert code == 2 and "Invalid value for '--since': 'last tuesday': use a span ago" in out and "2026-11-01" in out


def test_explain_shows_the_runs_behind_the_verdict(project) -> None:
    code, out = vpt("flaky", "--explain", "t.py::test_flaky")
    assert code == 0
    assert "status    flaky: passed on retry in 2 runs" in out
    assert out.count("retry: passed on attempt 2 of 2") == 2
    data = json.loads(vpt("flaky", "--explain", "t.py::test_broken", "--json")[1])
    assert data["verdict"]["status"] == "broken"
    assert [r["evidence"] for r in data["runs"]][-2:] == ["broken", "broken"]
    code, out = vpt("flaky", "--explain", "t.py::nope")
    assert code == 1 and "no verdict on 't.py::nope'" in out


def test_rebuild_recomputes_with_the_current_settings(project, monkeypatch) -> None:
    code, out = vpt("flaky", "rebuild")
    assert code == 0 and out.strip() == "rebuilt the verdicts of 3 tests from 8 runs: 1 stable, 1 flaky, 1 broken"
    monkeypatch.setenv("VPT_FLAKY_WINDOW", "2")  # the last two runs: retries out of sight
    assert vpt("flaky", "rebuild")[1].strip().endswith("2 stable, 1 broken")
    monkeypatch.setenv("VPT_FLAKY_WINDOW", "one")
    code, out = vpt("flaky", "rebuild")
    assert code == 1 and "VPT_FLAKY_WINDOW: expected an integer, got 'one'" in out


def test_quarantine_add_list_remove(project) -> None:
    code, out = vpt("quarantine", "list")
    assert code == 0 and "t.py::test_flaky" in out and "auto" in out  # entered on its flaky verdict
    code, out = vpt("quarantine", "add", "t.py::test_ok", "--reason", "tuner warms up slowly")
    assert code == 0 and "added t.py::test_ok" in out
    assert "t.py::test_ok  # tuner warms up slowly" in (project / "vpt-quarantine.txt").read_text()
    listed = json.loads(vpt("quarantine", "list", "--json")[1])
    assert {t["nodeid"]: t["source"] for t in listed["tests"]} == {"t.py::test_flaky": "auto", "t.py::test_ok": "list"}
    code, out = vpt("quarantine", "remove", "t.py::test_flaky")
    assert code == 0 and "its quarantine ended" in out
    code, out = vpt("quarantine", "remove", "t.py::test_ok")
    assert code == 0 and "removed from vpt-quarantine.txt" in out
    assert "no test is quarantined" in vpt("quarantine", "list")[1]
    assert "removed with vpt quarantine remove" in vpt("quarantine", "list", "--all")[1]
    code, out = vpt("quarantine", "remove", "t.py::test_ok")
    assert code == 1 and "is not quarantined" in out


def test_quarantine_add_works_before_any_run(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert vpt("quarantine", "add", "tests/test_a.py::test_b", "--force")[0] == 0
    assert "tests/test_a.py::test_b" in vpt("quarantine", "list")[1]
    code, out = vpt("quarantine", "add", "# not a test", "--force")
    assert code == 1 and "is not a pytest node id" in out
