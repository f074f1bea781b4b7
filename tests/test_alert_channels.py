"""Each HTTP channel's request as its real service expects it (path, headers, auth, encoding,
fields), sent to real endpoints on 127.0.0.1: firing, grouped and resolved notifications."""

from __future__ import annotations

import email.header
import json

import pytest
from alert_endpoints import START, AlertEndpoints, sample_notification

from pytest_vpt.alerts.channels import build_channels
from pytest_vpt.alerts.delivery import deliver
from pytest_vpt.alerts.notification import DeliveryError

ROUTING_KEY = "R0UT1NGKEY0123456789abcdefABCDEF"
ACCOUNT = "AC" + "0123456789abcdef" * 2


@pytest.fixture
def endpoints():
    with AlertEndpoints() as running:
        yield running


def channel(config: dict, name: str = "it"):
    return build_channels({name: config})[name]


def test_slack_posts_blocks_with_a_fallback_text_to_the_secret_webhook_url(endpoints, monkeypatch) -> None:
    monkeypatch.setenv("SLACK_WEBHOOK_URL", endpoints.slack_url("ops"))
    slack = channel({"type": "slack", "url": {"env": "SLACK_WEBHOOK_URL"}})
    slack.send(sample_notification(1, url="https://vpt.example.com/d/devices"))
    (request,) = endpoints.received("/slack/")
    assert request.path == "/slack/services/T0000/B0000/ops" and request.status == 200
    assert request.header("Content-Type") == "application/json; charset=utf-8"
    assert request.json() == {
        "text": "FIRING critical: Device Offline",
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text":
                ":red_circle: *FIRING critical: Device Offline*\nDevice Offline: 1 device(s)"}},
            {"type": "section", "text": {"type": "mrkdwn", "text":
                "• device=stb-000: stb-000 is offline (value: 0; since 2025-12-01 12:00 UTC)"}},
            {"type": "section", "text": {"type": "mrkdwn", "text": "<https://vpt.example.com/d/devices|Open in pytest-vpt>"}},
        ]}


def test_slack_lists_a_large_group_within_its_limits_and_counts_the_rest(endpoints, monkeypatch) -> None:
    monkeypatch.setenv("SLACK_WEBHOOK_URL", endpoints.slack_url())
    slack = channel({"type": "slack", "url": "${SLACK_WEBHOOK_URL}", "max_groups": 1000})
    slack.send(sample_notification(1000))
    (request,) = endpoints.received("/slack/")
    assert request.status == 200  # the endpoint refuses more than 50 blocks or 3,000 characters a section
    blocks = request.json()["blocks"]
    assert len(blocks) <= 50 and all(len(block["text"]["text"]) <= 3000 for block in blocks)
    text = "\n".join(block["text"]["text"] for block in blocks[1:])
    listed = text.count("• device=")
    assert 100 < listed < 1000
    assert text.endswith(f"and {1000 - listed} more")
    assert request.json()["text"] == "FIRING critical: Device Offline (1000 groups)"


def test_slack_cuts_at_max_groups_and_escapes_what_a_label_could_inject(endpoints, monkeypatch) -> None:
    monkeypatch.setenv("SLACK_WEBHOOK_URL", endpoints.slack_url())
    slack = channel({"type": "slack", "url": {"env": "SLACK_WEBHOOK_URL"}, "max_groups": 2})
    slack.send(sample_notification(5, rule="<!channel> & <http://evil|click>"))
    blocks = endpoints.received("/slack/")[0].json()["blocks"]
    assert blocks[0]["text"]["text"].startswith(":red_circle: *FIRING critical: &lt;!channel&gt; &amp; &lt;http://evil|click&gt; (5 groups)*")
    assert blocks[1]["text"]["text"].splitlines()[2:] == ["and 3 more"]
    assert "<" not in json.dumps(blocks) and "<!channel>" not in endpoints.received("/slack/")[0].body.decode()


def test_slack_resolved(endpoints, monkeypatch) -> None:
    monkeypatch.setenv("SLACK_WEBHOOK_URL", endpoints.slack_url())
    channel({"type": "slack", "url": {"env": "SLACK_WEBHOOK_URL"}}).send(sample_notification(1, "resolved"))
    body = endpoints.received("/slack/")[0].json()
    assert body["text"] == "RESOLVED critical: Device Offline"
    assert body["blocks"][1]["text"]["text"] == ("• device=stb-000: stb-000 is offline "
                                                 "(since 2025-12-01 12:00 UTC; resolved 2025-12-01 12:10 UTC)")


