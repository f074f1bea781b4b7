"""``vpt alerts`` end to end: a device going offline in a real store is told to a real Slack
endpoint on 127.0.0.1 once, listed, silenced and resolved; a test message; a bad rules file
refused; ``vpt alerts run`` and the loop beside ``vpt server`` evaluating on their own."""

from __future__ import annotations

import json
import time

import pytest
from click.testing import CliRunner

from pytest_vpt.alerts.loop import beside_server
from pytest_vpt.cli import cli
from pytest_vpt.events.builders import device_sample_event
from pytest_vpt.history import History

from alert_endpoints import slack_project
from server_process import Server

CONFIG = """\
alerts:
  builtin: false
  channels:
    ops: {type: slack, url: "${SLACK_WEBHOOK}"}
  rules:
    - name: Device Offline
      condition: device_status == "offline"
      severity: critical
      summary: "{device} is offline"
      channels: [ops]
"""


def vpt(*args: str) -> tuple[int, str]:
    result = CliRunner(env={"COLUMNS": "80"}).invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


@pytest.fixture
def slack(tmp_path, monkeypatch):
    with slack_project(tmp_path, monkeypatch, CONFIG) as endpoints:
        yield endpoints


def probe(url: str, online: bool, device: str = "tv-1") -> None:
    with History.open(url, create=True) as history:
        history.store.write([device_sample_event("box", device, time.time(), online, 10.0)])


def test_a_device_offline_is_told_to_slack_once_listed_silenced_and_resolved(tmp_path, slack) -> None:
    url = f"sqlite:///{tmp_path / 'vpt.db'}"
    probe(url, True)
    assert vpt("--store", url, "alerts", "check") == (0, "1 rule evaluated: nothing fires\n")
    probe(url, False)
    code, out = vpt("--store", url, "alerts", "check")
    assert code == 1 and out.startswith("firing: tv-1 is offline\n1 alert firing\n") and "Device Offline" in out
    (told,) = slack.wait_for("/slack/", 1)
    assert "tv-1 is offline" in json.dumps(told.json()["blocks"])
    code, out = vpt("--store", url, "alerts", "check", "--json")
    found = json.loads(out)
    assert code == 1 and found["notifications"] == [] and [a["labels"]["device"] for a in found["firing"]] == ["tv-1"]
    assert len(slack.received("/slack/")) == 1

    code, out = vpt("--store", url, "alerts", "list")
    assert code == 0 and "Device Offline" in out and "firing" in out and "tv-1" in out
    assert max(len(line) for line in out.splitlines()) <= 80
    (listed,) = json.loads(vpt("--store", url, "alerts", "list", "--json")[1])["alerts"]
    assert (listed["state"], listed["labels"], listed["notified_at"] is not None) == (
        "firing", {"device": "tv-1", "project": "box"}, True)

    code, out = vpt("--store", url, "alerts", "silence", "Device Offline", "--for", "2h", "--reason", "moving")
    assert code == 0 and out.startswith("Device Offline: silenced until ")
    assert "silenced: Device Offline until" in vpt("--store", url, "alerts", "list")[1]
    code, out = vpt("--store", url, "alerts", "silence", "Nope")
    assert code == 1 and "no rule named 'Nope' (rules: Device Offline)" in out
    assert vpt("--store", url, "alerts", "silence", "Device Offline", "--end", "--json")[1].strip().startswith("{")

    probe(url, True)
    code, out = vpt("--store", url, "alerts", "check")
    assert code == 0 and out.startswith("resolved: tv-1 is offline\n")
    resolved = slack.wait_for("/slack/", 2)[1]
    assert "tv-1" in json.dumps(resolved.json()) and "RESOLVED" in resolved.json()["text"]


def test_a_test_message_goes_through_the_channel_named(slack) -> None:
    code, out = vpt("alerts", "test", "ops")
    assert (code, out) == (0, "ops: delivered (slack, 1 attempt)\n")
    (sent,) = slack.wait_for("/slack/", 1)
    assert "a test message from vpt alerts test" in json.dumps(sent.json())
    code, out = vpt("alerts", "test", "pager")
    assert code == 1 and "no channel named 'pager' (channels: ops)" in out
    slack.fail("/slack/", status=400, times=1, body="invalid_payload")
    code, out = vpt("alerts", "test", "ops", "--json")
    assert code == 1 and json.loads(out.split("\nError")[0])["delivered"] is False
    assert "invalid_payload" in out and slack.slack_url("ops") not in out and "B0000" not in out


