"""The history of test runs as a Python API: typed reads and the rebuilds. The CLI and the
server call this, and nothing else reads the store."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from ..analytics.flakiness import STATUSES, FlakinessSettings
from ..store import StoreError, StoreURL, open_store
from ..store import device_queries, devices, flakiness, metric_queries, queries, rollup_failures, trends
from ..store.base import Store
from ..store.status import StoreStatus, status
from .alerts import AlertReads
from .changes import ChangeReads
from .correlation import CorrelationReads
from .costs import CostReads
from .exports import ExportReads
from .errors import NoVerdict, RunIdAmbiguous, RunNotFound, TestInSeveralProjects
from .failures import FailureReads
from .health import Device, DeviceIncident, DeviceValue, VideoIncident
from .kpis import KpiReads
from .live import LiveReads
from .panels import PanelReads
from .runs import DailyRebuild, MetricSample, MetricSummary, Run, RunDetail, TestHistoryEntry, TestResult
from .service import ServiceReads
from .sla import SlaReads
from .trends import Trends
from .verdicts import FlakinessRebuild, FlakyTest, QuarantineEntry, VerdictEvidence, in_force, listed_entries

Progress = Callable[[int, int], Any]


class History(AlertReads, ChangeReads, CostReads, CorrelationReads, ExportReads, FailureReads, KpiReads, LiveReads, PanelReads, ServiceReads, SlaReads):
    """The runs, tests, verdicts, quarantine, devices, incidents, metrics and trends of a store.

    Opened for a ``project``, every read sees only that project's history; for None, every
    project's. Use it as a context manager (``with History.open(...) as history:``); a store
    error raises StoreError naming the store, a run id that singles out no run raises
    RunNotFound or RunIdAmbiguous.
    """

    def __init__(self, store: Store, project: str | None = None,
                 flakiness_settings: FlakinessSettings = FlakinessSettings(), owned: bool = False) -> None:
        """The history in a store already open (the service's connection); ``close`` closes
        it only when ``owned`` (as :meth:`open` opens it)."""
        self.store = store
        self.project = project
        self.flakiness_settings = flakiness_settings
        self._owned = owned

    @classmethod
    def open(cls, store: StoreURL | str | None = None, base_dir: Path | str = ".", project: str | None = None,
             create: bool = False) -> History:
        """The history in ``store`` (a URL, resolved against ``base_dir``; None: the store
        ``pytest --vpt`` would write from here, with its flakiness settings). It must exist
        unless ``create``."""
        if store is None:
            from ..config import settings_outside_pytest

            return cls.from_settings(settings_outside_pytest()[0], project, create)
        return cls(open_store(store, base_dir, create=create), project, owned=True)

    @classmethod
    def from_settings(cls, settings: Any, project: str | None = None, create: bool = False) -> History:
        """The history in the settings' store (pytest_vpt.config.Settings), with their
        flakiness settings for verdicts and rebuilds."""
        return cls(open_store(settings.store, create=create), project, settings.flakiness, owned=True)

    def close(self) -> None:
        if self._owned:
            self.store.close()

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def url(self) -> StoreURL:
        return self.store.url

    def _query(self, query: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return query(self.store.conn, *args, **kwargs)
        except self.store.errors as exc:
            raise StoreError(f"{self.store.url}: {self.store.reason(exc)}") from exc

    def _needs_project(self, what: str) -> str:
        if not self.project:
            raise ValueError(f"{what} is a project's: open the history with project=...")
        return self.project

    # runs and tests

    def runs(self, limit: int = 20) -> list[Run]:
        """Recent runs, newest first."""
        return [Run.from_row(r) for r in self._query(queries.runs, self.project, limit)]

    def run(self, run_id: str) -> Run:
        """The run whose id is ``run_id`` or, alone, starts with it."""
        found = self._query(queries.find_runs, run_id, self.project)
        if not found:
            raise RunNotFound(run_id)
        if len(found) > 1:
            raise RunIdAmbiguous(run_id)
        return Run.from_row(found[0])

    def run_tests(self, run_id: str, outcomes: Iterable[str] = (), all_attempts: bool = False) -> list[TestResult]:
        """A run's tests in the order they started: final attempts, or every attempt; only
        those with one of ``outcomes`` if given. ``run_id`` may be abbreviated."""
        full = self.run(run_id).run_id
        rows = self._query(queries.run_tests, full, list(outcomes), all_attempts, self.project)
        return [TestResult.from_row(r) for r in rows]

    def run_detail(self, run_id: str, outcomes: Iterable[str] = (), all_attempts: bool = False) -> RunDetail:
        """One run, its tests (as :meth:`run_tests`) and the summary of its metrics."""
        run = self.run(run_id)
        return RunDetail(run, self.run_tests(run.run_id, outcomes, all_attempts), self.metrics(run_id=run.run_id))

    def test_history(self, nodeid: str, limit: int = 50, all_attempts: bool = False) -> list[TestHistoryEntry]:
        """One test's attempts across runs (each run's final one, or every one), newest first."""
        rows = self._query(queries.history, nodeid, self.project, limit, all_attempts)
        return [TestHistoryEntry.from_row(r) for r in rows]

    def nodeids(self) -> list[str]:
        """Every node id recorded, sorted."""
        return self._query(queries.nodeids, self.project)

    # metrics

    def metrics(self, name: str | None = None, tags: Mapping[str, str] | None = None, run_id: str | None = None,
                nodeid: str | None = None, since: float | None = None) -> list[MetricSummary]:
        """Per metric name and tag set (samples carrying every tag of ``tags``): count, last,
        mean, p50, p95, min, max. ``run_id`` must be whole (see :meth:`run`)."""
        rows = self._query(metric_queries.metric_summary, self.project, name, dict(tags or {}), run_id, nodeid, since)
        return [MetricSummary.from_row(r) for r in rows]

    def metric_samples(self, run_id: str | None = None, name: str | None = None,
                       limit: int = 1000) -> list[MetricSample]:
        """The samples themselves, oldest first."""
        return [MetricSample.from_row(r) for r in self._query(queries.metrics, run_id, name, limit, self.project)]

    def trends(self, since: float, now: float | None = None, nodeid: str | None = None,
               device: str | None = None) -> Trends:
        """The project's trends from ``since`` to ``now``: pass rate per day, p50/p95 duration
        per test, tests per hour, device uptime per hour (of one test or device if given)."""
        project = self._needs_project("a trend")
        return Trends.from_row(self._query(trends.trends, project, since, now, nodeid, device))

    # flakiness and quarantine

    def flaky(self, statuses: Iterable[str] = ("flaky",), branch: str | None = None, since: float | None = None,
              limit: int = 50) -> list[FlakyTest]:
        """Tests by flakiness score, highest first: with one of ``statuses`` (none given: any),
        flaky on ``branch`` (or last run there), run since ``since``."""
        rows = self._query(queries.flaky, self.project, branch, since, list(statuses), limit)
        return [FlakyTest.from_row(r) for r in rows]

    def verdict(self, nodeid: str) -> VerdictEvidence:
        """One test's verdict drawn again from its latest runs, with the evidence for it."""
        found = self._query(queries.flakiness_of, nodeid, self.project)
        if not found:
            raise NoVerdict(nodeid)
        if len(found) > 1:
            raise TestInSeveralProjects(nodeid, [row["project"] for row in found])
        row = found[0]
        test_id = row.pop("test_id")
        assessment, runs = self._query(flakiness.explain, test_id, row["runs"], self.flakiness_settings)
        return VerdictEvidence(FlakyTest.from_row(row), assessment, runs)

    def quarantine(self, listed: Mapping[str, str] | None = None) -> list[QuarantineEntry]:
        """Every test's latest quarantine, in force first, then the tests of the list file
        (``listed``: node id -> reason) no run has applied yet."""
        project = self._needs_project("the quarantine")
        entries = [QuarantineEntry.from_row(r) for r in self._query(queries.quarantine, project)]
        return entries + listed_entries(project, listed or {}, (entry.nodeid for entry in entries))

    def quarantined(self, listed: Mapping[str, str] | None = None) -> dict[str, str]:
        """The tests quarantined now (node id -> reason), as --vpt-quarantine applies them."""
        return in_force(self.quarantine(listed))

    def end_quarantine(self, nodeid: str, reason: str, at: float) -> bool:
        """End a test's quarantine in force; False if none was."""
        return self.store.apply(flakiness.release, self._needs_project("the quarantine"), nodeid, reason, at)

    def forget_quarantine(self, nodeid: str) -> bool:
        """Drop a test's ended quarantine, so a list line or marker puts it back; False if none."""
        return self.store.apply(flakiness.forget, self._needs_project("the quarantine"), nodeid)

    # devices and video

    def devices(self, window: float = 86400.0, now: float | None = None) -> list[Device]:
        """Every device: its current state, and its health over the window's whole hours."""
        return [Device.from_row(r) for r in self._query(device_queries.devices, self.project, window, now)]

    def device_incidents(self, device: str | None = None, since: float | None = None, window: float | None = None,
                         limit: int = 50, now: float | None = None) -> list[DeviceIncident]:
        """Device incidents, newest first: those overlapping ``window`` (as :meth:`devices`
        counts them), else those going on at ``since``."""
        rows = self._query(device_queries.device_incidents, self.project, device, since, limit, window, now)
        return [DeviceIncident.from_row(r) for r in rows]

    def device_values(self, device: str | None = None, since: float | None = None,
                      limit: int = 1000) -> list[DeviceValue]:
        """The numbers the probes reported, newest samples first."""
        rows = self._query(device_queries.device_values, self.project, device, since, limit)
        return [DeviceValue.from_row(r) for r in rows]

    def video_incidents(self, since: float | None = None, limit: int = 100) -> list[VideoIncident]:
        """Video incidents (black screens, freezes, streams lost), newest first."""
        return [VideoIncident.from_row(r) for r in self._query(queries.video_incidents, self.project, since, limit)]

    # the store and its rollups

    def status(self) -> StoreStatus:
        """The store's engine, schema version, rollup queue and what the rollups set aside."""
        return status(self.store)

    def set_aside(self) -> dict[str, int]:
        """How many tests each rollup (daily, duration, flakiness) set aside in the whole
        store (every project's), 0 included."""
        found = self._query(rollup_failures.by_kind)
        return {kind: found.get(kind, 0) for kind in rollup_failures.KINDS}

    def rebuild_daily(self, on_progress: Progress | None = None) -> DailyRebuild:
        """Derive the daily rollup again from the attempts: how many, and how many (of how
        many tests) could not be folded."""
        count = self.store.rebuild_daily(self.project, on_progress=on_progress)
        failed = [f for f in self.status().failures
                  if f["what"] == "daily" and (not self.project or f["project"] == self.project)]
        return DailyRebuild(count, sum(f["count"] for f in failed), len(failed))

    def rebuild_flakiness(self, on_progress: Progress | None = None) -> FlakinessRebuild:
        """Recompute every verdict from the whole history (after changing the settings)."""
        runs = self.store.apply(flakiness.rebuild, self.flakiness_settings, self.project, on_progress=on_progress)
        judged = self.flaky(statuses=(), limit=10**9)
        return FlakinessRebuild(runs, len(judged), {s: sum(t.status == s for t in judged) for s in STATUSES})

    def rebuild_devices(self, on_progress: Progress | None = None) -> int:
        """Derive incidents and hourly health again from all samples; returns how many devices."""
        return self.store.apply(devices.rebuild, self.project, on_progress=on_progress)


__all__ = ["History"]
