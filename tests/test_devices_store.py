"""Devices in the store: samples in, incidents and hourly health kept up to date, whatever the order."""

from __future__ import annotations

import math
import random

import pytest

from pytest_vpt.devices import Sample, parse_devices
from pytest_vpt.devices.events import device_event, sample_event
from pytest_vpt.events import EventError, validate
from pytest_vpt.store import devices as rollup
from pytest_vpt.store import open_store, queries

T0 = 1_800_000_000.0 - 1_800_000_000.0 % 3600
DERIVED = ("device_health_hourly", "device_incidents", "device_status")


def stb(interval: float = 60, grace: float | None = None) -> dict:
    entry = {"id": "stb-1", "kind": "set-top-box", "probe": {"type": "tcp", "host": "127.0.0.1", "port": 22},
             "interval": interval, "timeout": 1, **({"grace": grace} if grace is not None else {})}
    return parse_devices([entry], "vpt.yaml")[0].describe()


def samples(pattern: str, interval: float = 60, start: float = T0) -> list[dict]:
    return [sample_event(Sample("stb-1", start + i * interval, c == "+", 0.010 if c == "+" else None,
                                None if c == "+" else "connection refused", {}, interval), "lab")
            for i, c in enumerate(pattern)]


@pytest.fixture
def store(store_url):
    with open_store(store_url) as opened:
        opened.write([device_event(stb(), "lab", T0)])
        yield opened


def test_vpt_devices_figures_for_a_known_day(store) -> None:
    store.write(samples("+" * 30 + "-" * 10 + "+" * 20))
    (device,) = queries.devices(store.conn, window=3600, now=T0 + 3600)
    assert (device["device"], device["kind"], device["state"], device["probe"]) == (
        "stb-1", "set-top-box", "online", "tcp 127.0.0.1:22")
    assert device["since"] == T0 + 2400 and device["outage_since"] is None
    assert device["uptime"] == pytest.approx(3000 / 3600)
    assert (device["incidents"], device["flaps"], device["samples"], device["failed"]) == (1, 1, 60, 10)
    assert (device["mtbf"], device["mttr"]) == (3000, 600)
    assert device["rt_p50"] == pytest.approx(0.010, rel=0.03)
    (incident,) = queries.device_incidents(store.conn)
    assert (incident["started_at"], incident["ended_at"], incident["duration"], incident["error"]) == (
        T0 + 1800, T0 + 2400, 600, "connection refused")


def test_an_outage_in_progress_is_an_open_incident_once_past_the_grace(store) -> None:
    store.write(samples("+" * 10 + "-"))
    assert queries.device_incidents(store.conn) == []  # one failed probe: not yet longer than the grace
    store.write(samples("--", start=T0 + 660))
    (incident,) = queries.device_incidents(store.conn)
    assert (incident["started_at"], incident["ended_at"]) == (T0 + 600, None)
    (device,) = queries.devices(store.conn, window=3600, now=T0 + 780)
    assert (device["state"], device["last_error"], device["outage_since"]) == ("offline", "connection refused", T0 + 600)
    assert device["open_incidents"] == 1
    (device,) = queries.devices(store.conn, window=3600, now=T0 + 7200)
    assert device["state"] == "stale"  # no sample vouches for now: nothing is sampling it


def test_a_sample_sent_twice_is_stored_once(store) -> None:
    batch = samples("+++--+")
    store.write(batch)
    store.write(batch)
    assert store.conn.execute("SELECT count(*) FROM device_samples").fetchone()[0] == 6
    (device,) = queries.devices(store.conn, window=3600, now=T0 + 400)
    assert device["samples"] == 6 and device["flaps"] == 1


def _derived(store) -> list[list[tuple]]:
    return [sorted(tuple(row) for row in store.conn.execute(f"SELECT * FROM {table}")) for table in DERIVED]


def _same(left: list[list[tuple]], right: list[list[tuple]]) -> bool:
    for rows_a, rows_b in zip(left, right, strict=True):
        assert len(rows_a) == len(rows_b)
        for row_a, row_b in zip(rows_a, rows_b):
            for a, b in zip(row_a, row_b):
                if isinstance(a, float) and isinstance(b, float):
                    assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6), (row_a, row_b)
                else:
                    assert a == b, (row_a, row_b)
    return True


def test_late_and_repeated_batches_give_the_same_tables_as_one_ordered_batch(make_store_url) -> None:
    rng = random.Random(3)
    events, moment, online = [], T0, True
    for _ in range(1500):
        if rng.random() < 0.05:
            online = not online
        events.append(sample_event(Sample("stb-1", moment, online, 0.01 * (1 + rng.random()) if online else None,
                                          None if online else "no answer within 1s", {}, 10.0), "lab"))
        moment += 10 + rng.choice([-0.5, 0, 0.3, 0, 0, 25])  # jitter, and the sampler down now and then
    stores = []
    for name in ("ordered", "batches", "shuffled"):
        store = open_store(make_store_url())
        store.write([device_event(stb(10, 10), "lab", T0)])
        stores.append(store)
    ordered, batches, shuffled = stores
    ordered.write(events)
    index = 0
    while index < len(events):
        size = rng.randint(1, 50)
        batches.write(events[index:index + size])
        index += size
    mixed = events[:]
    rng.shuffle(mixed)
    for index in range(0, len(mixed), 37):
        shuffled.write(mixed[index:index + 37])
    shuffled.write(mixed[:100])  # resent
    expected = _derived(ordered)
    assert len(expected[1]) > 10  # incidents
    assert _same(_derived(batches), expected) and _same(_derived(shuffled), expected)
    ordered.apply(rollup.rebuild)
    assert _same(_derived(ordered), expected)
    for store in stores:
        store.close()


@pytest.mark.parametrize(("field", "value", "message"), [
    ("vpt.device.response_time", -1.0, "field 'vpt.device.response_time': -1.0 is out of range (0 to 31622400 seconds)"),
    ("vpt.device.interval", 0.0, "field 'vpt.device.interval': 0.0 is out of range (above 0 to 31622400 seconds)"),
    ("vpt.device.values", {"temperature": float("nan")}, "'temperature' must be a finite number"),
    ("vpt.device.values", {"bad name": 1}, "metric name 'bad name' is invalid"),
    ("vpt.device.online", "yes", "field 'vpt.device.online': expected bool, got str"),
])
def test_a_bad_sample_event_names_the_field(field, value, message) -> None:
    (event,) = samples("+")
    event[field] = value
    with pytest.raises(EventError, match=message.replace("(", r"\(").replace(")", r"\)")):
        validate(event)
