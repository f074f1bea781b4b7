"""A recorder that falls behind: pytest does not wait for it, and nothing is lost."""

from __future__ import annotations

import os
import sqlite3
import threading

from pytest_vpt import History
from pytest_vpt.recording.backlog import Backlog, frame
from pytest_vpt.store import open_store


def test_batches_that_do_not_fit_in_memory_wait_on_disk_and_come_back_in_order() -> None:
    read_end, write_end = os.pipe()
    batches = [[("phase", index, "x" * 1000)] for index in range(200)]

    def write_all() -> None:
        with os.fdopen(write_end, "wb") as pipe:
            for batch in batches:
                pipe.write(frame(batch))

    with os.fdopen(read_end, "rb") as pipe:
        backlog = Backlog(pipe, memory_bytes=10_000)
        writer = threading.Thread(target=write_all)
        writer.start()
        writer.join()  # all but a pipe's worth was taken off the pipe before the first batch is read
        received = [[tuple(message) for message in batch] for batch in backlog]
    assert received == batches
    assert backlog.spilled_ever > 0


def test_a_batch_cut_short_ends_the_backlog_with_what_came_before() -> None:
    read_end, write_end = os.pipe()
    with os.fdopen(write_end, "wb") as pipe:
        pipe.write(frame([("phase", 1)]) + frame([("phase", 2)])[:-3])
    with os.fdopen(read_end, "rb") as pipe:
        received = []
        try:
            for batch in Backlog(pipe):
                received.append(batch)
        except EOFError as exc:
            assert "cut short" in str(exc)
        else:
            raise AssertionError("a cut-short batch was taken as the end")
    assert received == [[("phase", 1)]]


def test_a_store_locked_by_another_writer_delays_the_recording_not_the_run(pytester) -> None:
    """Another connection holds the store's write lock while the whole run goes by: every
    test is recorded once the lock is released, and the run ends with its tests' exit code."""
    db = pytester.path / ".vpt" / "vpt.db"
    db.parent.mkdir()
    with open_store(f"sqlite:///{db}"):
        pass
    pytester.makepyfile(**{
        f"test_many_{part}": "\n".join(f"def test_{i}():\n    assert {i} != 7\n" for i in range(100))
        for part in range(3)
    })
    other = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN EXCLUSIVE")
    release = threading.Timer(3.0, other.execute, ("COMMIT",))
    release.start()
    try:
        result = pytester.runpytest("--vpt", "-p", "no:randomly")
    finally:
        release.join()
        other.close()
    assert result.ret == 1
    result.assert_outcomes(passed=297, failed=3)
    history = History.open(f"sqlite:///{db}")
    try:
        run = history.runs(limit=1)[0]
        tests = history.run_tests(run.run_id)
    finally:
        history.close()
    assert run.status == "finished" and run.exit_status == 1
    assert len(tests) == 300
    assert sum(test.outcome == "failed" for test in tests) == 3
