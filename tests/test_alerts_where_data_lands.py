"""Alert rules evaluated where the data lands: a `vpt server` tells a rule that holds as soon
as the batch that makes it hold is written (not at its next interval) and fires a rule with a
duration when that duration ends; healthy device samples ring nothing; a local
``pytest --vpt`` run tells its rules when it ends, and a broken channel never changes it."""

from __future__ import annotations

import json
import threading
import time

import pytest
import requests
from click.testing import CliRunner

from pytest_vpt.alerts.evaluator import Evaluation
from pytest_vpt.alerts.loop import beside_server, run
from pytest_vpt.cli import cli
from pytest_vpt.events.builders import device_sample_event, metric_event
from pytest_vpt.history import History
from pytest_vpt.store import open_store
from pytest_vpt.store.after_write import after_write

from alert_endpoints import AlertEndpoints, slack_project
from conftest import run_events
from server_process import Server, free_port

RULES = """\
alerts:
  every: 60s
  builtin: false
  channels:
    ops: {type: slack, url: "${SLACK_WEBHOOK}"}
  rules:
    - name: Device Offline
      condition: device_status == "offline"
      summary: "{device} is offline"
    - name: Failing Now
      condition: failure_rate > 20%
      summary: "{project} fails now"
    - name: Failing For Long
      condition: failure_rate > 20%
      duration: 3s
      summary: "{project} fails for long"
    - name: Slow Launch
      condition: metric("launch_time").last > 3
      summary: "{project} launches slowly"
"""


@pytest.fixture
def slack(tmp_path, monkeypatch):
    with slack_project(tmp_path, monkeypatch, RULES) as endpoints:
        yield endpoints


def told(slack: AlertEndpoints, count: int, timeout: float = 20.0) -> list[str]:
    """The texts of the first ``count`` Slack messages (20 s at most: a third of the interval)."""
    return [json.dumps(each.json()) for each in slack.wait_for("/slack/", count, timeout=timeout)]


def failing_run(run_id: str) -> list[dict]:
    return run_events(run_id, time.time() - 120, "a" * 40, {"t.py::a": "F", "t.py::b": "F", "t.py::c": "P"})


def test_the_server_tells_a_rule_when_its_batch_lands_and_fires_one_when_its_duration_ends(tmp_path, slack) -> None:
    url = f"sqlite:///{tmp_path / 'vpt.db'}"
    with History.open(url, create=True) as history:
        history.store.write([device_sample_event("box", "stb-1", time.time(), False, 10.0)])
    token = CliRunner().invoke(cli, ["--store", url, "token", "create", "--project", "box"]).output.strip()
    server = Server(url).start()
    try:
        (offline,) = told(slack, 1)  # the loop's first evaluation, at its start: the interval's
        assert "stb-1 is offline" in offline
        answer = requests.post(f"{server.url}/api/v1/events", json=failing_run("r1"),
                               headers={"Authorization": f"Bearer {token}"}, timeout=30)
        assert answer.status_code == 200, answer.text
        # every 60 s: within 20 s only the batch's landing can have evaluated the rules
        now, later = told(slack, 3)[1:]
    finally:
        server.stop()
    assert "box fails now" in now and "box fails for long" in later
    with History.open(url) as history:
        states = {state.rule: state for state in history.alert_states()}
    assert states["Failing Now"].state == states["Failing For Long"].state == "firing"
    long = states["Failing For Long"]
    assert long.firing_since - long.pending_since == 3.0
    assert states["Failing Now"].pending_since == long.pending_since  # the one evaluation the batch caused


