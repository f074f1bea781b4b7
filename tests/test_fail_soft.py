"""A store that cannot be written never breaks the run, and the summary says where its results went."""

from __future__ import annotations

import resource
import sqlite3
import subprocess
import sys
import time

import pytest

SUITE = """
def test_one(): pass
def test_two(): assert 0
"""


def _run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    pytester.makepyfile(test_suite=SUITE)
    return pytester.runpytest_subprocess("--vpt", "-p", "no:cacheprovider", *args)


def test_unwritable_location(pytester: pytest.Pytester) -> None:
    (pytester.path / "not-a-dir").write_text("a file where a directory should be")
    result = _run(pytester, "--vpt-store", "sqlite:///not-a-dir/vpt.db")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines([
        f"NOT recorded: run * (2 tests, 2 attempts, 0 metrics) was not written to {pytester.path}/not-a-dir/vpt.db",
        "  2 results spooled to .vpt/spool: the store refused them (sqlite:///not-a-dir/vpt.db: *not-a-dir*); "
        "the next run writes them",
    ])


def test_corrupt_database_file(pytester: pytest.Pytester) -> None:
    store = pytester.path / ".vpt" / "vpt.db"
    store.parent.mkdir()
    store.write_bytes(b"this is not a database" * 1000)
    result = _run(pytester)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines([
        "NOT recorded: run *",
        "  2 results spooled to .vpt/spool: the store refused them (sqlite:///.vpt/vpt.db: file is not a database); *",
    ])
    assert store.read_bytes().startswith(b"this is not a database"), "the file must be left as it was"


def test_locked_database(pytester: pytest.Pytester, recorded) -> None:
    _run(pytester)  # create the store
    holder = sqlite3.connect(recorded.path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        result = _run(pytester, "--vpt-store", "sqlite:///.vpt/vpt.db?timeout=0.2")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["NOT recorded: run *", "  2 results spooled to .vpt/spool: *database is locked); *"])
    assert len(recorded.runs()) == 1


def test_full_disk(pytester: pytest.Pytester, recorded) -> None:
    """The file-size limit makes every write past it fail as a full disk would."""
    _run(pytester)
    size = recorded.path.stat().st_size
    pytester.makepyfile(test_many="\n".join(f"def test_{i}(): assert '{'x' * 200}'" for i in range(3000)))

    def limit_file_size() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (size + 64 * 1024, size + 64 * 1024))

    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--vpt", "-p", "no:cacheprovider", "-q"],
        cwd=pytester.path, capture_output=True, text=True, preexec_fn=limit_file_size, timeout=300,
    )
    assert done.returncode == pytest.ExitCode.TESTS_FAILED, done.stderr
    assert "3001 passed, 1 failed" in done.stdout
    assert "NOT recorded: run" in done.stdout or "PARTLY recorded: run" in done.stdout
    assert "sqlite:///.vpt/vpt.db: disk I/O error" in done.stdout or "disk is full" in done.stdout
    assert not list((pytester.path / ".vpt" / "spool").glob(".*.partial")), "no half-written spool file is left"


def test_a_killed_run_keeps_what_was_reported(pytester: pytest.Pytester, recorded) -> None:
    """pytest killed outright: results handed over before (at most a quarter second old) are kept,
    and the run is closed as interrupted."""
    pytester.makepyfile(
        """
        import os, signal, time
        def test_a(): pass
        def test_b(): pass
        def test_c(): time.sleep(1.5)
        def test_d(): pass
        def test_kill(): os.kill(os.getpid(), signal.SIGKILL)
        def test_never(): pass
        """
    )
    result = pytester.runpytest_subprocess("--vpt", "-p", "no:randomly")
    assert result.ret == -9
    deadline = time.monotonic() + 30  # the recorder process finishes on its own after pytest died
    while (run := recorded.last_run())["status"] == "running" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert run["status"] == "interrupted" and run["exit_status"] is None
    recorded_tests = [t["nodeid"].split("::")[1] for t in recorded.tests()]
    assert recorded_tests[:3] == ["test_a", "test_b", "test_c"]
    assert "test_never" not in recorded_tests


def test_a_recorder_that_dies_is_reported(pytester: pytest.Pytester, monkeypatch) -> None:
    """The recorder process cannot run (here: the interpreter it is started with is a shell)."""
    pytester.makepyfile(test_suite=SUITE)
    monkeypatch.setattr(sys, "executable", "/bin/sh")
    result = pytester.runpytest("--vpt")
    result.assert_outcomes(passed=1, failed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines([
        "pass rate 50.0% (1 passed, 1 failed)",
        f"NOT recorded: run * was not written to {pytester.path}/.vpt/vpt.db",
        "  reason: sqlite:///.vpt/vpt.db: the recorder process ended with exit code *",
    ])
