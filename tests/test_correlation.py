"""History.correlate on both engines: small hand-written histories, each bucket's value known,
the coefficients computed by hand (numpy) and compared with what the store's series give."""

from __future__ import annotations

import math

import numpy
import pytest

from pytest_vpt.events.builders import attempt_event, device_sample_event, incident_event, metric_event
from pytest_vpt.history import BadCorrelation, History, UnknownSeries
from pytest_vpt.store import open_store

HOUR = 3600.0
H0 = 1_800_000_000.0 - 1_800_000_000.0 % HOUR  # the start of an hour
NOW = H0 + 12 * HOUR  # the range "12h" is the 12 hours from H0


def attempts(hour: int, failures: int, device: str | None = "stb", tests: int = 4,
             duration: float = 1.0) -> list[dict]:
    """The final attempts of ``tests`` tests in hour ``hour`` on ``device``: ``failures`` failed."""
    run_id = f"r{hour}-{device}"
    return [attempt_event(f"{run_id}-{n}", run_id=run_id, project="box", nodeid=f"t.py::test_{n}",
                          outcome="failed" if n < failures else "passed", attempt=1, final=True,
                          started_at=H0 + hour * HOUR + 60 + n, device=device, call=duration)
            for n in range(tests)]


def sample(hour: int, device: str = "stb", minute: int = 30, online: bool = True, **values: float) -> dict:
    return device_sample_event("box", device, H0 + hour * HOUR + minute * 60, online, 60.0,
                               response_time=values.pop("response_time", 0.05) if online else None,
                               values=values or None)


def metric(name: str, hour: int, value: float, minute: int = 20, **tags: str) -> dict:
    return metric_event(f"{name}-{hour}-{minute}-{tags}", "box", name, value, "gauge", H0 + hour * HOUR + minute * 60,
                        tags=tags or None)


@pytest.fixture
def history(store_url):
    with open_store(store_url, create=True) as store:
        yield History(store, "box")


def correlate(history: History, a: str, b: str, timerange="12h", now: float = NOW, **kwargs):
    return history.correlate(a, b, timerange, now=now, **kwargs)


def by_hand(xs: list[float], ys: list[float]) -> tuple[float, float]:
    """Pearson's r, and Spearman's rho as Pearson's r of the ranks (no ties here)."""
    ranks = [numpy.argsort(numpy.argsort(v)) for v in (xs, ys)]
    return float(numpy.corrcoef(xs, ys)[0, 1]), float(numpy.corrcoef(*ranks)[0, 1])


def test_a_probe_value_rising_exactly_with_the_failure_rate_gives_pearson_1(history) -> None:
    failures = [0, 1, 2, 3, 4, 1, 0, 2, 3, 4, 0, 1]  # of 4 tests, per hour
    for hour, failed in enumerate(failures):
        history.store.write([*attempts(hour, failed), sample(hour, temperature=40 + 5 * failed)])
    found = correlate(history, "test_failure_rate", "device.temperature")
    assert (found.pairs, found.pairing, found.bucket, found.since, found.until) == (12, "per device", HOUR, H0, NOW)
    assert found.pearson == pytest.approx(1.0, abs=1e-12) and found.spearman == pytest.approx(1.0, abs=1e-12)
    assert found.pearson_p == pytest.approx(0.0, abs=1e-12) and found.warnings == []
    assert (found.a.kind, found.a.buckets, found.a.devices, found.b.kind, found.b.source) == (
        "built-in", 12, 1, "probe value", "temperature")
    for name in ("temperature", "device_temperature"):  # the probe value by its own name, and device_<name>
        assert correlate(history, "pass_rate", name).pearson == pytest.approx(-1.0, abs=1e-12)


def test_known_coefficients_and_p_values(history) -> None:
    failures = [0, 1, 2, 3, 4, 1, 0, 2, 3, 4, 0, 1]
    temperatures = [41.0, 44.5, 47.0, 52.0, 50.0, 46.0, 43.0, 45.0, 55.0, 53.5, 40.0, 49.0]
    for hour, (failed, temperature) in enumerate(zip(failures, temperatures)):
        history.store.write([*attempts(hour, failed, tests=5), sample(hour, temperature=temperature)])
    found = correlate(history, "device.temperature", "test_failure_rate")
    rates = [f / 5 for f in failures]
    pearson, _ = by_hand(temperatures, rates)
    assert found.pearson == pytest.approx(pearson, abs=1e-12)
    # Spearman with ties (the rates repeat): Pearson's r of the average ranks
    from scipy.stats import rankdata

    assert found.spearman == pytest.approx(float(numpy.corrcoef(rankdata(temperatures), rankdata(rates))[0, 1]),
                                           abs=1e-12)
    t = pearson * math.sqrt(10 / (1 - pearson ** 2))  # r's t statistic, 10 degrees of freedom
    from scipy.stats import t as student

    assert found.pearson_p == pytest.approx(2 * student.sf(abs(t), 10), rel=1e-9)
    assert 0 < found.spearman_p < 0.05 and found.pairs == 12 and found.warnings == []


