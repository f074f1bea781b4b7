"""The recording side of a run: reports in, events out, and an account of what was kept.

Only the controller records (the one pytest process, or xdist's controller): workers
send their data on the reports, so one writer owns the store. Everything here runs
between tests, so it stays small: no I/O, a few dictionary operations per report.
"""

from __future__ import annotations

import heapq
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ..config import Settings
from ..events import OUTCOMES, make_event
from ..metrics import Sample, metric_event
from ..sinks.base import SinkReport
from .attempts import Attempt, category, describe

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
    """Turns one run's reports into ``run``, ``test`` and ``metric`` events for a sink."""

    def __init__(self, settings: Settings, context: dict[str, str], sink: Any) -> None:
        self.settings = settings
        self.context = context
        self.sink = sink
        self.run_id = uuid.uuid4().hex
        self.started_at = time.time()
        self.totals: Counter = Counter()
        self.finals: Counter = Counter()
        self.attempts = 0
        self.metrics = 0
        self.problems: list[str] = []
        self._open: dict[tuple[str, str], Attempt] = {}
        self._seq: Counter = Counter()
        self._slowest: list[tuple[float, str]] = []
        self._passed_on_rerun: list[tuple[str, int]] = []

    def start(self) -> None:
        """Open the sink and write the run's start, so even a killed run leaves a trace."""
        if self.sink.open():
            self.sink.emit(self._run_event("running"))
            self.sink.flush()

    def on_report(self, report: Any, data: dict[str, Any] | None) -> None:
        """One phase report, with the test process's ``data`` for it (see annotate.py)."""
        status = category(report)
        self.totals[status] += 1
        node = getattr(report, "node", None)  # set by xdist on a worker's report
        worker = node.gateway.id if node is not None else "main"
        key = (worker, report.nodeid)
        attempt = self._open.get(key)
        if attempt is None or report.when == "setup":
            if attempt is not None:
                self._close(attempt)
            seq = self._seq[worker] = self._seq[worker] + 1
            attempt = self._open[key] = Attempt(report.nodeid, getattr(report, "rerun", 0) + 1, worker, seq)
        if data:
            attempt.markers = data.get("markers", attempt.markers)
            attempt.params = data.get("params", attempt.params)
            attempt.samples.extend(data.get("metrics", ()))
        if type(report).__name__ == "SubtestReport":  # part of the call: its failure fails the test
            if report.failed and attempt.outcome in (None, "passed"):
                attempt.outcome = "failed"
                attempt.error_type, attempt.error_message = describe(report)
            return
        attempt.add(report, status)
        if report.when != "setup" and report.when != "call":  # teardown, or "???" for a crashed worker
            self._close(self._open.pop(key))

    def on_collect_problem(self, report: Any) -> None:
        """A module that failed to collect (an error) or was skipped as a whole."""
        status = "error" if report.failed else "skipped"
        self.totals[status] += 1
        attempt = Attempt(report.nodeid or ".", 1, None)
        attempt.outcome, attempt.started_at = status, time.time()
        attempt.error_type, attempt.error_message = describe(report)
        attempt.location = (report.fspath, None, report.nodeid)
        self._close(attempt, ident=f"{self.run_id}-collect-{report.nodeid}")

    def add_samples(self, samples: list[Sample]) -> None:
        """Metric samples recorded outside any test (session hooks, after the last test)."""
        for sample in samples:
            self._emit_sample(sample, None, None, f"{self.run_id}-session-{self.metrics}")

    def finish(self, exitstatus: int, printed: dict[str, int] | None = None) -> RunResult:
        """Close the run; ``printed`` are the totals pytest's terminal prints, when it runs."""
        for attempt in list(self._open.values()):
            self._close(attempt)
        self._open.clear()
        if printed is not None:
            self.totals = Counter({key: printed.get(key, 0) for key in OUTCOMES})
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

    def _close(self, attempt: Attempt, ident: str | None = None) -> None:
        if attempt.outcome is None:  # only a passing setup was seen: the run stopped there
            attempt.outcome = "error"
            attempt.error_message = attempt.error_message or "the test did not finish"
        self.attempts += 1
        if attempt.final:
            self._note_final(attempt)
        ident = ident or f"{self.run_id}-{attempt.worker}-{attempt.seq}"
        self.sink.emit(self._test_event(attempt, ident))
        for index, sample in enumerate(attempt.samples):
            self._emit_sample(sample, attempt.nodeid, attempt.number, f"{ident}-m{index}")

    def _note_final(self, attempt: Attempt) -> None:
        """Count a test's final outcome; keep it if it is among the slowest or passed on a rerun."""
        self.finals[attempt.outcome] += 1
        if attempt.number > 1 and attempt.outcome == "passed":
            self._passed_on_rerun.append((attempt.nodeid, attempt.number))
        if attempt.outcome == "skipped":
            return
        entry = (attempt.duration, attempt.nodeid)
        if len(self._slowest) < SLOWEST:
            heapq.heappush(self._slowest, entry)
        elif entry > self._slowest[0]:
            heapq.heapreplace(self._slowest, entry)

    def _emit_sample(self, sample: Sample, nodeid: str | None, attempt: int | None, ident: str) -> None:
        self.metrics += 1
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
                "vpt.test.markers": attempt.markers or None,
                "vpt.test.outcome": attempt.outcome,
                "vpt.test.attempt": attempt.number,
                "vpt.test.final": attempt.final,
                "vpt.test.started_at": attempt.started_at or time.time(),
                "vpt.test.finished_at": attempt.finished_at,
                "vpt.test.duration.setup": attempt.setup,
                "vpt.test.duration.call": attempt.call,
                "vpt.test.duration.teardown": attempt.teardown,
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
            f"{self.run_id}-{status}",
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

