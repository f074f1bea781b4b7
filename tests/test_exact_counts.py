"""Every attempt recorded once, every test's final outcome once, and pytest's own totals —
alone, under pytest-xdist, under pytest-rerunfailures, and under both."""

from __future__ import annotations

from collections import Counter

import pytest

SUITE = """
import os, pathlib, pytest

def _attempt(name):
    marker = pathlib.Path(os.environ["ATTEMPTS_DIR"]) / name
    count = int(marker.read_text()) + 1 if marker.exists() else 1
    marker.write_text(str(count))
    return count

@pytest.mark.parametrize("n", range(12))
def test_passes(n):
    assert n >= 0

def test_fails():
    assert 1 == 2

def test_passes_on_second_attempt():
    assert _attempt("second") >= 2

def test_passes_on_third_attempt():
    assert _attempt("third") >= 3

def test_raises_as_expected():
    with pytest.raises(ZeroDivisionError):
        1 / 0

@pytest.mark.skip(reason="not on this rig")
def test_skipped():
    pass

@pytest.mark.xfail(reason="known bug")
def test_xfails():
    assert False

@pytest.mark.xfail(reason="fixed already?")
def test_xpasses():
    pass

@pytest.fixture
def broken_setup():
    raise RuntimeError("rig unreachable")

def test_setup_error(broken_setup):
    pass
"""

MODES = {
    "plain": [],
    "xdist": ["-n", "2"],
    "reruns": ["--reruns", "2"],
    "xdist+reruns": ["-n", "2", "--reruns", "2"],
}


@pytest.mark.parametrize("mode", MODES)
def test_counts_match_pytest(pytester: pytest.Pytester, recorded, monkeypatch, mode: str) -> None:
    pytester.makepyfile(test_suite=SUITE)
    attempts_dir = pytester.mkdir("attempts")
    monkeypatch.setenv("ATTEMPTS_DIR", str(attempts_dir))
    result = pytester.runpytest_subprocess("--vpt", "-p", "no:cacheprovider", *MODES[mode])
    printed = result.parseoutcomes()

    run = recorded.last_run()
    reruns = "reruns" in mode
    assert result.ret == 1
    assert run["exit_status"] == 1 and run["status"] == "finished"
    for outcome in ("passed", "failed", "error", "skipped", "xfailed", "xpassed", "rerun"):
        assert run[outcome] == printed.get(outcome, 0) + printed.get(outcome + "s", 0), outcome

    finals = recorded.tests()
    assert len(finals) == len({t["nodeid"] for t in finals}) == run["tests"] == 20
    final = {t["nodeid"].split("::")[1]: t for t in finals}
    expected_second = "passed" if reruns else "failed"
    assert final["test_passes_on_second_attempt"]["outcome"] == expected_second
    assert final["test_passes_on_third_attempt"]["outcome"] == expected_second
    assert final["test_fails"]["outcome"] == "failed"
    assert final["test_setup_error"]["outcome"] == "error"
    assert final["test_setup_error"]["error_type"] == "RuntimeError"
    assert final["test_setup_error"]["error_message"] == "rig unreachable"
    assert final["test_xfails"]["outcome"] == "xfailed"
    assert final["test_xpasses"]["outcome"] == "xpassed"
    assert final["test_skipped"]["outcome"] == "skipped"
    assert final["test_skipped"]["error_message"] == "not on this rig"
    assert final["test_raises_as_expected"]["outcome"] == "passed"

    attempts = recorded.attempts()
    per_test = Counter(a["nodeid"].split("::")[1] for a in attempts)
    if reruns:
        # test_fails and test_setup_error: 1 + 2 reruns; second: 2 attempts; third: 3 attempts.
        assert per_test["test_fails"] == per_test["test_setup_error"] == 3
        assert per_test["test_passes_on_second_attempt"] == 2
        assert per_test["test_passes_on_third_attempt"] == 3
        assert len(attempts) == 20 + 2 + 2 + 1 + 2
        assert sum(a["outcome"] == "rerun" for a in attempts) == run["rerun"] == 7
    else:
        assert len(attempts) == 20
    for nodeid, count in per_test.items():
        numbers = sorted(a["attempt"] for a in attempts if a["nodeid"].endswith("::" + nodeid))
        assert numbers == list(range(1, count + 1)), nodeid
        finals_of_test = [a for a in attempts if a["nodeid"].endswith("::" + nodeid) and a["is_final"]]
        assert len(finals_of_test) == 1 and finals_of_test[0]["attempt"] == count
    workers = {a["worker"] for a in attempts}
    assert workers <= ({"gw0", "gw1"} if "xdist" in mode else {"main"})
    assert "main" not in workers or "xdist" not in mode


