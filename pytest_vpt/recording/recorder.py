"""A run's recorder: messages in (see messages.py), events out, and an account of the run.

It knows nothing of pytest objects: it runs in the recorder process (process.py), fed with
plain messages, and writes the ``run``, ``test`` and ``metric`` events to a sink: the test
attempts as test rows (store.test_rows, ``Sink.write_tests``: no event dict per attempt),
held until :data:`ROWS_BATCH` of them are (or the first has waited ``hold`` seconds), the
events that follow them (a test's metrics name its test) held behind them. The last ones go
as events with the run's end, in one batch.
"""

from __future__ import annotations

import heapq
import posixpath
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from ..analytics.failures import DEFAULT_CATEGORIES, CategoriesError, Failure, categorize, parse_categories
from ..events import RUN_COUNT_KEYS, device_event, device_sample_event, fit_node_id, incident_event, run_event
from ..events.builders import attempt_row
from ..metrics import Sample, metric_event
from ..sinks.base import SinkReport
from ..store.changes import RunChanges
from ..store.test_rows import event_of
from .attempts import Attempt
from .messages import RECORDS, Collect, Devices, DeviceSamples, Finish, Phase, Samples

SLOWEST = 5
#: test rows held at most before they are handed to the sink, written as one batch
ROWS_BATCH = 1000
INTERRUPTED = 2  # pytest.ExitCode.INTERRUPTED


@dataclass
class RunInfo:
    """What is known of a run when it starts."""

    run_id: str
    project: str
    started_at: float
    labels: dict[str, str] = field(default_factory=dict)
    context: dict[str, str] = field(default_factory=dict)
    #: settings of the flakiness verdict and the quarantine, and the quarantine list's entries
    analysis: dict[str, Any] = field(default_factory=dict)
    #: put before pytest's node ids and paths to make them relative to the project's folder
    #: (``"sub/"`` when pytest's rootdir is its sub-folder ``sub``; see config.project_root)
    nodeid_prefix: str = ""
    #: the failure categories (a categories file's entries, see analytics.failures); None: the built-in ones
    categories: list[dict[str, Any]] | None = None

    def from_top(self, nodeid: str) -> str:
        """A node id (or a path) relative to pytest's rootdir, made relative to the project's folder."""
        if not self.nodeid_prefix or not nodeid:
            return nodeid
        path, sep, rest = nodeid.partition("::")
        return posixpath.normpath(self.nodeid_prefix + path) + sep + rest


@dataclass
class RunResult:
    """What the terminal summary shows about a finished run."""

    run_id: str
    totals: dict[str, int]
    tests: int
    attempts: int
    metrics: int
    slowest: list[tuple[float, str]]
    passed_on_rerun: list[tuple[str, int]]
    sink: SinkReport
    quarantined: list[tuple[str, str]] = field(default_factory=list)  # (node id, reason)
    changes: RunChanges = field(default_factory=RunChanges)
    #: tests that did not pass while their device was offline: (node id, outcome, device, error)
    device_offline: list[tuple[str, str, str, str]] = field(default_factory=list)
    device_samples: int = 0
    #: category -> how many failures it took: final failures and reruns of tests that passed on a retry
    failures: dict[str, int] = field(default_factory=dict)
    flaky_failures: int = 0  # of them reruns of tests that passed on a retry

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "sink": self.sink.to_json(), "changes": self.changes.to_json()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RunResult:
        return cls(
            data["run_id"], dict(data["totals"]), data["tests"], data["attempts"], data["metrics"],
            [tuple(entry) for entry in data["slowest"]], [tuple(entry) for entry in data["passed_on_rerun"]],
            SinkReport.from_json(data["sink"]), [tuple(entry) for entry in data["quarantined"]],
            RunChanges.from_json(data["changes"]), [tuple(entry) for entry in data["device_offline"]],
            data["device_samples"], dict(data.get("failures", {})), data.get("flaky_failures", 0),
        )


