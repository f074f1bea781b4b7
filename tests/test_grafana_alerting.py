"""The alert rules as Grafana's file-provisioned alerting: every query of every rule expanded as
Grafana expands it and run read-only on a store holding known data (devices online, offline
and gone quiet, probe failures, response times, tests, video incidents, a tagged metric), its
rows the groups and values the product's own evaluator reads, and the rule's math over them
holding for exactly the groups the evaluator finds holding; the file itself (contact points
without a secret, rules left out with their reason, rules gone deleted); the CLI's listing."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from urllib.parse import unquote

import pytest
import yaml
from click.testing import CliRunner

from pytest_vpt import grafana
from pytest_vpt.alerts.evaluator import groups_of
from pytest_vpt.alerts.expression import Series, evaluate
from pytest_vpt.alerts.rules import RuleSet, from_mapping
from pytest_vpt.alerts.series import Reads, read
from pytest_vpt.cli import cli
from pytest_vpt.events import make_event
from pytest_vpt.events.builders import device_sample_event, incident_event
from pytest_vpt.grafana.alerting import translate
from pytest_vpt.history import History

from grafana_expand import expand, run_postgres_read_only, run_sqlite_read_only

NOW = 1_800_000_000.0
RULES = [
    {"name": "Launch p95 by device", "condition": 'metric("app_launch_time", app="netflix").p95 > 3',
     "group_by": ["device"]},
    {"name": "Launch avg by app", "condition": 'metric("app_launch_time").avg(10m) > 2', "group_by": ["app"]},
    {"name": "Launches counted", "condition": 'metric("app_launch_time").count >= 4'},
    {"name": "Launch spread", "condition": 'metric("app_launch_time").max - metric("app_launch_time").min > 5'},
    {"name": "Launch sum and last", "condition": 'metric("app_launch_time", app="youtube").sum > 8 and '
                                                 'metric("app_launch_time", app="youtube").last < 5'},
    {"name": "Slow on average", "condition": "response_time.avg > 0.4 and error_rate < 50%"},
    {"name": "Last probe slow", "condition": "response_time.last(1m) > 1"},
    {"name": "Many probes timed", "condition": "response_time.count > 15"},
    {"name": "Slowest probe", "condition": "response_time.max(10m) >= 2 or response_time.p50(10m) > 1"},
    {"name": "Not online", "condition": 'not (device_status == "online")'},
    {"name": "Gone quiet", "condition": '"stale" == device_status'},
    {"name": "Errors in percent", "condition": "error_rate * 100 >= 50"},
    {"name": "Errors in tenths", "condition": "-(error_rate / 0.1) <= -5 and error_rate - 0.1 > 0"},
    {"name": "Power not zero", "condition": 'value("power") != 0'},
    {"name": "Power low", "condition": 'value("power") < 0.5'},
    {"name": "Door open", "condition": 'value("door") == true'},
    {"name": "Failing project, failing device", "condition": "failure_rate > 20% and error_rate > 0.4"},
    {"name": "Frozen", "condition": "freeze_detected"},
    {"name": "Black or frozen", "condition": "black_screen or freeze_detected"},
    {"name": "Busy", "condition": "tests_per_hour >= 5"},
]
#: rules Grafana cannot evaluate as the product does, and the start of the reason given
LEFT_OUT = [
    ({"name": "Either", "condition": "error_rate > 50% or failure_rate > 10%"}, "'or' or 'not' over different series"),
    ({"name": "Constant", "condition": "1 < 2"}, "a condition of constants only"),
    ({"name": "Screens and probes", "condition": "black_screen and error_rate > 0"},
     "it joins series of unrelated groups"),
    ({"name": "Rates divided", "condition": "error_rate / failure_rate > 2"}, "it divides by something other"),
    ({"name": "Power doubled", "condition": 'value("power") * 2 > 1'}, "value is any: Grafana's queries compare it"),
]


def seed(history: History) -> None:
    """Devices, tests, video incidents and a metric, as of NOW."""
    events = []
    for n in range(20):  # every 10 s over the last 200 s
        at = NOW - 190 + 10 * n
        events.append(device_sample_event("box", "tv-ok", at, True, 10.0, response_time=0.1 + 0.02 * n,
                                          values={"power": 1.0}))
        events.append(device_sample_event("box", "tv-slow", at, True, 10.0, response_time=[0.3, 2.5, 1.2][n % 3],
                                          values={"power": 1.0}))
        events.append(device_sample_event("box", "tv-down", at, n < 5, 10.0, values={"power": 0.0}))
        events.append(device_sample_event("box", "tv-flaky", at, n % 2 == 0, 10.0,
                                          response_time=0.5 if n % 2 == 0 else None, values={"power": 0.2}))
    for n in range(34):  # from exactly the 5 m window's start (not in it) on: 33 in it
        events.append(device_sample_event("lab", "lab-1", NOW - 300 + 9 * n, True, 10.0, response_time=0.01 * n))
    events.append(device_sample_event("box", "tv-gone", NOW - 5000, True, 10.0, values={"door": 1.0}))
    common = {"vpt.project": "box", "vpt.run.id": "r1"}
    events.append(make_event("run", "r1-start", {**common, "vpt.run.status": "running",
                                                 "vpt.run.started_at": NOW - 900}))
    for n in range(10):
        events.append(make_event("test", f"t{n}", {**common, "test.case.name": f"test_x.py::test_{n}",
                                                   "vpt.test.outcome": "failed" if n < 3 else "passed",
                                                   "vpt.test.started_at": NOW - 800 + n, "vpt.test.attempt": 1,
                                                   "vpt.test.final": True}))
    events.append(make_event("test", "t-edge", {**common, "test.case.name": "test_x.py::test_edge",  # not in 1 h
                                                "vpt.test.outcome": "failed", "vpt.test.started_at": NOW - 3600,
                                                "vpt.test.attempt": 1, "vpt.test.final": True}))
    quiet = {"vpt.project": "lab", "vpt.run.id": "r2"}
    events.append(make_event("run", "r2-start", {**quiet, "vpt.run.status": "running",
                                                 "vpt.run.started_at": NOW - 9000}))
    events.append(make_event("test", "q1", {**quiet, "test.case.name": "test_q.py::test_q",
                                            "vpt.test.outcome": "failed",
                                            "vpt.test.started_at": NOW - 8000, "vpt.test.attempt": 1,
                                            "vpt.test.final": True}))
    events.append(incident_event("box", "black_screen", "hdmi-1", NOW - 30, 30.0, "critical"))
    events.append(incident_event("box", "freeze", "hdmi-2", NOW - 60, 60.0, "major"))
    events.append(incident_event("box", "black_screen", "hdmi-3", NOW - 400, 100.0, "critical", end=NOW - 300))
    launches = [("a", "netflix", 2.0), ("a", "netflix", 4.0), ("b", "netflix", 1.0), ("b", "youtube", 9.0),
                ("c", "youtube", 3.0), ("a", "youtube", 0.5), ("c", "netflix", 3.5)]
    for n, (device, app, value) in enumerate(launches):
        events.append(make_event("metric", f"m{n}", {**common, "vpt.metric.name": "app_launch_time",
                                                     "vpt.metric.kind": "gauge", "vpt.metric.value": value,
                                                     "vpt.metric.tags": {"app": app, "device": device},
                                                     "vpt.metric.time": NOW - 280 + 20 * n}))
    events.append(make_event("metric", "m-edge", {**common, "vpt.metric.name": "app_launch_time",  # not in 5 m
                                                  "vpt.metric.kind": "gauge", "vpt.metric.value": 8.0,
                                                  "vpt.metric.tags": {"app": "netflix", "device": "c"},
                                                  "vpt.metric.time": NOW - 300}))
    history.store.write(events)
    # words and yes/no values, as a probe reported them before values were numbers only
    words = {"tv-slow": {"power": "off", "door": True}, "tv-down": {"power": 0.0, "door": False},
             "tv-gone": {"door": "ajar"}}
    for device, values in words.items():
        history.store.apply(lambda conn, d=device, v=values: conn.execute(
            'UPDATE device_samples SET "values" = ? WHERE device_id = ?', (json.dumps(v), d)))


def run(store_url: str, dialect: str, sql: str, window: float) -> list[tuple[dict[str, str], float]]:
    """``sql`` expanded as Grafana expands it at NOW (its range ``window`` seconds back) and run
    read-only as its datasource runs it: each row's labels (its text columns) and value."""
    text = expand(sql, dialect, NOW - window, NOW, 1.0, {})
    if dialect == "sqlite":
        columns, rows = run_sqlite_read_only(Path(unquote(store_url).removeprefix("sqlite:///")), text)
    else:
        columns, rows = run_postgres_read_only(store_url.split("?")[0], unquote(store_url).split("search_path=")[-1],
                                               text)
    assert columns[-1] == "value"
    found = []
    for row in rows:
        labels = dict(zip(columns[:-1], row[:-1]))
        assert all(isinstance(v, str) or v is None for v in labels.values()), labels
        assert isinstance(row[-1], (float, Decimal)) and not isinstance(row[-1], bool), row
        found.append(({k: v for k, v in labels.items() if v is not None}, float(row[-1])))
    return found


