"""A device's state as the README defines it (stale only when nothing sampled it for more than
its interval plus its timeout, whatever `vpt monitor --flush`), open incidents with their
duration so far, and one window for the figures and the incident list."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from pytest_vpt.analytics.devices import hour_of
from pytest_vpt.cli import cli
from pytest_vpt.devices import Sample, parse_devices
from pytest_vpt.devices.events import device_event, sample_event
from pytest_vpt.store import open_store, queries

from endpoints import TcpListener

T0 = 1_800_000_000.0 - 1_800_000_000.0 % 3600


def stb(interval: float, timeout: float = 0.5) -> dict:
    entry = {"id": "stb-1", "kind": "set-top-box", "probe": {"type": "tcp", "host": "127.0.0.1", "port": 22},
             "interval": interval, "timeout": timeout}
    return parse_devices([entry], "vpt.yaml")[0].describe()


def sample(at: float, online: bool, interval: float) -> dict:
    return sample_event(Sample("stb-1", at, online, 0.01 if online else None,
                               None if online else "connection refused", {}, interval), "lab")


def state_at(store, now: float) -> str:
    (device,) = queries.devices(store.conn, window=3600, now=now)
    return device["state"]


def test_a_monitor_flushing_every_5s_keeps_a_device_sampled_every_second_online(tmp_path, monkeypatch) -> None:
    """The reported case: `vpt monitor` with its default --flush 5, a device sampled every second."""
    listener = TcpListener()
    monkeypatch.chdir(tmp_path)
    (tmp_path / "vpt.yaml").write_text(f"devices:\n  - id: stb-1\n    probe: {{type: tcp, host: 127.0.0.1, "
                                       f"port: {listener.port}}}\n    interval: 1\n    timeout: 0.5\n")
    proc = subprocess.Popen([sys.executable, "-m", "pytest_vpt", "monitor", "--for", "16s"], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ})
    try:
        deadline = time.monotonic() + 15
        states = []
        while time.monotonic() < deadline:
            result = CliRunner().invoke(cli, ["devices", "--json"])
            found = json.loads(result.output) if result.exit_code == 0 and result.output.startswith("[") else []
            if found:
                states.append(found[0]["state"])
            time.sleep(0.25)
    finally:
        proc.wait(timeout=30)
        listener.stop()
    assert len(states) >= 20 and set(states) == {"online"}, states


def test_stale_once_nothing_sampled_it_for_its_interval_and_timeout_after_the_flush(store_url) -> None:
    with open_store(store_url) as store:
        store.write([device_event(stb(interval=1), "lab", T0, flush=5.0), *[sample(T0 + i, True, 1) for i in range(10)]])
        last = T0 + 9
        # Sampled until last + 1 (its interval); the next sample may take 0.5 s and wait 5 s to be written.
        assert state_at(store, last + 1 + 0.5 + 5 + 0.9) == "online"
        assert state_at(store, last + 1 + 0.5 + 5 + 1.1) == "stale"


def test_without_a_flush_a_device_is_stale_after_its_interval_and_timeout(store_url) -> None:
    with open_store(store_url) as store:  # a sampler that writes each sample at once (a pytest run's)
        store.write([device_event(stb(interval=1), "lab", T0), *[sample(T0 + i, False, 1) for i in range(3)]])
        assert state_at(store, T0 + 2 + 1 + 0.5 + 0.9) == "offline"
        assert state_at(store, T0 + 2 + 1 + 0.5 + 1.1) == "stale"


def test_an_open_incident_carries_its_duration_so_far_in_every_output(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pytest.ini").write_text("[pytest]\nvpt_project = lab\n")
    start = time.time() - 600
    with open_store(f"sqlite:///{tmp_path / '.vpt' / 'vpt.db'}") as store:
        store.write([device_event(stb(interval=60), "lab", start),
                     *[sample(start + i * 60, i < 2, 60) for i in range(10)]])
    listed = CliRunner().invoke(cli, ["devices", "--incidents", "--json"])
    (incident,) = json.loads(listed.output)
    assert incident["ended_at"] is None
    assert incident["duration"] == pytest.approx(time.time() - (start + 120), abs=5)
    table = CliRunner().invoke(cli, ["devices", "--incidents"]).output
    assert "ongoing" in table and "8m " in table


def test_the_incident_list_and_the_figures_cover_the_same_whole_hours(store_url) -> None:
    now = T0 + 1800  # window 1h: the figures cover T0 - 3600 .. now, and so does the list
    with open_store(store_url) as store:
        store.write([device_event(stb(interval=60), "lab", T0 - 3600),
                     *[sample(T0 - 3600 + i * 60, not 10 <= i < 20, 60) for i in range(90)]])
        (device,) = queries.devices(store.conn, window=3600, now=now)
        listed = queries.device_incidents(store.conn, window=3600, now=now)
    assert device["window_start"] == hour_of(now - 3600) == T0 - 3600
    assert device["incidents"] == 1  # ended 70 minutes before now: inside the window's first hour
    assert [(i["started_at"], i["ended_at"]) for i in listed] == [(T0 - 3000, T0 - 2400)]
    with open_store(store_url) as store:
        assert queries.device_incidents(store.conn, window=3600, now=T0 + 3600 + 1800) == []  # and both drop it together
        (later,) = queries.devices(store.conn, window=3600, now=T0 + 3600 + 1800)
    assert later["incidents"] == 0