def test_pairs_are_per_device_and_gaps_are_dropped_and_counted(history) -> None:
    stb, tv = [0, 1, 2, 3, 4, 2], [4, 3, 1, 0, 2, 1]
    for hour in range(6):
        history.store.write([*attempts(hour, stb[hour], "stb"), *attempts(hour, tv[hour], "tv"),
                             sample(hour, "stb", temperature=30 + 10 * stb[hour])])
        if hour != 2:  # tv's probe missed hour 2: a gap
            history.store.write([sample(hour, "tv", temperature=30 + 10 * tv[hour])])
    history.store.write(attempts(1, 2, device=None))  # tests on no device: not paired per device
    found = correlate(history, "test_failure_rate", "temperature")
    assert (found.pairing, found.pairs, found.a.buckets, found.a.devices, found.b.buckets) == (
        "per device", 11, 13, 2, 11)
    assert (found.a.unpaired, found.a.without_device, found.b.unpaired) == (2, 1, 0)
    assert found.pearson == pytest.approx(1.0, abs=1e-12)  # each device's temperature follows its own failures
    assert found.warnings == [
        "2 buckets of test_failure_rate had no value of temperature: dropped (1 of them had no device, and the "
        "pairing is per device)"]
    only_tv = correlate(history, "test_failure_rate", "temperature", device="tv")
    assert (only_tv.device, only_tv.pairs, only_tv.a.buckets, only_tv.b.buckets) == ("tv", 5, 6, 5)
    assert only_tv.warnings == ["1 bucket of test_failure_rate had no value of temperature: dropped",
                                "only 5 pairs (fewer than 10): the coefficients say little"]
    nobody = correlate(history, "test_failure_rate", "temperature", device="phone")
    assert nobody.pairs == 0 and nobody.warnings == [
        "test_failure_rate has no value in the range for device 'phone'",
        "temperature has no value in the range for device 'phone'", "no pairs: nothing to correlate"]


def test_a_series_without_devices_pairs_with_every_devices_bucket(history) -> None:
    for hour in range(4):
        history.store.write([metric("build_size", hour, 100.0 + hour),  # no device tag
                             metric("fan_speed", hour, 1000.0 + 100 * hour, device="stb"),
                             metric("fan_speed", hour, 2000.0 - 100 * hour, device="tv"),
                             sample(hour, "stb", temperature=40.0 + hour), sample(hour, "tv", temperature=50.0 - hour)])
    each = correlate(history, "build_size", "temperature")
    assert (each.pairing, each.pairs, each.a.devices, each.b.devices) == ("per bucket for each device", 8, 0, 2)
    assert each.pearson == pytest.approx(0.0, abs=1e-12)  # stb rises with the builds, tv falls as much
    per_device = correlate(history, "fan_speed", "temperature")  # the metric's device tag pairs per device
    assert (per_device.pairing, per_device.pairs, per_device.a.kind) == ("per device", 8, "metric")
    assert per_device.pearson == pytest.approx(1.0, abs=1e-12)
    alone = correlate(history, "build_size", "temperature", device="tv")
    assert (alone.pairing, alone.pairs) == ("per bucket for each device", 4)
    assert alone.pearson == pytest.approx(-1.0, abs=1e-12)
    by_bucket = correlate(history, "build_size", "pass_rate")  # no attempts: pass_rate is empty
    assert (by_bucket.pairing, by_bucket.pairs, by_bucket.a.buckets) == ("per bucket", 0, 4)


def test_a_constant_series_has_no_coefficients_and_is_named(history) -> None:
    for hour in range(12):
        history.store.write([*attempts(hour, 0), sample(hour, temperature=40.0 + hour % 3)])
    found = correlate(history, "test_failure_rate", "temperature")
    assert (found.pearson, found.pearson_p, found.spearman, found.spearman_p) == (None, None, None, None)
    assert found.warnings == ["test_failure_rate is constant (0) over the 12 pairs: it correlates with nothing"]