def grafana_math(expression: str, results: dict[str, list[tuple[dict[str, str], float]]]) -> dict:
    """Grafana's math over number sets: each instance the labels of a widest query's row, every
    query's row with labels it includes taken (a group missing one is dropped), then the
    expression, true where it is not 0."""
    widest = max(len(labels) for rows in results.values() for labels, _ in rows) if any(results.values()) else 0
    groups = {tuple(sorted(labels.items())) for rows in results.values() for labels, _ in rows if len(labels) == widest}
    python = re.sub(r"!(?!=)", " not ", expression.replace("&&", " and ").replace("||", " or "))
    found = {}
    for group in groups:
        values = {}
        for ref, rows in results.items():
            match = [value for labels, value in rows if set(labels.items()) <= set(group)]
            if len(match) != 1:
                break
            values[ref] = match[0]
        else:
            found[group] = bool(eval(re.sub(r"\$(\w+)", r"values['\1']", python), {"values": values}))  # noqa: S307
    return found


def expected_rows(part, history: History, group_by) -> list[tuple[dict[str, str], float]]:
    """What the product reads for a query's part of the condition: a series' value per group, or
    a series compared with a constant as 1 or 0."""
    series = part if isinstance(part, Series) else part.left
    values = read(Reads(history), series, NOW, group_by)
    if isinstance(part, Series):
        return [(dict(group), float(value)) for group, value in values.items() if value is not None]
    return [(dict(group), 1.0 if evaluate(part, {series: value}) is True else 0.0) for group, value in values.items()]


