"""Deliveries off the evaluating thread, against the real endpoints of alert_endpoints.py and a
real store: a channel held up delays neither the evaluation nor another channel; each channel
gets a firing before its resolve; close() waits for what is queued and records what was left;
a failure is recorded on the alert (``vpt alerts list``) without the secret; a full queue
drops its oldest reminder first. Alertmanager re-posted every resend_every while an alert
fires, at exactly the evaluations due, across a restart, with no reminder to other channels."""

from __future__ import annotations

import json
import logging
import time
import urllib.request

from click.testing import CliRunner

from pytest_vpt.alerts import Dispatcher, Evaluator
from pytest_vpt.alerts.channels import build_channels
from pytest_vpt.alerts.channels.render import rfc3339
from pytest_vpt.alerts.delivery import RetryPolicy
from pytest_vpt.alerts.rules import RuleSet, from_mapping
from pytest_vpt.cli import cli
from pytest_vpt.events.builders import device_sample_event
from pytest_vpt.history import History

from alert_endpoints import AlertEndpoints, sample_notification

T0 = 1_800_000_000.0
RULE = {"name": "Device Offline", "condition": 'device_status == "offline"', "duration": "0s",
        "severity": "critical", "summary": "{device} is offline"}
QUICK = RetryPolicy(attempts=2, backoff=0.01, longest=0.01)


