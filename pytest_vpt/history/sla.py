"""What SLA compliance reads and keeps: :class:`SlaReads`, the part of the façade
(:class:`pytest_vpt.history.History`) that gives a period's figures (from the KPI rollups,
the daily rollup and the service's samples) and what made them, and stores compliance rows
and the reports sent on schedule (migration 0020). Judging figures against targets is
pytest_vpt.sla's."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from ..store import sla_queries
from .health import DeviceIncident, VideoIncident
from .record import Record
from .trends import TestDuration

#: the most devices, tests or incidents a period's read lists as what made its figures
CULPRITS_MAX = 100
PERIODS = ("daily", "weekly")


@dataclass
class DeviceUptime(Record):
    device: str
    uptime: float | None  # 0-1
    covered: float  # seconds
    incidents: int


@dataclass
class FailingTest(Record):
    nodeid: str
    failures: int  # final attempts failed or errored
    runs: int


@dataclass
class SlaPeriod(Record):
    """A project's figures over the whole UTC days from ``start`` to ``end`` (shares 0-1,
    times in seconds, scores 0-100; None: no data), and what made them: the devices with
    the least uptime, the tests that failed most, the slowest, the incidents."""

    project: str
    start: float
    end: float
    figures: dict[str, float | None]
    devices: list[DeviceUptime]
    failing_tests: list[FailingTest]
    slowest_tests: list[TestDuration]
    device_incidents: list[DeviceIncident]
    video_incidents: list[VideoIncident]
    api_intervals: int  # the service's sampling intervals with batches ingested

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> SlaPeriod:
        return cls(**{**row, "devices": [DeviceUptime.from_row(d) for d in row["devices"]],
                      "failing_tests": [FailingTest.from_row(t) for t in row["failing_tests"]],
                      "slowest_tests": [TestDuration.from_row(t) for t in row["slowest_tests"]],
                      "device_incidents": [DeviceIncident.from_row(i) for i in row["device_incidents"]],
                      "video_incidents": [VideoIncident.from_row(i) for i in row["video_incidents"]]})


@dataclass
class ComplianceRow(Record):
    """One target's compliance in one period (see migration 0020); ``met`` None: no data."""

    project: str
    period: str
    start: float
    target: str
    figure: float | None
    goal: float
    direction: str  # at_least, at_most
    unit: str  # percent, seconds, score, per_hour
    met: bool | None
    computed_at: float

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> ComplianceRow:
        return cls(**{**row, "met": None if row["met"] is None else bool(row["met"])})


class SlaReads:
    """The SLA reads and writes of :class:`pytest_vpt.history.History` (a project's)."""

    def sla_period(self, start: float, end: float, culprits: int = 5) -> SlaPeriod:
        """The figures of the whole UTC days from ``start``'s to the one before ``end``, with at
        most ``culprits`` of each kind of what made them."""
        project = self._needs_project("SLA compliance")  # type: ignore[attr-defined]
        for name, value in (("start", start), ("end", end)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ValueError(f"{name} must be a time in epoch seconds, not {value!r}")
        if end <= start:
            raise ValueError(f"the period is empty: end {end!r} is not after start {start!r}")
        if isinstance(culprits, bool) or not isinstance(culprits, int) or not 0 <= culprits <= CULPRITS_MAX:
            raise ValueError(f"culprits must be 0 to {CULPRITS_MAX}, not {culprits!r}")
        kpis = self.kpis(start, end - 1.0, slowest=culprits)  # type: ignore[attr-defined]
        last_day = kpis.until - 86400.0
        total, count = self._query(sla_queries.test_duration, project, kpis.since, last_day)  # type: ignore[attr-defined]
        api = self._query(sla_queries.ingest_latency, kpis.since, kpis.until)  # type: ignore[attr-defined]
        figures = {
            "pass_rate": kpis.tests.pass_rate, "flaky_share": kpis.tests.flaky_share,
            "test_duration": total / count if count else None, "quality_score": kpis.quality.score,
            "test_mttr": kpis.episodes.mttr, "test_mtbf": kpis.episodes.mtbf, "run_duration": kpis.speed.wall_mean,
            "run_duration_p95": kpis.speed.wall_p95, "tests_per_hour": kpis.speed.tests_per_hour,
            "uptime": kpis.availability.uptime, "device_mttr": kpis.availability.mttr,
            "device_mtbf": kpis.availability.mtbf, "video_qoe": kpis.video.qoe,
            "video_incidents_per_hour": kpis.video.incidents_per_hour, "api_p95": api["p95"],
        }
        devices = sorted((d for d in kpis.devices if d.kind == "device" and d.availability.uptime is not None),
                         key=lambda d: (d.availability.uptime, d.device))[:culprits]
        video = [i for i in self.video_incidents(since=kpis.since, limit=CULPRITS_MAX * 10)  # type: ignore[attr-defined]
                 if i.started_at < kpis.until][:culprits]
        return SlaPeriod(
            project, kpis.since, kpis.until, figures,
            [DeviceUptime(d.device, d.availability.uptime, d.availability.covered, d.availability.incidents)
             for d in devices],
            [FailingTest.from_row(t) for t in self._query(  # type: ignore[attr-defined]
                sla_queries.most_failed, project, kpis.since, last_day, culprits)],
            list(kpis.speed.slowest),
            self.device_incidents(window=kpis.until - kpis.since, now=kpis.until, limit=culprits)  # type: ignore[attr-defined]
            if culprits else [],
            video, api["intervals"])

    def record_sla_compliance(self, rows: list[ComplianceRow]) -> int:
        """Store ``rows``, each replacing the row of its project, period, start and target."""
        plain = [{**asdict(row), "met": None if row.met is None else int(row.met)} for row in rows]
        return self.store.apply(sla_queries.write_compliance, plain)  # type: ignore[attr-defined]

    def sla_compliance(self, period: str, since: float, until: float) -> list[ComplianceRow]:
        """The project's compliance rows of ``period`` (daily, weekly) periods starting from
        ``since`` to before ``until``, oldest first."""
        project = self._needs_project("SLA compliance")  # type: ignore[attr-defined]
        _check_period(period)
        rows = self._query(sla_queries.compliance, project, period, float(since), float(until))  # type: ignore[attr-defined]
        return [ComplianceRow.from_row(row) for row in rows]

    def claim_sla_report(self, period: str, start: float, sent_at: float, recipients: int) -> bool:
        """Mark the report of the period starting at ``start`` as sent now; False if it was
        already (by this process or another: only one sends it)."""
        project = self._needs_project("an SLA report")  # type: ignore[attr-defined]
        _check_period(period)
        return self.store.apply(sla_queries.claim_report, project, period, start, sent_at, recipients)  # type: ignore[attr-defined]

    def unclaim_sla_report(self, period: str, start: float) -> None:
        """Forget a claimed report that could not be delivered, so it is sent again later."""
        project = self._needs_project("an SLA report")  # type: ignore[attr-defined]
        self.store.apply(sla_queries.unclaim_report, project, period, start)  # type: ignore[attr-defined]

    def last_sla_report(self, period: str) -> dict[str, Any] | None:
        """The latest report sent of ``period``: its period's ``start``, ``sent_at``, ``recipients``."""
        project = self._needs_project("an SLA report")  # type: ignore[attr-defined]
        _check_period(period)
        return self._query(sla_queries.last_report, project, period)  # type: ignore[attr-defined]


def _check_period(period: str) -> None:
    if period not in PERIODS:
        raise ValueError(f"period must be one of {', '.join(PERIODS)}, not {period!r}")
