"""JUnit XML into the history: :func:`push_reports` reads reports (see the package's reader)
and emits one run through a sink, as ``pytest --vpt`` would have recorded it.

A run is its start, every attempt of every test (numbered, the last one ``final``, the
failed attempts before it ``rerun`` as the plugin records them; handed to the sink as rows,
``Sink.write_tests``, not one event each) and its finish with the counts; the after-write
step then judges the run (flakiness verdicts, quarantine) exactly as it judges a
``pytest --vpt`` run.

The run id is the caller's (``--run-id``: shards of one build give the same one and each
adds its tests), else the CI job's (provider, pipeline run, job, attempt), else a digest
of the files' bytes. Event ids derive from the run id, the test and the attempt number, so
a file pushed twice is stored once.

A run that held tests before this push (another shard of it) finishes with the counts of
all its tests, read back from the history after this push's tests are written
(``run_totals``): each shard's finish leaves the run's counts whole, and pushing a shard
again changes nothing.
"""

from __future__ import annotations

import hashlib
import math
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...events import DURATION_MAX, TIME_MAX, TIME_MIN, attempt_row, event_id, fit_node_id, run_event
from ...sinks.base import TEST_ROW, SinkReport
from ...store.changes import RunChanges
from . import ReportedAttempt, ReportedTest, read_report

PROGRESS_EVERY = 1000  # tests between two progress reports
_OUTCOMES = ("passed", "failed", "error", "skipped")
#: the values of an attempt's row (TEST_ROW) this module reads back
_NODEID, _OUTCOME, _STARTED, _FINISHED = (TEST_ROW.index(name) for name in (
    "test.case.name", "vpt.test.outcome", "vpt.test.started_at", "vpt.test.finished_at"))


@dataclass
class RunTotals:
    """What the history holds of a run: its tests' final outcomes and reruns, and its start."""

    outcomes: Counter
    reruns: int
    started_at: float | None


@dataclass
class PushResult:
    """What a push sent: tests, attempts, final outcomes, tests that passed after a rerun."""

    run_id: str
    files: list[str]
    tests: int = 0
    attempts: int = 0
    outcomes: Counter = field(default_factory=Counter)
    reruns: int = 0  # attempts before a test's final one
    flaky: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)  # the run's, as its finish says (all shards)
    sink: SinkReport | None = None
    changes: RunChanges = field(default_factory=RunChanges)
    first: float = math.inf  # the earliest start and latest end of an attempt
    last: float = -math.inf

    def add(self, rows: list[tuple]) -> None:
        """Count one test's attempts (its rows, see TEST_ROW)."""
        final = rows[-1]
        self.tests += 1
        self.attempts += len(rows)
        self.reruns += len(rows) - 1
        self.outcomes[final[_OUTCOME]] += 1
        if final[_OUTCOME] == "passed" and len(rows) > 1:
            self.flaky.append(final[_NODEID])
        for row in rows:
            if row[_STARTED] < self.first:
                self.first = row[_STARTED]
            if row[_FINISHED] > self.last:
                self.last = row[_FINISHED]

    def to_json(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "files": self.files, "tests": self.tests, "attempts": self.attempts,
                "outcomes": dict(self.outcomes), "flaky": self.flaky, "run_counts": self.counts,
                "changes": self.changes.to_json()}


def push_reports(
    paths: Iterable[Path | str], sink: Any, *, project: str, run_id: str | None = None,
    labels: Mapping[str, str] | None = None, context: Mapping[str, str] | None = None,
    on_progress: Callable[[int], Any] | None = None,
    run_totals: Callable[[str], RunTotals | None] | None = None,
) -> PushResult:
    """Emit the run of the JUnit reports at ``paths`` through ``sink`` (opened by the caller,
    left open: its report says what was written). Every file is checked before anything is
    emitted: a bad one raises the reader's JUnitError and nothing is sent.
    ``on_progress(tests)`` hears how many tests were sent; ``run_totals(run_id)`` reads what
    the history holds of a run (None: nothing), for a run joined by several pushes."""
    paths = [Path(path) for path in paths]
    reports = [_opened(path) for path in paths]  # each file checked by the reader before it yields
    context = dict(context or {})
    run_id = run_id or ci_run_id(context, labels) or files_run_id(paths, project)
    before = run_totals(run_id) if run_totals is not None else None
    written_at = min((_mtime(path) for path in paths), default=time.time())
    started_at = min(written_at, before.started_at) if before and before.started_at else written_at
    sink.emit(run_event(run_id, project, "running", started_at, labels=dict(labels or {}), context=context))
    sink.flush()
    result = PushResult(run_id, [str(path) for path in paths])
    for path, tests in zip(paths, reports):
        file_time = _mtime(path)
        for test in tests:
            rows = _attempt_rows(test, run_id, project, file_time, result.attempts)
            if not rows:
                continue
            sink.write_tests(rows)
            result.add(rows)
            if on_progress is not None and result.tests % PROGRESS_EVERY == 0:
                on_progress(result.tests)
    if on_progress is not None:
        on_progress(result.tests)
    outcomes, all_reruns = result.outcomes, result.reruns
    if before is not None:  # another push holds tests of this run: count them all, from the history
        sink.flush()
        now = run_totals(run_id)
        if now is not None:
            outcomes, all_reruns = now.outcomes, now.reruns
    result.counts = {"tests": sum(outcomes.values()), **{o: outcomes.get(o, 0) for o in _OUTCOMES},
                     "rerun": all_reruns}
    started = min(started_at, result.first)
    finished = max(result.last, started)
    failing = outcomes.get("failed", 0) + outcomes.get("error", 0)
    sink.emit(run_event(run_id, project, "finished", started, finished_at=finished, exit_status=1 if failing else 0,
                        counts=result.counts, labels=dict(labels or {}), context=context))
    result.changes = sink.close_run(run_id)
    result.sink = sink.report
    return result