def test_positions_in_each_workers_sequence(pytester: pytest.Pytester, recorded) -> None:
    pytester.makepyfile(test_order="\n".join(f"def test_{i}(): pass" for i in range(10)))
    pytester.runpytest_subprocess("--vpt", "-n", "2", "-p", "no:randomly")
    attempts = recorded.attempts()
    by_worker: dict[str, list[int]] = {}
    for attempt in attempts:
        by_worker.setdefault(attempt["worker"], []).append(attempt["worker_seq"])
    assert set(by_worker) == {"gw0", "gw1"}
    for positions in by_worker.values():
        assert sorted(positions) == list(range(1, len(positions) + 1))


def test_crashed_worker_loses_nothing_already_reported(pytester: pytest.Pytester, recorded) -> None:
    pytester.makepyfile(
        test_crash="""
        import os
        def test_a(): pass
        def test_b(): pass
        def test_crash(): os._exit(3)
        def test_c(): pass
        def test_d(): pass
        """
    )
    result = pytester.runpytest_subprocess("--vpt", "-n", "2")
    printed = result.parseoutcomes()
    run = recorded.last_run()
    assert run["passed"] == printed["passed"] == 4
    assert run["failed"] == printed["failed"] == 1
    crashed = recorded.tests(outcomes=["failed"])
    assert [t["nodeid"] for t in crashed] == ["test_crash.py::test_crash"]
    assert "crashed" in crashed[0]["error_message"]


def test_collection_error_is_recorded_as_pytest_counts_it(pytester: pytest.Pytester, recorded) -> None:
    pytester.makepyfile(test_ok="def test_ok(): pass", test_broken="import not_a_module_anywhere")
    result = pytester.runpytest_subprocess("--vpt", "--continue-on-collection-errors")
    printed = result.parseoutcomes()
    run = recorded.last_run()
    assert (run["passed"], run["error"]) == (printed["passed"], printed["errors"]) == (1, 1)
    broken = recorded.tests(outcomes=["error"])
    assert broken[0]["nodeid"] == "test_broken.py"
    assert broken[0]["error_type"] == "ModuleNotFoundError"


def test_teardown_error_after_a_pass(pytester: pytest.Pytester, recorded) -> None:
    """pytest prints '1 passed, 1 error' for one test; the run keeps those totals and the
    test's one final outcome is error."""
    pytester.makepyfile(
        """
        import pytest
        @pytest.fixture
        def resource():
            yield
            raise OSError("cannot release the rig")
        def test_uses_resource(resource):
            pass
        """
    )
    result = pytester.runpytest("--vpt")
    result.assert_outcomes(passed=1, errors=1)
    run = recorded.last_run()
    assert (run["passed"], run["error"], run["tests"]) == (1, 1, 1)
    [test] = recorded.tests()
    assert (test["outcome"], test["error_type"], test["error_message"]) == ("error", "OSError", "cannot release the rig")


def test_every_worker_shares_the_run_id(pytester: pytest.Pytester, recorded) -> None:
    pytester.makepyfile(
        "\n".join(
            f"def test_{i}(vpt_run_id, worker_id):\n"
            f"    open(f'id-{{worker_id}}-{i}', 'w').write(vpt_run_id)\n"
            for i in range(6)
        )
    )
    pytester.runpytest_subprocess("--vpt", "-n", "2").assert_outcomes(passed=6)
    seen = {path.name.split("-")[1]: path.read_text() for path in pytester.path.glob("id-*")}
    assert set(seen) == {"gw0", "gw1"}
    assert set(seen.values()) == {recorded.last_run()["run_id"]}


def test_no_run_id_when_not_recording(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_id(vpt_run_id):\n    assert vpt_run_id is None\n")
    pytester.runpytest().assert_outcomes(passed=1)
