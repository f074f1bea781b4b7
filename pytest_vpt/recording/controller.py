"""The recording process's hooks in pytest: pass every report on to the recorder process,
tell xdist workers the run id, and print the summary. Registered only where results are
recorded (pytest itself, or xdist's controller; never in a worker)."""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from .. import __version__
from ..config import Settings
from ..context import detect
from ..events import RUN_COUNT_KEYS
from ..quarantine.listfile import ListFileError, read_list
from .summary import store_shown, summary_lines
from ..devices import Device
from .annotate import ReportAnnotator, take, worker_samples
from .devices import RunSampling
from .phases import collect_message, phase_message
from .process import RecorderProcess
from .recorder import RunInfo, RunResult
from .run_figures import coverage_samples, cpu_seconds


def nodeid_prefix(rootdir: Path, root: Path) -> str:
    """What precedes pytest's node ids to make them relative to ``root`` (``""`` when it is
    pytest's rootdir, or does not hold it)."""
    try:
        inside = rootdir.resolve().relative_to(root.resolve())
    except ValueError:
        return ""
    return "" if inside == Path(".") else f"{inside.as_posix()}/"


class RecorderPlugin:
    """Feeds one run's reports to the recorder process; a bug here never fails the run."""

    def __init__(
        self, config: pytest.Config, settings: Settings, annotator: ReportAnnotator, devices: list[Device] = (),
        root: Path | None = None,
    ) -> None:
        """``root``: the project's folder (see config.project_root): node ids are recorded
        relative to it, the store's relative path and the spool are found from it."""
        self.config = config
        self.settings = settings
        self.annotator = annotator
        context = detect(os.environ, cwd=config.rootpath)
        context.update({"vpt.pytest.version": pytest.__version__, "vpt.version": __version__})
        self.result: RunResult | None = None
        self.problems: list[str] = []
        listed = self._listed()
        analysis = {
            "flakiness": vars(settings.flakiness), "policy": vars(settings.policy), "listed": listed,
        }
        root = root or config.rootpath
        #: what turns pytest's node ids (relative to its rootdir) into ids relative to ``root``
        self.prefix = nodeid_prefix(config.rootpath, root)
        self.info = RunInfo(uuid.uuid4().hex, settings.project, time.time(), settings.labels, context, analysis,
                            self.prefix)
        target = f"file:{settings.result_file}" if settings.result_file else settings.server
        self.recorder = RecorderProcess(self.info, settings.store, root, target, config=settings.config_file)
        #: what --vpt-quarantine needs to know (None when it is off)
        self.quarantine = self._quarantine(listed) if settings.quarantine else None
        #: the registered devices, sampled in the background while the session lasts
        self.sampling = RunSampling(list(devices)) if devices else None

    def _listed(self) -> dict[str, str]:
        try:
            return read_list(self.settings.quarantine_file)
        except ListFileError as exc:
            self.problems.append(str(exc))
            return {}

    def _quarantine(self, listed: dict[str, str]) -> dict[str, Any]:
        """The tests quarantined in the store (or the server's), and those whose marker or list
        line has expired."""
        active: dict[str, str] = {}
        expired: list[str] = []
        try:
            for entry in self._quarantine_entries():
                if entry["left_at"] is None:
                    active[entry["nodeid"]] = entry["reason"]
                elif entry["source"] != "auto":
                    expired.append(entry["nodeid"])
        except Exception as exc:  # noqa: BLE001 - a store or server that cannot answer never stops the run
            self.problems.append(f"quarantine: only markers and {self.settings.quarantine_file.name} apply: {exc}")
        return {"active": self._ours(active), "expired": list(self._ours(dict.fromkeys(expired))),
                "listed": self._ours(listed), "list_name": self.settings.quarantine_file.name}

    def _ours(self, by_nodeid: dict[str, Any]) -> dict[str, Any]:
        """Entries keyed by recorded node ids, keyed by pytest's (those under its rootdir)."""
        if not self.prefix:
            return by_nodeid
        return {nodeid[len(self.prefix):]: value for nodeid, value in by_nodeid.items() if nodeid.startswith(self.prefix)}

    def _quarantine_entries(self) -> list[dict[str, Any]]:
        if self.settings.server:
            from ..sinks.http import fetch

            return fetch(self.settings.server, os.environ.get("VPT_TOKEN"), "/api/v1/quarantine")
        from ..history import History

        with History.open(self.settings.store, project=self.settings.project, create=True) as history:
            return [entry.to_dict() for entry in history.quarantine()]

    @property
    def run_id(self) -> str:
        return self.info.run_id

    def _problem(self, what: str, exc: Exception) -> None:
        problem = f"{what}: {type(exc).__name__}: {exc}"
        if problem not in self.problems:
            self.problems.append(problem)

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        self.recorder.open()
        if self.sampling is not None:
            try:
                self.recorder.send(self.sampling.start())
            except Exception as exc:  # noqa: BLE001 - the test run must go on
                self._problem("starting the device sampler", exc)

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        node.workerinput["vpt_run_id"] = self.run_id
        if self.quarantine is not None:
            node.workerinput["vpt_quarantine"] = self.quarantine
        # with no device registered too: a marker naming one then fails on the worker
        config_file = self.settings.config_file
        node.workerinput["vpt_devices"] = {
            "config": str(config_file) if config_file else None, "skip_offline": self.settings.skip_offline,
        }

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        samples = worker_samples(node)
        if samples:
            self.recorder.send(("samples", samples))

    @pytest.hookimpl(tryfirst=True)  # take a worker's data off the report before other plugins see it
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        try:
            node = report.__dict__.get("node")  # set by xdist on a worker's report
            if node is None:
                message = phase_message(report, "main", self.annotator.data_for(report))
            else:
                message = phase_message(report, node.gateway.id, take(report))
            self.recorder.send(message)
            if self.sampling is not None and self.sampling.pending:
                self.recorder.send(self.sampling.drain())
        except Exception as exc:  # noqa: BLE001 - the test run must go on
            self._problem("recording a test report", exc)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed or report.skipped:
            try:
                self.recorder.send(collect_message(report))
            except Exception as exc:  # noqa: BLE001
                self._problem("recording a collection report", exc)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if self.sampling is not None:
            stats = self.sampling.stop()
            self.recorder.send(self.sampling.drain())
            self.problems.extend(f"device sampler: {error}" for error in stats.errors)
        samples = self.annotator.buffer.drain()
        if samples:
            self.recorder.send(("samples", samples))
        figures = self._coverage()
        printed = self._printed_totals()
        self.recorder.send(("finish", int(exitstatus), printed, round(cpu_seconds(), 6)))
        self.result = self.recorder.close()
        # the summary counts the metrics the tests recorded: the run's coverage is not theirs
        self.result.metrics = max(0, self.result.metrics - figures)
        if not self.result.totals and printed:  # the recorder failed: still show pytest's totals
            self.result.totals = printed

    def _coverage(self) -> int:
        """Send pytest-cov's total, if it ran (see run_figures.py); returns how many samples."""
        try:
            figures = coverage_samples(self.config.pluginmanager)
            if figures:
                self.recorder.send(("samples", figures))
        except Exception as exc:  # noqa: BLE001 - the test run must go on
            self._problem("recording the run's coverage", exc)
            return 0
        return len(figures)

    def _printed_totals(self) -> dict[str, int] | None:
        """The totals of pytest's last summary line, as its terminal reporter counted them."""
        terminal = self.config.pluginmanager.get_plugin("terminalreporter")
        stats = getattr(terminal, "stats", None)
        if stats is None:
            return None
        return {
            key: sum(1 for report in stats.get(key, ()) if getattr(report, "count_towards_summary", True))
            for key in RUN_COUNT_KEYS if key != "tests"
        }

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        terminalreporter.section("vpt")
        where = str(self.settings.result_file) if self.settings.result_file else store_shown(self.settings.store)
        for line in summary_lines(self.result, where, self.problems):
            terminalreporter.write_line(line)
