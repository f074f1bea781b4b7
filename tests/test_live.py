"""Runs as they happen, read through the façade on both engines and through ``vpt live``: a run
in progress shows its tallies so far (tests, passed, failed, the pass rate, the latest
failures, the slowest), then its final ones once it ended; another project's runs are not
seen; a parameter out of range is refused naming it."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from pytest_vpt.cli import cli
from pytest_vpt.events import attempt_event, run_event
from pytest_vpt.history import BadLiveRead, History, RunNotFound
from pytest_vpt.store import open_store


def started(run_id: str, at: float, project: str = "box") -> dict:
    return run_event(run_id, project, "running", at, context={"vcs.ref.head.name": "main"})


def attempt(run_id: str, index: int, outcome: str, at: float, duration: float, project: str = "box",
            message: str | None = None, attempt_number: int = 1, final: bool = True) -> dict:
    return attempt_event(
        f"{run_id}-{index}-{attempt_number}", run_id=run_id, project=project, nodeid=f"test_m.py::test_{index}",
        outcome=outcome, attempt=attempt_number, final=final, started_at=at, finished_at=at + duration, call=duration,
        error_type="AssertionError" if message else None, error_message=message)


def write(url: str, events: list[dict]) -> None:
    store = open_store(url, create=True)
    try:
        store.write(events)
    finally:
        store.close()


def test_a_run_in_progress_shows_its_tallies_so_far_then_its_final_ones(store_url) -> None:
    now = time.time()
    write(store_url, [
        started("r1", now - 30),
        attempt("r1", 1, "passed", now - 29, 0.5), attempt("r1", 2, "passed", now - 28, 2.5),
        attempt("r1", 3, "rerun", now - 27, 0.1, message="first try", final=False),
        attempt("r1", 3, "failed", now - 26, 0.2, message="assert 1 == 2\n" + "x" * 500, attempt_number=2),
        attempt("r1", 4, "skipped", now - 25, 9.0),
        started("other", now - 10, project="kitchen"), attempt("other", 1, "failed", now - 9, 1.0, "kitchen", "no"),
    ])
    with History.open(store_url, project="box") as history:
        view = history.live_runs(now=now)
        [run] = view.runs
        assert view.running == 1 and run.status == "running" and run.vcs_branch == "main"
        assert (run.tests, run.passed, run.failed, run.skipped, run.reruns, run.attempts) == (4, 2, 1, 1, 1, 5)
        assert run.pass_rate == pytest.approx(2 / 3)
        [failure] = run.failures
        assert failure.nodeid == "test_m.py::test_3" and failure.error_type == "AssertionError"
        assert failure.message.startswith("assert 1 == 2") and len(failure.message) == 200  # its head only
        assert [slow.nodeid for slow in run.slowest] == ["test_m.py::test_2", "test_m.py::test_1", "test_m.py::test_3"]
        assert run.last_result_at == pytest.approx(now - 25 + 9.0)
        assert history.live("r").run_id == "r1"  # abbreviated
        with pytest.raises(RunNotFound):
            history.live("other")  # another project's run
    write(store_url, [attempt("r1", 5, "error", now - 2, 0.1, message="boom"),
                      run_event("r1", "box", "finished", now - 30, finished_at=now - 1, exit_status=1)])
    with History.open(store_url, project="box") as history:
        [run] = history.live_runs(now=now).runs
        assert run.status == "finished" and run.elapsed == pytest.approx(29.0) and run.error == 1
        assert [f.nodeid for f in run.failures] == ["test_m.py::test_5", "test_m.py::test_3"]  # the latest first
        assert history.live_runs(recent=0, now=now).runs == []  # ended: shown only as recently ended


@pytest.mark.parametrize(("name", "value"), [
    ("window", 0), ("window", 400 * 86400.0), ("recent", -1), ("limit", 0), ("limit", 101), ("failures", 1.5),
    ("slowest", -1), ("slowest", True),
])
def test_a_parameter_out_of_range_is_refused_naming_it(tmp_path, name, value) -> None:
    with History.open(f"sqlite:///{tmp_path / 'vpt.db'}", create=True) as history:
        with pytest.raises(BadLiveRead, match=name) as raised:
            history.live_runs(**{name: value})
    assert raised.value.field == name


def test_vpt_live_shows_the_runs_running_and_their_failures(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    url = f"sqlite:///{tmp_path / 'vpt.db'}"
    now = time.time()
    write(url, [started("a1b2c3d4e5", now - 60), attempt("a1b2c3d4e5", 1, "passed", now - 50, 1.25),
                attempt("a1b2c3d4e5", 2, "failed", now - 40, 0.5, message="expected the menu on screen")])
    shown = CliRunner().invoke(cli, ["--store", url, "live", "--project", "box"])
    assert shown.exit_code == 0, shown.output
    lines = shown.output.splitlines()
    assert lines[0].startswith("1 run running in box")
    assert lines[2].split()[:6] == ["a1b2c3d4", "running", "2", "1", "1", "50.0%"]
    assert "test_m.py::test_2  failed   AssertionError  expected the menu on screen" in shown.output
    assert max(len(line) for line in lines) <= 80
    as_json = CliRunner().invoke(cli, ["--store", url, "live", "--project", "box", "--json"])
    found = json.loads(as_json.output)
    assert found["running"] == 1 and found["runs"][0]["failures"][0]["message"] == "expected the menu on screen"
    one = json.loads(CliRunner().invoke(cli, ["--store", url, "live", "--project", "box", "a1b2", "--json"]).output)
    assert one["run_id"] == "a1b2c3d4e5" and one["tests"] == 2
    missing = CliRunner().invoke(cli, ["--store", url, "live", "--project", "box", "zz"])
    assert missing.exit_code == 2 and "no run 'zz'" in missing.output
    bad = CliRunner().invoke(cli, ["--store", url, "live", "--since", "soon"])
    assert bad.exit_code == 2 and "--since" in bad.output


def test_vpt_live_follow_prints_a_json_line_per_change_until_stopped(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'vpt.db'}"
    now = time.time()
    write(url, [started("f1", now - 10), attempt("f1", 1, "passed", now - 9, 0.1)])
    proc = subprocess.Popen([sys.executable, "-m", "pytest_vpt", "--store", url, "live", "--project", "box", "--follow",
                             "--json", "--every", "0.2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = json.loads(proc.stdout.readline())
        assert first["runs"][0]["tests"] == 1
        write(url, [attempt("f1", 2, "failed", now - 1, 0.1, message="late")])
        second = json.loads(proc.stdout.readline())  # only when the view changed: not every 0.2 s
        assert second["runs"][0]["tests"] == 2 and second["runs"][0]["failures"][0]["message"] == "late"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0 and proc.stdout.read() == ""
    finally:
        proc.kill()
        proc.wait()
