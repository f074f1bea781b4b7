"""Probes against real endpoints on 127.0.0.1, and programs that imitate adb and device checks."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from dataclasses import replace

import pytest

from pytest_vpt.devices import parse_devices, probe_once
from pytest_vpt.devices.events import sample_event
from pytest_vpt.devices.probes.process import parse_values
from pytest_vpt.events import validate

from endpoints import HttpEndpoint, TcpListener, closed_port


def device(probe: dict, timeout: float = 1.0):
    (found,) = parse_devices([{"id": "dut", "probe": probe, "interval": 5, "timeout": timeout}], "test")
    return found


@pytest.fixture
def http():
    endpoint = HttpEndpoint()
    yield endpoint
    endpoint.close()


def test_tcp_probe_is_online_while_the_port_accepts_and_offline_once_closed() -> None:
    listener = TcpListener()
    dut = device({"type": "tcp", "host": "127.0.0.1", "port": listener.port})
    sample = probe_once(dut)
    assert sample.online and sample.error is None and 0 < sample.response_time < 1
    listener.stop()
    sample = probe_once(dut)
    assert not sample.online and sample.error == "connection refused" and sample.response_time is None


def test_http_probe_checks_status_and_content(http) -> None:
    dut = device({"type": "http", "url": http.url, "contains": "systems go"})
    assert probe_once(dut).online
    http.body = b"maintenance"
    assert probe_once(dut).error == "HTTP 200: the response does not contain 'systems go'"
    http.status = 503
    assert probe_once(dut).error == "HTTP 503 Service Unavailable"
    assert probe_once(device({"type": "http", "url": http.url, "status": [200, 503]})).online


def test_a_slow_answer_is_offline_within_the_timeout(http) -> None:
    http.delay = 2.0
    started = time.monotonic()
    sample = probe_once(device({"type": "http", "url": http.url}, timeout=0.3))
    assert not sample.online and sample.error == "no answer within 0.3s"
    assert time.monotonic() - started < 1.5


def test_http_probe_of_a_port_that_is_not_http_says_so() -> None:
    listener = TcpListener()  # accepts, then closes at once
    sample = probe_once(device({"type": "http", "url": f"http://127.0.0.1:{listener.port}/"}))
    assert not sample.online and sample.error
    sample = probe_once(device({"type": "http", "url": f"http://127.0.0.1:{closed_port()}/"}))
    assert sample.error == "connection refused"


def test_ping_probe_reports_the_round_trip() -> None:
    """No ``ping`` program: as root (CI) a raw ICMP socket, else a datagram one."""
    sample = probe_once(device({"type": "ping", "host": "127.0.0.1"}))
    assert sample.online and 0 <= sample.response_time < 0.5


def test_regression_ping_needs_no_ping_program(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # nothing to run on it
    (dut,) = parse_devices([{"id": "dut", "probe": {"type": "ping", "host": "127.0.0.1"}}], "devices.yaml")
    assert probe_once(dut).online


# Run as an unprivileged user, where the kernel allows ICMP datagram sockets or not. As root the
# script first moves into a network namespace of its own (loopback up, its own ping_group_range)
# and drops to nobody, so the machine's setting is left as it is.
UNPRIVILEGED_PING = """
import encodings.idna, fcntl, os, socket, struct, sys  # imported before dropping to a user who cannot read them
from pytest_vpt.devices import DeviceConfigError, parse_devices, probe_once
group_range = sys.argv[1]
if os.geteuid() == 0:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:  # SIOCSIFFLAGS: lo up, loopback, running
        fcntl.ioctl(sock, 0x8914, struct.pack("16sH", b"lo", 0x1 | 0x8 | 0x40))
    with open("/proc/sys/net/ipv4/ping_group_range", "w") as setting:
        setting.write(group_range)
    os.setgroups([])
    os.setgid(65534)
    os.setuid(65534)
entry = {"id": "dut", "probe": {"type": "ping", "host": "127.0.0.1"}}
try:
    (dut,) = parse_devices([entry], "devices.yaml")
except DeviceConfigError as exc:
    sys.exit(str(exc))