def probes(history: History, online: bool, start: float, end: float, device: str = "tv-1") -> None:
    """Samples every 10 s from ``start`` to ``end`` (both included)."""
    history.store.write([device_sample_event("box", device, start + 10 * n, online, 10.0)
                         for n in range(int((end - start) // 10) + 1)])


def release(endpoints: AlertEndpoints) -> None:
    """Let the answers held until a request under /webhook/released go."""
    urllib.request.urlopen(urllib.request.Request(endpoints.url + "/webhook/released", b"{}", method="POST")).close()


def until(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "never happened"
        time.sleep(0.01)


def evaluator(history: History, channels: dict, threaded: bool = True) -> Evaluator:
    dispatcher = Dispatcher(channels, QUICK) if threaded else None
    return Evaluator(history, RuleSet(from_mapping([RULE]), {}), channels, dispatcher)


def test_a_held_channel_delays_neither_the_evaluation_nor_another_channel(store_url, monkeypatch) -> None:
    with AlertEndpoints() as endpoints, History.open(store_url, create=True) as history:
        monkeypatch.setenv("SLACK_URL", endpoints.slack_url())
        channels = build_channels({"ops": {"type": "slack", "url": {"env": "SLACK_URL"}},
                                   "hook": {"type": "webhook", "url": endpoints.webhook_url()}})
        endpoints.hold("/slack/", until="/webhook/released")  # Slack answers once the test says so
        alerts = evaluator(history, channels)
        probes(history, False, T0 - 20, T0)
        result = alerts.evaluate(T0)
        assert [n.status for n in result.notifications] == ["firing"]
        (hooked,) = endpoints.wait_for("/webhook/hook", 1)  # delivered while Slack is still held
        assert hooked.json()["status"] == "firing" and endpoints.received("/slack/") == []
        until(lambda: alerts.dispatcher.pending == 1)  # the webhook done, Slack still being sent
        release(endpoints)
        assert alerts.close() == []
        (slacked,) = endpoints.received("/slack/")
        assert slacked.status == 200
        (state,) = history.alert_states()
        assert state.state == "firing" and state.delivery_error is None


def test_each_channel_gets_the_firing_before_its_resolve(store_url) -> None:
    with AlertEndpoints() as endpoints, History.open(store_url, create=True) as history:
        channels = build_channels({"hook": {"type": "webhook", "url": endpoints.webhook_url()}})
        endpoints.hold("/webhook/hook", until="/webhook/released")
        alerts = evaluator(history, channels)
        probes(history, False, T0 - 20, T0)
        alerts.evaluate(T0)
        probes(history, True, T0 + 10, T0 + 10)
        resolved = alerts.evaluate(T0 + 10)
        assert [n.status for n in resolved.notifications] == ["resolved"] and alerts.dispatcher.pending == 2
        release(endpoints)
        alerts.close()
        told = [request.json()["status"] for request in endpoints.received("/webhook/hook")]
    assert told == ["firing", "resolved"]


def test_a_failure_is_recorded_on_the_alert_and_listed_without_the_secret(tmp_path, monkeypatch, caplog) -> None:
    url = f"sqlite:///{tmp_path / 'vpt.db'}"
    with AlertEndpoints() as endpoints:
        secret_url = endpoints.slack_url("T0P-SECRET-PATH")
        monkeypatch.setenv("SLACK_URL", secret_url)
        endpoints.fail("/slack/", status=500, times=5, body=f"upstream said {secret_url}")
        channels = build_channels({"ops": {"type": "slack", "url": {"env": "SLACK_URL"}}})
        with caplog.at_level(logging.INFO, logger="pytest_vpt.alerts"), History.open(url, create=True) as history:
            alerts = evaluator(history, channels)
            probes(history, False, T0 - 20, T0)
            first = alerts.evaluate(T0)
            failures = alerts.close()
            assert failures == first.failed_deliveries and len(failures) == 1
            assert failures[0].startswith("slack channel 'ops': HTTP 500") and "(after 2 attempts)" in failures[0]
            (state,) = history.alert_states()
            assert state.delivery_error == failures[0]
        assert len(endpoints.received("/slack/")) == 2
    monkeypatch.chdir(tmp_path)
    listed = CliRunner(env={"COLUMNS": "100"}).invoke(cli, ["--store", url, "alerts", "list"])
    assert f"not delivered: Device Offline (tv-1): {failures[0]}" in listed.output
    assert json.loads(CliRunner().invoke(cli, ["--store", url, "alerts", "list", "--json"]).output)[
        "alerts"][0]["delivery_error"] == failures[0]
    for text in (caplog.text, listed.output, failures[0]):
        assert "T0P-SECRET-PATH" not in text and "T0000" not in text


def test_a_full_queue_drops_the_oldest_reminder_first_and_tells_it() -> None:
    with AlertEndpoints() as endpoints:
        channels = build_channels({"hook": {"type": "webhook", "url": endpoints.webhook_url()}})
        endpoints.hold("/webhook/hook", until="/webhook/released")
        dispatcher = Dispatcher(channels, QUICK, queue_size=2)
        held = sample_notification(rule="Held")
        dispatcher.submit(held, ["hook"])
        until(lambda: dispatcher._workers["hook"].busy is not None)  # the worker took it: the queue is empty
        reminder = sample_notification(rule="Reminder", repeat=True)
        second, third, fourth = (sample_notification(rule=name) for name in ("Second", "Third", "Fourth"))
        dispatcher.submit(reminder, ["hook"])
        dispatcher.submit(second, ["hook"])
        dispatcher.submit(third, ["hook"])  # full: the reminder goes
        dropped = dispatcher.outcomes()
        assert [(o.rule, len(o.failures)) for o in dropped] == [("Reminder", 1)]
        assert dropped[0].failures[0] == ("webhook channel 'hook': not sent: its queue was full (2 waiting), "
                                          "so this reminder of 'Reminder' was dropped")
        dispatcher.submit(fourth, ["hook"])  # no reminder left: the oldest goes, told
        (oldest,) = dispatcher.outcomes()
        assert oldest.rule == "Second" and "this firing notification of 'Second' was dropped" in oldest.failures[0]
        release(endpoints)
        dispatcher.close()
        told = [request.json()["groupLabels"]["alertname"] for request in endpoints.received("/webhook/hook")]
        assert told == ["Held", "Third", "Fourth"]
        assert [(o.rule, o.failures) for o in dispatcher.outcomes()] == [("Held", ()), ("Third", ()), ("Fourth", ())]


def test_close_waits_a_bounded_time_and_records_what_was_left(store_url) -> None:
    with AlertEndpoints() as endpoints, History.open(store_url, create=True) as history:
        channels = build_channels({"hook": {"type": "webhook", "url": endpoints.webhook_url()}})
        endpoints.hold("/webhook/hook", until="/webhook/released")
        alerts = evaluator(history, channels)
        probes(history, False, T0 - 20, T0)
        result = alerts.evaluate(T0)
        (left,) = alerts.close(timeout=0.2)
        assert left == "webhook channel 'hook': left undelivered when the alerts closed (after waiting 0.2 s)"
        assert result.failed_deliveries == [left] and history.alert_states()[0].delivery_error == left
        release(endpoints)


def test_alertmanager_is_posted_again_every_resend_every_while_firing(store_url) -> None:
    with AlertEndpoints() as endpoints:
        config = {"am": {"type": "alertmanager", "url": endpoints.alertmanager_url, "resend_every": 10},
                  "hook": {"type": "webhook", "url": endpoints.webhook_url()}}
        posted: dict[float, list[dict]] = {}

        def run(alerts: Evaluator, now: float) -> None:
            before = len(endpoints.received("/alertmanager/"))
            alerts.evaluate(now)
            new = endpoints.received("/alertmanager/")[before:]
            if new:
                (request,) = new
                posted[now] = request.json()

        with History.open(store_url, create=True) as history:
            alerts = evaluator(history, build_channels(config), threaded=False)
            probes(history, False, T0 - 20, T0 + 100)
            for at in (0, 5, 9.9, 10, 15, 20, 24):
                run(alerts, T0 + at)
            assert sorted(posted) == [T0, T0 + 10, T0 + 20]
            (state,) = history.alert_states()
            assert state.reposted == {"am": T0 + 20}
        for at, (alert,) in posted.items():
            assert alert["startsAt"] == rfc3339(T0) and alert["endsAt"] == rfc3339(at + 40)  # four re-posts ahead
        assert [r.json()["status"] for r in endpoints.received("/webhook/")] == ["firing"]  # no reminder there

        # a restart: the new evaluator re-posts neither early nor never
        with History.open(store_url) as history:
            alerts = evaluator(history, build_channels(config), threaded=False)
            for at in (25, 29, 30, 35):
                run(alerts, T0 + at)
            assert sorted(posted)[3:] == [T0 + 30]
            probes(history, True, T0 + 110, T0 + 110)
            run(alerts, T0 + 110)
            run(alerts, T0 + 130)
        (resolve,) = posted[T0 + 110]
        assert resolve["startsAt"] == rfc3339(T0) and resolve["endsAt"] == rfc3339(T0 + 110)
        assert sorted(posted)[4:] == [T0 + 110]
        assert [r.json()["status"] for r in endpoints.received("/webhook/")] == ["firing", "resolved"]


def test_open_evaluators_close_delivers_what_was_handed_over_before_closing_the_history(tmp_path) -> None:
    from pytest_vpt.alerts import open_evaluator

    url = f"sqlite:///{tmp_path / 'vpt.db'}"
    with AlertEndpoints() as endpoints:
        (tmp_path / "vpt.yaml").write_text(
            "alerts:\n  builtin: false\n  channels:\n"
            f"    hook: {{type: webhook, url: \"{endpoints.webhook_url()}\"}}\n"
            "  rules:\n    - name: Device Offline\n      condition: device_status == \"offline\"\n", encoding="utf-8")
        with History.open(url, create=True) as history:
            probes(history, False, T0 - 20, T0)
        endpoints.slow("/webhook/hook", 0.5)
        alerts, close = open_evaluator(url, tmp_path)
        assert [n.status for n in alerts.evaluate(T0).notifications] == ["firing"]
        close()
        (told,) = endpoints.received("/webhook/hook")
    assert told.status == 200 and told.json()["status"] == "firing"
