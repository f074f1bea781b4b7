"""The JUnit reader on real reports from real producers (tests/data/junit/<producer>/).

Each report was made by running a tiny suite with the real tool (tests/data/junit/make.sh);
its expected.json was counted by hand from the suite and the tool's console output. Retries
are written differently by each producer, so these counts are where a reader that groups
attempts wrongly shows up: a pass counted twice, a retry taken for a test, a flake missed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_vpt.producers.junit import ReportedTest, read_report

DATA = Path(__file__).parent / "data" / "junit"
PRODUCERS = sorted(path.parent.name for path in DATA.glob("*/expected.json"))
COUNTED = ("tests", "passed", "failed", "error", "skipped", "flaky", "attempts")


def _expected(producer: str) -> dict:
    return json.loads((DATA / producer / "expected.json").read_text(encoding="utf-8"))


def _read(producer: str) -> list[ReportedTest]:
    return list(read_report(DATA / producer / "report.xml"))


def _is_flaky(test: ReportedTest) -> bool:
    """Passed in the end, after an attempt that did not."""
    return test.attempts[-1].outcome == "passed" and any(
        attempt.outcome in ("failed", "error", "rerun") for attempt in test.attempts[:-1])


def _counts(tests: list[ReportedTest]) -> dict[str, int]:
    finals = [test.attempts[-1].outcome for test in tests]
    return {
        "tests": len(tests),
        **{outcome: finals.count(outcome) for outcome in ("passed", "failed", "error", "skipped")},
        "flaky": sum(_is_flaky(test) for test in tests),
        "attempts": sum(len(test.attempts) for test in tests),
    }


def test_the_data_covers_every_producer():
    assert set(PRODUCERS) >= {"pytest", "pytest-xdist", "unittest", "jest", "mocha", "vitest", "node-test",
                              "ant", "surefire"}


@pytest.mark.parametrize("producer", PRODUCERS)
def test_counts_match_the_tool(producer: str):
    """Tests, final outcomes, flaky tests and attempts are what the producer's own console said."""
    expected = _expected(producer)
    assert _counts(_read(producer)) == {name: expected[name] for name in COUNTED}


@pytest.mark.parametrize("producer", PRODUCERS)
def test_each_case_has_its_id_and_final_outcome(producer: str):
    tests = _read(producer)
    assert {test.nodeid: test.attempts[-1].outcome for test in tests} == _expected(producer)["cases"]


@pytest.mark.parametrize("producer", PRODUCERS)
def test_only_the_final_attempt_is_not_a_rerun(producer: str):
    """Every attempt before the last was retried, so it is a rerun; the last one never is."""
    for test in _read(producer):
        assert [attempt.outcome for attempt in test.attempts[:-1]] == ["rerun"] * (len(test.attempts) - 1), test.nodeid
        assert test.attempts[-1].outcome in ("passed", "failed", "error", "skipped"), test.nodeid
