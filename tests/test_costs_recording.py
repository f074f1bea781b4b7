"""The run's own figures, recorded by real pytest runs: the CPU time pytest took, and the total
coverage when pytest-cov runs in the same session; a JUnit push has neither."""

from __future__ import annotations

import re
import time

import pytest
from click.testing import CliRunner

from pytest_vpt.cli import cli
from pytest_vpt.history import History

SUITE = """
import mod

def test_used():
    assert mod.used() == 1

def test_busy():
    assert sum(i * i for i in range(300_000)) > 0
"""
MODULE = """
def used():
    return 1


def unused():
    return 2
"""


def _costs(pytester: pytest.Pytester):
    """The costs of the last hour, the samples, and the run."""
    with History.open(f"sqlite:///{pytester.path / '.vpt' / 'vpt.db'}", project=pytester.path.name) as history:
        return history.costs(time.time() - 3600), history.metric_samples(), history.runs(limit=1)[0]


@pytest.mark.parametrize("extra", [[], ["-n", "2"]], ids=["plain", "xdist"])
def test_a_run_records_the_cpu_time_pytest_took(pytester: pytest.Pytester, extra) -> None:
    pytester.makepyfile(test_suite=SUITE, mod=MODULE)
    result = pytester.runpytest_subprocess("--vpt", *extra)
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["recorded run * (2 tests, 2 attempts, 0 metrics) into *"])  # the tests' metrics
    found, samples, run = _costs(pytester)
    assert run.cpu_seconds > 0
    assert samples == []  # no coverage without pytest-cov
    (day,) = found.days
    assert (day.runs, day.cpu_runs, day.cpu_seconds) == (1, 1, run.cpu_seconds)
    assert found.total.coverage_percent is None


@pytest.mark.parametrize("extra", [[], ["-n", "2"]], ids=["plain", "xdist"])
def test_a_run_with_pytest_cov_records_its_total(pytester: pytest.Pytester, extra) -> None:
    """mod.py has 4 statements, 3 of them run: 75 %, as pytest-cov reports it."""
    pytester.makepyfile(test_suite=SUITE, mod=MODULE)
    result = pytester.runpytest_subprocess("--vpt", "--cov=mod", "--cov-report=term", *extra)
    result.assert_outcomes(passed=2)
    reported = [re.match(r"TOTAL\s+\d+\s+\d+\s+(\d+)%", line) for line in result.outlines]
    assert [found.group(1) for found in reported if found] == ["75"]
    found, samples, _ = _costs(pytester)
    (coverage,) = [s for s in samples if s.name == "vpt.coverage.percent"]
    assert (coverage.value, coverage.unit, coverage.nodeid) == (75.0, "%", None)
    assert found.total.coverage_percent == 75.0 and found.days[0].coverage_percent == 75.0


def test_a_junit_push_has_no_cpu_time(pytester: pytest.Pytester, monkeypatch) -> None:
    pytester.makepyfile(test_suite=SUITE, mod=MODULE)
    pytester.runpytest_subprocess("--junitxml=report.xml").assert_outcomes(passed=2)
    store = f"sqlite:///{pytester.path / 'pushed.db'}"
    monkeypatch.chdir(pytester.path)
    pushed = CliRunner().invoke(cli, ["--store", store, "push", "report.xml", "--project", "box"])
    assert pushed.exit_code == 0, pushed.output
    with History.open(store, project="box") as history:
        found = history.costs(time.time() - 2 * 86400)
        assert history.metric_samples() == []
    assert (found.total.runs, found.total.tests, found.total.cpu_runs, found.total.cpu_seconds) == (1, 2, 0, 0.0)
    shown = CliRunner().invoke(cli, ["--store", store, "costs", "--project", "box", "--since", "2d"])
    assert "CPU not recorded (none from JUnit)" in shown.output, shown.output
