"""The vpt section of the terminal summary, and the events behind it."""

from __future__ import annotations

import pytest

import marshal

from pytest_vpt.events import validate
from pytest_vpt.recording.phases import phase_message
from pytest_vpt.recording.recorder import RunInfo, RunRecorder
from pytest_vpt.sinks.base import SinkReport
from pytest_vpt.store.changes import RunChanges

SUITE = """
import time, pytest
from pytest_vpt import MetricsCollector
calls = []

def test_slow():
    time.sleep(0.3)

def test_slower():
    time.sleep(0.6)

@pytest.mark.flaky(reruns=2)
def test_flaky(vpt_metrics):
    calls.append(1)
    vpt_metrics.record("tries", len(calls))
    assert len(calls) == 2

def test_broken():
    assert False

@pytest.mark.skip
def test_skipped():
    pass
"""


def test_summary_section(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_box=SUITE)
    result = pytester.runpytest("--vpt")
    result.stdout.fnmatch_lines([
        "*= vpt =*",
        "pass rate 75.0% (3 passed, 1 failed, 1 skipped, 1 rerun)",
        "slowest:",
        "*0.6?s  test_box.py::test_slower",
        "*0.3?s  test_box.py::test_slow",
        "*s  test_box.py::test_*",
        "*s  test_box.py::test_*",
        "passed on a rerun (1):",
        "  test_box.py::test_flaky (attempt 2)",
        f"recorded run * (5 tests, 6 attempts, 2 metrics) into {pytester.path}/.vpt/vpt.db",
    ])
    assert "test_skipped" not in "\n".join(result.stdout.lines[result.stdout.lines.index("slowest:"):])


def test_summary_when_nothing_ran_to_a_verdict(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("import pytest\n@pytest.mark.skip\ndef test_s(): pass")
    pytester.runpytest("--vpt").stdout.fnmatch_lines(["no test ran to a verdict (1 skipped)"])


class ListSink:
    def __init__(self) -> None:
        self.events: list[dict] = []
        self.report = SinkReport("memory")

    def emit(self, event: dict) -> None:
        self.events.append(event)

    def flush(self) -> None:
        pass

    def close_run(self, run_id: str) -> RunChanges:
        return RunChanges()

    def close(self) -> SinkReport:
        return SinkReport("memory")


def test_every_recorded_event_follows_the_wire_format(pytester: pytest.Pytester) -> None:
    """Feed the reports of a real run, as phase messages, to a recorder and validate its events."""
    pytester.makepyfile(test_box=SUITE)
    reprec = pytester.inline_run("--vpt")
    sink = ListSink()
    recorder = RunRecorder(RunInfo("r1", "demo", 1.0, {"rig": "1"}, {"host.name": "bench"}), sink)
    recorder.start()
    sample = {"name": "tries", "value": 1, "kind": "gauge", "unit": None, "tags": {}, "time": 1.0}
    for report in reprec.getreports("pytest_runtest_logreport"):
        message = phase_message(report, "main", {"markers": ["smoke"], "metrics": [sample]})
        recorder.handle(marshal.loads(marshal.dumps(message)))  # as the recorder process gets it
    result = recorder.finish(1, None)
    kinds = [validate(event)["type"] for event in sink.events]
    # One metric per report: a skipped test has no call phase.
    assert kinds.count("run") == 2 and kinds.count("test") == 6 and kinds.count("metric") == 17
    assert len({event["id"] for event in sink.events}) == len(sink.events)
    finished = sink.events[-1]
    assert finished["vpt.run.status"] == "finished" and finished["vpt.run.counts"]["tests"] == 5
    assert result.passed_on_rerun == [("test_box.py::test_flaky", 2)]
