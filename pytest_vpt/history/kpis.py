"""KPIs as records, read from the KPI rollups: :class:`KpiReads` is the part of the façade
(:class:`pytest_vpt.history.History`) that gives them."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

from ..store import kpi_queries, kpis
from .errors import HistoryError
from .record import Record
from .trends import TestDuration

#: the most slowest tests a KPI read lists
SLOWEST_MAX = 1000


class UnknownDevice(HistoryError):
    """No device or stream of that name has KPIs in the project; the message lists those that do."""

    def __init__(self, device: str, known: list[str]) -> None:
        listed = ", ".join(known[:20]) + (f" (and {len(known) - 20} more)" if len(known) > 20 else "")
        super().__init__(f"no device or stream {device!r} with KPIs: " + (f"known: {listed}" if known else "none has any"))
        self.device = device
        self.known = known


@dataclass
class QualityPart(Record):
    name: str
    value: float | None  # 0-100; None: no data, left out
    weight: float
    used_weight: float  # the weight once the parts without data are left out


@dataclass
class QualityScore(Record):
    score: float | None  # 0-100; None when no part has data
    parts: list[QualityPart]

    @property
    def used(self) -> list[str]:
        return [part.name for part in self.parts if part.value is not None]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> QualityScore:
        return cls(row["score"], [QualityPart.from_row(part) for part in row["parts"]])


@dataclass
class TestFigures(Record):
    __test__ = False  # not a pytest test class

    runs: int
    passed: int
    failed: int
    error: int
    quarantined: int
    pass_rate: float | None  # quarantined tests' failures left out
    tests_run: int
    flaky_tests: int
    flaky_share: float | None


@dataclass
class OpenEpisode(Record):
    nodeid: str
    branch: str | None
    started_at: float
    runs: int


@dataclass
class Episodes(Record):
    """Failure episodes of tests: started and ended in the window, MTTR of those ended, MTBF
    of the passing gaps before those started; the episodes open now (not in MTTR)."""

    started: int
    ended: int
    mttr: float | None  # seconds
    mttr_runs: float | None  # failing runs
    mtbf: float | None  # seconds
    gaps: int
    open: int
    open_episodes: list[OpenEpisode]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Episodes:
        return cls(**{**row, "open_episodes": [OpenEpisode.from_row(e) for e in row["open_episodes"]]})


@dataclass
class Speed(Record):
    runs: int
    wall_mean: float | None
    wall_p50: float | None
    wall_p95: float | None
    tests: int
    tests_per_hour: float | None
    slowest: list[TestDuration]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Speed:
        return cls(**{**row, "slowest": [TestDuration.from_row(t) for t in row["slowest"]]})


@dataclass
class Availability(Record):
    covered: float
    online: float
    uptime: float | None
    incidents: int
    repaired: int
    mtbf: float | None
    mttr: float | None


@dataclass
class VideoFigures(Record):
    incidents: int
    seconds: float
    covered: float
    incidents_per_hour: float | None
    scores: int
    score_mean: float | None
    qoe: float | None


@dataclass
class DeviceKpis(Record):
    device: str
    kind: str  # device or stream
    quality: QualityScore
    availability: Availability
    video: VideoFigures

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> DeviceKpis:
        return cls(row["device"], row["kind"], QualityScore.from_row(row["quality"]),
                   Availability.from_row(row["availability"]), VideoFigures.from_row(row["video"]))


@dataclass
class KpiDay(Record):
    day: float
    runs: int
    pass_rate: float | None
    uptime: float | None
    video_incidents: int
    quality: float | None
    parts: dict[str, float]


@dataclass
class Kpis(Record):
    """A project's KPIs over whole UTC days, its devices and streams, and its days."""

    project: str
    since: float
    until: float
    empty: bool  # nothing a KPI counts in the window
    quality: QualityScore
    tests: TestFigures
    episodes: Episodes
    speed: Speed
    availability: Availability
    video: VideoFigures
    devices: list[DeviceKpis]
    days: list[KpiDay]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Kpis:
        return cls(row["project"], row["since"], row["until"], row["empty"], QualityScore.from_row(row["quality"]),
                   TestFigures.from_row(row["tests"]), Episodes.from_row(row["episodes"]), Speed.from_row(row["speed"]),
                   Availability.from_row(row["availability"]), VideoFigures.from_row(row["video"]),
                   [DeviceKpis.from_row(d) for d in row["devices"]], [KpiDay.from_row(d) for d in row["days"]])


@dataclass
class KpiRebuild(Record):
    days: int  # the project days recomputed


class KpiReads:
    """The KPI reads and rebuild of :class:`pytest_vpt.history.History`."""

    def kpis(self, since: float, until: float | None = None, device: str | None = None,
             slowest: int = 10) -> Kpis:
        """The project's KPIs over the whole UTC days from ``since``'s to ``until``'s (default:
        now): quality score and its parts, tests, failure episodes, speed (with the ``slowest``
        tests), availability, video, and per device and stream (only ``device``, if given)."""
        project = self._needs_project("a KPI")  # type: ignore[attr-defined]
        until = time.time() if until is None else until
        for name, value in (("since", since), ("until", until)):
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
                raise ValueError(f"{name} must be a time in epoch seconds, not {value!r}")
        if since > until:
            raise ValueError("since is after until: the window is empty")
        if not isinstance(slowest, int) or not 0 <= slowest <= SLOWEST_MAX:
            raise ValueError(f"slowest must be 0 to {SLOWEST_MAX}, not {slowest!r}")
        if device is not None:
            known = self._query(kpi_queries.known_devices, project)  # type: ignore[attr-defined]
            if device not in known:
                raise UnknownDevice(device, known)
        return Kpis.from_row(self._query(kpi_queries.kpis, project, since, until, device, slowest))  # type: ignore[attr-defined]

    def rebuild_kpis(self) -> KpiRebuild:
        """Fold every test's failure episodes again and recompute every KPI day (of the
        history's project, or every project's), from the other rollups and the runs."""
        store = self.store  # type: ignore[attr-defined]
        store.fold_daily()  # the tests' days count what is queued too
        return KpiRebuild(store.apply(kpis.rebuild, self.project))
