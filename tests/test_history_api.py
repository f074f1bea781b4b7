"""The Python API over the history: on real stores filled by real ``pytest --vpt`` runs, each
read gives what the CLI shows (``--json``), and the README's examples run as written."""

from __future__ import annotations

import contextlib
import io
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from pytest_vpt import History, HistoryError
from pytest_vpt.cli import cli
from pytest_vpt.history import NoVerdict, RunIdAmbiguous, RunNotFound

README = Path(__file__).resolve().parents[1] / "README.md"

SUITE = """
import pathlib

from pytest_vpt import MetricsCollector

metrics = MetricsCollector()


def test_checkout():
    metrics.record("checkout_time", 1.5, unit="s")


def test_search():
    pass


def test_payment():
    assert 0, "card declined"


def test_cart():
    marker = pathlib.Path(__file__).with_name("cart-tried")
    if not marker.exists():  # fails at its first attempt of the session, passes at the rerun
        marker.write_text("")
        assert 0, "cart empty"
    marker.unlink()
"""


def _record(pytester: pytest.Pytester, *args: str, runs: int = 2) -> None:
    pytester.makepyfile(test_shop=SUITE)
    pytester.makeini("[pytest]\nvpt_project = shop\n")
    for _ in range(runs):
        result = pytester.runpytest("--vpt", "--reruns", "1", "-p", "no:randomly", *args)
        assert result.parseoutcomes() == {"passed": 3, "failed": 1, "rerun": 2}