def test_pagerduty_triggers_one_event_per_alert_with_its_fingerprint_and_resolves_it(endpoints, monkeypatch) -> None:
    monkeypatch.setenv("PD_KEY", ROUTING_KEY)
    pagerduty = channel({"type": "pagerduty", "routing_key": {"env": "PD_KEY"}, "url": endpoints.pagerduty_url})
    pagerduty.send(sample_notification(2, url="https://vpt.example.com/d/devices"))
    first, second = endpoints.received("/v2/enqueue")
    assert (first.status, second.status) == (202, 202)
    assert first.header("Content-Type") == "application/json"
    assert first.json() == {
        "routing_key": ROUTING_KEY, "event_action": "trigger", "dedup_key": "000" + "f" * 29,
        "payload": {"summary": "stb-000 is offline", "source": "stb-000", "severity": "critical",
                    "timestamp": "2025-12-01T12:00:00.000Z", "component": "device=stb-000", "group": "pytest-vpt",
                    "class": "Device Offline",
                    "custom_details": {"rule": "Device Offline", "group": "device=stb-000", "value": 0,
                                       "labels": {"rule": "Device Offline", "severity": "critical", "device": "stb-000"},
                                       "since": "2025-12-01T12:00:00.000Z"}},
        "links": [{"href": "https://vpt.example.com/d/devices", "text": "pytest-vpt"}]}
    assert second.json()["dedup_key"] == "001" + "f" * 29
    endpoints.clear()
    pagerduty.send(sample_notification(2, "resolved"))
    assert [request.json() for request in endpoints.received("/v2/enqueue")] == [
        {"routing_key": ROUTING_KEY, "event_action": "resolve", "dedup_key": "000" + "f" * 29},
        {"routing_key": ROUTING_KEY, "event_action": "resolve", "dedup_key": "001" + "f" * 29}]


def test_pagerduty_refuses_a_routing_key_of_the_wrong_length_without_sending(endpoints, tmp_path) -> None:
    key = tmp_path / "pd_key"
    key.write_text("short-key\n")
    pagerduty = channel({"type": "pagerduty", "routing_key": {"file": str(key)}, "url": endpoints.pagerduty_url})
    with pytest.raises(DeliveryError) as raised:
        pagerduty.send(sample_notification())
    assert raised.value.permanent and "has 9 characters" in str(raised.value) and "short-key" not in str(raised.value)
    assert endpoints.received() == []


def test_twilio_sends_one_form_encoded_message_per_recipient_with_basic_auth(endpoints, monkeypatch) -> None:
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "twilio-token-123")
    sms = channel({"type": "sms", "account_sid": ACCOUNT, "auth_token": {"env": "TWILIO_AUTH_TOKEN"},
                   "from": "+14155550199", "to": ["+14155550100", "+447700900123"], "url": endpoints.twilio_url})
    sms.send(sample_notification(2))
    first, second = endpoints.received("/2010-04-01/")
    assert first.path == f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json" and first.status == 201
    assert first.basic_auth() == (ACCOUNT, "twilio-token-123")
    assert first.header("Content-Type") == "application/x-www-form-urlencoded"
    assert first.form() == {"To": ["+14155550100"], "From": ["+14155550199"], "Body": [
        "FIRING critical: Device Offline (2 groups)\nDevice Offline: 2 device(s)\n"
        "device=stb-000: stb-000 is offline (value: 0; since 2025-12-01 12:00 UTC)\n"
        "device=stb-001: stb-001 is offline (value: 0; since 2025-12-01 12:00 UTC)"]}
    assert second.form()["To"] == ["+447700900123"]


def test_twilio_keeps_the_body_within_1600_characters_and_uses_a_messaging_service(endpoints, monkeypatch) -> None:
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "twilio-token-123")
    sms = channel({"type": "sms", "account_sid": ACCOUNT, "auth_token": "${TWILIO_AUTH_TOKEN}",
                   "messaging_service_sid": "MG" + "a" * 32, "to": "+14155550100", "url": endpoints.twilio_url})
    sms.send(sample_notification(200))
    (request,) = endpoints.received("/2010-04-01/")
    form = request.form()
    assert request.status == 201 and "From" not in form and form["MessagingServiceSid"] == ["MG" + "a" * 32]
    body = form["Body"][0]
    assert len(body) <= 1600
    listed = body.count("device=")
    assert body.endswith(f"and {200 - listed} more") and listed > 10


