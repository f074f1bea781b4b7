"""vpt devices and vpt monitor, as a user runs them."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from pytest_vpt.cli import cli
from pytest_vpt.devices import Sample
from pytest_vpt.devices.events import sample_event
from pytest_vpt.store import open_store, queries

from endpoints import TcpListener, up_and_down_registry


def vpt(*args: str) -> tuple[int, str]:
    result = CliRunner(env={"COLUMNS": "200"}).invoke(cli, list(args), catch_exceptions=False)  # a wide terminal
    return result.exit_code, result.output


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project whose store holds the last hour of a device that was down for ten minutes."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pytest.ini").write_text("[pytest]\nvpt_project = lab\n")
    start = time.time() - 3600
    with open_store(f"sqlite:///{tmp_path / '.vpt' / 'vpt.db'}") as store:
        store.write([sample_event(Sample("stb-1", start + i * 60, not 30 <= i < 40, 0.020, None if not 30 <= i < 40
                                         else "connection refused", {}, 60.0), "lab") for i in range(60)])
    return tmp_path


def test_vpt_devices_shows_state_and_health(project) -> None:
    code, out = vpt("devices", "--window", "3h", "--json")
    assert code == 0
    (device,) = json.loads(out)
    assert device["device"] == "stb-1" and device["state"] == "online"
    assert device["uptime"] == pytest.approx(50 / 60) and device["incidents"] == 1 and device["flaps"] == 1
    assert device["mttr"] == pytest.approx(600) and device["mtbf"] == pytest.approx(3000)
    code, out = vpt("devices", "--window", "3h")
    assert code == 0
    assert "uptime" in out.splitlines()[0] and "MTBF" in out
    assert "stb-1" in out and "83.3%" in out and "10m 00s" in out and "50m 00s" in out


def test_vpt_devices_lists_incidents_and_rebuilds(project) -> None:
    code, out = vpt("devices", "--incidents", "--window", "3h")
    assert code == 0 and "stb-1" in out and "connection refused" in out and "10m 00s" in out
    code, out = vpt("devices", "rebuild")
    assert (code, out.strip()) == (0, "rebuilt the health of 1 device")
    assert json.loads(vpt("devices", "--window", "3h", "--json")[1])[0]["incidents"] == 1
    code, out = vpt("devices", "--window", "soon")
    assert code == 2 and "Invalid value for '--window': 'soon': use a number and a unit: 90s, 30m, 24h, 7d or 2w" in out


def monitor(cwd, *args: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "pytest_vpt", "monitor", "--flush", "0.2", *args], cwd=cwd,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, **(env or {})},
    )


@pytest.fixture
def registry(tmp_path, monkeypatch):
    listener = TcpListener()
    monkeypatch.chdir(tmp_path)
    (tmp_path / "vpt.yaml").write_text(up_and_down_registry(listener.port))
    yield tmp_path
    listener.stop()


def test_monitor_samples_until_sigterm_and_writes_everything(registry) -> None:
    proc = monitor(registry)
    time.sleep(2.0)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert "stb-up online" in out and "stb-down offline: connection refused" in out
    samples, written = map(int, re.search(r"stopped: (\d+) samples?, (\d+) events? written\n", err).groups())
    assert samples >= 10 and written == samples + 2  # the samples and the two devices
    with open_store(f"sqlite:///{registry / '.vpt' / 'vpt.db'}", create=False) as store:
        assert store.conn.execute("SELECT count(*) FROM device_samples").fetchone()[0] == samples
        states = {d["device"]: d["state"] for d in queries.devices(store.conn)}
        (incident,) = queries.device_incidents(store.conn)
    assert states == {"stb-up": "online", "stb-down": "offline"}
    assert incident["device"] == "stb-down" and incident["ended_at"] is None


def test_monitor_stops_on_ctrl_c_and_after_a_span(registry) -> None:
    proc = monitor(registry)
    assert proc.stderr.readline().startswith("monitoring 2 devices")  # started, however loaded the machine
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0 and "stopped: " in err
    proc = monitor(registry, "--for", "1s")
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0 and "stopped: " in err


def test_monitor_says_what_it_could_not_write(registry) -> None:
    (registry / "blocked").write_text("a file where the store's folder should be")
    proc = monitor(registry, "--for", "1s", env={"VPT_STORE": "sqlite:///blocked/vpt.db"})
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 1
    assert "NOT written" in err and "blocked/vpt.db" in err


def test_monitor_without_devices_says_how_to_add_them(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out = vpt("monitor")
    assert code == 1 and "no devices registered: add a 'devices' list to vpt.yaml" in out
    (tmp_path / "vpt.yaml").write_text("devices:\n  - id: x\n    probe: {type: snmp}\n")
    code, out = vpt("monitor")
    assert code == 1 and "device 'x': field 'probe.type': unknown probe 'snmp'" in out
