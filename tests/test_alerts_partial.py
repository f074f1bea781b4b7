"""Evaluations of some rules only (what news concerns, what is due), on both engines: the other
rules' alerts left as they were, the alerts of rules gone from the file forgotten only by a full
evaluation, the loop evaluating the rules its doorbell was rung for and those whose duration
ended; and error rates over several windows counted in one read, each window exact."""

from __future__ import annotations

import json
import threading
import time

import pytest

from pytest_vpt.alerts.evaluator import Evaluation, Evaluator
from pytest_vpt.alerts.loop import Doorbell, beside_server, run
from pytest_vpt.alerts.rules import RuleSet, from_mapping
from pytest_vpt.events.builders import device_sample_event, incident_event
from pytest_vpt.history import History
from pytest_vpt.history.alerts import AlertState
from pytest_vpt.store import open_store
from pytest_vpt.store.after_write import after_write

from alert_endpoints import AlertEndpoints

T0 = 1_800_000_000.0
RULES = [
    {"name": "Offline", "condition": 'device_status == "offline"', "duration": "30s"},
    {"name": "Black", "condition": "black_screen == true", "duration": "0s"},
    {"name": "Launch", "condition": 'metric("launch_time").p95 > 3', "duration": "0s"},
    {"name": "Failing", "condition": "failure_rate > 20%", "duration": "0s"},
]


def evaluator(url: str, rules: list[dict] = RULES) -> tuple[History, Evaluator]:
    history = History.open(url, create=True)
    return history, Evaluator(history, RuleSet(from_mapping(rules), {}))


def states(history: History) -> dict[str, str]:
    return {state.rule: state.state for state in history.alert_states()}


def test_the_rules_news_concerns_are_those_reading_its_series(store_url) -> None:
    history, alerts = evaluator(store_url)
    assert alerts.reading({"device"}) == {"Offline"}
    assert alerts.reading({"stream"}) == {"Black"}
    assert alerts.reading({"project"}) == {"Failing"}
    assert alerts.reading((), {"launch_time"}) == {"Launch"}
    assert alerts.reading((), {"boot_time"}) == set()
    with pytest.raises(ValueError, match="no rule named 'Nope'"):
        alerts.evaluate(T0, {"Offline", "Nope"})
    history.close()


def test_a_partial_evaluation_leaves_the_other_rules_alerts_as_they_were(store_url) -> None:
    history, alerts = evaluator(store_url)
    history.store.write([device_sample_event("box", "stb-1", T0 - 5, False, 10.0),
                         incident_event("box", "black_screen", "hdmi-1", T0 - 5, 5.0, "critical")])
    result = alerts.evaluate(T0, {"Offline"})
    assert states(history) == {"Offline": "pending"}  # the black screen is not looked at
    assert result.due == {"Offline": T0 + 30} and result.next_due == T0 + 30
    result = alerts.evaluate(T0 + 1, {"Black"})
    assert states(history) == {"Offline": "pending", "Black": "firing"}
    assert result.next_due == T0 + 30  # the offline device's duration, kept from the evaluation before
    history.store.write([device_sample_event("box", "stb-1", T0 + 25, False, 10.0)])
    assert [s.rule for s in alerts.evaluate(T0 + 30, {"Offline"}).firing] == ["Offline", "Black"]
    assert states(history) == {"Offline": "firing", "Black": "firing"} and alerts.evaluate(T0 + 31, set()).due == {}
    history.close()


def test_only_a_full_evaluation_forgets_the_alerts_of_rules_gone_from_the_file(store_url) -> None:
    history, alerts = evaluator(store_url)
    gone = AlertState("Gone", "f" * 32, {"device": "x"}, "firing", 1.0, T0 - 99, T0 - 9, None, T0 - 9, T0 - 9, None)
    history.save_alert_states([gone])
    alerts.evaluate(T0, {"Offline"})
    assert [s.rule for s in history.alert_states()] == ["Gone"]
    alerts.evaluate(T0 + 10)
    assert history.alert_states() == []
    history.close()


