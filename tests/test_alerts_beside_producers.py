"""The alert rules beside ``vpt monitor`` and ``vpt watch``: a real tcp device closed and
reopened (a real black screen on a real stream) told to a real Slack endpoint on 127.0.0.1
once and resolved, SIGTERM stopping both; ``--no-alerts``; a server's loop left to the server;
and devices nobody samples any more ("Device Not Reporting")."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import pytest

from pytest_vpt.alerts import Evaluator, RuleSet
from pytest_vpt.alerts.rules import from_mapping
from pytest_vpt.events.builders import device_event, device_sample_event
from pytest_vpt.history import History

from alert_endpoints import AlertEndpoints
from endpoints import TcpListener
from test_video_watch import StreamServer, incidents
from video_clips import encode, with_events

RULES = """\
alerts:
  every: 1s
  channels:
    ops: {type: slack, url: "${SLACK_WEBHOOK}"}
  rules:
    - name: Device Offline
      duration: 2s
    - name: Black Screen Detected
      duration: 1s
"""


def device_registry(port: int) -> str:
    return ("devices:\n  - id: stb-1\n"
            f"    probe: {{type: tcp, host: 127.0.0.1, port: {port}}}\n    interval: 0.2\n    timeout: 0.1\n")


@pytest.fixture
def slack(tmp_path):
    with AlertEndpoints() as endpoints:
        yield endpoints


def start(tmp_path, slack, *args: str) -> subprocess.Popen:
    env = {**os.environ, "VPT_STORE": f"sqlite:///{tmp_path / 'vpt.db'}", "SLACK_WEBHOOK": slack.slack_url("ops")}
    return subprocess.Popen([sys.executable, "-m", "pytest_vpt", *args], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def texts(slack) -> list[str]:
    return [request.json()["text"] for request in slack.received("/slack/")]


def test_vpt_monitor_tells_a_device_offline_once_and_its_recovery_while_no_test_runs(tmp_path, slack) -> None:
    listener = TcpListener()
    (tmp_path / "vpt.yaml").write_text(device_registry(listener.port) + RULES)
    proc = start(tmp_path, slack, "monitor", "--flush", "0.2", "--project", "lab")
    try:
        said = [proc.stderr.readline(), proc.stderr.readline()]  # once it says so, it monitors
        assert said[0].startswith("monitoring 1 device into ")
        assert said[1] == "alert rules: evaluated every 1 s beside it (--no-alerts: not)\n"
        time.sleep(1.5)
        assert texts(slack) == []  # online: nothing to tell
        listener.stop()
        (fired,) = slack.wait_for("/slack/", 1, timeout=30)
        assert fired.json()["text"] == "FIRING critical: Device Offline"
        time.sleep(2.5)  # more evaluations while it still fires: told once
        assert texts(slack) == ["FIRING critical: Device Offline"]
        listener.start()
        assert slack.wait_for("/slack/", 2, timeout=30)[1].json()["text"] == "RESOLVED critical: Device Offline"
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
        listener.stop()
    assert proc.returncode == 0, err
    # the view without a terminal; "High Error Rate" (2m) is pending meanwhile
    assert "stb-1 offline: connection refused" in out and "alerts: 1 pending, 1 firing\n" in out
    assert re.search(r"; alerts: (\d pending, )?1 resolved$", err.splitlines()[-1]), err
    assert len(texts(slack)) == 2


def test_vpt_watch_tells_a_black_screen_while_it_lasts_and_when_it_ends(tmp_path, slack) -> None:
    clip = encode(tmp_path / "live.ts", 360, with_events(black=[(60, 270)]))  # 12 s, black from 2 to 9 s
    stream = StreamServer(clip.read_bytes(), 12.0)
    (tmp_path / "vpt.yaml").write_text(RULES)
    proc = start(tmp_path, slack, "watch", stream.url, "--project", "lab")
    try:
        (fired,) = slack.wait_for("/slack/", 1, timeout=60)
        stream.down = True  # the clip plays once: no second black screen
        assert fired.json()["text"] == "FIRING critical: Black Screen Detected"
        resolved = slack.wait_for("/slack/", 2, timeout=30)[1]
        assert resolved.json()["text"] == "RESOLVED critical: Black Screen Detected"
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
        stream.close()
    assert proc.returncode == 0, err
    assert "alert rules: evaluated every 1 s beside it" in err and "alerts: 1 firing" in err
    assert re.search(r"; alerts: (\d pending, )?1 resolved$", err.splitlines()[-1]), err
    # written open while it lasted, from its first frame, then ended: one incident, exact
    [black] = [i for i in incidents(f"sqlite:///{tmp_path / 'vpt.db'}") if i["kind"] == "black_screen"]
    assert black["end_frame"] == 270 and black["duration"] == pytest.approx(7.0)
    assert black["start_frame"] == 60
    assert black["ended_at"] - black["started_at"] == pytest.approx(black["duration"], abs=0.01)


def test_no_alerts_sends_nothing_and_a_server_is_left_to_its_own_loop(tmp_path, slack) -> None:
    listener = TcpListener()
    listener.stop()  # offline from the first probe
    (tmp_path / "vpt.yaml").write_text(device_registry(listener.port) + RULES)
    proc = start(tmp_path, slack, "monitor", "--flush", "0.2", "--no-alerts", "--for", "6s")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "stb-1 offline" in out and "alert rules" not in err and "alerts:" not in out + err
    assert texts(slack) == []

    proc = start(tmp_path, slack, "monitor", "--server", "http://127.0.0.1:9", "--for", "1s")
    _, err = proc.communicate(timeout=60)
    assert "alert rules: evaluated by the server's own loop (its alerts: section), not here" in err
    assert texts(slack) == []


def test_the_python_api_runs_the_rules_beside_a_monitor(tmp_path, slack, monkeypatch) -> None:
    from pytest_vpt.alerts.beside import RulesBeside
    from pytest_vpt.devices import parse_devices
    from pytest_vpt.producers.monitor import Monitor, run_until_signalled
    from pytest_vpt.sinks import open_sink

    listener = TcpListener()
    listener.stop()  # offline from the first probe
    monkeypatch.setenv("SLACK_WEBHOOK", slack.slack_url("ops"))
    (tmp_path / "vpt.yaml").write_text(RULES)
    url = f"sqlite:///{tmp_path / 'vpt.db'}"
    devices = parse_devices([{"id": "stb-1", "probe": {"type": "tcp", "host": "127.0.0.1", "port": listener.port},
                              "interval": 0.2, "timeout": 0.1}], "test")
    beside = RulesBeside(url, tmp_path)
    assert beside.enabled and beside.every == 1.0
    status = run_until_signalled(Monitor(devices, open_sink(url, tmp_path), "lab", 0.2, beside), 6.0, lambda s: None)
    assert texts(slack) == ["FIRING critical: Device Offline"]
    assert "1 firing" in status.beside
    assert RulesBeside(url, tmp_path / "elsewhere").enabled is False  # no alerts: section, nothing runs


def evaluator(history: History) -> Evaluator:
    return Evaluator(history, RuleSet(from_mapping([], "test", builtin=True), {}), {})


def test_a_device_nobody_samples_any_more_is_stale_and_not_reporting(tmp_path) -> None:
    t0 = time.time() - 7200.0
    with History.open(f"sqlite:///{tmp_path / 'vpt.db'}", create=True) as history:
        history.store.write([device_event("lab", ident, "stb", "tcp", 10.0, 2.0, 10.0, t0, flush=5.0)
                             for ident in ("gone", "here")])
        history.store.write([device_sample_event("lab", "gone", t0, True, 10.0)])
        # stale once a sample is overdue: its interval, its timeout, the monitor's flush and a second
        states = {row["device"]: row["state"] for row in history.alert_device_states(t0 + 17.9)}
        assert states == {"gone": "online", "here": "unknown"}
        assert history.alert_device_states(t0 + 18.1)[0]["state"] == "stale"

        rules = evaluator(history)
        later = t0 + 20.0
        assert rules.evaluate(later).firing == []  # pending: 15 minutes before it is told
        history.store.write([device_sample_event("lab", "here", later + 895.0, True, 10.0)])
        firing = rules.evaluate(later + 900.0).firing
    assert [(a.rule, a.labels["device"], a.value) for a in firing] == [("Device Not Reporting", "gone", "stale")]
