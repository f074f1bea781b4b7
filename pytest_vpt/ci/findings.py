"""What a CI report says about one run, against the base branch's last run and the branch's
previous run: each failure's kind, the tests fixed, the flaky and the slowest tests.

Kinds of a failure (a final attempt that failed or errored), in order of importance:
``new`` (not failing on the base branch, and it passed or did not run in the previous run:
it broke now), ``regression`` (not failing on the base branch, already failing in the
previous run), ``on_base`` (failing on the base branch too), ``quarantined`` (non-blocking).
``new`` and ``regression`` are the regressions ``fail-on: regressions`` fails on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..analytics.rates import pass_rate
from ..history import FlakyTest, Run, TestResult
from .readers import RUNS_SEARCHED, HistoryReader

FAILED = ("failed", "error")
KINDS = ("new", "regression", "on_base", "quarantined")
REGRESSIONS = ("new", "regression")
#: Failures whose age (runs since the test last passed) is looked up, the most important first.
AGES_LOOKED_UP = 50
AGE_HISTORY = 100


@dataclass
class Failure:
    test: TestResult
    kind: str
    age: int | None = None  # runs since it last passed, this one included; None: not looked up
    never_passed: bool = False  # no pass in the ``age`` runs looked at


@dataclass
class Findings:
    run: Run
    tests: list[TestResult]
    base_branch: str | None
    base_run: Run | None
    previous_run: Run | None
    failures: list[Failure]  # the most important first
    fixed: list[TestResult]  # failing in the base run, passing here
    flaky: list[tuple[TestResult, FlakyTest | None]]  # passed on a retry, or judged flaky
    slowest: list[TestResult]
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def pass_rate(self) -> float | None:
        """Passed among passed, failed and errors (quarantined failures included)."""
        return pass_rate({"passed": self.counts["passed"], "failed": self.counts["failed"],
                          "error": self.counts["errors"]})

    def of_kind(self, *kinds: str) -> list[Failure]:
        return [failure for failure in self.failures if failure.kind in kinds]


def find(reader: HistoryReader, run: Run, base_branch: str | None, slowest: int = 10) -> Findings:
    """The findings on ``run`` (read through ``reader``)."""
    tests = reader.run_tests(run.run_id)
    recent = reader.runs(RUNS_SEARCHED)
    base_run = _last(recent, run, lambda other: base_branch is not None and other.vcs_branch == base_branch)
    previous_run = _last(recent, run, lambda other: other.vcs_branch == run.vcs_branch
                         and other.started_at < run.started_at)
    failing_on_base = _failing(reader, base_run)
    failing_before = _failing(reader, previous_run)
    quarantined = reader.quarantined(run.project)
    failures = []
    for test in tests:
        if test.outcome not in FAILED:
            continue
        if test.nodeid in quarantined:
            kind = "quarantined"
        elif test.nodeid in failing_on_base:
            kind = "on_base"
        else:
            kind = "regression" if test.nodeid in failing_before else "new"
        failures.append(Failure(test, kind))
    failures.sort(key=lambda failure: KINDS.index(failure.kind))
    for failure in failures[:AGES_LOOKED_UP]:
        failure.age, failure.never_passed = _age(reader, failure.test.nodeid, run.run_id)
    passing = {test.nodeid: test for test in tests if test.outcome == "passed"}
    fixed = [passing[nodeid] for nodeid in failing_on_base if nodeid in passing]
    verdicts = {verdict.nodeid: verdict for verdict in reader.flaky(1000) if verdict.project == run.project}
    flaky = [(test, verdicts.get(test.nodeid)) for test in tests
             if test.nodeid in verdicts or (test.outcome == "passed" and test.attempts > 1)]
    flaky.sort(key=lambda pair: -(pair[1].score if pair[1] else 0.0))
    timed = sorted((test for test in tests if test.duration is not None), key=lambda test: -(test.duration or 0.0))
    counts = {
        "tests": len(tests), "passed": len(passing), "failed": sum(test.outcome == "failed" for test in tests),
        "errors": sum(test.outcome == "error" for test in tests),
        "skipped": sum(test.outcome in ("skipped", "xfailed") for test in tests),
        "flaky": len(flaky), "quarantined": sum(failure.kind == "quarantined" for failure in failures),
        "new_failures": sum(failure.kind == "new" for failure in failures),
        "regressions": sum(failure.kind in REGRESSIONS for failure in failures),
    }
    return Findings(run, tests, base_branch, base_run, previous_run, failures, fixed, flaky, timed[:slowest], counts)


def _last(recent: list[Run], run: Run, wanted) -> Run | None:
    """The newest finished run of the project (not ``run``) that is ``wanted``."""
    return next((other for other in recent if other.run_id != run.run_id and other.project == run.project
                 and other.status == "finished" and wanted(other)), None)


def _failing(reader: HistoryReader, run: Run | None) -> set[str]:
    if run is None:
        return set()
    return {test.nodeid for test in reader.run_tests(run.run_id) if test.outcome in FAILED}


def _age(reader: HistoryReader, nodeid: str, run_id: str) -> tuple[int, bool]:
    """Runs since the test last passed, the run ``run_id`` included, and whether it did not
    pass in any of them (the last ``AGE_HISTORY`` runs it ran in)."""
    entries = reader.test_history(nodeid, AGE_HISTORY)
    start = next((i for i, entry in enumerate(entries) if entry.run_id == run_id), 0)
    for age, entry in enumerate(entries[start:]):
        if entry.outcome == "passed":
            return age, False
    return len(entries) - start, True