def ordered(rows):
    return sorted((tuple(sorted(labels.items())), round(value, 9)) for labels, value in rows)


def test_every_rule_runs_on_the_store_and_holds_where_the_products_evaluator_says_it_does(store_url) -> None:
    dialect = "sqlite" if store_url.startswith("sqlite") else "postgres"
    history = History.open(store_url, create=True)
    seed(history)
    rules = from_mapping(RULES, builtin=True)
    firing_somewhere = set()
    for rule in rules:
        done = translate(rule, dialect)
        results = {}
        for (ref, query), part in zip(done.queries, done.parts):
            rows = run(store_url, dialect, query.sql, query.window)
            assert ordered(rows) == ordered(expected_rows(part, history, rule.group_by)), (rule.name, ref, query.sql)
            results[ref] = rows
        holds = grafana_math(done.math, results)
        if rule.group_by:  # the product tells one alert per group_by labels: any of its rows holding
            merged: dict = {}
            for group, value in holds.items():
                key = tuple((k, v) for k, v in group if k in rule.group_by)
                merged[key] = merged.get(key, False) or value
            holds = merged
        evaluated = groups_of(rule, Reads(history), NOW).values()
        product = {tuple(sorted(now.labels.items())): now.holds for now in evaluated}
        assert {g for g, v in holds.items() if v} == {g for g, v in product.items() if v}, (rule.name, done.math)
        if any(holds.values()):
            firing_somewhere.add(rule.name)
    history.close()
    assert firing_somewhere >= {"Device Offline", "Device Not Reporting", "High Error Rate", "Test Failure Spike",
                                "No Tests Running", "Black Screen Detected", "Stream Frozen", "Slow Response Times",
                                "Power Failure", "Launch p95 by device", "Launch avg by app", "Launches counted",
                                "Launch spread", "Launch sum and last", "Slow on average", "Last probe slow",
                                "Many probes timed", "Slowest probe", "Not online", "Gone quiet", "Errors in percent",
                                "Errors in tenths",
                                "Power not zero", "Power low", "Door open", "Failing project, failing device",
                                "Frozen", "Black or frozen", "Busy"}


