"""A test's flakiness verdict from its recent runs.

Flakiness is a pass and a fail on the same code. A step change tied to a commit is a
regression or a fix, not flakiness. So the runs are explained three ways and weighed:

- *deterministic*: each line of development (a branch) passes or fails, and only a change
  of code can change that: a new commit with probability ``CHANGE_COMMIT``, uncommitted
  edits (or an unknown revision) with ``CHANGE_LOCAL``, the same code never. A pass on
  retry, or a pass and a fail on the same code, rules it out.
- *flaky*: every run fails independently with one rate (Beta-binomial, the PFS prior).
- *flaky, then broken*: flaky until the newest runs of the latest branch, which fail on
  every attempt since a change of code.

The status follows: ``flaky`` when the flaky explanation has at least ``threshold`` of the
probability; otherwise ``broken`` if the latest branch fails now, ``fixed`` if it failed in
the window and passes now, ``stable`` else; ``new`` for a test with too few runs to judge.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from .scores import FAIL, PASS, PFS_PRIOR, flip_rate, pfs_score

STATUSES = ("stable", "flaky", "broken", "fixed", "new")
PRIOR_FLAKY = 0.01  # the share of flaky tests in Python projects is 0.86 %
CHANGE_COMMIT = 1e-3  # a new commit changes a given test's outcome
CHANGE_LOCAL = 0.2  # uncommitted edits (often to the very test) change its outcome
PFS_RUNS = 10  # the PFS looks at the last 10 runs, as Allure 3 does
MIN_RUNS = 3  # fewer runs than this: the test is "new" unless flakiness is proven


@dataclass(frozen=True)
class FlakinessSettings:
    """The thresholds of the verdict (each also a pytest-vpt setting)."""

    threshold: float = 0.5  # probability of the flaky explanation needed to call a test flaky
    window_runs: int = 50  # the verdict looks at most at this many of the test's latest runs
    window_days: float = 30.0  # ... and only at runs this recent (counted from its newest run)
    decay: float = 0.1  # the flip rate's exponential decay

    def __post_init__(self) -> None:
        if not 0 < self.threshold < 1:
            raise ValueError(f"threshold must be between 0 and 1, got {self.threshold}")
        if self.window_runs < 2:
            raise ValueError(f"window_runs must be at least 2, got {self.window_runs}")
        if self.window_days <= 0:
            raise ValueError(f"window_days must be positive, got {self.window_days}")
        if not 0 <= self.decay < 1:
            raise ValueError(f"decay must be in [0, 1), got {self.decay}")


@dataclass(frozen=True)
class TestRun:
    """One test in one run: its attempts' verdicts ("P"/"F", in order) and the run's code."""

    __test__ = False  # not a pytest test class

    run_id: str
    started_at: float
    attempts: str
    revision: str | None = None
    dirty: str | None = None  # a hash of the uncommitted changes, when there were any
    branch: str | None = None

    @property
    def code(self) -> tuple[str, str | None] | None:
        """The code this run tested, or None when unknown (no revision)."""
        return None if self.revision is None else (self.revision, self.dirty)

    @property
    def failed(self) -> bool:
        """Every attempt failed."""
        return PASS not in self.attempts

    @property
    def passed_on_retry(self) -> bool:
        return FAIL in self.attempts and PASS in self.attempts[self.attempts.index(FAIL):]

    @property
    def clean(self) -> bool:
        """Passed at the first attempt."""
        return self.attempts == PASS


@dataclass(frozen=True)
class Evidence:
    """A run behind a verdict, and what it shows."""

    run_id: str
    started_at: float
    kind: str  # "retry", "same-code", "failure" (flakiness); "broken", "fixed" (a step)
    detail: str


@dataclass(frozen=True)
class Assessment:
    status: str
    reason: str
    probability: float  # of the flaky explanation
    score: float  # PFS over the last PFS_RUNS runs
    flip_rate: float
    window: int  # runs in the window
    mixed_commits: int  # code versions in the window that both passed and failed
    evidence: tuple[Evidence, ...] = field(default=())

    @property
    def flaky_times(self) -> list[float]:
        return [e.started_at for e in self.evidence if e.kind in ("retry", "same-code", "failure")]


def clean_assessment(total_runs: int, recent_runs: int) -> Assessment:
    """The verdict on a window of clean passes only (the common case, computed without it)."""
    passes = min(recent_runs, PFS_RUNS)
    a, b = PFS_PRIOR
    status = "new" if total_runs < MIN_RUNS else "stable"
    return Assessment(status, _clean_reason(total_runs), 0.0, a / (a + b + passes), 0.0, 0, 0)


def _clean_reason(total_runs: int) -> str:
    if total_runs < MIN_RUNS:
        return f"seen in {total_runs} run{'s' * (total_runs != 1)}"
    return "no failure in the window"


def window_of(history: Sequence[TestRun], settings: FlakinessSettings) -> list[TestRun]:
    """The runs the verdict looks at: the latest ``window_runs`` within ``window_days``."""
    if not history:
        return []
    newest = history[-1].started_at
    runs = list(history[-settings.window_runs:])
    oldest = newest - settings.window_days * 86400.0
    return [run for run in runs if run.started_at >= oldest]


def assess(history: Sequence[TestRun], total_runs: int | None = None,
           settings: FlakinessSettings = FlakinessSettings()) -> Assessment:
    """The verdict on a test from its latest runs (oldest first; at least the last
    ``max(window_runs, PFS_RUNS)`` of them, fewer only if that is all there is)."""
    history = sorted(history, key=lambda run: (run.started_at, run.run_id))
    total_runs = len(history) if total_runs is None else total_runs
    window = window_of(history, settings)
    score = pfs_score(run.attempts for run in history[-PFS_RUNS:])
    if all(run.clean for run in window):
        clean = clean_assessment(total_runs, len(history))
        return Assessment(clean.status, clean.reason, 0.0, score, 0.0, len(window), 0)

    lineages = _lineages(window)
    mixed = _mixed_code(window)
    retries = [run for run in window if run.passed_on_retry]
    latest = lineages[_branch(window[-1])]
    tail = _failing_tail(latest)

    det = math.log1p(-PRIOR_FLAKY) + _deterministic(lineages, bool(mixed or retries))
    flaky = math.log(PRIOR_FLAKY) + _beta_binomial(window)
    weights = [det, flaky]
    if tail is not None:
        start, change = tail
        tail_ids = {run.run_id for run in latest[start:]}
        weights.append(math.log(PRIOR_FLAKY) + math.log(change)
                       + _beta_binomial([run for run in window if run.run_id not in tail_ids]))
    top = max(weights)
    probability = math.exp(flaky - top) / sum(math.exp(w - top) for w in weights)
    rate = flip_rate([outcome for run in window for outcome in run.attempts], settings.decay)

    if probability >= settings.threshold:
        evidence = _flaky_evidence(window, mixed)
        status, reason = "flaky", _flaky_reason(retries, mixed, evidence, probability)
    elif window[-1].failed:
        status, evidence, reason = _broken(latest, tail)
    elif any(not run.clean for run in latest):
        status, evidence, reason = _fixed(latest)
    else:
        status, evidence, reason = "stable", (), "no failure on this branch in the window"
    if total_runs < MIN_RUNS and status != "flaky":
        status, reason = "new", f"{_clean_reason(total_runs)}; {reason}"
    return Assessment(status, reason, probability, score, rate, len(window), len(mixed), tuple(evidence))


def _branch(run: TestRun) -> str:
    return run.branch or ""


def _lineages(window: Sequence[TestRun]) -> dict[str, list[TestRun]]:
    lines: dict[str, list[TestRun]] = defaultdict(list)
    for run in window:
        lines[_branch(run)].append(run)
    return lines


def _mixed_code(window: Sequence[TestRun]) -> dict[tuple, list[TestRun]]:
    """Code versions that failed in one run and passed in another."""
    by_code: dict[tuple, list[TestRun]] = defaultdict(list)
    for run in window:
        if run.code is not None:
            by_code[run.code].append(run)
    mixed = {}
    for code, runs in by_code.items():
        failing = {run.run_id for run in runs if run.attempts[0] == FAIL}
        passing = {run.run_id for run in runs if PASS in run.attempts}
        if failing and passing and (len(failing) > 1 or passing != failing):
            mixed[code] = runs
    return mixed


def _change(before: TestRun, after: TestRun) -> float:
    """How likely the code changed the test's outcome between two runs of one branch."""
    if before.code is not None and before.code == after.code:
        return 0.0
    if before.code is None or after.code is None or before.dirty or after.dirty:
        return CHANGE_LOCAL
    return CHANGE_COMMIT


