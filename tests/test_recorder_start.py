"""When and how the recorder process starts: forked off pytest early in its configuration
(so other plugins' threads do not force a new interpreter), and gone again without a trace
when pytest never starts a session."""

from __future__ import annotations

import pytest

THREAD_AT_CONFIGURE = """
    import threading

    def pytest_configure(config):  # a plugin with a background thread, as pytest-rerunfailures has beside xdist
        stop = threading.Event()
        config._background = stop
        threading.Thread(target=stop.wait, daemon=True).start()

    def pytest_unconfigure(config):
        config._background.set()
"""

FINDS_ITS_RECORDER = """
    import os, threading
    from pathlib import Path

    def test_recorder_is_a_fork_of_pytest():
        assert threading.active_count() > 1  # the conftest's thread runs
        names = []
        for entry in Path("/proc").iterdir():
            try:
                stat, comm = (entry / "stat").read_text(), (entry / "comm").read_text().strip()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == os.getpid():
                names.append(comm)
        assert "vpt-recorder" in names, names
"""


def test_the_recorder_is_forked_although_a_plugin_runs_a_thread(pytester: pytest.Pytester, recorded) -> None:
    """Another plugin's thread, started in its pytest_configure, no longer makes pytest start
    the recorder as a new interpreter: it is forked before (named vpt-recorder in ps and top)."""
    pytester.makeconftest(THREAD_AT_CONFIGURE)
    pytester.makepyfile(test_fork=FINDS_ITS_RECORDER)
    result = pytester.runpytest_subprocess("--vpt")
    result.assert_outcomes(passed=1)
    assert recorded.last_run()["status"] == "finished"
    assert [test["outcome"] for test in recorded.tests()] == ["passed"]


@pytest.mark.parametrize("option", ["--markers", "--help"])
def test_pytest_without_a_session_records_nothing(pytester: pytest.Pytester, recorded, option: str) -> None:
    """``pytest --vpt --markers`` configures pytest (the recorder starts) but runs no session (nor does --help):
    no run is recorded, and the recorder leaves without waiting for one."""
    pytester.makepyfile(test_a="def test_a(): pass")
    result = pytester.runpytest_subprocess("--vpt", option, timeout=60)
    assert result.ret == 0
    assert not recorded.path.exists() or recorded.runs() == []
    pytester.runpytest_subprocess("--vpt").assert_outcomes(passed=1)
    assert [run["status"] for run in recorded.runs()] == ["finished"]
