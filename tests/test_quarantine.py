"""--vpt-quarantine through real pytest runs: non-blocking failures, recorded as they were."""

from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ET

import pytest

SUITE = """
import os, pytest
def test_ok(): pass
@pytest.mark.vpt_quarantine(reason="decoder race")
def test_marked():
    assert os.environ.get("BOX") != "bad", "frame dropped"
def test_listed():
    raise TimeoutError("remote did not answer")
def test_real_failure():
    assert os.environ.get("BOX") != "bad"
"""


@pytest.fixture
def suite(pytester: pytest.Pytester, monkeypatch) -> pytest.Pytester:
    pytester.makepyfile(test_box=SUITE)
    pytester.path.joinpath("vpt-quarantine.txt").write_text("test_box.py::test_listed  # remote flakes\n")
    monkeypatch.setenv("BOX", "bad")
    return pytester


def test_quarantined_failures_do_not_fail_the_run(suite, recorded) -> None:
    suite.makepyfile(test_box=SUITE.replace("def test_real_failure", "def _not_a_test"))
    result = suite.runpytest("--vpt", "--vpt-quarantine", "-p", "no:randomly")
    assert result.ret == 0
    result.stdout.fnmatch_lines([
        "*QUARANTINED, failed without failing the run (2):",
        "  test_box.py::test_marked: decoder race",
        "  test_box.py::test_listed: remote flakes",
        "*1 passed, 2 quarantined*",
    ])
    by_test = {t["nodeid"]: t for t in recorded.tests()}
    assert by_test["test_box.py::test_marked"]["outcome"] == "failed"
    assert by_test["test_box.py::test_listed"]["error_type"] == "TimeoutError"
    run = recorded.last_run()
    assert (run["failed"], run["quarantined"], run["passed"]) == (0, 2, 1)


def test_without_the_option_nothing_changes(suite) -> None:
    result = suite.runpytest("--vpt", "-p", "no:randomly")
    assert result.ret == 1
    result.assert_outcomes(passed=1, failed=3)


def test_other_failures_still_fail_the_run(suite) -> None:
    result = suite.runpytest("--vpt", "--vpt-quarantine", "-p", "no:randomly", "--junitxml=out.xml")
    assert result.ret == 1
    assert result.parseoutcomes() == {"failed": 1, "passed": 1, "quarantined": 2}
    cases = {case.get("name"): case for case in ET.parse(suite.path / "out.xml").iter("testcase")}
    assert cases["test_marked"].find("skipped").get("message") == "quarantined: decoder race"
    assert cases["test_real_failure"].find("failure") is not None


def test_under_xdist(suite, recorded) -> None:
    result = suite.runpytest("--vpt", "--vpt-quarantine", "-n", "2", "-p", "no:randomly")
    assert result.parseoutcomes() == {"failed": 1, "passed": 1, "quarantined": 2}
    assert {t["nodeid"] for t in recorded.tests() if t["outcome"] == "failed"} == {
        "test_box.py::test_marked", "test_box.py::test_listed", "test_box.py::test_real_failure"}


def test_a_quarantined_test_is_rerun_first(pytester: pytest.Pytester, recorded) -> None:
    pytester.makepyfile(test_box="""
        import pytest
        COUNT = []
        @pytest.mark.vpt_quarantine
        def test_second_time_lucky():
            COUNT.append(1)
            assert len(COUNT) > 1
        @pytest.mark.vpt_quarantine
        def test_always(): assert False
    """)
    result = pytester.runpytest("--vpt", "--vpt-quarantine", "--reruns", "1", "-p", "no:randomly")
    assert result.ret == 0
    assert result.parseoutcomes() == {"passed": 1, "quarantined": 1, "rerun": 2}
    attempts = [(a["nodeid"].split("::")[1], a["outcome"]) for a in recorded.attempts()]
    assert attempts == [("test_second_time_lucky", "rerun"), ("test_second_time_lucky", "passed"),
                        ("test_always", "rerun"), ("test_always", "failed")]


def test_a_flaky_verdict_quarantines_the_test_for_the_next_run(pytester: pytest.Pytester, monkeypatch) -> None:
    pytester.makepyfile(test_box="""
        import os
        def test_flaky(): assert os.environ.get("BOX") != "bad"
    """)
    pytester.path.joinpath(".gitignore").write_text(".vpt/\n")
    git = ["git", "-c", "user.name=ci", "-c", "user.email=ci@example.com"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "box tests"]):
        subprocess.run([*git, *args], cwd=pytester.path, check=True)
    for _ in range(3):
        assert pytester.runpytest("--vpt").ret == 0
    monkeypatch.setenv("BOX", "bad")
    first = pytester.runpytest("--vpt", "--vpt-quarantine")
    assert first.ret == 1  # one failure on code that passed before: flaky from now on
    first.stdout.fnmatch_lines(["became flaky (1):", "  test_box.py::test_flaky: passed and failed on the same code*",
                                "entered quarantine (1):"])
    second = pytester.runpytest("--vpt", "--vpt-quarantine")
    assert second.ret == 0
    assert second.parseoutcomes() == {"quarantined": 1}


def test_the_marker_is_registered(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("import pytest\n@pytest.mark.vpt_quarantine(reason='x')\ndef test_a(): pass\n")
    assert pytester.runpytest("--strict-markers").ret == 0
