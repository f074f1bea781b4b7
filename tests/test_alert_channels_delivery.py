"""Delivery to real endpoints that throttle (429 Retry-After), fail (500) and refuse (400):
backoff with jitter, bounded attempts and time, failures recorded, never raised; channels
sent to at once; and no secret in a log line, an error or a repr."""

from __future__ import annotations

import logging

import pytest
from alert_endpoints import AlertEndpoints, sample_notification

from pytest_vpt.alerts.channels import build_channels
from pytest_vpt.alerts.delivery import RetryPolicy, deliver, send_test
from pytest_vpt.alerts.secrets import Secret

SLACK_PATH = "/slack/services/T0000/B0000/ops"


@pytest.fixture
def endpoints():
    with AlertEndpoints() as running:
        yield running


@pytest.fixture
def slack(endpoints, monkeypatch):
    monkeypatch.setenv("SLACK_WEBHOOK_URL", endpoints.slack_url("ops"))
    return build_channels({"ops": {"type": "slack", "url": {"env": "SLACK_WEBHOOK_URL"}}})


class Waits:
    """The sleeps delivery asked for (none really taken)."""

    def __init__(self) -> None:
        self.asked: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.asked.append(seconds)


def test_a_429_is_retried_after_its_retry_after(endpoints, slack) -> None:
    endpoints.fail("/slack/", status=429, times=1, retry_after=7, body="rate_limited")
    waits, failures = Waits(), []
    (result,) = deliver(slack, sample_notification(), on_failure=lambda *args: failures.append(args), sleep=waits)
    assert (result.delivered, result.attempts, result.error) == (True, 2, None)
    assert waits.asked == [7.0] and failures == []
    assert [request.status for request in endpoints.received("/slack/")] == [429, 200]


def test_a_long_retry_after_is_capped(endpoints, slack) -> None:
    endpoints.fail("/slack/", status=429, times=1, retry_after=3600)
    waits = Waits()
    (result,) = deliver(slack, sample_notification(), sleep=waits, policy=RetryPolicy(retry_after_cap=45, total=300))
    assert result.delivered and waits.asked == [45.0]


def test_500s_back_off_exponentially_with_jitter(endpoints, slack) -> None:
    endpoints.fail("/slack/", status=500, times=3)
    waits = Waits()
    (result,) = deliver(slack, sample_notification(), sleep=waits, jitter=lambda: 0.5)
    assert result.delivered and result.attempts == 4
    assert waits.asked == [0.75, 1.5, 3.0]  # 1, 2, 4 s, each times 0.5 + jitter / 2
    waits.asked.clear()
    endpoints.fail("/slack/", status=500, times=1)
    deliver(slack, sample_notification(), sleep=waits, jitter=lambda: 0.0)
    assert waits.asked == [0.5]


def test_delivery_gives_up_after_its_attempts_and_records_the_failure(endpoints, slack) -> None:
    endpoints.fail("/slack/", status=503, times=100, body="upstream down")
    waits, failures = Waits(), []
    (result,) = deliver(slack, sample_notification(), on_failure=lambda *args: failures.append(args), sleep=waits,
                        policy=RetryPolicy(attempts=3))
    assert not result.delivered and len(endpoints.received("/slack/")) == 3 and len(waits.asked) == 2
    assert failures == [("ops", "slack channel 'ops': HTTP 503: upstream down (after 3 attempts)")]


def test_delivery_stops_before_its_time_is_spent(endpoints, slack) -> None:
    endpoints.fail("/slack/", status=429, times=100, retry_after=20)
    waits = Waits()
    (result,) = deliver(slack, sample_notification(), sleep=waits, policy=RetryPolicy(attempts=10, total=50))
    assert waits.asked == [20.0, 20.0] and result.attempts == 3
    assert result.error.endswith("(after 3 attempts); gave up: another try would pass 50 s")


def test_a_400_is_not_retried(endpoints, slack) -> None:
    endpoints.fail("/slack/", status=400, times=1, body="invalid_payload")
    waits, failures = Waits(), []
    (result,) = deliver(slack, sample_notification(), on_failure=lambda *args: failures.append(args), sleep=waits)
    assert (result.delivered, result.attempts) == (False, 1) and waits.asked == []
    assert failures == [("ops", "slack channel 'ops': HTTP 400: invalid_payload (after 1 attempt)")]
    assert len(endpoints.received("/slack/")) == 1


def test_a_failing_recorder_does_not_stop_delivery(endpoints, slack, caplog) -> None:
    endpoints.fail("/slack/", status=404, body="no_service")

    def broken(name, error):
        raise RuntimeError("the store is locked")

    (result,) = deliver(slack, sample_notification(), on_failure=broken, sleep=Waits())
    assert not result.delivered and "recording the failure of channel 'ops' failed" in caplog.text


def test_an_unreachable_endpoint_is_retried_and_named_without_its_url(monkeypatch) -> None:
    with AlertEndpoints() as gone:
        url = gone.slack_url("T0SECRET")
    monkeypatch.setenv("SLACK_WEBHOOK_URL", url)
    channels = build_channels({"ops": {"type": "slack", "url": {"env": "SLACK_WEBHOOK_URL"}}})
    (result,) = deliver(channels, sample_notification(), sleep=Waits(), policy=RetryPolicy(attempts=2))
    assert result.error == "slack channel 'ops': the connection was refused (after 2 attempts)"