def test_a_mean_equal_but_for_rounding_is_constant(history) -> None:
    """0.1 and 0.2 average to 0.15000000000000002: the same load as one sample of 0.15."""
    for hour in range(4):
        loads = [0.1, 0.2] if hour % 2 else [0.15]
        history.store.write([*(metric("load", hour, load, minute=10 + n) for n, load in enumerate(loads)),
                             sample(hour, temperature=40.0 + hour)])
    found = correlate(history, "load", "temperature")
    assert found.pearson is None
    assert found.warnings == ["load is constant (0.15) over the 4 pairs: it correlates with nothing"]


def test_too_few_pairs(history) -> None:
    for hour, failed in enumerate([0, 2, 1, 4, 3]):
        history.store.write([*attempts(hour, failed), sample(hour, temperature=40.0 + failed)])
    two = history.correlate("pass_rate", "temperature", "2h", now=H0 + 2 * HOUR)
    assert (two.pairs, two.pearson, two.spearman) == (2, None, None)
    assert two.warnings == ["only 2 pairs: at least 3 are needed"]
    five = correlate(history, "pass_rate", "temperature")
    assert five.pairs == 5 and five.pearson == pytest.approx(-1.0, abs=1e-12)
    assert five.warnings == ["only 5 pairs (fewer than 10): the coefficients say little"]


def test_a_range_with_no_data_says_so(history) -> None:
    found = correlate(history, "pass_rate", "incidents_per_hour")
    assert (found.pairs, found.pearson, found.a.buckets, found.b.buckets) == (0, None, 0, 0)
    assert found.warnings == ["pass_rate has no value in the range",
                              "incidents_per_hour has no value in the range (0 in every bucket)",
                              "no pairs: nothing to correlate"]


def test_an_unknown_name_lists_the_known_ones(history) -> None:
    history.store.write([sample(1, temperature=40.0, voltage=5.0), metric("build_size", 1, 1.0),
                         *(metric(f"m{n:02d}", 2, 1.0) for n in range(60)), metric("old", -30, 1.0)])
    with pytest.raises(UnknownSeries) as raised:
        correlate(history, "pass_rate", "tempreature")
    assert raised.value.which == "metric_b"
    metrics = ["build_size", *(f"m{n:02d}" for n in range(49))]  # the first 50, sorted; "old" is out of range
    assert raised.value.known == ["test_failure_rate", "pass_rate", "test_duration", "device_uptime", "response_time",
                                  "incidents_per_hour", "device.temperature", "device.voltage", *metrics]
    assert str(raised.value) == f"no series 'tempreature': known are {', '.join(raised.value.known)}, ..."
    with pytest.raises(UnknownSeries, match="no series 'device.build_size'"):  # device.<name> is a probe value only
        correlate(history, "device.build_size", "pass_rate")
    with pytest.raises(UnknownSeries, match="no series 'old'"):  # recorded, but not in the range
        correlate(history, "old", "pass_rate")


@pytest.mark.parametrize(("kwargs", "field", "message"), [
    ({"timerange": "10d", "bucket": "1m"}, "bucket",
     "a range of 10d in buckets of 1m is 14400 buckets, more than 10000: use a shorter range or a larger bucket"),
    ({"timerange": "1500w"}, "timerange",
     "a range of 1500w in buckets of 1d is 10500 buckets, more than 10000: use a shorter range or a larger bucket"),
    ({"bucket": "30s"}, "bucket", "a bucket of 30s: use 1m to 7d"),
    ({"bucket": "8d"}, "bucket", "a bucket of 8d: use 1m to 7d"),
    ({"bucket": "0m"}, "bucket", "bucket '0m': use a positive span of at most 100 years"),
    ({"timerange": "7 days"}, "timerange", "timerange '7 days': use a number and a unit: 30m, 12h, 7d or 2w"),
    ({"timerange": -5.0}, "timerange", "timerange -5.0: use a positive span of at most 100 years"),
    ({"device": "x" * 257}, "device", "device: a name of 1 to 256 characters"),
])
def test_parameters_out_of_bounds_name_the_parameter(history, kwargs, field, message) -> None:
    with pytest.raises(BadCorrelation) as raised:
        history.correlate("pass_rate", "response_time", **{"now": NOW, **kwargs})
    assert (raised.value.field, str(raised.value)) == (field, message)


DAY = 86400.0


