"""The recording process's hooks: feed reports to the recorder, tell workers the run id,
print the summary. Registered only where results are recorded (never in an xdist worker)."""

from __future__ import annotations

import os
from typing import Any

import pytest

from .. import __version__
from ..config import Settings
from ..context import detect
from ..events import OUTCOMES
from ..sinks.writer import WriterProcessSink
from ..summary import summary_lines
from .annotate import ReportAnnotator, take, worker_samples
from .recorder import RunRecorder, RunResult


class RecorderPlugin:
    """Feeds one run's reports to a :class:`RunRecorder`; a bug here never fails the run."""

    def __init__(self, config: pytest.Config, settings: Settings, annotator: ReportAnnotator) -> None:
        self.config = config
        self.settings = settings
        self.annotator = annotator
        context = detect(os.environ, cwd=config.rootpath)
        context.update({"vpt.pytest.version": pytest.__version__, "vpt.version": __version__})
        self.recorder = RunRecorder(settings, context, WriterProcessSink(settings.store, config.rootpath))
        self.result: RunResult | None = None

    def _problem(self, what: str, exc: Exception) -> None:
        problem = f"{what}: {type(exc).__name__}: {exc}"
        if problem not in self.recorder.problems:
            self.recorder.problems.append(problem)

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        try:
            self.recorder.start()
        except Exception as exc:  # noqa: BLE001 - the test run must go on
            self._problem("starting the run", exc)

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        node.workerinput["vpt_run_id"] = self.recorder.run_id

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        try:
            self.recorder.add_samples(worker_samples(node))
        except Exception as exc:  # noqa: BLE001
            self._problem("receiving a worker's metrics", exc)

    @pytest.hookimpl(tryfirst=True)  # take a worker's data off the report before other plugins see it
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        try:
            # From an xdist worker the test's data rides on the report; here, ask the annotator.
            data = take(report) if hasattr(report, "node") else self.annotator.data_for(report)
            self.recorder.on_report(report, data)
        except Exception as exc:  # noqa: BLE001
            self._problem("recording a test report", exc)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed or report.skipped:
            try:
                self.recorder.on_collect_problem(report)
            except Exception as exc:  # noqa: BLE001
                self._problem("recording a collection report", exc)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        try:
            self.recorder.add_samples(self.annotator.buffer.drain())
            self.result = self.recorder.finish(exitstatus, printed=self._printed_totals())
        except Exception as exc:  # noqa: BLE001
            self._problem("finishing the run", exc)

    def _printed_totals(self) -> dict[str, int] | None:
        """The totals of pytest's last summary line, as its terminal reporter counted them."""
        terminal = self.config.pluginmanager.get_plugin("terminalreporter")
        stats = getattr(terminal, "stats", None)
        if stats is None:
            return None
        return {
            key: sum(1 for report in stats.get(key, ()) if getattr(report, "count_towards_summary", True))
            for key in OUTCOMES
        }

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        terminalreporter.section("vpt")
        if self.result is None:
            for problem in self.recorder.problems:
                terminalreporter.write_line(f"NOT recorded: {problem}")
            return
        for line in summary_lines(self.result, str(self.settings.store)):
            terminalreporter.write_line(line)