def _deterministic(lineages: dict[str, list[TestRun]], impossible: bool) -> float:
    """Log-likelihood of outcomes that change only with the code."""
    if impossible:
        return -math.inf
    total = 0.0
    for runs in lineages.values():
        for before, after in zip(runs, runs[1:]):
            change = _change(before, after)
            if before.failed != after.failed:
                if change == 0.0:
                    return -math.inf
                total += math.log(change)
            else:
                total += math.log1p(-change)
    return total


def _beta_binomial(runs: Sequence[TestRun]) -> float:
    """Log marginal likelihood of the runs' first attempts under one unknown failure rate."""
    fails = sum(run.attempts[0] == FAIL for run in runs)
    passes = len(runs) - fails
    a, b = PFS_PRIOR
    return _log_beta(a + fails, b + passes) - _log_beta(a, b)


def _log_beta(a: float, b: float) -> float:
    return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)


def _failing_tail(runs: Sequence[TestRun]) -> tuple[int, float] | None:
    """Where the branch's final streak of failing runs starts after a change of code, and
    how likely that change was; None when the branch passes now."""
    start = len(runs)
    while start > 0 and runs[start - 1].failed:
        start -= 1
    while 0 < start < len(runs) and _change(runs[start - 1], runs[start]) == 0.0:
        start += 1  # the same code as a passing run: the step came later, if at all
    if start == len(runs):
        return None
    return start, (_change(runs[start - 1], runs[start]) if start else CHANGE_COMMIT)