def test_a_bad_rules_file_is_refused_naming_where(tmp_path, slack) -> None:
    (tmp_path / "bad.yaml").write_text("alerts:\n  - name: X\n    condition: __import__('os') == 1\n")
    code, out = vpt("--store", f"sqlite:///{tmp_path / 'vpt.db'}", "alerts", "check", "--rules", "bad.yaml")
    assert code == 1 and "bad.yaml, line 3, column 16: rule 'X': names cannot begin with '_' ('__import__')" in out


def test_vpt_alerts_run_evaluates_every_interval_until_its_time_is_up(tmp_path, slack) -> None:
    url = f"sqlite:///{tmp_path / 'vpt.db'}"
    probe(url, False)
    code, out = vpt("--store", url, "alerts", "run", "--every", "1s", "--for", "2s")
    lines = out.splitlines()
    assert code == 0 and lines[0] == "evaluating 1 rule every 1.0s (Ctrl-C stops)"
    assert sum("firing: tv-1 is offline" in line for line in lines) == 1 and lines[-1].startswith("stopped after ")
    assert len(slack.wait_for("/slack/", 1)) == 1


def test_the_loop_beside_the_server_tells_a_device_offline_while_no_test_runs(tmp_path, slack) -> None:
    url = f"sqlite:///{tmp_path / 'vpt.db'}"
    probe(url, False, "stb-9")
    (tmp_path / "vpt.yaml").write_text(CONFIG.replace("alerts:\n", "alerts:\n  every: 1s\n"), encoding="utf-8")
    loop = beside_server(url, tmp_path)
    assert loop.enabled and loop.every == 1.0
    loop.start()
    try:
        (told,) = slack.wait_for("/slack/", 1)
    finally:
        loop.stop()
    assert "stb-9 is offline" in json.dumps(told.json()["blocks"]) and loop.evaluations >= 1
    (tmp_path / "vpt.yaml").write_text("", encoding="utf-8")
    assert not beside_server(url, tmp_path).enabled and not beside_server(url).enabled


def test_vpt_server_evaluates_the_rules_of_vpt_yaml_beside_the_service(tmp_path, slack) -> None:
    url = f"sqlite:///{tmp_path / 'vpt.db'}"
    probe(url, False, "stb-7")
    (tmp_path / "vpt.yaml").write_text(CONFIG.replace("alerts:\n", "alerts:\n  every: 1s\n"), encoding="utf-8")
    server = Server(url).start()
    try:
        (told,) = slack.wait_for("/slack/", 1, timeout=30)
    finally:
        server.stop()
    assert "stb-7 is offline" in json.dumps(told.json()["blocks"])
    with History.open(url) as history:
        assert [(s.rule, s.labels["device"], s.state) for s in history.alert_states()] == [
            ("Device Offline", "stb-7", "firing")]


def test_vpt_alerts_rules_lists_the_rules_in_force(tmp_path, slack) -> None:
    code, out = vpt("alerts", "rules")
    assert code == 0 and out.splitlines()[0] == "1 rule, evaluated every 10s"
    assert 'Device Offline  device_status == "offline"' in out
    (tmp_path / "vpt.yaml").write_text("alerts:\n  rules:\n    - name: No Tests Running\n      enabled: false\n")
    found = json.loads(vpt("alerts", "rules", "--json")[1])
    assert [rule["name"] for rule in found["rules"]] == ["Device Offline", "Device Not Reporting", "High Error Rate",
                                                         "Test Failure Spike", "Black Screen Detected", "Stream Frozen",
                                                         "Slow Response Times", "Power Failure"]
    assert found["rules"][0] == {"name": "Device Offline", "condition": 'device_status == "offline"', "duration": 300.0,
                                 "severity": "critical", "channels": [], "labels": {},
                                 "summary": "{device} is offline", "group_by": [], "repeat": None,
                                 "builtin": True}
