"""vpt devices shows the numbers a command probe reported; --values their history."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest
from click.testing import CliRunner

from pytest_vpt.cli import cli


def vpt(*args: str, width: int = 200) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), env={"COLUMNS": str(width)})
    return result.exit_code, result.output


@pytest.fixture
def monitored(tmp_path, monkeypatch):
    """A rig whose command probe prints its temperature, sampled by vpt monitor for a while."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pytest.ini").write_text("[pytest]\nvpt_project = lab\n")
    (tmp_path / "vpt.yaml").write_text(textwrap.dedent(f"""\
        devices:
          - id: hdmi-rig
            interval: 0.3
            probe: {{type: command, command: [{sys.executable!r}, "-c", "print('temperature=41.5'); print('fan=1200')"]}}
          - id: quiet-rig
            interval: 0.3
            probe: {{type: command, command: [{sys.executable!r}, "-c", "pass"]}}
    """))
    done = subprocess.run([sys.executable, "-m", "pytest_vpt", "monitor", "--flush", "0.2", "--for", "2s"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return tmp_path


def test_devices_show_the_latest_values(monitored) -> None:
    found = {d["device"]: d for d in json.loads(vpt("devices", "--json")[1])}
    assert found["hdmi-rig"]["values"] == {"fan": 1200.0, "temperature": 41.5} and found["quiet-rig"]["values"] == {}
    code, out = vpt("devices")
    assert code == 0 and "fan=1200 temperature=41.5" in out


def test_values_history_of_every_device_or_one(monitored) -> None:
    code, out = vpt("devices", "--values", "--json")
    rows = json.loads(out)
    assert code == 0 and len(rows) >= 4 and {r["device"] for r in rows} == {"hdmi-rig"}
    assert {(r["name"], r["value"]) for r in rows} == {("temperature", 41.5), ("fan", 1200.0)}
    assert [r["time"] for r in rows] == sorted((r["time"] for r in rows), reverse=True)
    code, out = vpt("devices", "--values", "hdmi-rig", width=80)
    header, first, *_ = out.splitlines()
    assert header.split() == ["time", "device", "name", "value"] and "hdmi-rig" in first
    code, out = vpt("devices", "--values", "quiet-rig")
    assert code == 0 and out.startswith("no probe values in the window for device 'quiet-rig'")