def _short(run: TestRun) -> str:
    if run.revision is None:
        return "an unknown commit"
    return f"commit {run.revision[:10]}" + (" with local changes" if run.dirty else "")


def _flaky_evidence(window: Sequence[TestRun], mixed: dict[tuple, list[TestRun]]) -> list[Evidence]:
    mixed_runs = {run.run_id for runs in mixed.values() for run in runs}
    evidence = []
    for run in window:
        if run.passed_on_retry:
            evidence.append(Evidence(run.run_id, run.started_at, "retry",
                                     f"passed on attempt {run.attempts.index(PASS, run.attempts.index(FAIL)) + 1} "
                                     f"of {len(run.attempts)} ({run.attempts})"))
        elif run.run_id in mixed_runs:
            runs = mixed[run.code]
            evidence.append(Evidence(run.run_id, run.started_at, "same-code",
                                     f"{'failed' if FAIL in run.attempts else 'passed'} on {_short(run)}, which "
                                     f"passed in {sum(PASS in r.attempts for r in runs)} and failed in "
                                     f"{sum(FAIL in r.attempts for r in runs)} of {len(runs)} runs"))
        elif run.attempts[0] == FAIL:
            evidence.append(Evidence(run.run_id, run.started_at, "failure",
                                     f"failed on {_short(run)}" + (f" ({run.branch})" if run.branch else "")
                                     + ", between passing runs"))
    return evidence


def _flaky_reason(retries: list, mixed: dict, evidence: list[Evidence], probability: float) -> str:
    parts = []
    if retries:
        parts.append(f"passed on retry in {len(retries)} run{'s' * (len(retries) != 1)}")
    if mixed:
        parts.append(f"passed and failed on the same code ({len(mixed)} commit{'s' * (len(mixed) != 1)})")
    failures = sum(e.kind == "failure" for e in evidence)
    if failures:
        parts.append(f"{failures} failure{'s' * (failures != 1)} between passes")
    return f"{'; '.join(parts)} (flaky with probability {probability:.2f})"


def _broken(latest: list[TestRun], tail: tuple[int, float] | None) -> tuple[str, tuple, str]:
    start = tail[0] if tail is not None else len(latest) - 1
    failing = latest[start:]
    first = failing[0]
    since = f"since {_short(first)}" if start else "in the window"
    evidence = tuple(Evidence(run.run_id, run.started_at, "broken", f"failed on {_short(run)}") for run in failing)
    branch = f" on {first.branch}" if first.branch else ""
    return "broken", evidence, f"fails on every run{branch} {since} ({len(failing)} run{'s' * (len(failing) != 1)})"


def _fixed(latest: list[TestRun]) -> tuple[str, tuple, str]:
    """The branch failed in the window and passes now: since the run after its last unclean
    one, or since that run itself when it is the newest (it passed, though not at once)."""
    last_fail = max(i for i, run in enumerate(latest) if not run.clean)
    since = min(last_fail + 1, len(latest) - 1)
    failed, fixed_by = latest[last_fail], latest[since]
    evidence = (Evidence(failed.run_id, failed.started_at, "fixed", f"last failure, on {_short(failed)}"),
                Evidence(fixed_by.run_id, fixed_by.started_at, "fixed", f"passes since {_short(fixed_by)}"))
    passing = len(latest) - since
    return "fixed", evidence, f"passes since {_short(fixed_by)} ({passing} run{'s' * (passing != 1)}) after failing before it"