def test_error_rates_over_several_windows_are_each_exact(store_url) -> None:
    rules = [{"name": f"Errors {minutes}m", "condition": f"error_rate({minutes}m) > 0%", "duration": "0s"}
             for minutes in (1, 2, 5)]
    history, alerts = evaluator(store_url, rules)
    # stb-1: failed 60 s ago (on the 1 m window's edge: out of it), and 100 s ago; fine since
    # stb-2: failed 250 s ago only; stb-3: never
    history.store.write([device_sample_event("box", device, T0 - age, not (device, age) in failed, 10.0)
                         for device, failed in [("stb-1", {("stb-1", 60), ("stb-1", 100)}),
                                                ("stb-2", {("stb-2", 250)}), ("stb-3", set())]
                         for age in range(0, 300, 10)])
    firing = {(s.rule, s.labels["device"], s.value) for s in alerts.evaluate(T0).firing}
    assert firing == {("Errors 2m", "stb-1", 0.166667), ("Errors 5m", "stb-1", 0.0666667),
                      ("Errors 5m", "stb-2", 0.0333333)}  # 2 of 12 probes, 2 of 30, 1 of 30
    history.close()


def test_the_loop_evaluates_what_the_doorbell_was_rung_for_and_what_is_due() -> None:
    calls: list[tuple[float, frozenset[str] | None]] = []
    doorbell = Doorbell()
    stop = threading.Event()

    dues: dict[str, float] = {}

    def evaluate(now: float, rules=None) -> Evaluation:
        calls.append((now, None if rules is None else frozenset(rules)))
        if len(calls) == 1:  # the interval's: a pending alert of "Slow" ends 2.5 s on; rung for two rules
            dues.update({"Slow": now + 2.5, "Later": now + 900})
            doorbell.ring({"Offline"})
            doorbell.ring({"Black"})
        elif rules is not None and "Slow" in rules:
            del dues["Slow"]
            doorbell.ring()  # naming none: every rule
        return Evaluation(now, next_due=min(dues.values()), due=dict(dues))

    assert run(evaluate, 3600.0, stop, doorbell=doorbell, runs=4) == 4
    (began, every), (_, rung), (due_at, due), (_, everything) = calls
    assert every is None and rung == {"Offline", "Black"} and due == {"Slow"} and everything is None
    assert due_at - began == 2.5


LOOP_RULES = """\
alerts:
  every: 60s
  builtin: false
  channels:
    ops: {type: slack, url: "${SLACK_WEBHOOK}"}
  rules:
    - name: Offline
      condition: device_status == "offline"
      summary: "{device} is offline"
    - name: Black
      condition: black_screen == true
      summary: "{stream} is black"
"""


def test_beside_a_store_news_of_a_device_evaluates_the_device_rules_only(tmp_path, monkeypatch) -> None:
    url = f"sqlite:///{tmp_path / 'vpt.db'}"
    (tmp_path / "vpt.yaml").write_text(LOOP_RULES, encoding="utf-8")
    with AlertEndpoints() as slack, open_store(url) as store:
        monkeypatch.setenv("SLACK_WEBHOOK", slack.slack_url("ops"))
        loop = beside_server(url, tmp_path)

        def write(events: list[dict], rung: bool = True) -> None:
            store.write(events, fold=False)
            if rung:
                after_write(store, events, on_written=loop.landed)

        loop.start()
        try:
            deadline = time.monotonic() + 20
            while loop.evaluations < 1 and time.monotonic() < deadline:  # its first, at its start: the interval's
                time.sleep(0.05)
            now = time.time()
            write([incident_event("box", "black_screen", "hdmi-1", now - 1, 1.0, "critical")], rung=False)
            write([device_sample_event("box", "stb-1", now, False, 10.0)])
            (offline,) = [json.dumps(each.json()) for each in slack.wait_for("/slack/", 1, timeout=20)]
            assert "stb-1 is offline" in offline
            with History.open(url) as history:  # the black screen waits for the interval or its own news
                assert {state.rule for state in history.alert_states()} == {"Offline"}
            write([incident_event("box", "black_screen", "hdmi-2", now, 1.0, "critical")])
            told = [json.dumps(each.json()) for each in slack.wait_for("/slack/", 2, timeout=20)]
            assert "Black" in told[1] and "hdmi-1" in told[1] and "hdmi-2" in told[1]
        finally:
            loop.stop()
    assert loop.evaluations == 3