def test_twilio_retried_after_a_failure_does_not_text_a_recipient_twice(endpoints, monkeypatch) -> None:
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "twilio-token-123")
    sms = channel({"type": "sms", "account_sid": ACCOUNT, "auth_token": {"env": "TWILIO_AUTH_TOKEN"},
                   "from": "+14155550199", "to": ["+14155550100", "+14155550101"], "url": endpoints.twilio_url})
    notification = sample_notification()
    endpoints.fail("/2010-04-01/", status=503, after=1)
    (result,) = deliver([sms], notification, sleep=lambda seconds: None)
    assert result.delivered and result.attempts == 2
    assert [(each.form()["To"][0], each.status) for each in endpoints.received("/2010-04-01/")] == [
        ("+14155550100", 201), ("+14155550101", 503), ("+14155550101", 201)]


def test_ntfy_posts_the_message_with_title_priority_tags_and_token(endpoints, monkeypatch) -> None:
    monkeypatch.setenv("NTFY_TOKEN", "tk_secret123")
    endpoints.require("/ntfy/", "Bearer tk_secret123")
    ntfy = channel({"type": "ntfy", "url": endpoints.ntfy_url("qa-phones"), "token": {"env": "NTFY_TOKEN"}})
    ntfy.send(sample_notification(1, url="https://vpt.example.com/d/devices"))
    (request,) = endpoints.received("/ntfy/")
    assert request.path == "/ntfy/qa-phones" and request.status == 200
    assert (request.header("Title"), request.header("Priority"), request.header("Tags"), request.header("Click")) == (
        "FIRING critical: Device Offline", "urgent", "rotating_light,critical", "https://vpt.example.com/d/devices")
    assert request.body.decode() == ("Device Offline: 1 device(s)\n"
                                     "device=stb-000: stb-000 is offline (value: 0; since 2025-12-01 12:00 UTC)\n"
                                     "https://vpt.example.com/d/devices")


def test_ntfy_title_out_of_ascii_is_encoded_and_a_missing_token_is_refused(endpoints) -> None:
    endpoints.require("/ntfy/", "Bearer right")
    ntfy = channel({"type": "ntfy", "url": endpoints.ntfy_url()})
    with pytest.raises(DeliveryError) as raised:
        ntfy.send(sample_notification(1, "resolved", rule="Écran noir", severity="warning"))
    assert raised.value.permanent and "HTTP 401" in str(raised.value)
    (request,) = endpoints.received("/ntfy/")
    title = str(email.header.make_header(email.header.decode_header(request.header("Title"))))
    assert title == "RESOLVED warning: Écran noir"
    assert (request.header("Priority"), request.header("Tags")) == ("default", "white_check_mark,warning")


def test_webhook_posts_alertmanagers_webhook_shape(endpoints) -> None:
    hook = channel({"type": "webhook", "url": endpoints.webhook_url("receiver")}, name="team-hook")
    hook.send(sample_notification(2, url="https://vpt.example.com/d/devices", annotations={"runbook": "https://wiki/offline"}))
    (request,) = endpoints.received("/webhook/")
    assert request.header("Content-Type") == "application/json"
    body = request.json()
    alert = {"status": "firing", "labels": {"alertname": "Device Offline", "severity": "critical", "device": "stb-000"},
             "annotations": {"runbook": "https://wiki/offline", "summary": "stb-000 is offline", "value": "0"},
             "startsAt": "2025-12-01T12:00:00.000Z", "endsAt": "0001-01-01T00:00:00Z",
             "generatorURL": "https://vpt.example.com/d/devices", "fingerprint": "000" + "f" * 29}
    assert body == {"version": "4", "groupKey": '{}:{alertname="Device Offline"}', "truncatedAlerts": 0,
                    "status": "firing", "receiver": "team-hook", "groupLabels": {"alertname": "Device Offline"},
                    "commonLabels": {"alertname": "Device Offline", "severity": "critical"},
                    "commonAnnotations": {"runbook": "https://wiki/offline", "value": "0"},
                    "externalURL": "https://vpt.example.com/d/devices",
                    "alerts": [alert, {**alert, "labels": {**alert["labels"], "device": "stb-001"},
                                       "annotations": {**alert["annotations"], "summary": "stb-001 is offline"},
                                       "startsAt": "2025-12-01T12:00:01.000Z", "fingerprint": "001" + "f" * 29}]}


