"""Nothing recorded is lost silently: what a local store refuses is spooled and written by the
next run, a run left running is closed as interrupted, and MetricsCollector says when it fails."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap
import time

import pytest
from click.testing import CliRunner

from pytest_vpt.cli import cli

SUITE = """
def test_one(): pass
def test_two(): assert 0
"""


def _run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess("--vpt", "-p", "no:cacheprovider", "-p", "no:randomly", *args)


def _spooled(pytester: pytest.Pytester) -> list:
    return sorted((pytester.path / ".vpt" / "spool").glob("*.jsonl"))


def _statuses(recorded) -> dict[str, str]:
    """The runs' statuses as the file holds them (opening it as a store would close runs left running)."""
    with sqlite3.connect(recorded.path) as conn:
        return dict(conn.execute("SELECT run_id, status FROM runs"))


def test_a_locked_store_spools_the_run_and_the_next_run_writes_it(pytester: pytest.Pytester, recorded) -> None:
    pytester.makepyfile(test_suite=SUITE)
    _run(pytester)
    holder = sqlite3.connect(recorded.path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        refused = _run(pytester, "--vpt-store", "sqlite:///.vpt/vpt.db?timeout=0.2")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert refused.ret == pytest.ExitCode.TESTS_FAILED
    refused.stdout.fnmatch_lines([
        f"NOT recorded: run * (2 tests, 2 attempts, 0 metrics) was not written to {recorded.path}",
        "  2 results spooled to .vpt/spool: the store refused them (*database is locked); the next run writes them",
    ])
    assert _spooled(pytester) and len(recorded.runs()) == 1

    after = _run(pytester)
    after.stdout.fnmatch_lines(["recorded run * into *", "  and 2 results spooled by earlier runs were written"])
    assert not _spooled(pytester), "written batches leave the spool"
    runs = recorded.runs()
    assert len(runs) == 3 and {run["status"] for run in runs} == {"finished"}
    refused_id = refused.stdout.str().split("NOT recorded: run ")[1].split()[0]
    assert sorted(t["nodeid"] for t in recorded.tests(refused_id)) == ["test_suite.py::test_one", "test_suite.py::test_two"]


def test_an_unwritable_store_location_spools_until_it_can_be_written(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_suite=SUITE)
    (pytester.path / "data").write_text("a file where the store's folder should be")
    refused = _run(pytester, "--vpt-store", "sqlite:///data/vpt.db")
    refused.stdout.fnmatch_lines(["  2 results spooled to .vpt/spool: the store refused them (*data*); *"])
    (pytester.path / "data").unlink()
    after = _run(pytester, "--vpt-store", "sqlite:///data/vpt.db")
    after.stdout.fnmatch_lines([f"recorded run * into {pytester.path}/data/vpt.db",
                                "  and 2 results spooled by earlier runs were written"])
    result = CliRunner().invoke(cli, ["--store", f"sqlite:///{pytester.path}/data/vpt.db", "runs", "--json"])
    assert result.exit_code == 0, result.output
    assert '"status": "finished"' in result.output and result.output.count('"run_id"') == 2


def test_vpt_push_spool_writes_the_spool_into_the_store_now(pytester: pytest.Pytester, monkeypatch) -> None:
    pytester.makepyfile(test_suite=SUITE)
    (pytester.path / "data").write_text("a file where the store's folder should be")
    _run(pytester, "--vpt-store", "sqlite:///data/vpt.db")
    (pytester.path / "data").unlink()
    monkeypatch.chdir(pytester.path)
    store = f"sqlite:///{pytester.path}/data/vpt.db"
    pushed = CliRunner().invoke(cli, ["--store", store, "push", "--spool"])
    assert pushed.exit_code == 0, pushed.output
    assert pushed.output.startswith(f"2 batches (4 events) written into {store}; 0 batches ")  # the run's start and end, 2 tests
    assert not _spooled(pytester)
    again = CliRunner().invoke(cli, ["--store", store, "push", "--spool", "--json"])
    assert again.exit_code == 0 and json.loads(again.output) == {
        "target": store, "batches": 0, "events": 0, "rejected_events": 0, "rejected_in": None, "left": 0, "problems": []}
    result = CliRunner().invoke(cli, ["--store", store, "runs", "--json"])
    assert '"status": "finished"' in result.output


def test_a_dropped_table_spools_and_leaves_no_phantom_running_run(pytester: pytest.Pytester, recorded) -> None:
    pytester.makepyfile(test_suite=SUITE)
    _run(pytester)
    with sqlite3.connect(recorded.path) as conn:
        schema = [sql for (sql,) in conn.execute(
            "SELECT sql FROM sqlite_master WHERE tbl_name = 'test_attempts' AND sql IS NOT NULL ORDER BY type DESC")]
        conn.execute("DROP TABLE test_attempts")

    first = _run(pytester)
    first.stdout.fnmatch_lines(["  2 results spooled to .vpt/spool: the store refused them (*no such table*test_attempts*); *"])
    first_id = first.stdout.str().split(" run ")[1].split()[0]
    assert _statuses(recorded)[first_id] == "running"  # its start was written, then the store refused the rest

    second = _run(pytester)  # the store is still damaged: this run spools too, and closes the one left running
    second.stdout.fnmatch_lines(["  2 results spooled to .vpt/spool: *"])
    statuses = _statuses(recorded)
    assert statuses[first_id] == "interrupted"

    with sqlite3.connect(recorded.path) as conn:  # the store repaired
        for sql in schema:
            conn.execute(sql)
    third = _run(pytester)
    third.stdout.fnmatch_lines(["recorded run * into *", "  and 4 results spooled by earlier runs were written"])
    statuses = _statuses(recorded)
    assert len(statuses) == 4 and set(statuses.values()) == {"finished"}, statuses
    assert len(recorded.tests(first_id)) == 2


def test_a_run_whose_recorder_was_killed_is_closed_as_interrupted_on_the_next_open(
    pytester: pytest.Pytester, recorded
) -> None:
    """pytest and its recorder process killed outright (a machine that lost power): the run
    stays ``running`` until the next writer opens the store."""
    pytester.makepyfile(test_crash="""
        import os, signal, sqlite3, time

        def test_a(): pass

        def test_crash():
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:  # until the run and test_a are in the file
                try:
                    with sqlite3.connect(DATABASE, timeout=1) as conn:
                        if conn.execute("SELECT count(*) FROM test_attempts").fetchone()[0]:
                            break
                except sqlite3.Error:
                    pass
                time.sleep(0.05)
            for entry in os.listdir("/proc"):
                if entry.isdigit():
                    try:
                        cmdline = open(f"/proc/{entry}/cmdline", "rb").read()
                        comm = open(f"/proc/{entry}/comm").read().strip()
                        parent = open(f"/proc/{entry}/stat").read().rsplit(")", 1)[1].split()[1]
                    except OSError:
                        continue
                    if int(parent) == os.getpid() and (b"pytest_vpt.recording.process" in cmdline
                                                       or comm == "vpt-recorder"):
                        os.kill(int(entry), signal.SIGKILL)
            time.sleep(0.2)
            os.kill(os.getpid(), signal.SIGKILL)
    """.replace("DATABASE", repr(str(recorded.path))))
    crashed = _run(pytester)
    assert crashed.ret == -9
    time.sleep(0.2)
    (left,) = _statuses(recorded).items()
    assert left[1] == "running"
    pytester.makepyfile(test_crash="def test_a(): pass")
    _run(pytester)
    run = next(run for run in recorded.runs() if run["run_id"] == left[0])
    assert run["status"] == "interrupted" and run["finished_at"] >= run["started_at"]


def test_a_running_run_whose_writer_is_alive_is_left_alone(pytester: pytest.Pytester, recorded) -> None:
    """Two runs on one store at once: opening it for the second never closes the first."""
    pytester.makepyfile(test_slow="""
        import os, time
        def test_slow():  # runs until the other run is over
            deadline = time.monotonic() + 60
            while not os.path.exists("go") and time.monotonic() < deadline:
                time.sleep(0.05)
    """)
    slow = subprocess.Popen([sys.executable, "-m", "pytest", "--vpt", "-p", "no:cacheprovider"], cwd=pytester.path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while not _started(recorded) and time.monotonic() < deadline:
            time.sleep(0.1)
        (slow_id,) = _statuses(recorded)
        pytester.makepyfile(test_quick="def test_quick(): pass")
        _run(pytester, "test_quick.py").assert_outcomes(passed=1)
        assert _statuses(recorded)[slow_id] == "running"
    finally:
        (pytester.path / "go").touch()
        assert slow.wait(60) == 0
    assert {run["status"] for run in recorded.runs()} == {"finished"}


def _started(recorded) -> bool:
    """Whether a run's start is in the store (which may be still being created)."""
    try:
        return recorded.path.exists() and bool(_statuses(recorded))
    except sqlite3.OperationalError:
        return False


COLLECTOR = """
import sys
from pytest_vpt import MetricsCollector

collector = MetricsCollector(store="sqlite:///data/metrics.db", project="box")
collector.record("boot_time", {value})
report = collector.close()
print("ok" if report.ok else f"refused: spooled {{sum(report.spooled.values())}}, lost {{sum(report.lost.values())}}")
"""


def test_metrics_collector_says_when_the_store_cannot_be_written(pytester: pytest.Pytester) -> None:
    (pytester.path / "data").write_text("a file where the store's folder should be")
    refused = subprocess.run([sys.executable, "-c", COLLECTOR.format(value=2.5)], cwd=pytester.path,
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode == 0, refused.stderr
    assert refused.stdout.strip() == "refused: spooled 1, lost 0"
    assert "vpt: MetricsCollector could not write to the store: sqlite:///data/metrics.db: " in refused.stderr
    assert f"vpt: MetricsCollector: 1 sample spooled to {pytester.path}/.vpt/spool" in refused.stderr

    (pytester.path / "data").unlink()
    written = subprocess.run([sys.executable, "-c", COLLECTOR.format(value=3.0)], cwd=pytester.path,
                             capture_output=True, text=True, timeout=60)
    assert (written.stdout.strip(), written.stderr) == ("ok", "")
    with sqlite3.connect(pytester.path / "data" / "metrics.db") as conn:
        values = sorted(value for (value,) in conn.execute("SELECT value FROM metrics"))
    assert values == [2.5, 3.0]


def test_metrics_collector_not_closed_still_says_so_at_exit(pytester: pytest.Pytester) -> None:
    (pytester.path / "data").write_text("not a folder")
    script = textwrap.dedent("""
        from pytest_vpt import MetricsCollector
        MetricsCollector(store="sqlite:///data/metrics.db").increment("launches")
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=pytester.path, capture_output=True, text=True, timeout=60)
    assert "vpt: MetricsCollector could not write to the store" in done.stderr
    assert "1 sample spooled to" in done.stderr
