"""The device registry: vpt.yaml or [tool.vpt], and clear errors naming the device and field."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from pytest_vpt.devices import DeviceConfigError, load_devices, parse_devices
from pytest_vpt.devices.probes import AdbProbe, CommandProbe, HttpProbe, PingProbe, TcpProbe

REGISTRY = """\
devices:
  - id: stb-1
    kind: set-top-box
    tags: {room: lab-2, rack: 3}
    probe: {type: tcp, host: 127.0.0.1, port: 8022}
    interval: 10
    timeout: 2
  - id: tv-web
    probe: {type: http, url: "http://localhost:8080/health", status: [200, 204], contains: ok}
    grace: 0
  - id: router
    tags: [network]
    probe: {type: ping, host: 127.0.0.1}
  - id: phone
    probe: {type: adb, serial: emulator-5554, adb: /bin/true}
  - id: rig
    probe: {type: command, command: "/bin/echo temperature=41.5"}
    interval: 2
"""


def test_vpt_yaml_lists_devices_with_their_probes_and_defaults(tmp_path) -> None:
    (tmp_path / "vpt.yaml").write_text(REGISTRY)
    stb, tv, router, phone, rig = load_devices(tmp_path)
    assert (stb.id, stb.kind, stb.tags, stb.interval, stb.timeout, stb.grace) == (
        "stb-1", "set-top-box", {"room": "lab-2", "rack": "3"}, 10.0, 2.0, 10.0)
    assert stb.probe == TcpProbe("127.0.0.1", 8022)
    assert tv.probe == HttpProbe("http://localhost:8080/health", (200, 204), "ok")
    assert (tv.kind, tv.interval, tv.timeout, tv.grace) == ("device", 30.0, 5.0, 0.0)
    assert router.probe == PingProbe("127.0.0.1") and router.tags == {"network": ""}
    assert phone.probe == AdbProbe("emulator-5554", "/bin/true")
    assert rig.probe == CommandProbe(("/bin/echo", "temperature=41.5"))
    assert (rig.interval, rig.timeout) == (2.0, 2.0)  # the timeout never exceeds the interval
    assert stb.describe()["probe"] == "tcp 127.0.0.1:8022"


def test_pyproject_tool_vpt_table_is_read_when_there_is_no_vpt_yaml(tmp_path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.vpt]\ndevices = [{id = "stb-1", probe = {type = "tcp", host = "127.0.0.1", port = 22}, interval = 5}]\n'
    )
    (device,) = load_devices(tmp_path)
    assert (device.id, device.interval, device.probe) == ("stb-1", 5.0, TcpProbe("127.0.0.1", 22))
    assert load_devices(tmp_path / "nothing-here") == []


@pytest.mark.parametrize(("entry", "message"), [
    ({"id": "stb-1", "probe": {"type": "telnet", "host": "x"}},
     "device 'stb-1': field 'probe.type': unknown probe 'telnet' (known: tcp, http, ping, adb, command)"),
    ({"id": "stb-1", "probe": {"type": "tcp", "host": "no-such-host.invalid", "port": 22}},
     "device 'stb-1': field 'probe.host': the host name 'no-such-host.invalid' does not resolve"),
    ({"id": "stb-1", "probe": {"type": "tcp", "host": "127.0.0.1", "port": 22}, "interval": -5},
     "device 'stb-1': field 'interval': -5 s is below the floor of 0.1 s"),
    ({"id": "stb-1", "probe": {"type": "tcp", "host": "127.0.0.1", "port": 22}, "interval": 5, "timeout": 10},
     "device 'stb-1': field 'timeout': 10s is longer than the interval (5s)"),
    ({"id": "stb-1", "probe": {"type": "tcp", "host": "127.0.0.1"}},
     "device 'stb-1': field 'probe.port': expected a port number (1-65535), got None"),
    ({"id": "stb-1", "probe": {"type": "http", "url": "ftp://box/"}},
     "device 'stb-1': field 'probe.url': expected an http:// or https:// URL, got 'ftp://box/'"),
    ({"id": "stb-1", "probe": {"type": "http", "url": "http://no-such-host.invalid/health"}},
     "device 'stb-1': field 'probe.url': the host name 'no-such-host.invalid' does not resolve"),
    ({"id": "stb-1", "probe": {"type": "tcp", "host": "127.0.0.1", "port": 22, "retries": 3}},
     "device 'stb-1': field 'probe.retries': unknown for a tcp probe"),
    ({"id": "stb-1", "probe": {"type": "command", "command": "/no/such/program --check"}},
     "device 'stb-1': field 'probe.command': '/no/such/program' is not an executable"),
    ({"id": "stb-1", "probe": {"type": "adb", "serial": "x", "adb": "/no/such/adb"}},
     "device 'stb-1': field 'probe.type': this probe runs '/no/such/adb', which is not installed"),
    ({"id": "stb-1", "probe": {"type": "tcp", "host": "127.0.0.1", "port": 22}, "intervall": 5},
     "device 'stb-1': field 'intervall': unknown"),
    ({"id": "bad id!", "probe": {"type": "tcp", "host": "127.0.0.1", "port": 22}},
     "devices[1]: field 'id': 'bad id!' is not a device id"),
])
def test_bad_configuration_names_the_device_and_the_field(entry, message) -> None:
    good = {"id": "ok", "probe": {"type": "tcp", "host": "127.0.0.1", "port": 22}}
    with pytest.raises(DeviceConfigError) as caught:
        parse_devices([good, entry], "vpt.yaml")
    assert str(caught.value).startswith("vpt.yaml: ")
    assert message in str(caught.value)


def test_a_duplicate_id_is_an_error() -> None:
    entry = {"id": "stb-1", "probe": {"type": "tcp", "host": "127.0.0.1", "port": 22}}
    with pytest.raises(DeviceConfigError, match=r"vpt.yaml: device 'stb-1': field 'id': the id is used twice"):
        parse_devices([entry, dict(entry)], "vpt.yaml")


def test_a_file_that_is_not_yaml_or_not_a_list_is_an_error(tmp_path) -> None:
    (tmp_path / "vpt.yaml").write_text("devices: [unclosed\n")
    with pytest.raises(DeviceConfigError, match=r"vpt.yaml: not valid YAML"):
        load_devices(tmp_path)
    (tmp_path / "vpt.yaml").write_text("devices: {id: stb-1}\n")
    with pytest.raises(DeviceConfigError, match=r"'devices' must be a list of devices, not dict"):
        load_devices(tmp_path)


def test_pytest_refuses_to_start_with_a_bad_registry(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", vpt="devices:\n  - id: stb-1\n    probe: {type: tcp, host: 127.0.0.1, port: 22}\n"
                                   "    interval: -1\n")
    pytester.makepyfile("def test_one(): pass")
    result = pytester.runpytest("--vpt")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*vpt.yaml: device 'stb-1': field 'interval': -1 s is below the floor of 0.1 s*"])


def test_regression_interval_floor() -> None:
    """`interval: 0.000001` once made a 4-second monitor write 44,545 samples."""
    probe = {"type": "tcp", "host": "127.0.0.1", "port": 22}
    for field, value, message in [
        ("interval", 0.000001, "field 'interval': 1e-06 s is below the floor of 0.1 s"),
        ("interval", 10**9, "field 'interval': 1e+09 s is above the ceiling of 86400 s"),
        ("timeout", 0.001, "field 'timeout': 0.001 s is below the floor of 0.01 s"),
        ("grace", -1, "field 'grace': must be zero or more, got -1"),
    ]:
        with pytest.raises(DeviceConfigError) as caught:
            parse_devices([{"id": "stb-1", "probe": probe, field: value}], "vpt.yaml")
        assert str(caught.value) == f"vpt.yaml: device 'stb-1': {message}"
    (fastest,) = parse_devices([{"id": "stb-1", "probe": probe, "interval": 0.1}], "vpt.yaml")
    assert (fastest.interval, fastest.timeout) == (0.1, 0.1)


BOMB = "".join(f"l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 10)}]\n" for n in range(1, 10))

HOSTILE = [
    (b"devices:\n  - id: caf\xe9\n", r"not UTF-8 text \(byte 0xe9 on line 2\); save it as UTF-8"),
    (b"- stb-1\n- stb-2\n", "expected a mapping at the top level, not list"),
    (("l0: &l0 [lol]\n" + BOMB).encode(), r"refused: line \d+, column \d+: more than 200,000 values once its aliases "
                                          r"are expanded \(an alias bomb\?\)"),
    (b"devices: &loop [*loop]\n", "refused: line 1, column 17: an alias refers to the mapping or list that holds it"),
    (b"devices: " + b"[" * 5000 + b"]" * 5000 + b"\n", "refused: line 1, column 59: nested more than 50 levels deep"),
    (b"# padding\n" * 120_000, "larger than 1024 KiB, the most a configuration file may hold"),
    (b"devices: !!python/object/apply:os.system [echo owned]\n",
     "not valid YAML: line 1, column 10: could not determine a constructor for the tag "
     "'tag:yaml.org,2002:python/object/apply:os.system'"),
]


@pytest.mark.parametrize(("content", "message"), HOSTILE, ids=["latin-1", "list", "billion-laughs", "recursive",
                                                                 "deep", "huge", "python-tag"])
def test_a_hostile_or_undecodable_vpt_yaml_is_refused_naming_it(tmp_path, content, message) -> None:
    (tmp_path / "vpt.yaml").write_bytes(content)
    with pytest.raises(DeviceConfigError, match=f"^{re.escape(str(tmp_path / 'vpt.yaml'))}: {message}$"):
        load_devices(tmp_path)


def test_regression_non_utf8_config_is_named(tmp_path, monkeypatch) -> None:
    """A Latin-1 vpt.yaml or pyproject.toml was a UnicodeDecodeError traceback; now one line naming the file."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("VPT_CONFIG", raising=False)
    (tmp_path / "vpt.yaml").write_bytes(b"devices:\n  - id: salle-\xe9\n")
    result = subprocess.run([sys.executable, "-m", "pytest_vpt", "monitor", "--for", "1s"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip() == f"Error: {tmp_path / 'vpt.yaml'}: not UTF-8 text (byte 0xe9 on line 2); save it as UTF-8"
    (tmp_path / "vpt.yaml").unlink()
    (tmp_path / "pyproject.toml").write_bytes(b"[tool.pytest.ini_options]\nvpt_project = \"caf\xe9\"\n")
    for command in (["devices"], ["monitor", "--for", "1s"]):
        result = subprocess.run([sys.executable, "-m", "pytest_vpt", *command], cwd=tmp_path,
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 1 and "Traceback" not in result.stderr
        assert result.stderr.strip() == (f"Error: {tmp_path / 'pyproject.toml'}: not UTF-8 text (byte 0xe9 on line 2); "
                                         "save it as UTF-8")


@pytest.mark.parametrize(("content", "message"), [HOSTILE[0], HOSTILE[2]], ids=["latin-1", "billion-laughs"])
def test_regression_pytest_vpt_bad_config_is_usage_error(pytester: pytest.Pytester, content, message) -> None:
    """`pytest --vpt` with an undecodable vpt.yaml stopped with INTERNALERROR (exit 3)."""
    (pytester.path / "vpt.yaml").write_bytes(content)
    pytester.makepyfile("def test_one(): pass")
    result = pytester.runpytest("--vpt")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()
    assert re.search(f"ERROR: {re.escape(str(pytester.path / 'vpt.yaml'))}: {message}", result.stderr.str())
