"""The SLA report of one period: each target met or missed with its figure, its trend over
the periods before, and what broke the missed ones (the devices with the least uptime, the
tests that failed most, the slowest, the incidents)."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any

from ..history import History
from . import periods
from .compliance import judge
from .targets import AT_LEAST, MEASURES, SlaSettings

#: the periods before the reported one its trend is drawn from, by default
TREND_PERIODS = 4
#: the most of each kind of culprit a report lists
CULPRITS = 5


@dataclass
class TargetResult:
    """A target's result in the period; ``previous``: its figures in the periods before,
    oldest first (None: no data); ``trend``: better, worse or steady against the last of them."""

    target: str
    about: str
    unit: str
    direction: str
    goal: float
    figure: float | None
    met: bool | None
    previous: list[float | None]
    change: float | None
    trend: str | None
    met_before: int  # of the periods before with data, how many met the goal
    judged_before: int


@dataclass
class SlaReport:
    """A project's SLA report of one period (``start`` to ``end``), as ``vpt sla report`` shows it."""

    project: str
    period: str
    label: str
    start: float
    end: float
    generated_at: float
    previous_labels: list[str]
    targets: list[TargetResult]
    broke: dict[str, Any] = field(default_factory=dict)  # culprit kind -> what it lists

    @property
    def met(self) -> int:
        return sum(t.met is True for t in self.targets)

    @property
    def missed(self) -> int:
        return sum(t.met is False for t in self.targets)

    @property
    def no_data(self) -> int:
        return sum(t.met is None for t in self.targets)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "met": self.met, "missed": self.missed, "no_data": self.no_data}


def report(history: History, settings: SlaSettings, period: str = "daily", at: float | None = None,
           now: float | None = None, trend_periods: int = TREND_PERIODS) -> SlaReport:
    """The report of the ``period`` (daily, weekly) holding ``at`` (default: the latest complete
    one before ``now``), its compliance and that of the ``trend_periods`` before it stored."""
    periods.check(period)
    if not settings.targets:
        raise ValueError(f"{settings.source}: no SLA targets (add sla: targets: to it)")
    if isinstance(trend_periods, bool) or not isinstance(trend_periods, int) or not 0 <= trend_periods <= 52:
        raise ValueError(f"trend_periods must be 0 to 52, not {trend_periods!r}")
    now = time.time() if now is None else now
    start = periods.last_complete(now, period) if at is None else periods.start_of(at, period)
    earlier = [judge(history, settings.targets, period, s, now=now) for s in periods.before(start, period, trend_periods)]
    this = judge(history, settings.targets, period, start, CULPRITS, now=now)
    results = []
    for index, row in enumerate(this.rows):
        before = [judged.rows[index].figure for judged in earlier]
        last = next((value for value in reversed(before) if value is not None), None)
        change = None if row.figure is None or last is None else row.figure - last
        results.append(TargetResult(
            row.target, MEASURES[row.target].about, row.unit, row.direction, row.goal, row.figure, row.met, before,
            change, _trend(change, row.direction), sum(j.rows[index].met is True for j in earlier),
            sum(j.rows[index].met is not None for j in earlier)))
    kinds = {MEASURES[r.target].culprits for r in results if r.met is False}
    return SlaReport(history.project or "", period, periods.label(start, period), start, this.period.end, now,
                     [periods.label(s, period) for s in periods.before(start, period, trend_periods)], results,
                     _broke(this.period, kinds))


def _trend(change: float | None, direction: str) -> str | None:
    if change is None:
        return None
    if abs(change) < 1e-9:
        return "steady"
    return "better" if (change > 0) == (direction == AT_LEAST) else "worse"


def _broke(found: Any, kinds: set[str]) -> dict[str, Any]:
    broke: dict[str, Any] = {}
    if "devices" in kinds:
        broke["devices"] = [d.to_dict() for d in found.devices]
        broke["device_incidents"] = [i.to_dict() for i in found.device_incidents]
    if "tests" in kinds:
        broke["failing_tests"] = [t.to_dict() for t in found.failing_tests]
    if "slowest" in kinds:
        broke["slowest_tests"] = [t.to_dict() for t in found.slowest_tests]
    if "video" in kinds:
        broke["video_incidents"] = [i.to_dict() for i in found.video_incidents]
    if "service" in kinds:
        broke["service"] = {"intervals": found.api_intervals}
    return broke
