"""A device's health over a window, from its hour totals and incidents (see timeline.py).

- uptime: seconds online / seconds covered by samples (:func:`uptime`, also an hour's);
- error rate: failed probes / probes; flaps per hour: flaps / hours covered;
- response time p50 / p95: of the online samples, from 5 %-wide buckets;
- MTBF: seconds online / incidents that started in the window (None without one);
- MTTR: mean duration of those incidents that have ended (None if none has).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass

from ..buckets import percentile
from .timeline import HOUR, HourTotals, Incident


@dataclass(frozen=True)
class Health:
    covered: float
    online: float
    uptime: float | None
    samples: int
    failed: int
    error_rate: float | None
    flaps: int
    flaps_per_hour: float | None
    rt_p50: float | None
    rt_p95: float | None
    incidents: int
    open_incidents: int
    downtime: float  # seconds in incidents within the window (open ones up to ``now``)
    mtbf: float | None
    mttr: float | None

    def to_json(self) -> dict:
        return asdict(self)


def uptime(online: float, covered: float) -> float | None:
    """Seconds online / seconds covered by samples; None when samples cover (next to) nothing."""
    return online / covered if covered > 1e-9 else None


def health(hours: Iterable[HourTotals], incidents: Iterable[Incident], start: float, end: float) -> Health:
    """Figures over ``[start, end)``: ``hours`` are the totals of the hours in it, ``incidents``
    those that overlap it (an open one counts its downtime up to ``end``)."""
    total = HourTotals()
    for hour in hours:
        total.merge(hour)
    started = [i for i in incidents if start <= i.start < end]
    closed = [i.end - i.start for i in started if i.end is not None]
    downtime = sum(max(0.0, min(i.end if i.end is not None else end, end) - max(i.start, start)) for i in incidents)
    return Health(
        covered=total.covered,
        online=total.online,
        uptime=uptime(total.online, total.covered),
        samples=total.samples,
        failed=total.failed,
        error_rate=total.failed / total.samples if total.samples else None,
        flaps=total.flaps,
        flaps_per_hour=total.flaps / (total.covered / HOUR) if total.covered > 0 else None,
        rt_p50=percentile(total.rt, 0.5),
        rt_p95=percentile(total.rt, 0.95),
        incidents=len(started),
        open_incidents=sum(1 for i in started if i.end is None),
        downtime=downtime,
        mtbf=total.online / len(started) if started else None,
        mttr=sum(closed) / len(closed) if closed else None,
    )
