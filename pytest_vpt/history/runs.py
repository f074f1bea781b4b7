"""The records of runs, their tests and their metrics."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .record import Record


@dataclass
class Run(Record):
    """One pytest session: where and what it ran, and its counts under the outcome names."""

    run_id: str
    project: str
    status: str  # running, finished, interrupted
    started_at: float
    finished_at: float | None
    exit_status: int | None
    cpu_seconds: float | None  # the CPU time pytest took (None: not recorded, as for a JUnit push)
    labels: dict[str, str]
    ci_provider: str | None
    ci_pipeline: str | None
    ci_run_id: str | None
    ci_run_url: str | None
    ci_job: str | None
    vcs_revision: str | None
    vcs_branch: str | None
    vcs_change_id: str | None
    host_name: str | None
    python_version: str | None
    pytest_version: str | None
    vpt_version: str | None
    tests: int | None
    passed: int | None
    failed: int | None
    error: int | None
    skipped: int | None
    xfailed: int | None
    xpassed: int | None
    rerun: int | None
    quarantined: int | None
    duration: float | None  # seconds; None while running


@dataclass
class Attempt(Record):
    """One attempt of one test: its outcome, phase durations, error and device."""

    nodeid: str
    file: str | None
    function: str | None
    params: str | None
    attempt: int
    is_final: bool
    outcome: str
    started_at: float
    duration: float | None
    setup_duration: float | None
    call_duration: float | None
    teardown_duration: float | None
    error_type: str | None
    error_message: str | None
    markers: list[str]
    worker: str | None
    worker_seq: int | None
    device_id: str | None
    device_offline: bool


@dataclass
class TestResult(Attempt):
    """A test of one run (its final attempt, or any), with how many attempts it took."""

    __test__ = False  # not a pytest test class

    attempts: int


@dataclass
class TestHistoryEntry(Attempt):
    """One test's attempt in one run of its history, with the run's commit and branch."""

    __test__ = False  # not a pytest test class
    _first = ("run_id", "project", "vcs_revision", "vcs_branch")

    run_id: str
    project: str
    vcs_revision: str | None
    vcs_branch: str | None


@dataclass
class MetricSample(Record):
    """One recorded sample, with the test it belongs to (if any)."""

    project: str
    run_id: str | None
    nodeid: str | None
    attempt: int | None
    name: str
    kind: str
    value: float
    unit: str | None
    tags: dict[str, Any]
    time: float


@dataclass
class MetricSummary(Record):
    """The samples of one metric name and tag set, summed up."""

    project: str
    name: str
    tags: dict[str, Any]
    unit: str | None
    last: float
    last_at: float
    count: int
    mean: float
    p50: float
    p95: float
    min: float
    max: float


@dataclass
class RunDetail(Record):
    """One run with its tests and the summary of its metrics (``vpt run``)."""

    run: Run
    tests: list[TestResult]
    metrics: list[MetricSummary]


@dataclass
class DailyRebuild(Record):
    """What ``vpt db rebuild`` did: attempts folded again, and those (of how many tests) set aside."""

    attempts: int
    set_aside: int
    tests_set_aside: int