def test_webhook_resolved_truncated_and_with_a_bearer_token(endpoints, monkeypatch) -> None:
    monkeypatch.setenv("HOOK_TOKEN", "hook-token-xyz")
    endpoints.require("/webhook/", "Bearer hook-token-xyz")
    hook = channel({"type": "webhook", "url": endpoints.webhook_url(), "token": {"env": "HOOK_TOKEN"}, "max_alerts": 2})
    hook.send(sample_notification(5, "resolved"))
    (request,) = endpoints.received("/webhook/")
    body = request.json()
    assert request.status == 200 and body["status"] == "resolved" and body["truncatedAlerts"] == 3
    assert [(alert["status"], alert["endsAt"]) for alert in body["alerts"]] == [("resolved", "2025-12-01T12:10:00.000Z")] * 2


def test_alertmanager_receives_alerts_and_their_end_on_resolve(endpoints) -> None:
    manager = channel({"type": "alertmanager", "url": endpoints.alertmanager_url + "/"})
    firing = sample_notification(2, url="https://vpt.example.com/d/devices")
    manager.send(firing)
    manager.send(sample_notification(2, "resolved"))
    posted, resolved = endpoints.received("/alertmanager/")
    assert posted.path == "/alertmanager/api/v2/alerts" and posted.status == 200
    assert posted.json()[1] == {"labels": {"alertname": "Device Offline", "severity": "critical", "device": "stb-001"},
                                "annotations": {"summary": "stb-001 is offline", "value": "0"},
                                "startsAt": "2025-12-01T12:00:01.000Z", "generatorURL": "https://vpt.example.com/d/devices"}
    assert [alert.get("endsAt") for alert in resolved.json()] == ["2025-12-01T12:10:00.000Z"] * 2


def test_alertmanager_label_names_are_made_valid(endpoints) -> None:
    from pytest_vpt.alerts.notification import AlertInstance, Notification

    alert = AlertInstance({"rule": "r", "device.id": "a", "9lives": "b"}, 1.5, START, None, "fp", "s")
    channel({"type": "alertmanager", "url": endpoints.alertmanager_url}).send(
        Notification("r", "warning", "firing", (alert,), "s"))
    assert endpoints.received("/alertmanager/")[0].json()[0]["labels"] == {
        "alertname": "r", "severity": "warning", "device_id": "a", "_9lives": "b"}


def test_a_test_message_reaches_the_channel(endpoints, monkeypatch) -> None:
    from pytest_vpt.alerts.delivery import send_test

    monkeypatch.setenv("SLACK_WEBHOOK_URL", endpoints.slack_url())
    channels = build_channels({"ops": {"type": "slack", "url": {"env": "SLACK_WEBHOOK_URL"}}})
    result = send_test(channels, "ops", now=START)
    assert (result.channel, result.kind, result.delivered, result.attempts, result.error) == ("ops", "slack", True, 1, None)
    assert endpoints.received("/slack/")[0].json()["text"] == "TEST info: vpt test"
    with pytest.raises(ValueError, match="no alert channel 'pager' \\(channels: ops\\)"):
        send_test(channels, "pager")



from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from pytest_vpt.alerts.channels import ntfy, slack, twilio  # noqa: E402
from pytest_vpt.alerts.channels.render import plain  # noqa: E402
from pytest_vpt.alerts.notification import AlertInstance, Notification  # noqa: E402

hostile_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=400)


@settings(max_examples=40, deadline=None)
@given(rule=hostile_text, labels=st.lists(st.tuples(hostile_text, hostile_text), min_size=1, max_size=120),
       status=st.sampled_from(["firing", "resolved"]), max_groups=st.integers(1, 1000))
def test_any_notification_stays_within_each_services_limits(rule, labels, status, max_groups) -> None:
    alerts = tuple(AlertInstance({"rule": rule, "device": value}, key, 0.0, 60.0, str(index), key)
                   for index, (key, value) in enumerate(labels))
    notification = Notification(rule or "r", "warning", status, alerts, rule)
    body = slack.payload(notification, max_groups)
    assert 2 <= len(body["blocks"]) <= 50 and len(body["text"]) <= 2000
    assert all(len(block["text"]["text"]) <= 3000 for block in body["blocks"])
    assert not any(char in block["text"]["text"] for block in body["blocks"][1:] for char in "<>")
    assert len(plain(notification, twilio.BODY_CHARS)) <= 1600
    assert len(ntfy.message(notification).encode()) <= ntfy.BODY_BYTES
    headers = ntfy.message_headers(notification)
    assert all(value.isascii() and "\n" not in value for value in headers.values())
