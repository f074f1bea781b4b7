"""A device's timeline, folded from its samples in time order: coverage, outages, flaps.

A sample vouches for its device's state from its time for one interval, or until the next
sample if that comes sooner. So uptime is a share of time covered, never of sample counts:
sampling every minute or every five gives the same figure. An outage runs from its first
offline sample to the next online sample; it is an *incident* once it lasted longer than the
device's grace. A flap is a change from online to offline (every outage, incidents or not).

The fold is incremental: :class:`DeviceState` is all it needs of the past, so a store can
fold each new batch onto the state it kept, and folding everything again gives the same.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

from ..buckets import bucket

HOUR = 3600.0


def hour_of(moment: float) -> float:
    return math.floor(moment / HOUR) * HOUR


@dataclass(frozen=True)
class TimedSample:
    """What the fold needs of a sample."""

    time: float
    online: bool
    interval: float
    response_time: float | None = None
    error: str | None = None


@dataclass
class DeviceState:
    """The fold's memory: the last sample, and the outage in progress."""

    last_time: float | None = None
    last_online: bool | None = None
    last_end: float | None = None
    since: float | None = None  # when the device last changed state
    outage_start: float | None = None  # first offline sample of the outage in progress
    outage_error: str | None = None
    outage_recorded: bool = False  # the outage in progress is already an incident


@dataclass
class HourTotals:
    """One device-hour: seconds covered and online, samples, failed probes, flaps, response times."""

    covered: float = 0.0
    online: float = 0.0
    samples: int = 0
    failed: int = 0
    flaps: int = 0
    incidents: int = 0  # incidents that started in this hour
    rt: Counter = field(default_factory=Counter)  # response-time bucket (analytics.buckets) -> samples

    def merge(self, other: HourTotals) -> None:
        self.covered += other.covered
        self.online += other.online
        self.samples += other.samples
        self.failed += other.failed
        self.flaps += other.flaps
        self.incidents += other.incidents
        self.rt.update(other.rt)


@dataclass(frozen=True)
class Incident:
    """An outage longer than the grace: ``end`` is None while it lasts."""

    start: float
    end: float | None
    error: str | None


@dataclass
class Folded:
    """What folding some samples changed: hour totals to add, incidents to write (by start)."""

    hours: dict[float, HourTotals] = field(default_factory=dict)
    incidents: dict[float, Incident] = field(default_factory=dict)


def fold(state: DeviceState, samples: list[TimedSample], grace: float, floor: float = -math.inf) -> Folded:
    """Fold ``samples`` (in time order, none before ``state.last_time``) onto ``state``, in place.

    The hours from ``floor`` on are counted afresh: time before it is left out (it was
    counted before), and the time after it that the state's last sample vouches for is
    counted again.
    """
    out = Folded()

    def add(start: float, end: float, online: bool, sign: float = 1.0) -> None:
        start = max(start, floor)
        while start < end:
            hour = hour_of(start)
            part = min(end, hour + HOUR) - start
            totals = out.hours.setdefault(hour, HourTotals())
            totals.covered += sign * part
            if online:
                totals.online += sign * part
            start += part

    def hour(moment: float) -> HourTotals:
        return out.hours.setdefault(hour_of(moment), HourTotals())

    if floor > -math.inf and state.last_end is not None and state.last_end > floor:
        add(floor, state.last_end, bool(state.last_online))
    for sample in samples:
        t = sample.time
        if state.last_end is not None and state.last_end > t:  # the previous sample vouched too long
            add(t, state.last_end, bool(state.last_online), -1.0)
        add(t, t + sample.interval, sample.online)
        totals = hour(t)
        totals.samples += 1
        if sample.online:
            if sample.response_time is not None:
                totals.rt[bucket(sample.response_time)] += 1
            if state.outage_start is not None:
                if t - state.outage_start > grace:
                    out.incidents[state.outage_start] = Incident(state.outage_start, t, state.outage_error)
                    if not state.outage_recorded:
                        hour(state.outage_start).incidents += 1
                state.outage_start, state.outage_error, state.outage_recorded = None, None, False
            if state.last_online is not True:
                state.since = t
        else:
            totals.failed += 1
            if state.outage_start is None:
                if state.last_online is True:
                    totals.flaps += 1
                state.outage_start, state.outage_error, state.since = t, sample.error, t
            if not state.outage_recorded and t - state.outage_start > grace:
                state.outage_recorded = True
                out.incidents[state.outage_start] = Incident(state.outage_start, None, state.outage_error)
                hour(state.outage_start).incidents += 1
        state.last_time, state.last_online, state.last_end = t, sample.online, t + sample.interval
    return out
