"""The controller's hooks: feed reports to the recorder, tell workers the run id, print the summary."""

from __future__ import annotations

import os
from typing import Any

import pytest

from .. import __version__
from ..config import Settings
from ..context import detect
from ..metrics import SampleBuffer
from ..sinks import StoreSink
from ..summary import summary_lines
from .recorder import RunRecorder, RunResult

_WORKER_SAMPLES = "vpt_samples"


class RecorderPlugin:
    """Registered in the process that records (never in an xdist worker)."""

    def __init__(self, config: pytest.Config, settings: Settings, samples: SampleBuffer) -> None:
        self.config = config
        self.samples = samples
        self.settings = settings
        context = detect(os.environ, cwd=config.rootpath)
        context.update({"vpt.pytest.version": pytest.__version__, "vpt.version": __version__})
        self.recorder = RunRecorder(settings, context, StoreSink(settings.store), self._teststatus)
        self.result: RunResult | None = None

    def _teststatus(self, report: Any) -> str:
        category = self.config.hook.pytest_report_teststatus(report=report, config=self.config)[0]
        return category if isinstance(category, str) else ""

    def _guarded(self, what: str, action, *args) -> None:
        """Run ``action``; a bug in it is reported in the summary and never fails the run."""
        try:
            action(*args)
        except Exception as exc:  # noqa: BLE001 - the test run must go on
            problem = f"{what}: {type(exc).__name__}: {exc}"
            if problem not in self.recorder.problems:
                self.recorder.problems.append(problem)

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        self._guarded("starting the run", self.recorder.start)

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        node.workerinput["vpt_run_id"] = self.recorder.run_id

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        samples = getattr(node, "workeroutput", {}).get(_WORKER_SAMPLES)
        if samples:
            self._guarded("receiving a worker's metrics", self.recorder.add_samples, samples)

    @pytest.hookimpl(tryfirst=True)  # take our data off the report before other plugins see it
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self._guarded("recording a test report", self.recorder.on_report, report)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed or report.skipped:
            self._guarded("recording a collection report", self.recorder.on_collect_problem, report)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        self._guarded("recording session metrics", self.recorder.add_samples, self.samples.drain())
        try:
            self.result = self.recorder.finish(exitstatus)
        except Exception as exc:  # noqa: BLE001
            self.recorder.problems.append(f"finishing the run: {type(exc).__name__}: {exc}")

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        terminalreporter.section("vpt")
        if self.result is None:
            for problem in self.recorder.problems:
                terminalreporter.write_line(f"NOT recorded: {problem}")
            return
        for line in summary_lines(self.result, str(self.settings.store)):
            terminalreporter.write_line(line)


class WorkerSamples:
    """In an xdist worker: hand samples recorded after the last test to the controller."""

    def __init__(self, buffer: SampleBuffer) -> None:
        self.buffer = buffer

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        samples = self.buffer.drain()
        if samples:
            session.config.workeroutput[_WORKER_SAMPLES] = samples