@pytest.fixture
def history_url(pytester: pytest.Pytester, store_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A store (SQLite, then PostgreSQL) holding two runs of project ``shop``."""
    _record(pytester, "--vpt-store", store_url)
    monkeypatch.chdir(pytester.path)
    return store_url


def _cli(url: str, *args: str):
    result = CliRunner().invoke(cli, ["--store", url, *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _json(value):
    """What a record's dict becomes once printed as JSON (tuples as lists)."""
    return json.loads(json.dumps(value))


def test_runs_and_one_run_read_as_the_cli_shows_them(history_url: str) -> None:
    with History.open(history_url, project="shop") as history:
        runs = history.runs()
        assert [run.project for run in runs] == ["shop", "shop"]
        assert (runs[0].tests, runs[0].passed, runs[0].failed, runs[0].rerun) == (4, 3, 1, 2)
        assert _json([run.to_dict() for run in runs]) == _cli(history_url, "runs", "--project", "shop")

        short = runs[0].run_id[:8]
        detail = history.run_detail(short)
        assert detail.run.run_id == runs[0].run_id
        assert _json(detail.to_dict()) == _cli(history_url, "run", short)
        failed = history.run_tests(short, outcomes=["failed"])
        assert [(t.nodeid, t.error_type, t.error_message) for t in failed] == [
            ("test_shop.py::test_payment", "AssertionError", "card declined")]
        attempts = history.run_tests(short, all_attempts=True)
        assert [t.outcome for t in attempts if t.nodeid.endswith("test_cart")] == ["rerun", "passed"]
        assert [m.name for m in detail.metrics] == ["checkout_time"]


def test_one_tests_history_and_the_metrics_read_as_the_cli_shows_them(history_url: str) -> None:
    with History.open(history_url, project="shop") as history:
        entries = history.test_history("test_shop.py::test_cart", all_attempts=True)
        assert [e.outcome for e in entries] == ["passed", "rerun", "passed", "rerun"]
        assert _json([e.to_dict() for e in entries]) == _cli(history_url, "tests", "test_shop.py::test_cart",
                                                              "--project", "shop", "--attempts")
        (summary,) = history.metrics(since=time.time() - 86400)
        assert (summary.name, summary.count, summary.mean, summary.unit) == ("checkout_time", 2, 1.5, "s")
        assert _json([summary.to_dict()]) == _cli(history_url, "metrics", "--project", "shop", "--since", "1d")
        assert [s.value for s in history.metric_samples(name="checkout_time")] == [1.5, 1.5]


def test_verdicts_and_the_evidence_read_as_the_cli_shows_them(history_url: str) -> None:
    with History.open(history_url, project="shop") as history:
        judged = history.flaky(statuses=())
        assert {t.nodeid for t in judged} == {f"test_shop.py::test_{name}" for name in ("checkout", "search",
                                                                                           "payment", "cart")}
        shown = _cli(history_url, "flaky", "--project", "shop", "--status", "all")
        assert _json([t.to_dict() for t in judged]) == shown
        evidence = history.verdict("test_shop.py::test_cart")
        assert evidence.test.pass_on_retry == 2 and len(evidence.runs) == 2
        assert _json(evidence.to_dict()) == _cli(history_url, "flaky", "--explain", "test_shop.py::test_cart")
        with pytest.raises(NoVerdict, match="no verdict on 'test_shop.py::test_gone'"):
            history.verdict("test_shop.py::test_gone")


def test_the_quarantine_is_the_one_the_plugin_applies(history_url: str, pytester: pytest.Pytester,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    (pytester.path / "vpt-quarantine.txt").write_text("test_shop.py::test_payment  # card gateway down\n")
    monkeypatch.setenv("VPT_STORE", history_url)
    with History.open(history_url, project="shop") as history:
        listed = {"test_shop.py::test_payment": "card gateway down"}
        entries = history.quarantine(listed)
        assert history.quarantined(listed) == {e.nodeid: e.reason for e in entries if e.in_force}
        assert "test_shop.py::test_payment" in history.quarantined(listed)
        shown = _cli(history_url, "quarantine", "list")["tests"]
        assert shown == _json([{**e.to_dict(), "in_force": e.in_force} for e in entries if e.in_force])
    result = pytester.runpytest("--vpt", "--vpt-store", history_url, "--vpt-quarantine", "--reruns", "1",
                                "-p", "no:randomly")
    assert result.ret == pytest.ExitCode.OK  # the failing test is quarantined: its failure does not block


def test_a_run_id_must_single_out_one_run_of_the_project(history_url: str) -> None:
    with History.open(history_url, project="shop") as history:
        with pytest.raises(RunNotFound, match="no run 'no-such-run'"):
            history.run("no-such-run")
        with pytest.raises(RunIdAmbiguous, match="ambiguous"):
            history.run("")
        full = history.runs(limit=1)[0].run_id
    with History.open(history_url, project="another") as other:
        assert other.runs() == [] and other.flaky(statuses=()) == []
        with pytest.raises(HistoryError):  # another project's run is not this project's
            other.run(full)


def test_trends_and_the_rebuilds_give_what_the_cli_shows(history_url: str) -> None:
    with History.open(history_url, project="shop") as history:
        since = time.time() - 86400
        trends = history.trends(since)
        assert [day.runs for day in trends.pass_rate_per_day] == [2]
        assert {d.nodeid for d in trends.durations} >= {"test_shop.py::test_cart"}
        shown = _cli(history_url, "trends", "--project", "shop", "--since", "1d")
        mine = _json(trends.to_dict())
        assert {k: v for k, v in mine.items() if k not in ("since", "until")} == \
            {k: v for k, v in shown.items() if k not in ("since", "until")}
        before = _json([t.to_dict() for t in history.flaky(statuses=())])
        rebuilt = history.rebuild_flakiness()
        assert (rebuilt.runs, rebuilt.tests) == (2, 4)
        assert _json([t.to_dict() for t in history.flaky(statuses=())]) == before
        assert history.rebuild_daily().to_dict() == {"attempts": 12, "set_aside": 0, "tests_set_aside": 0}
        assert history.rebuild_devices() == 0 and history.devices() == [] and history.video_incidents() == []


def _readme_examples() -> list[str]:
    section = README.read_text().split("\n## Python API\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, re.S)


def test_the_readmes_examples_run_as_written(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    _record(pytester)  # into .vpt/vpt.db, project shop (the ini file)
    monkeypatch.chdir(pytester.path)
    examples = _readme_examples()
    assert len(examples) == 2
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        for code in examples:
            exec(compile(code, str(README), "exec"), {})
    lines = printed.getvalue().splitlines()
    assert sum(line.endswith(" finished 4 1 None") for line in lines) == 2, lines  # no branch: not a git work tree
    assert "test_shop.py::test_payment AssertionError card declined" in lines
    assert any(line.startswith("test_shop.py::test_cart flaky ") for line in lines), lines
    assert "{'test_shop.py::test_cart': 'passed on retry in 1 run (flaky with probability 1.00)'}" in lines
    assert "[0.75]" in lines and "no run 'no-such-run'" == lines[-1]
    assert any(line.startswith('[{"project": "shop", "name": "checkout_time"') for line in lines), lines


def test_the_package_exports_a_short_list_and_loads_no_store_engine() -> None:
    """``import pytest_vpt`` (pytest's plugin loading does it) leaves the history and the store
    engines unloaded until History is asked for."""
    code = ("import sys, pytest_vpt; loaded = lambda: sorted(m for m in ('sqlite3', 'psycopg', 'pytest_vpt.history') "
            "if m in sys.modules); print(pytest_vpt.__all__, loaded()); pytest_vpt.History; print(loaded())")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.splitlines() == [
        "['AnalyticsExporter', 'History', 'HistoryError', 'MetricsCollector', '__version__'] []", "['pytest_vpt.history', 'sqlite3']"]