def test_healthy_samples_ring_nothing_news_rings_once(tmp_path, slack) -> None:
    url = f"sqlite:///{tmp_path / 'vpt.db'}"
    loop = beside_server(url, tmp_path)
    with open_store(url) as store:
        def write(events: list[dict]) -> None:
            store.write(events, fold=False)
            after_write(store, events, on_written=loop.landed)

        def healthy(at: float) -> list[dict]:
            return [device_sample_event("box", f"stb-{n}", at, True, 10.0, response_time=0.01) for n in range(50)]

        write(healthy(time.time()))
        loop.start()
        try:
            deadline = time.monotonic() + 20
            while loop.evaluations < 1 and time.monotonic() < deadline:  # its first, at its start
                time.sleep(0.05)
            for _ in range(5):
                write(healthy(time.time()))
            write([metric_event("m1", "box", "boot_time", 9.0, "gauge", time.time())])  # no rule reads it
            assert loop.rings == 0
            write([device_sample_event("box", "stb-7", time.time(), False, 10.0)])
            write([device_sample_event("box", "stb-7", time.time(), False, 10.0)])  # still offline: no news
            assert loop.rings == 1
            assert "stb-7 is offline" in told(slack, 1)[0]
            write(healthy(time.time()))  # stb-7 back
            assert loop.rings == 2
            assert "RESOLVED" in told(slack, 2)[1]
            write(healthy(time.time()))
            write([metric_event("m2", "box", "launch_time", 5.0, "gauge", time.time())])
            assert loop.rings == 3
            assert "box launches slowly" in told(slack, 3)[2]
        finally:
            loop.stop()
    assert loop.evaluations == 4  # its first, and one for each news


def test_a_pending_alert_is_evaluated_when_its_duration_ends_not_at_the_next_interval() -> None:
    seen: list[float] = []

    def evaluate(now: float) -> Evaluation:
        seen.append(now)
        return Evaluation(now, next_due=now + 2.5 if len(seen) == 1 else None)

    assert run(evaluate, 3600.0, threading.Event(), runs=2) == 2
    assert seen[1] - seen[0] == 2.5


SUITE = """
def test_one(): pass
def test_two(): assert False
"""
LOCAL_RULES = """\
alerts:
  builtin: false
  channels:
    ops: {type: slack, url: "${SLACK_WEBHOOK}"}
  rules:
    - name: Test Failures
      condition: failure_rate > 20%
      summary: "{project}: {value} of the tests failed"
"""


def local_run(pytester: pytest.Pytester, rules: str | None) -> pytest.RunResult:
    pytester.makepyfile(test_suite=SUITE)
    if rules is not None:
        (pytester.path / "vpt.yaml").write_text(rules, encoding="utf-8")
    return pytester.runpytest_subprocess("--vpt", "-p", "no:cacheprovider", timeout=120)


def test_a_local_run_tells_its_rules_when_it_ends(pytester, monkeypatch) -> None:
    with AlertEndpoints() as endpoints:
        monkeypatch.setenv("SLACK_WEBHOOK", endpoints.slack_url("ops"))
        result = local_run(pytester, LOCAL_RULES)
        sent = endpoints.received("/slack/")  # before pytest ended: the recorder waited for it
    result.assert_outcomes(passed=1, failed=1)
    assert len(sent) == 1 and "of the tests failed" in json.dumps(sent[0].json())


@pytest.mark.parametrize("broken", ["answers 500", "unreachable"])
def test_a_broken_channel_changes_nothing_of_a_local_run(pytester, monkeypatch, broken) -> None:
    with AlertEndpoints() as endpoints:
        url = endpoints.slack_url("ops")
        if broken == "unreachable":
            url = url.replace(endpoints.url, f"http://127.0.0.1:{free_port()}")
        endpoints.fail("/slack/", status=500, times=100)
        monkeypatch.setenv("SLACK_WEBHOOK", url)
        result = local_run(pytester, LOCAL_RULES)  # bounded: the recorder waits a few seconds at most
    assert result.ret == 1
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["pass rate 50.0% (1 passed, 1 failed)", "recorded run * (2 tests, 2 attempts, 0 metrics)"
                                 " into */.vpt/vpt.db", "*= 1 failed, 1 passed in *"])
    assert "alert" not in result.stdout.str().lower() and "vpt" not in result.stderr.str()