def _opened(path: Path) -> Iterator[ReportedTest]:
    """The file's tests, its check done (the reader raises before its first test, if at all)."""
    tests = read_report(path)
    try:
        head = next(tests)
    except StopIteration:
        return iter(())

    def rest() -> Iterator[ReportedTest]:
        yield head
        yield from tests

    return rest()


def _attempt_rows(test: ReportedTest, run_id: str, project: str, file_time: float, seq: int) -> list[tuple]:
    """The test's attempts as the plugin records them (numbered from 1, the last final, a
    failed or erroring attempt before it a ``rerun``), as rows (``events.attempt_row``)."""
    nodeid = fit_node_id(test.nodeid)
    attempts = test.attempts or []
    key = hashlib.blake2b(f"{run_id}\x1f{nodeid}".encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
    line = test.line if isinstance(test.line, int) and test.line > 0 else None
    rows = []
    for number, attempt in enumerate(attempts, start=1):
        final = number == len(attempts)
        started = _time(attempt.started_at, file_time)
        duration = _duration(attempt.duration)
        rows.append(attempt_row(
            f"junit-{key}-{number}", run_id=run_id, project=project, nodeid=nodeid, suite=test.suite,
            path=test.file, function=test.name, line=line, outcome=_outcome(attempt, final), attempt=number,
            final=final, started_at=started, finished_at=min(started + (duration or 0.0), TIME_MAX), call=duration,
            error_type=attempt.error_type, error_message=attempt.message, seq=seq + number))
    return rows


def _outcome(attempt: ReportedAttempt, final: bool) -> str:
    if not final:
        return "passed" if attempt.outcome == "passed" else "skipped" if attempt.outcome == "skipped" else "rerun"
    return "failed" if attempt.outcome == "rerun" else attempt.outcome


def _time(value: float | None, default: float) -> float:
    """A reported start, if it is a time the wire format takes (jest writes 1970-01-01: unknown)."""
    if value is None or not math.isfinite(value) or value <= TIME_MIN or value > TIME_MAX:
        return default
    return value


def _duration(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return min(max(value, 0.0), DURATION_MAX)


def _mtime(path: Path) -> float:
    try:
        return min(max(path.stat().st_mtime, TIME_MIN), TIME_MAX)
    except OSError:
        return time.time()


def ci_run_id(context: Mapping[str, str], labels: Mapping[str, str] | None = None,
              env: Mapping[str, str] | None = None) -> str | None:
    """The run id of the CI job that ran the tests: provider, pipeline run, job and attempt
    (labels too, which tell matrix legs of one job apart); None outside CI."""
    provider, pipeline_run = context.get("vpt.ci.provider"), context.get("cicd.pipeline.run.id")
    if not provider or not pipeline_run:
        return None
    env = os.environ if env is None else env
    attempt = env.get("GITHUB_RUN_ATTEMPT") if provider == "github" else context.get("cicd.pipeline.task.run.id")
    parts = [provider, pipeline_run, context.get("cicd.pipeline.task.name") or "", attempt or ""]
    parts += [f"{key}={value}" for key, value in sorted((labels or {}).items())]
    return f"{provider}-{event_id('ci', *parts)}"


def files_run_id(paths: list[Path], project: str) -> str:
    """A run id from the files' bytes (in any order): the same files, the same run."""
    digests = sorted(_file_digest(path) for path in paths)
    return "junit-" + hashlib.sha256("\n".join([project, *digests]).encode()).hexdigest()[:32]


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
