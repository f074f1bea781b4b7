"""Compliance: each target's figure in a period judged against its goal, and stored for
dashboards (``sla_compliance``, through the history), by ``vpt sla report`` and by
:func:`refresh`, which the alerts loop calls."""

from __future__ import annotations

import time
from dataclasses import dataclass

from ..history import ComplianceRow, History, SlaPeriod
from . import periods
from .targets import SlaSettings, Target


@dataclass(frozen=True)
class Judged:
    """One period's figures (its read, as the history gives it) and its targets' rows."""

    period: SlaPeriod
    rows: tuple[ComplianceRow, ...]


def figure_of(target: Target, found: SlaPeriod) -> float | None:
    """The target's figure in its unit (percent 0-100, seconds, ...), None without data."""
    value = found.figures.get(target.measure.figure)
    return None if value is None else float(value) * target.measure.scale


def judge(history: History, targets: tuple[Target, ...], period: str, start: float,
          culprits: int = 0, now: float | None = None) -> Judged:
    """The targets over the period of kind ``period`` starting at ``start``, stored."""
    length = periods.check(period)
    found = history.sla_period(start, start + length, culprits)
    at = time.time() if now is None else now
    rows = tuple(ComplianceRow(found.project, period, start, target.name, figure_of(target, found), target.goal,
                               target.measure.direction, target.measure.unit, target.met(figure_of(target, found)), at)
                 for target in targets)
    history.record_sla_compliance(list(rows))
    return Judged(found, rows)


def refresh(history: History, settings: SlaSettings, now: float | None = None,
            period: str | None = None) -> list[ComplianceRow]:
    """Compute and store the compliance of the latest complete period and of the one in
    progress (its rows rewritten until it ends), of ``period`` (default: both daily and
    weekly): the rows written. No targets: nothing."""
    now = time.time() if now is None else now
    written: list[ComplianceRow] = []
    if not settings.targets:
        return written
    for kind in (period,) if period else tuple(periods.PERIODS):
        for start in (periods.last_complete(now, kind), periods.start_of(now, kind)):
            written.extend(judge(history, settings.targets, kind, start, now=now).rows)
    return written