@pytest.mark.parametrize(("timerange", "bucket", "since"), [
    ("7d", HOUR, NOW - 7 * DAY), (3600.0, HOUR, NOW - HOUR), ("8d", DAY, (NOW - 8 * DAY) // DAY * DAY)])
def test_the_default_bucket_is_an_hour_up_to_7_days_else_a_day(history, timerange, bucket, since) -> None:
    """The range starts at the start of the bucket holding its first moment."""
    found = history.correlate("pass_rate", "response_time", timerange, now=NOW)
    assert (found.bucket, found.since, found.until) == (bucket, since, NOW)


def test_device_uptime_needs_whole_hours_and_gives_each_hours_uptime(history) -> None:
    # stb: hour 0 online throughout, hour 1 offline for its last half, hour 2 online again
    states = [True] * 60 + [True] * 30 + [False] * 30 + [True] * 60
    history.store.write([device_sample_event("box", "stb", H0 + i * 60, up, 60.0, response_time=0.01 * (1 + i // 60))
                         for i, up in enumerate(states)])
    with pytest.raises(BadCorrelation, match="device_uptime is kept per hour: use a bucket of whole hours"):
        correlate(history, "device_uptime", "response_time", bucket="30m")
    found = correlate(history, "device_uptime", "response_time", timerange="3h", now=H0 + 3 * HOUR)
    assert found.pairs == 3 and found.a.buckets == 3
    uptimes, responses = [1.0, 0.5, 1.0], [0.01, 0.02, 0.03]  # the probes that answered: their mean
    assert found.pearson == pytest.approx(by_hand(uptimes, responses)[0], abs=1e-9)


def test_incidents_per_hour_count_zero_where_none_started(history) -> None:
    """Video incidents have no device: against a series without devices they pair by bucket."""
    starts = {0: 2, 1: 0, 2: 1, 3: 3}  # incidents started per hour
    for hour, count in starts.items():
        history.store.write([incident_event("box", "freeze", "hdmi1", H0 + hour * HOUR + 60 * (n + 1), 2.0, "major",
                                            end=H0 + hour * HOUR + 60 * (n + 1) + 2.0) for n in range(count)])
        history.store.write([metric("bitrate", hour, 5000.0 - 1000 * count)])
    found = correlate(history, "incidents_per_hour", "bitrate", timerange="4h", now=H0 + 4 * HOUR)
    assert (found.pairing, found.pairs, found.a.buckets) == ("per bucket", 4, 3)  # hour 1: 0, no row
    assert found.pearson == pytest.approx(-1.0, abs=1e-12)
    two_hours = correlate(history, "incidents_per_hour", "bitrate", timerange="4h", now=H0 + 4 * HOUR, bucket="2h")
    assert two_hours.pairs == 2 and two_hours.warnings == ["only 2 pairs: at least 3 are needed"]


def test_device_incidents_count_per_device(history) -> None:
    """A device's incident starts with its first of two samples in a row unanswered."""
    down = {0: [10, 40], 1: [], 2: [20], 3: [5, 25, 45]}  # minutes of each hour an outage starts
    events = []
    for hour, minutes in down.items():
        for minute in range(60):
            offline = any(m <= minute < m + 2 for m in minutes)
            events.append(device_sample_event("box", "stb", H0 + hour * HOUR + minute * 60, not offline, 60.0,
                                              response_time=None if offline else 0.01,
                                              values={"temperature": 40.0 + 3 * len(minutes)}))
    history.store.write(events)
    found = correlate(history, "incidents_per_hour", "temperature", timerange="4h", now=H0 + 4 * HOUR)
    assert (found.pairing, found.pairs, found.a.devices, found.a.buckets) == ("per device", 4, 1, 3)
    assert found.pearson == pytest.approx(1.0, abs=1e-12)


def test_test_duration_is_the_mean_of_final_attempts(history) -> None:
    for hour, duration in enumerate([1.0, 2.0, 4.0, 3.0]):
        history.store.write([*attempts(hour, 0, duration=duration), sample(hour, response_time=duration / 10)])
    found = correlate(history, "test_duration", "response_time", timerange="4h", now=H0 + 4 * HOUR)
    assert found.pairs == 4 and found.pearson == pytest.approx(1.0, abs=1e-12)
    assert found.a.read == "mean duration of final attempts (skips aside), seconds"


def test_a_correlation_is_a_projects() -> None:
    with pytest.raises(ValueError, match="a correlation is a project's"):
        History(None).correlate("pass_rate", "response_time")  # type: ignore[arg-type]
