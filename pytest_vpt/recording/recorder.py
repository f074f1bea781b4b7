"""The recording side of a run: reports in, events out, and an account of what was kept.

Only the controller records (the one pytest process, or xdist's controller): workers
send their data on the reports, so one writer owns the store.
"""

from __future__ import annotations

import heapq
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..events import OUTCOMES, event_id, make_event
from ..metrics import Sample, metric_event
from ..config import Settings
from ..sinks.base import SinkReport
from .annotate import take
from .attempts import Attempt, describe

SLOWEST = 5
INTERRUPTED = 2  # pytest.ExitCode.INTERRUPTED


@dataclass
class RunResult:
    """What the terminal summary shows about a finished run."""

    run_id: str
    totals: Counter
    tests: int
    attempts: int
    metrics: int
    slowest: list[tuple[float, str]]
    passed_on_rerun: list[tuple[str, int]]
    sink: SinkReport | None
    problems: list[str] = field(default_factory=list)


class RunRecorder:
    """Turns one run's reports into ``run``, ``test`` and ``metric`` events for a sink.

    ``teststatus`` gives a report's status category exactly as pytest's terminal counts it
    (``pytest_report_teststatus``), so the recorded totals are the ones pytest prints.
    """

    def __init__(self, settings: Settings, context: dict[str, str], sink: Any, teststatus: Callable[[Any], str]):
        self.settings = settings
        self.context = context
        self.sink = sink
        self.teststatus = teststatus
        self.run_id = uuid.uuid4().hex
        self.started_at = time.time()
        self.totals: Counter = Counter()
        self.finals: Counter = Counter()
        self.attempts = 0
        self.metrics = 0
        self.problems: list[str] = []
        self._open: dict[tuple[str, str], Attempt] = {}
        self._slowest: list[tuple[float, str]] = []
        self._passed_on_rerun: list[tuple[str, int]] = []

    def start(self) -> None:
        """Open the sink and write the run's start, so even a killed run leaves a trace."""
        if self.sink.open():
            self.sink.emit(self._run_event("running"))
            self.sink.flush()

    def on_report(self, report: Any) -> None:
        category = self.teststatus(report)
        if category in OUTCOMES:
            self.totals[category] += 1
        data = take(report)
        worker = _worker(report)
        key = (worker, report.nodeid)
        attempt = self._open.get(key)
        if attempt is None or report.when == "setup":
            if attempt is not None:
                self._close(attempt)
            attempt = Attempt(report.nodeid, getattr(report, "rerun", 0) + 1, worker)
            self._open[key] = attempt
        if data:
            attempt.seq = data.get("seq", attempt.seq)
            attempt.markers = data.get("markers", attempt.markers)
            attempt.params = data.get("params", attempt.params)
            attempt.samples.extend(data.get("metrics", ()))
        if _is_subtest(report):
            if report.failed and attempt.outcome in (None, "passed"):
                attempt.outcome = "failed"
                attempt.error_type, attempt.error_message = describe(report)
            return
        attempt.add(report, category, error_type=data.get("error_type") if data else None)
        if report.when not in ("setup", "call"):  # teardown, or "???" for a crashed worker
            self._close(self._open.pop(key))

    def on_collect_problem(self, report: Any) -> None:
        """A module that failed to collect (an error) or was skipped as a whole."""
        category = "error" if report.failed else "skipped"
        self.totals[category] += 1
        attempt = Attempt(report.nodeid or ".", 1, None, outcome=category, started_at=time.time())
        attempt.error_type, attempt.error_message = describe(report)
        attempt.location = (report.fspath, None, report.nodeid)
        self._close(attempt)

    def add_samples(self, samples: list[Sample]) -> None:
        """Metric samples recorded outside any test (session fixtures, hooks)."""
        for index, sample in enumerate(samples):
            self._emit_sample(sample, None, None, f"session-{index}-{sample['time']}")

    def finish(self, exitstatus: int) -> RunResult:
        for attempt in list(self._open.values()):
            self._close(attempt)
        self._open.clear()
        status = "interrupted" if int(exitstatus) == INTERRUPTED else "finished"
        self.sink.emit(self._run_event(status, exitstatus=int(exitstatus)))
        sink_report = self.sink.close()
        return RunResult(
            run_id=self.run_id,
            totals=self.totals,
            tests=sum(self.finals.values()),
            attempts=self.attempts,
            metrics=self.metrics,
            slowest=sorted(self._slowest, reverse=True),
            passed_on_rerun=self._passed_on_rerun,
            sink=sink_report,
            problems=self.problems,
        )

    def _close(self, attempt: Attempt) -> None:
        if attempt.outcome is None:  # only a passing setup was seen: the run stopped there
            attempt.outcome = "error"
            attempt.error_message = attempt.error_message or "the test did not finish"
        self.attempts += 1
        if attempt.final:
            self.finals[attempt.outcome] += 1
            duration = sum(attempt.durations.values())
            if len(self._slowest) < SLOWEST:
                heapq.heappush(self._slowest, (duration, attempt.nodeid))
            elif duration > self._slowest[0][0]:
                heapq.heapreplace(self._slowest, (duration, attempt.nodeid))
            if attempt.number > 1 and attempt.outcome == "passed":
                self._passed_on_rerun.append((attempt.nodeid, attempt.number))
        ident = event_id(self.run_id, attempt.worker, attempt.seq, attempt.nodeid, attempt.number)
        self.sink.emit(self._test_event(attempt, ident))
        for index, sample in enumerate(attempt.samples):
            self._emit_sample(sample, attempt.nodeid, attempt.number, f"{ident}-{index}")

    def _emit_sample(self, sample: Sample, nodeid: str | None, attempt: int | None, suffix: str) -> None:
        self.metrics += 1
        ident = event_id(self.run_id, "metric", suffix)
        self.sink.emit(metric_event(sample, self.settings.project, ident, self.run_id, nodeid, attempt))

    def _test_event(self, attempt: Attempt, ident: str) -> dict[str, Any]:
        path, line, domain = attempt.location or (None, None, None)
        return make_event(
            "test",
            ident,
            {
                "vpt.run.id": self.run_id,
                "vpt.project": self.settings.project,
                "test.case.name": attempt.nodeid,
                "test.suite.name": path,
                "code.file.path": path,
                "code.function.name": domain,
                "code.line.number": line + 1 if isinstance(line, int) else None,
                "vpt.test.params": attempt.params,
                "vpt.test.markers": attempt.markers,
                "vpt.test.outcome": attempt.outcome,
                "vpt.test.attempt": attempt.number,
                "vpt.test.final": attempt.final,
                "vpt.test.started_at": attempt.started_at or time.time(),
                "vpt.test.finished_at": attempt.finished_at,
                "vpt.test.duration.setup": attempt.durations.get("setup"),
                "vpt.test.duration.call": attempt.durations.get("call"),
                "vpt.test.duration.teardown": attempt.durations.get("teardown"),
                "error.type": attempt.error_type,
                "exception.message": attempt.error_message,
                "vpt.worker.id": attempt.worker,
                "vpt.worker.seq": attempt.seq,
            },
        )

    def _run_event(self, status: str, exitstatus: int | None = None) -> dict[str, Any]:
        finished = status != "running"
        counts = {"tests": sum(self.finals.values()), **{o: self.totals[o] for o in OUTCOMES}} if finished else None
        return make_event(
            "run",
            event_id(self.run_id, "run", status),
            {
                "vpt.run.id": self.run_id,
                "vpt.project": self.settings.project,
                "vpt.run.status": status,
                "vpt.run.started_at": self.started_at,
                "vpt.run.finished_at": time.time() if finished else None,
                "vpt.run.exit_status": exitstatus,
                "vpt.run.counts": counts,
                "vpt.run.labels": self.settings.labels or None,
                **self.context,
            },
        )


def _worker(report: Any) -> str:
    node = getattr(report, "node", None)
    gateway = getattr(node, "gateway", None)
    return getattr(gateway, "id", None) or "main"


def _is_subtest(report: Any) -> bool:
    return type(report).__name__ == "SubtestReport"
