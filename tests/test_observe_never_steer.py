"""With or without --vpt, pytest reports the same outcomes and exits with the same code."""

from __future__ import annotations

import pytest

SUITE = """
import pytest

def test_raises_expected():
    with pytest.raises(ValueError):
        int("x")

def test_raises_missing():
    with pytest.raises(ValueError):
        pass

def test_fail():
    pytest.fail("deliberately")

@pytest.mark.xfail(strict=True)
def test_strict_xpass():
    pass

def test_skip_inside():
    pytest.skip("rig busy")

def test_ok(record_property):
    record_property("firmware", "1.2.3")
"""


@pytest.mark.parametrize("extra", [[], ["-n", "2"], ["--reruns", "1"]], ids=["plain", "xdist", "reruns"])
def test_same_outcomes_and_exit_code(pytester: pytest.Pytester, extra: list[str]) -> None:
    pytester.makepyfile(test_suite=SUITE)
    without = pytester.runpytest_subprocess("-p", "no:cacheprovider", *extra)
    with_vpt = pytester.runpytest_subprocess("--vpt", "-p", "no:cacheprovider", *extra)
    assert with_vpt.ret == without.ret == pytest.ExitCode.TESTS_FAILED
    assert with_vpt.parseoutcomes() == without.parseoutcomes()


@pytest.mark.parametrize("suite, code", [
    ("def test_ok(): pass", pytest.ExitCode.OK),
    ("def test_no(): assert 0", pytest.ExitCode.TESTS_FAILED),
    ("", pytest.ExitCode.NO_TESTS_COLLECTED),
])
def test_exit_code_untouched(pytester: pytest.Pytester, recorded, suite: str, code: int) -> None:
    pytester.makepyfile(test_it=suite)
    assert pytester.runpytest("--vpt").ret == code
    assert recorded.last_run()["exit_status"] == code


def test_junit_xml_carries_no_vpt_data(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(SUITE)
    pytester.runpytest("--vpt", "--junitxml=out.xml")
    xml = (pytester.path / "out.xml").read_text()
    assert 'name="firmware"' in xml
    assert 'name="vpt"' not in xml


def test_without_vpt_nothing_is_written(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        from pytest_vpt import MetricsCollector
        def test_ok(vpt_metrics):
            vpt_metrics.record("boot_time", 1.0)
            MetricsCollector().increment("boots")
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)
    assert not (pytester.path / ".vpt").exists()
