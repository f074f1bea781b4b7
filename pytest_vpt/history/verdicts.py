"""The records of flakiness verdicts and of the quarantine."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..analytics.flakiness import Assessment, TestRun
from .record import Record


@dataclass
class FlakyTest(Record):
    """One test's flakiness verdict (status, reason, scores) and the counts behind it."""

    project: str
    nodeid: str
    status: str  # new, stable, flaky, broken, fixed
    reason: str
    probability: float
    score: float
    flip_rate: float
    runs: int
    attempts: int
    failures: int
    failed_runs: int
    pass_on_retry: int
    mixed_commits: int
    consecutive_passes: int
    first_flaky_at: float | None
    last_flaky_at: float | None
    flaky_branches: list[str]
    previous_status: str | None
    status_since: float | None
    first_run_at: float | None
    last_run_at: float | None
    last_run_id: str | None
    last_branch: str | None


_VERDICT_FIELDS = ("status", "reason", "probability", "score", "flip_rate", "window", "mixed_commits")


@dataclass
class VerdictEvidence(Record):
    """A test's verdict drawn again now, the evidence for it, and the runs it was drawn from."""

    test: FlakyTest
    verdict: Assessment
    runs: list[TestRun]

    def evidence_of(self, run_id: str) -> Any:
        """The evidence a run gives (or None)."""
        return next((e for e in self.verdict.evidence if e.run_id == run_id), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "test": self.test.to_dict(),
            "verdict": {name: getattr(self.verdict, name) for name in _VERDICT_FIELDS},
            "evidence": [vars(e) for e in self.verdict.evidence],
            "runs": [{**vars(run), "evidence": getattr(self.evidence_of(run.run_id), "kind", None)}
                     for run in self.runs],
        }


@dataclass
class QuarantineEntry(Record):
    """A test's latest quarantine: automatic (a flaky verdict), a marker's, or the list file's."""

    project: str
    nodeid: str
    source: str  # auto, marker, list
    reason: str
    entered_at: float | None  # None: a list line no run has applied yet
    entered_run: str | None
    passes: int  # clean passes in a row since it entered
    left_at: float | None  # None: in force
    left_reason: str | None

    @property
    def in_force(self) -> bool:
        """Whether the next run applies it: not left, or a list line waiting for its first run."""
        return self.left_at is None and self.entered_at is not None or (
            self.entered_at is None and self.source == "list")


def listed_entries(project: str, listed: Mapping[str, str], recorded: Iterable[str] = ()) -> list[QuarantineEntry]:
    """The list file's tests (node id -> reason) no run has applied yet: not ``recorded``."""
    known = set(recorded)
    return [QuarantineEntry(project, nodeid, "list", reason, None, None, 0, None, "not run since it was listed")
            for nodeid, reason in listed.items() if nodeid not in known]


def in_force(entries: list[QuarantineEntry]) -> dict[str, str]:
    """The tests quarantined now, with the reason: what --vpt-quarantine applies."""
    return {entry.nodeid: entry.reason for entry in entries if entry.in_force}


@dataclass
class FlakinessRebuild(Record):
    """What ``vpt flaky rebuild`` did: runs replayed, tests judged, how many of each status."""

    runs: int
    tests: int
    by_status: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        return {"runs": self.runs, "tests": self.tests, **self.by_status}