@pytest.mark.parametrize("rule, reason", LEFT_OUT, ids=[rule["name"] for rule, _ in LEFT_OUT])
def test_a_condition_grafana_cannot_evaluate_as_the_product_does_is_left_out_with_the_reason(rule, reason) -> None:
    done = grafana.alert_rules(RuleSet(from_mapping([rule]), {}), "sqlite")
    assert done.rules == () and [(each.name, each.reason[:len(reason)]) for each in done.left_out] == [
        (rule["name"], reason)]
    assert "groups" not in done.content


SLACK_URL = "https://hooks.slack.com/services/T000/B000/not-a-real-but-secret-key"
CHANNELS = {
    "ops-slack": {"type": "slack", "url": {"env": "VPT_TEST_SLACK_URL"}},
    "oncall": {"type": "pagerduty", "routing_key": {"file": "/run/secrets/pd_key"}},
    "mail": {"type": "email", "host": "smtp.example.com", "from": "vpt@example.com", "to": ["qa@example.com"],
             "user": "vpt", "password": {"env": "VPT_TEST_SMTP_PASSWORD"}},
    "hook": {"type": "webhook", "url": "https://hooks.example.com/vpt", "token": "${VPT_TEST_HOOK_TOKEN}"},
    "am": {"type": "alertmanager", "url": "http://127.0.0.1:9093"},
    "phone": {"type": "sms", "account_sid": "AC" + "0" * 32, "auth_token": {"env": "VPT_TEST_TWILIO_TOKEN"},
              "to": ["+14155550123"], "from": "+14155550100"},
    "push": {"type": "ntfy", "url": "https://ntfy.example.com/qa", "token": {"env": "VPT_TEST_NTFY_TOKEN"}},
}


def write_config(folder: Path, rules: list[dict]) -> Path:
    path = folder / "vpt.yaml"
    path.write_text(yaml.safe_dump({"alerts": {"every": "15s", "channels": CHANNELS, "rules": rules}}),
                    encoding="utf-8")
    return path


