"""Device health from known timelines: uptime, incidents, flaps, MTBF and MTTR, exactly."""

from __future__ import annotations

import math
import random

import pytest

from pytest_vpt.analytics.devices import DeviceState, Incident, TimedSample, fold, health, percentile
from pytest_vpt.analytics.buckets import bucket as rt_bucket
from pytest_vpt.analytics.devices.timeline import HourTotals

T0 = 1_800_000_000.0 - 1_800_000_000.0 % 3600  # the start of an hour


def timeline(pattern: str, interval: float, start: float = T0) -> list[TimedSample]:
    """One sample per interval: "+" online (answering in 10 ms), "-" offline."""
    return [TimedSample(start + i * interval, c == "+", interval, 0.010 if c == "+" else None,
                        None if c == "+" else "connection refused") for i, c in enumerate(pattern)]


def figures(samples: list[TimedSample], grace: float, end: float | None = None):
    folded = fold(DeviceState(), samples, grace)
    end = end if end is not None else samples[-1].time + samples[-1].interval
    return health(folded.hours.values(), folded.incidents.values(), T0, end), folded


def test_one_outage_in_an_hour() -> None:
    # 60 s samples: online for 30 min, offline for 10 min, online for 20 min.
    found, folded = figures(timeline("+" * 30 + "-" * 10 + "+" * 20, 60), grace=60)
    assert list(folded.incidents.values()) == [Incident(T0 + 1800, T0 + 2400, "connection refused")]
    assert found.covered == 3600 and found.online == 3000
    assert found.uptime == pytest.approx(3000 / 3600)
    assert (found.samples, found.failed, found.flaps, found.incidents) == (60, 10, 1, 1)
    assert found.error_rate == pytest.approx(10 / 60)
    assert found.flaps_per_hour == pytest.approx(1.0)
    assert found.mtbf == 3000 and found.mttr == 600 and found.downtime == 600


def test_uptime_does_not_depend_on_the_sampling_interval() -> None:
    every_minute, _ = figures(timeline("+" * 30 + "-" * 10 + "+" * 20, 60), grace=60)
    every_five, _ = figures(timeline("+" * 6 + "-" * 2 + "+" * 4, 300), grace=60)
    mixed = timeline("+" * 30, 60) + timeline("-" * 2 + "+" * 4, 300, T0 + 1800)
    changed, _ = figures(mixed, grace=60)
    for result in (every_five, changed):
        assert (result.uptime, result.mtbf, result.mttr, result.flaps) == (
            every_minute.uptime, every_minute.mtbf, every_minute.mttr, every_minute.flaps)


def test_an_outage_within_the_grace_is_a_flap_not_an_incident() -> None:
    found, folded = figures(timeline("+" * 10 + "-" + "+" * 10 + "--" + "+" * 10, 60), grace=60)
    assert found.flaps == 2 and found.incidents == 1  # one failed probe: 60 s, not more than the grace
    assert list(folded.incidents.values()) == [Incident(T0 + 21 * 60, T0 + 23 * 60, "connection refused")]
    assert found.online == 30 * 60 and found.mtbf == 30 * 60 and found.mttr == 120


def test_mtbf_and_mttr_over_several_outages() -> None:
    found, _ = figures(timeline("+" * 20 + "---" + "+" * 20 + "-----" + "+" * 12, 60), grace=60)
    assert found.incidents == 2
    assert found.mtbf == pytest.approx(52 * 60 / 2)
    assert found.mttr == pytest.approx((180 + 300) / 2)
    assert found.uptime == pytest.approx(52 / 60)


def test_an_incident_still_going_on_is_open_with_its_duration_so_far() -> None:
    found, folded = figures(timeline("+" * 10 + "-" * 5, 60), grace=60, end=T0 + 20 * 60)
    assert list(folded.incidents.values()) == [Incident(T0 + 600, None, "connection refused")]
    assert found.incidents == 1 and found.open_incidents == 1
    assert found.mttr is None and found.downtime == 600  # from its start to the end of the window


def test_time_nobody_sampled_counts_neither_way() -> None:
    # Sampled for 10 minutes, nothing for 40 minutes (the monitor was down), then 10 minutes.
    samples = timeline("+" * 5 + "-" * 5, 60) + timeline("-" * 2 + "+" * 8, 60, T0 + 3000)
    found, folded = figures(samples, grace=60)
    assert found.covered == 1200 and found.online == 780 and found.uptime == 0.65
    # The outage spans the gap: it started with its first failed probe and ended with the next answer.
    assert list(folded.incidents.values()) == [Incident(T0 + 300, T0 + 3120, "connection refused")]


def test_early_samples_are_not_counted_twice() -> None:
    samples = [TimedSample(T0 + t, True, 10.0) for t in (0, 9, 18, 30)]
    found, _ = figures(samples, grace=10)
    assert found.covered == 38  # 0-9, 9-18, 18-28, 30-40


def test_hours_are_split_at_their_boundaries() -> None:
    folded = fold(DeviceState(), [TimedSample(T0 + 3590, False, 20.0), TimedSample(T0 + 3610, True, 20.0)], grace=5)
    first, second = folded.hours[T0], folded.hours[T0 + 3600]
    assert (first.covered, first.online, second.covered, second.online) == (10, 0, 30, 20)
    assert first.incidents == 1  # counted in the hour it started


def test_folding_in_batches_gives_the_same_as_folding_at_once() -> None:
    rng = random.Random(11)
    samples = [TimedSample(T0 + i * 30 + rng.random(), rng.random() > 0.2, 30.0, 0.01) for i in range(500)]
    state, whole = DeviceState(), fold(DeviceState(), samples, grace=45)
    totals: dict[float, HourTotals] = {}
    incidents: dict[float, Incident] = {}
    index = 0
    while index < len(samples):
        size = rng.randint(1, 40)
        part = fold(state, samples[index:index + size], grace=45)
        for hour, delta in part.hours.items():
            totals.setdefault(hour, HourTotals()).merge(delta)
        incidents.update(part.incidents)
        index += size
    assert incidents == whole.incidents
    for hour, expected in whole.hours.items():
        got = totals[hour]
        assert (got.samples, got.failed, got.flaps, got.incidents, got.rt) == (
            expected.samples, expected.failed, expected.flaps, expected.incidents, expected.rt)
        assert math.isclose(got.covered, expected.covered) and math.isclose(got.online, expected.online)


def test_response_time_percentiles_are_within_the_bucket_width() -> None:
    rng = random.Random(5)
    times = sorted(rng.lognormvariate(math.log(0.02), 0.6) for _ in range(5000))
    buckets = HourTotals().rt
    for value in times:
        buckets[rt_bucket(value)] += 1
    assert percentile(buckets, 0.5) == pytest.approx(times[2499], rel=0.05)
    assert percentile(buckets, 0.95) == pytest.approx(times[4749], rel=0.05)
    assert percentile(HourTotals().rt, 0.5) is None