def test_a_slow_channel_does_not_hold_up_the_others(endpoints, monkeypatch) -> None:
    """Slack's answer is held until the webhook's request has arrived: sent one after the other,
    Slack would time out first (1 s) and the webhook be sent only then."""
    monkeypatch.setenv("SLACK_WEBHOOK_URL", endpoints.slack_url())
    channels = build_channels({"ops": {"type": "slack", "url": {"env": "SLACK_WEBHOOK_URL"}, "timeout": 1},
                               "hook": {"type": "webhook", "url": endpoints.webhook_url()}})
    endpoints.hold("/slack/", until="/webhook/")
    results = deliver(channels, sample_notification(), sleep=Waits(), policy=RetryPolicy(attempts=1))
    assert [(each.channel, each.delivered) for each in results] == [("ops", True), ("hook", True)]


def test_a_timeout_is_a_retryable_failure_naming_the_time(endpoints, monkeypatch) -> None:
    monkeypatch.setenv("SLACK_WEBHOOK_URL", endpoints.slack_url())
    channels = build_channels({"ops": {"type": "slack", "url": {"env": "SLACK_WEBHOOK_URL"}, "timeout": 0.2}})
    endpoints.slow("/slack/", 1.0, times=1)
    waits = Waits()
    (result,) = deliver(channels, sample_notification(), sleep=waits)
    assert result.delivered and result.attempts == 2 and len(waits.asked) == 1


SECRETS = {"SLACK_WEBHOOK_URL": None, "PD_KEY": "PDKEY" + "x" * 27, "TW_TOKEN": "twilio-secret-token",
           "NTFY_TOKEN": "tk_ntfy_secret", "HOOK_URL": None}


def test_no_secret_in_logs_errors_or_reprs(endpoints, monkeypatch, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    values = dict(SECRETS, SLACK_WEBHOOK_URL=endpoints.slack_url("XOXB-SECRET-PATH"),
                  HOOK_URL=endpoints.webhook_url("hook-secret-path"))
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    channels = build_channels({
        "slack": {"type": "slack", "url": {"env": "SLACK_WEBHOOK_URL"}},
        "pd": {"type": "pagerduty", "routing_key": {"env": "PD_KEY"}, "url": endpoints.pagerduty_url},
        "sms": {"type": "sms", "account_sid": "AC" + "0" * 32, "auth_token": {"env": "TW_TOKEN"}, "from": "+14155550199",
                "to": "+14155550100", "url": endpoints.twilio_url},
        "ntfy": {"type": "ntfy", "url": endpoints.ntfy_url(), "token": {"env": "NTFY_TOKEN"}},
        "hook": {"type": "webhook", "url": {"env": "HOOK_URL"}}})
    # every endpoint answers with what it was sent echoed back, as a misbehaving proxy might
    echoed = {"/slack/": values["SLACK_WEBHOOK_URL"] + " /slack/services/T0000/B0000/XOXB-SECRET-PATH",
              "/v2/": values["PD_KEY"], "/2010-04-01/": "Basic auth twilio-secret-token",
              "/ntfy/": "Bearer tk_ntfy_secret", "/webhook/": values["HOOK_URL"]}
    for prefix, body in echoed.items():
        endpoints.fail(prefix, status=400, times=1, body=body)
    failures = []
    results = deliver(channels, sample_notification(), on_failure=lambda *args: failures.append(args), sleep=Waits())
    assert [each.delivered for each in results] == [False] * 5
    shown = [caplog.text, repr(channels), str(channels), repr(results), repr(failures)]
    for secret in values.values():
        for text in shown:
            assert secret not in text
    assert "XOXB-SECRET-PATH" not in caplog.text and "hook-secret-path" not in caplog.text
    assert "slack channel 'slack': HTTP 400: *** *** (after 1 attempt)" in caplog.text
    assert "Secret(***)" in repr(channels["slack"])


def test_a_missing_secret_is_named_by_its_variable(monkeypatch) -> None:
    monkeypatch.delenv("NOT_SET_ANYWHERE", raising=False)
    channels = build_channels({"ops": {"type": "slack", "url": {"env": "NOT_SET_ANYWHERE"}}})
    result = send_test(channels, "ops", sleep=Waits())
    assert (result.delivered, result.attempts) == (False, 1)
    assert result.error == "slack channel 'ops': environment variable NOT_SET_ANYWHERE is not set (after 1 attempt)"


def test_a_secret_file_is_read_when_sent(endpoints, tmp_path) -> None:
    secret_file = tmp_path / "slack_url"
    channels = build_channels({"ops": {"type": "slack", "url": {"file": str(secret_file)}}})
    secret_file.write_text(endpoints.slack_url("rotated") + "\n")  # written after the channel was built
    assert send_test(channels, "ops", sleep=Waits()).delivered
    assert endpoints.received()[0].path == "/slack/services/T0000/B0000/rotated"
    assert repr(Secret(file=secret_file)) == str(Secret(env="X")) == "Secret(***)"