def vpt(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_vpt_grafana_provision_writes_the_rules_and_contact_points_with_no_secret_in_them(tmp_path,
                                                                                       monkeypatch) -> None:
    secrets = {"VPT_TEST_SLACK_URL": SLACK_URL, "VPT_TEST_SMTP_PASSWORD": "smtp-pass-4711",
               "VPT_TEST_HOOK_TOKEN": "hook-token-4711", "VPT_TEST_TWILIO_TOKEN": "twilio-token-4711",
               "VPT_TEST_NTFY_TOKEN": "ntfy-token-4711"}
    for name, value in secrets.items():
        monkeypatch.setenv(name, value)
    rules = [{"name": "Slow TV", "condition": "response_time.p95 > 2", "channels": ["ops-slack", "oncall"],
              "labels": {"team": "tv"}, "summary": "{device} of {project}: p95 {value} s {{not a template}}",
              "repeat": "1h", "duration": "90s"},
             {"name": "Power Failure", "enabled": False},
             {"name": "No Tests Running", "channels": ["phone"]},
             LEFT_OUT[0][0]]
    config = write_config(tmp_path, rules)
    root = tmp_path / "g"
    result = vpt("--store", f"sqlite:///{tmp_path / 'vpt.db'}", "grafana", "provision", str(root), "--config",
                 str(config), "--json")
    assert result.exit_code == 0, result.output
    done = json.loads(result.output)
    files = {str(p.relative_to(root.resolve())): p.read_text() for p in root.resolve().rglob("*") if p.is_file()}
    assert "alerting/vpt.yaml" in done["files"]
    assert not [(name, value) for name, value in secrets.items() for text in files.values() if value in text]
    assert not [value for value in secrets.values() if value in result.output]
    text = files["alerting/vpt.yaml"]
    assert text.startswith("# Written by vpt grafana provision")
    assert "# left out: Either: 'or' or 'not' over different series" in text
    assert "Grafana has no SMS (Twilio) or ntfy integration" in text
    alerting = yaml.safe_load(text)
    assert alerting["apiVersion"] == 1
    (group,) = alerting["groups"]
    assert (group["name"], group["folder"], group["interval"], group["orgId"]) == ("pytest-vpt", "pytest-vpt", "20s", 1)
    by_title = {rule["title"]: rule for rule in group["rules"]}
    assert "Power Failure" not in by_title and "Either" not in by_title
    assert {"Device Offline", "High Error Rate", "Test Failure Spike", "No Tests Running", "Black Screen Detected",
            "Stream Frozen", "Slow Response Times", "Slow TV"} <= set(by_title)
    for rule in group["rules"]:
        assert {"uid", "title", "condition", "data", "for", "noDataState", "execErrState", "labels",
                "annotations"} <= set(rule)
        refs = [each["refId"] for each in rule["data"]]
        assert rule["condition"] in refs and len(set(refs)) == len(refs)
        queries = [each for each in rule["data"] if each["datasourceUid"] != "__expr__"]
        assert queries and all(each["datasourceUid"] == "pytest-vpt" for each in queries)
        for each in rule["data"]:
            assert each["model"]["refId"] == each["refId"]
            if each in queries:
                assert each["relativeTimeRange"]["from"] > 0 and each["model"]["queryType"] == "table"
            else:
                assert each["model"]["type"] == "math" and each["model"]["datasource"]["uid"] == "__expr__"
        assert rule["data"][-1]["refId"] == rule["condition"]
    slow = by_title["Slow TV"]
    assert [each["model"].get("expression") for each in slow["data"]] == [None, "$A", "($A > 2)"]
    assert (slow["for"], slow["labels"]) == ("90s", {"severity": "warning", "team": "tv"})
    assert slow["annotations"]["summary"] == ('{{ $labels.device }} of {{ $labels.project }}: p95 '
                                              '{{ $values.value.Value }} s {{ "{" }}{{ "{" }}not a template}}')
    assert slow["notification_settings"] == {"receiver": "vpt ops-slack + oncall", "repeat_interval": "1h",
                                             "group_by": ["alertname", "grafana_folder"]}
    assert by_title["No Tests Running"]["notification_settings"]["receiver"] == "vpt phone"
    assert by_title["Device Offline"]["notification_settings"]["receiver"] == "vpt all channels"
    points = {point["name"]: point["receivers"] for point in alerting["contactPoints"]}
    assert set(points) == {"vpt ops-slack + oncall", "vpt phone", "vpt all channels"}
    kinds = {each["type"]: each["settings"] for each in points["vpt all channels"]}
    assert sorted(kinds) == ["email", "pagerduty", "prometheus-alertmanager", "slack", "webhook"]
    assert kinds["slack"] == {"url": "$__env{VPT_TEST_SLACK_URL}"}
    assert kinds["pagerduty"]["integrationKey"] == "$__file{/run/secrets/pd_key}"
    assert kinds["email"]["addresses"] == "qa@example.com"
    hooks = [each["settings"] for each in points["vpt all channels"] if each["type"] == "webhook"]
    assert {each["url"]: each.get("authorization_credentials", each.get("password")) for each in hooks} == {
        "https://hooks.example.com/vpt": "$__env{VPT_TEST_HOOK_TOKEN}",
        "https://ntfy.example.com/qa": "$__env{VPT_TEST_NTFY_TOKEN}",
        "$__env{VPT_SMS_BRIDGE_URL_PHONE}": "$__env{VPT_TEST_TWILIO_TOKEN}"}
    uids = [each["uid"] for receivers in points.values() for each in receivers]
    assert len(set(uids)) == len(uids)
    assert [(each["name"], each["reason"][:20]) for each in done["alert_rules_left_out"]] == [
        ("Either", "'or' or 'not' over d")]
    assert {each["name"]: each["contact_point"] for each in done["alert_rules"]}["Slow TV"] == "vpt ops-slack + oncall"
    assert sorted(done["contact_points"]) == sorted(points)
    assert any("password = $__env{VPT_TEST_SMTP_PASSWORD}" in note for note in done["notes"])

    # again, with a rule gone: the same uids, the one gone deleted from Grafana
    slow_uid = slow["uid"]
    write_config(tmp_path, rules[1:])
    result = vpt("--store", f"sqlite:///{tmp_path / 'vpt.db'}", "grafana", "provision", str(root), "--config",
                 str(config), "--json")
    assert result.exit_code == 0, result.output
    again = yaml.safe_load((root / "alerting" / "vpt.yaml").read_text())
    assert {rule["title"]: rule["uid"] for rule in again["groups"][0]["rules"]} == {
        title: rule["uid"] for title, rule in by_title.items() if title != "Slow TV"}
    assert again["deleteRules"] == [{"orgId": 1, "uid": slow_uid}]
    assert {each["uid"] for each in again["deleteContactPoints"]} == {
        each["uid"] for each in alerting["contactPoints"][[p["name"] for p in alerting["contactPoints"]].index(
            "vpt ops-slack + oncall")]["receivers"]}


def test_the_text_listing_names_the_rules_their_contact_points_and_what_was_left_out(tmp_path) -> None:
    config = tmp_path / "vpt.yaml"
    config.write_text(yaml.safe_dump({"alerts": {"builtin": False, "rules": [
        {"name": "Gone quiet", "condition": 'device_status == "stale"'}, LEFT_OUT[1][0]]}}), encoding="utf-8")
    result = vpt("--store", f"sqlite:///{tmp_path / 'vpt.db'}", "grafana", "provision", str(tmp_path / "g"),
                 "--config", str(config))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "  alerting/vpt.yaml     1 alert rule, 0 contact points" in lines
    assert any(line.startswith("Gone quiet") and "Grafana's default policy" in line for line in lines)
    assert ("left out: Constant (1 < 2): a condition of constants only: a Grafana rule's groups come from its "
            "queries") in " ".join(result.output.split())


def test_a_channel_grafana_cannot_be_given_is_named_and_nothing_is_written(tmp_path) -> None:
    config = tmp_path / "vpt.yaml"
    config.write_text(yaml.safe_dump({"alerts": {"channels": {"pager": {"type": "carrier-pigeon"}}}}), encoding="utf-8")
    result = vpt("--store", f"sqlite:///{tmp_path / 'vpt.db'}", "grafana", "provision", str(tmp_path / "g"),
                 "--config", str(config))
    assert result.exit_code == 2 and "Invalid value for --config" in result.output
    assert "alerts.channels.pager: field 'type': must be one of" in " ".join(result.output.split())
    assert not (tmp_path / "g").exists()