sample = probe_once(dut)
print(os.geteuid(), sample.online, sample.response_time, sample.error)
"""


def _ping_unprivileged(group_range: str) -> subprocess.CompletedProcess:
    wrapper = ["unshare", "--net"] if os.geteuid() == 0 else []
    return subprocess.run([*wrapper, sys.executable, "-c", UNPRIVILEGED_PING, group_range],
                          capture_output=True, text=True, timeout=60)


def test_ping_probe_without_privileges_uses_an_icmp_datagram_socket() -> None:
    done = _ping_unprivileged("0 2147483647")
    uid, online, response_time, error = done.stdout.split()
    assert done.returncode == 0 and uid != "0" and online == "True", done.stderr
    assert 0 <= float(response_time) < 0.5 and error == "None"


def test_ping_probe_refused_icmp_sockets_names_the_setting() -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root to set up a network namespace where ICMP sockets are refused")
    done = _ping_unprivileged("1 0")
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.strip() == ("devices.yaml: device 'dut': field 'probe.type': ping needs an ICMP socket: "
                                   "run as root, or let your group open one "
                                   "(sysctl net.ipv4.ping_group_range='0 2147483647')")


def executable(path, text: str):
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


FAKE_ADB = """#!/bin/sh
# Answers `adb -s SERIAL get-state` as adb does for a device that is attached, unauthorized or missing.
case "$2" in
  emulator-5554) echo device ;;
  R58M123) echo unauthorized ;;
  *) echo "error: device '$2' not found" >&2; exit 1 ;;
esac
"""


def test_adb_probe_reads_the_device_state(tmp_path) -> None:
    adb = executable(tmp_path / "adb", FAKE_ADB)
    assert probe_once(device({"type": "adb", "serial": "emulator-5554", "adb": adb})).online
    assert probe_once(device({"type": "adb", "serial": "R58M123", "adb": adb})).error == "adb state: unauthorized"
    assert probe_once(device({"type": "adb", "serial": "gone", "adb": adb})).error == "error: device 'gone' not found"


def test_command_probe_reports_numbers_and_errors(tmp_path) -> None:
    check = executable(tmp_path / "check", "#!/bin/sh\necho 'temperature=41.5'\necho 'fan: 1200 rpm'\necho booting\n"
                                           "[ -e \"$1\" ] || { echo 'no signal on HDMI 1' >&2; exit 3; }\n")
    marker = tmp_path / "present"
    marker.touch()
    sample = probe_once(device({"type": "command", "command": [check, str(marker)]}))
    assert sample.online and sample.values == {"temperature": 41.5, "fan": 1200.0}
    marker.unlink()
    sample = probe_once(device({"type": "command", "command": [check, str(marker)]}))
    assert not sample.online and sample.error == "no signal on HDMI 1"


def test_a_hanging_command_is_killed_at_the_timeout(tmp_path) -> None:
    pidfile = tmp_path / "pid"
    hang = executable(tmp_path / "hang", f"#!/bin/sh\necho $$ > {pidfile}\nexec sleep 30\n")
    started = time.monotonic()
    sample = probe_once(device({"type": "command", "command": hang}, timeout=0.5))
    assert sample.error == "no answer within 0.5s" and time.monotonic() - started < 2
    pid = int(pidfile.read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_command_output_values() -> None:
    assert parse_values('{"temperature": 40, "state": "ok", "load": 0.5}') == {"temperature": 40.0, "load": 0.5}
    assert parse_values("cpu_temp = 38.5 °C\nuptime: 1_200 s\nnot a number: x\n") == {"cpu_temp": 38.5, "uptime": 1200.0}


def test_regression_a_value_the_wire_format_cannot_hold_does_not_lose_the_sample(tmp_path) -> None:
    """A probe printing a nanosecond uptime (1.7e18) or a name that is no metric name keeps
    its other numbers, and its sample is a valid event."""
    check = executable(tmp_path / "check", "#!/bin/sh\necho '{\"temperature\": 41.5, \"uptime_ns\": 1.7e18, "
                                           "\"bad name\": 1, \"load\": 0.5}'\n")
    sample = probe_once(device({"type": "command", "command": [check]}))
    assert sample.online and sample.values == {"temperature": 41.5, "load": 0.5}
    validate(sample_event(replace(sample, interval=5.0), "p"))  # as the sampler hands it on
    assert parse_values("\n".join(f"v{i}={i}" for i in range(400))) == {f"v{i}": float(i) for i in range(256)}
