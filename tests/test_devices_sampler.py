"""The sampler against real endpoints that go down and come back."""

from __future__ import annotations

import stat
import time

from pytest_vpt.devices import BackgroundSampler, Sampler, parse_devices
from pytest_vpt.devices.events import device_event, sample_event
from pytest_vpt.store import open_store, queries

from endpoints import HttpEndpoint, TcpListener

INTERVAL = 0.1  # the floor


def tcp_device(port: int, ident: str = "stb-1"):
    return parse_devices([{"id": ident, "probe": {"type": "tcp", "host": "127.0.0.1", "port": port},
                           "interval": INTERVAL, "timeout": 0.04, "grace": 0.1}], "test")[0]


def test_an_outage_of_a_real_endpoint_is_one_incident_with_its_true_start_and_end(tmp_path) -> None:
    listener = TcpListener()
    device = tcp_device(listener.port)
    taken = []
    background = BackgroundSampler(Sampler([device], taken.append))
    background.start()
    time.sleep(0.5)
    down_at = time.time()
    listener.stop()
    time.sleep(0.6)
    up_at = time.time()
    listener.start()
    time.sleep(0.5)
    background.stop()
    assert background.sampler.stats.errors == []
    with open_store(f"sqlite:///{tmp_path / 'vpt.db'}") as store:
        store.write([device_event(device.describe(), "lab", taken[0].time)] + [sample_event(s, "lab") for s in taken])
        (incident,) = queries.device_incidents(store.conn)
        (health,) = queries.devices(store.conn, window=3600)
    slack = INTERVAL + 0.1  # a probe is due every interval; the machine may run it a little late
    early = 0.01  # a sample is stamped when its probe starts, which may be just before the change
    assert down_at - early <= incident["started_at"] <= down_at + slack
    assert up_at - early <= incident["ended_at"] <= up_at + slack
    assert incident["error"] == "connection refused"
    assert 0.4 < health["uptime"] < 0.75 and health["flaps"] == 1 and health["state"] == "online"


def test_a_slow_http_endpoint_is_an_outage_of_its_own_kind(tmp_path) -> None:
    endpoint = HttpEndpoint()
    device = parse_devices([{"id": "tv", "probe": {"type": "http", "url": endpoint.url}, "interval": 0.1,
                             "timeout": 0.05, "grace": 0.15}], "test")[0]
    taken = []
    background = BackgroundSampler(Sampler([device], taken.append))
    background.start()
    time.sleep(0.5)
    endpoint.delay = 0.3  # answers, but too late
    time.sleep(0.6)
    endpoint.delay = 0.0
    time.sleep(0.5)
    background.stop()
    endpoint.close()
    with open_store(f"sqlite:///{tmp_path / 'vpt.db'}") as store:
        store.write([device_event(device.describe(), "lab", taken[0].time)] + [sample_event(s, "lab") for s in taken])
        (incident,) = queries.device_incidents(store.conn)
        (health,) = queries.devices(store.conn, window=3600)
    assert incident["error"] == "no answer within 0.05s" and 0.45 <= incident["duration"] <= 0.85
    assert health["flaps"] == 1 and health["rt_p95"] < 0.05  # answers that came in time


def test_the_samplers_own_failures_are_counted_and_sampling_goes_on() -> None:
    listener = TcpListener()
    calls = []

    def broken_handler(sample):
        calls.append(sample)
        raise RuntimeError("disk full")

    background = BackgroundSampler(Sampler([tcp_device(listener.port)], broken_handler))
    background.start()
    time.sleep(0.4)
    background.stop()
    assert len(calls) >= 3
    assert background.sampler.stats.errors == ["handling a sample of stb-1: RuntimeError: disk full"]


def test_stopping_does_not_wait_for_a_hanging_probe(tmp_path) -> None:
    hang = tmp_path / "hang"
    hang.write_text("#!/bin/sh\nexec sleep 30\n")
    hang.chmod(hang.stat().st_mode | stat.S_IXUSR)
    device = parse_devices([{"id": "rig", "probe": {"type": "command", "command": str(hang)}, "interval": 20,
                             "timeout": 20}], "test")[0]
    background = BackgroundSampler(Sampler([device], lambda sample: None))
    background.start()
    time.sleep(0.3)
    started = time.monotonic()
    background.stop()
    assert time.monotonic() - started < 2 and not background._thread.is_alive()


def test_each_device_keeps_its_interval() -> None:
    listener = TcpListener()
    devices = [tcp_device(listener.port, f"box-{n}") for n in range(20)]
    taken = []
    background = BackgroundSampler(Sampler(devices, taken.append))
    background.start()
    time.sleep(2.0)
    background.stop()
    per_device = {d.id: sorted(s.time for s in taken if s.device == d.id) for d in devices}
    for times in per_device.values():
        assert 15 <= len(times) <= 21  # one per 100 ms over two seconds (the first ones spread over the interval)
    assert background.sampler.stats.late == 0


def test_regression_sample_rate_ceiling(tmp_path) -> None:
    """A 2-second `vpt monitor` at the floor's interval writes about 20 samples a device, no more;
    a Device built in code with a tinier interval is held to the floor; a late wake-up brings no
    catch-up burst."""
    import dataclasses
    import os
    import subprocess
    import sys

    from endpoints import up_and_down_registry

    listener = TcpListener()
    (tmp_path / "vpt.yaml").write_text(up_and_down_registry(listener.port))
    store = f"sqlite:///{tmp_path / 'vpt.db'}"
    result = subprocess.run([sys.executable, "-m", "pytest_vpt", "--store", store, "monitor", "--for", "2s"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=60, env=os.environ)
    assert result.returncode == 0, result.stderr
    with open_store(store) as opened:
        counts = dict(opened.conn.execute("SELECT device_id, count(*) FROM device_samples GROUP BY device_id").fetchall())
    assert set(counts) == {"stb-up", "stb-down"}
    assert all(10 <= count <= 21 for count in counts.values()), counts

    frantic = dataclasses.replace(tcp_device(listener.port), interval=0.000001)
    stalled = []

    def on_sample(sample):
        stalled.append(sample)
        if len(stalled) == 3:
            time.sleep(0.35)  # the loop is blocked: three slots are missed

    background = BackgroundSampler(Sampler([frantic], on_sample))
    background.start()
    time.sleep(1.0)
    background.stop()
    listener.stop()
    times = [sample.time for sample in stalled]
    assert len(times) <= 11
    gaps = [later - earlier for earlier, later in zip(times, times[1:])]
    assert min(gaps) >= 0.09, gaps  # never two probes closer than the interval (less the timer's jitter)
    assert {sample.interval for sample in stalled} == {0.1}