class RunRecorder:
    """Assembles attempts from phase messages and emits the run's events to ``sink``;
    ``hold``: the seconds a test row waits at most before it is handed over (None: until
    :data:`ROWS_BATCH` rows are held, or the run ends; see :meth:`flush_due`)."""

    def __init__(self, info: RunInfo, sink: Any, hold: float | None = None) -> None:
        self.info = info
        self.sink = sink
        self.hold = hold
        self._rows: list[tuple] = []  # test rows not handed to the sink yet
        self._held: list[dict[str, Any]] = []  # the events that came after them, in order
        self._due: float | None = None  # when the first held row is to be handed over
        #: a sink that takes no rows (none of this package's) is handed their events
        self._write_tests = getattr(sink, "write_tests", None) or self._emit_rows
        self.totals: Counter = Counter()
        self.finals: Counter = Counter()
        self.attempts = 0
        self.metrics = 0
        self.result: RunResult | None = None
        self._open: dict[tuple[str, str], Attempt] = {}
        self._seq: Counter = Counter()
        self._slowest: list[tuple[float, str]] = []
        self._passed_on_rerun: list[tuple[str, int]] = []
        self._quarantined: list[tuple[str, str]] = []
        self._marked: dict[str, str] = {}  # node id -> reason of its vpt_quarantine marker
        self._device_offline: list[tuple[str, str, str, str]] = []
        self.device_samples = 0
        self._categories = _categories(info.categories)
        self._failures: Counter = Counter()  # category -> failures it took
        self._flaky_failures = 0
        self._reruns: dict[str, list[Failure]] = {}  # node id -> its reruns so far (failures if it then passes)
        #: message name -> (its record's constructor, its handler), looked up once
        self._handlers = {name: (record._make, getattr(self, f"on_{name}"))
                          for name, record in RECORDS.items() if hasattr(self, f"on_{name}")}

    def start(self) -> None:
        """Write the run's start at once, so even a run that is killed leaves a trace."""
        self.sink.emit(self._run_event("running"))
        self.sink.flush()

    def wait_left(self) -> float | None:
        """Seconds until the held rows, or the sink's buffered events, are due to be written
        (0: now); None if nothing waits for a time."""
        sink = self.sink.wait_left()
        if self._due is None:
            return sink
        mine = max(self._due - time.monotonic(), 0.0)
        return mine if sink is None else min(mine, sink)

    def flush_due(self) -> None:
        """Hand over the held rows if the first has waited ``hold`` seconds; let the sink write
        what it holds that is due."""
        if self._due is not None and time.monotonic() >= self._due:
            self.hand_over()
        self.sink.flush_due()

    def hand_over(self, as_events: bool = False) -> None:
        """Hand the held test rows to the sink, then the events held behind them, and have
        the sink write them; ``as_events``: the rows as their events, in one batch with
        those (the run's end goes with its last tests, to a store, a spool or a server)."""
        rows, held = self._rows, self._held
        self._rows, self._held, self._due = [], [], None
        if rows:
            (self._emit_rows if as_events else self._write_tests)(rows)
        for event in held:
            self.sink.emit(event)
        self.sink.flush()

    def _emit(self, event: dict[str, Any]) -> None:
        """One event for the sink, behind the held test rows if there are any."""
        if self._rows:
            self._held.append(event)
        else:
            self.sink.emit(event)

    def _emit_rows(self, rows: list[tuple]) -> None:
        for row in rows:
            self.sink.emit(event_of(row))

    def handle(self, message: tuple) -> None:
        """Dispatch one message (see messages.py) to its ``on_<name>`` method, as its named record."""
        try:
            make, handler = self._handlers[message[0]]
        except KeyError:
            raise ValueError(f"unknown message {message[0]!r}") from None
        handler(make(message[1:]))

    def on_samples(self, message: Samples) -> None:
        self.add_samples(message.samples)

    def on_devices(self, message: Devices) -> None:
        for device in message.devices:
            self._emit(device_event(
                self.info.project, device["id"], device["kind"], device["probe"], device["interval"],
                device["timeout"], device["grace"], message.seen_at, tags=device["tags"]))

    def on_device_samples(self, message: DeviceSamples) -> None:
        self.device_samples += len(message.samples)
        project, run_id = self.info.project, self.info.run_id
        for device, at, online, response_time, error, values, interval in message.samples:
            self._emit(device_sample_event(project, device, at, online, interval, response_time=response_time,
                                               error=error, values=values, run_id=run_id))

    def on_finish(self, message: Finish) -> None:
        self.finish(message.exitstatus, message.printed, message.cpu_seconds)

    def on_phase(self, phase: Phase) -> None:
        """One phase (setup, call, teardown, or "???" for a crashed worker) of a test attempt."""
        worker, when, status, data, quarantined, device = (
            phase.worker, phase.when, phase.status, phase.data, phase.quarantined, phase.device)
        location, error = phase.location, phase.error
        nodeid = fit_node_id(self.info.from_top(phase.nodeid))
        if location is not None:
            location = (self.info.from_top(location[0]), *location[1:])
        self.totals["quarantined" if quarantined is not None else status] += 1
        key = (worker, nodeid)
        attempt = self._open.get(key)
        if attempt is None or when == "setup":
            if attempt is not None:
                self._close(attempt)
            seq = self._seq[worker] = self._seq[worker] + 1
            attempt = self._open[key] = Attempt(nodeid, (phase.rerun or 0) + 1, worker, seq)
        if data:
            attempt.markers = data.get("markers", attempt.markers)
            attempt.params = data.get("params", attempt.params)
            attempt.samples.extend(data.get("metrics", ()))
            if "quarantine" in data:
                self._marked[nodeid] = data["quarantine"]
        if quarantined is not None:
            attempt.quarantined = quarantined
        if device is not None:
            attempt.add_device(device)
        if phase.subtest:  # part of the call: a failing subtest fails the test
            if status in ("failed", "error") and attempt.outcome in (None, "passed"):
                attempt.outcome = "failed"
                attempt.error_type, attempt.error_message = error or (None, None)
            return
        attempt.add(when, status, phase.duration, phase.start, phase.stop, location, error)
        if when != "setup" and when != "call":
            self._close(self._open.pop(key))

    def on_collect(self, collect: Collect) -> None:
        """A module that failed to collect (an error) or was skipped as a whole."""
        nodeid, path = fit_node_id(self.info.from_top(collect.nodeid)), self.info.from_top(collect.path)
        self.totals[collect.status] += 1
        attempt = Attempt(nodeid, 1, None)
        attempt.outcome, attempt.started_at, attempt.location = collect.status, time.time(), (path, None, nodeid)
        attempt.error_type, attempt.error_message = collect.error or (None, None)
        self._close(attempt, ident=f"{self.info.run_id}-collect-{nodeid}")

    def add_samples(self, samples: list[Sample]) -> None:
        """Metric samples recorded outside any test (session hooks, after the last test)."""
        for sample in samples:
            self._emit_sample(sample, None, None, f"{self.info.run_id}-session-{self.metrics}")

    def finish(self, exitstatus: int | None, printed: dict[str, int] | None = None,
               cpu_seconds: float | None = None) -> RunResult:
        """Close the run; ``printed`` are the totals pytest's terminal printed, when it ran,
        ``cpu_seconds`` the CPU time pytest took."""
        for attempt in list(self._open.values()):
            self._close(attempt)
        self._open.clear()
        totals = {key: (printed if printed is not None else self.totals).get(key, 0) for key in RUN_COUNT_KEYS[1:]}
        status = "finished" if exitstatus is not None and exitstatus != INTERRUPTED else "interrupted"
        self._emit(self._run_event(status, exitstatus, totals, cpu_seconds))
        self.hand_over(as_events=True)
        sink = self.sink.report  # everything written: the sink's account is final (closing it may come later)
        self.result = RunResult(
            run_id=self.info.run_id,
            totals=totals,
            tests=sum(self.finals.values()),
            attempts=self.attempts,
            metrics=self.metrics,
            slowest=sorted(self._slowest, reverse=True),
            passed_on_rerun=self._passed_on_rerun,
            sink=sink,
            quarantined=self._quarantined,
            device_offline=self._device_offline,
            device_samples=self.device_samples,
            failures=dict(self._failures),
            flaky_failures=self._flaky_failures,
        )
        if status == "finished" and sink.ok:
            self.result.changes = self.sink.close_run(self.info.run_id)
        return self.result

    def _explicit(self) -> dict[str, tuple[str, str]]:
        """The tests a list file or a marker asks to quarantine: node id -> (source, reason)."""
        explicit = {nodeid: ("list", reason or "listed") for nodeid, reason in self.info.analysis.get("listed", {}).items()}
        explicit.update((nodeid, ("marker", reason or "marked vpt_quarantine")) for nodeid, reason in self._marked.items())
        return explicit

    def _close(self, attempt: Attempt, ident: str | None = None) -> None:
        if attempt.outcome is None:  # only a passing setup was seen: the run stopped there
            attempt.outcome = "error"
            attempt.error_message = attempt.error_message or "the test did not finish"
        if attempt.location is None:
            attempt.location = (attempt.nodeid.split("::")[0], None, None)
        self.attempts += 1
        if attempt.final:
            self._note_final(attempt)
        else:  # a rerun: a failure if the test then passes
            self._reruns.setdefault(attempt.nodeid, []).append(_failure(attempt, True))
        ident = ident or f"{self.info.run_id}-{attempt.worker}-{attempt.seq}"
        if not self._rows and self.hold is not None:
            self._due = time.monotonic() + self.hold
        self._rows.append(self._test_row(attempt, ident))
        for index, sample in enumerate(attempt.samples):
            self._emit_sample(sample, attempt.nodeid, attempt.number, f"{ident}-m{index}")
        if len(self._rows) >= ROWS_BATCH or len(self._held) >= ROWS_BATCH:
            self.hand_over()

    def _note_final(self, attempt: Attempt) -> None:
        """Count a test's final outcome (a failure: and its category, and its reruns' if it
        passed on one); keep it if it is among the slowest or passed on a rerun."""
        outcome = attempt.outcome
        self.finals[outcome] += 1
        if outcome == "failed" or outcome == "error":
            self._failures[categorize(_failure(attempt, False), self._categories)] += 1
        if attempt.quarantined is not None:
            self._quarantined.append((attempt.nodeid, attempt.quarantined))
        if attempt.device_offline and (attempt.outcome in ("failed", "error", "skipped") or attempt.quarantined):
            self._device_offline.append((attempt.nodeid, attempt.outcome, attempt.device, attempt.device_error or ""))
        if attempt.number > 1:
            reruns = self._reruns.pop(attempt.nodeid, ())
            if outcome == "passed":
                self._passed_on_rerun.append((attempt.nodeid, attempt.number))
                for failure in reruns:
                    self._failures[categorize(failure, self._categories)] += 1
                    self._flaky_failures += 1
        if attempt.outcome == "skipped":
            return
        entry = (attempt.duration, attempt.nodeid)
        if len(self._slowest) < SLOWEST:
            heapq.heappush(self._slowest, entry)
        elif entry > self._slowest[0]:
            heapq.heapreplace(self._slowest, entry)

    def _emit_sample(self, sample: Sample, nodeid: str | None, attempt: int | None, ident: str) -> None:
        if "incident" in sample:  # a video incident a test found (see recording/video.py)
            fields = sample["incident"]
            self._emit(incident_event(self.info.project, **fields, run_id=self.info.run_id, nodeid=nodeid))
            return
        self.metrics += 1
        self._emit(metric_event(sample, self.info.project, ident, self.info.run_id, nodeid, attempt))

    def _test_row(self, attempt: Attempt, ident: str) -> tuple:
        """The attempt's test row (an attempt that never started begins when it ended)."""
        path, line, domain = attempt.location
        return attempt_row(
            ident, run_id=self.info.run_id, project=self.info.project, nodeid=attempt.nodeid,
            outcome=attempt.outcome, attempt=attempt.number, final=attempt.final,
            started_at=attempt.started_at or attempt.finished_at or time.time(), finished_at=attempt.finished_at,
            path=path, function=domain, line=line + 1 if isinstance(line, int) else None, params=attempt.params,
            markers=attempt.markers, setup=attempt.setup, call=attempt.call, teardown=attempt.teardown,
            error_type=attempt.error_type, error_message=attempt.error_message, worker=attempt.worker,
            seq=attempt.seq, quarantined=attempt.quarantined is not None, device=attempt.device,
            device_offline=attempt.device_offline, device_error=attempt.device_error,
        )

    def _run_event(self, status: str, exitstatus: int | None = None, totals: dict | None = None,
                   cpu_seconds: float | None = None) -> dict[str, Any]:
        info = self.info
        return run_event(
            info.run_id, info.project, status, info.started_at,
            finished_at=max(time.time(), info.started_at) if status != "running" else None,
            exit_status=exitstatus,
            counts={"tests": sum(self.finals.values()), **totals} if totals is not None else None,
            labels=info.labels,
            quarantine_requests={fit_node_id(nodeid): list(request) for nodeid, request in self._explicit().items()}
            if status == "finished" else None,
            context=info.context, cpu_seconds=cpu_seconds,
        )


def _categories(entries: list[dict[str, Any]] | None) -> tuple:
    """The run's failure categories (checked by the plugin already; the built-in ones otherwise)."""
    if entries is None:
        return DEFAULT_CATEGORIES
    try:
        return parse_categories(entries, "categories")
    except CategoriesError:
        return DEFAULT_CATEGORIES


def _failure(attempt: Attempt, flaky: bool) -> Failure:
    """What the categories look at in a failing attempt."""
    return Failure(attempt.outcome, attempt.error_type, attempt.error_message, tuple(attempt.markers or ()),
                   bool(attempt.device_offline), flaky)
