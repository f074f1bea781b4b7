"""``alerts: channels:`` read by build_channels: each mistake named by file, channel and field,
secrets only by reference, a whole vpt.yaml read through config_file."""

from __future__ import annotations

import pytest

from pytest_vpt.alerts.channels import KINDS, ChannelConfigError, build_channels
from pytest_vpt.alerts.secrets import Secret, SecretError, parse_secret

SID = "AC" + "0" * 32


@pytest.mark.parametrize(("config", "message"), [
    ({"ops": {"type": "slak", "url": "${X}"}},
     "vpt.yaml: alerts.channels.ops: field 'type': must be one of slack, email, pagerduty, webhook, sms, ntfy, "
     "alertmanager, not 'slak'"),
    ({"ops": {"type": "slack"}}, "vpt.yaml: alerts.channels.ops (slack): field 'url': is required"),
    ({"ops": {"type": "slack", "url": "https://hooks.slack.com/services/T0/B0/abcdef"}},
     "vpt.yaml: alerts.channels.ops (slack): field 'url': a secret is not written in the configuration: "
     "give it as {env: NAME}, {file: PATH} or \"${NAME}\""),
    ({"ops": {"type": "slack", "url": {"env": "X"}, "chanel": "#qa"}},
     "vpt.yaml: alerts.channels.ops (slack): field 'chanel': is not a field of a slack channel (known: max_groups, "
     "timeout, url)"),
    ({"ops": {"type": "slack", "url": {"env": "X", "file": "y"}}},
     "vpt.yaml: alerts.channels.ops (slack): field 'url': a secret is {env: NAME} or {file: PATH}, with one text "
     "value (got the keys env, file)"),
    ({"ops": {"type": "slack", "url": {"env": "$(rm -rf /)"}}},
     "vpt.yaml: alerts.channels.ops (slack): field 'url': '$(rm -rf /)' is not an environment variable's name"),
    ({"ops": {"type": "slack", "url": {"env": "X"}, "timeout": 1e9}},
     "vpt.yaml: alerts.channels.ops (slack): field 'timeout': must be a number from 0.1 to 120, not 1000000000.0"),
    ({"pd": {"type": "pagerduty", "routing_key": {"env": "K"}, "url": "ftp://events"}},
     "vpt.yaml: alerts.channels.pd (pagerduty): field 'url': must be an http:// or https:// URL with a host"),
    ({"hook": {"type": "webhook", "url": "https://user:hunter2@example.com/hook"}},
     "vpt.yaml: alerts.channels.hook (webhook): field 'url': holds a password or a query: give the URL as a secret"),
    ({"sms": {"type": "sms", "account_sid": SID, "auth_token": {"env": "T"}, "from": "+1415", "to": ["555-0100"]}},
     "vpt.yaml: alerts.channels.sms (sms): field 'to': item 1 must be a phone number in E.164 form (+14155550123), "
     "not '555-0100'"),
    ({"sms": {"type": "sms", "account_sid": SID, "auth_token": {"env": "T"}, "to": "+14155550100"}},
     "vpt.yaml: alerts.channels.sms (sms): field 'from': give either from (a phone number) or messaging_service_sid"),
    ({"sms": {"type": "sms", "account_sid": "12345", "auth_token": {"env": "T"}, "to": "+14155550100"}},
     "vpt.yaml: alerts.channels.sms (sms): field 'account_sid': must be a Twilio Account SID"),
    ({"mail": {"type": "email", "host": "smtp.example.com", "from": "vpt@example.com", "to": ["qa"]}},
     "vpt.yaml: alerts.channels.mail (email): field 'to': item 1 must be an e-mail address (name@example.com), not 'qa'"),
    ({"mail": {"type": "email", "host": "smtp", "from": "a@b.c", "to": "d@e.f", "user": "u", "password": {"env": "P"},
               "security": "none"}},
     "vpt.yaml: alerts.channels.mail (email): field 'security': a password is not sent without TLS"),
    ({"mail": {"type": "email", "host": "smtp", "from": ["a@b.c", "x@y.z"], "to": "d@e.f"}},
     "vpt.yaml: alerts.channels.mail (email): field 'from': must be one e-mail address"),
    ({"mail": {"type": "email", "host": "smtp", "from": "a@b.c", "to": "d@e.f", "password": {"env": "P"}}},
     "vpt.yaml: alerts.channels.mail (email): field 'user': user and password go together"),
    ({"n": {"type": "ntfy", "url": "https://ntfy.sh/t", "token": {"env": "A"}, "user": "u", "password": {"env": "B"}}},
     "vpt.yaml: alerts.channels.n (ntfy): field 'token': give a token or a user and password, not both"),
    ({"a b": {"type": "slack"}}, "vpt.yaml: alerts.channels: 'a b' is not a channel name"),
    ({"ops": "slack"}, "vpt.yaml: alerts.channels.ops: must be a mapping with a type, not str"),
])
def test_a_mistake_names_the_channel_and_the_field(config, message) -> None:
    with pytest.raises(ChannelConfigError) as raised:
        build_channels(config)
    assert str(raised.value).startswith(message)


def test_the_channels_section_itself_must_be_a_bounded_mapping() -> None:
    with pytest.raises(ChannelConfigError, match="alerts.channels must be a mapping of names to channels, not list"):
        build_channels(["slack"], source="ci/vpt.yaml")
    with pytest.raises(ChannelConfigError, match="holds 101 channels; at most 100"):
        build_channels({f"c{index}": {"type": "slack", "url": "${X}"} for index in range(101)})
    assert build_channels(None) == {}


def test_every_kind_builds_from_its_documented_fields(tmp_path) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("not read until sent")
    channels = build_channels({
        "slack": {"type": "slack", "url": {"env": "SLACK_WEBHOOK_URL"}},
        "mail": {"type": "email", "host": "smtp.example.com", "port": 465, "security": "ssl", "user": "alerts",
                 "password": {"file": "/run/secrets/smtp"}, "from": "vpt@example.com", "to": "qa@example.com",
                 "ca_file": str(ca)},
        "pd": {"type": "pagerduty", "routing_key": "${PD_ROUTING_KEY}", "source": "lab-7"},
        "hook": {"type": "webhook", "url": "https://hooks.example.com/vpt", "max_alerts": 20},
        "sms": {"type": "sms", "account_sid": {"env": "TWILIO_ACCOUNT_SID"}, "auth_token": {"env": "TWILIO_AUTH_TOKEN"},
                "messaging_service_sid": "MG" + "1" * 32, "to": ["+14155550100"]},
        "phone": {"type": "ntfy", "url": {"env": "NTFY_TOPIC_URL"}},
        "am": {"type": "alertmanager", "url": "http://alertmanager:9093", "resend_every": 30}})
    assert {name: each.kind for name, each in channels.items()} == {
        "slack": "slack", "mail": "email", "pd": "pagerduty", "hook": "webhook", "sms": "sms", "phone": "ntfy",
        "am": "alertmanager"}
    assert set(KINDS) == {"slack", "email", "pagerduty", "webhook", "sms", "ntfy", "alertmanager"}
    assert channels["mail"].port == 465 and channels["pd"].url == "https://events.pagerduty.com/v2/enqueue"
    assert channels["sms"].url == "https://api.twilio.com" and channels["am"].resend_every == 30


def test_channels_read_from_vpt_yaml_name_the_file(tmp_path) -> None:
    from pytest_vpt import config_file

    if "alerts" not in config_file.SECTIONS:
        pytest.fail("config_file.SECTIONS has no alerts section yet")
    (tmp_path / "vpt.yaml").write_text("alerts:\n  channels:\n    ops:\n      type: slack\n      url: https://x.example/y\n")
    section, source = config_file.section("alerts", tmp_path)
    with pytest.raises(ChannelConfigError, match=f"^{tmp_path / 'vpt.yaml'}: alerts.channels.ops \\(slack\\): field 'url'"):
        build_channels(section["channels"], source)


def test_secrets_are_references_read_when_needed(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("TOKEN_A", "  value-a\n")
    assert parse_secret("${TOKEN_A}").reveal() == "value-a"
    assert parse_secret({"env": "TOKEN_A"}) == Secret(env="TOKEN_A")
    path = tmp_path / "token"
    secret = parse_secret({"file": str(path)})
    with pytest.raises(SecretError, match=f"^file {path} cannot be read"):
        secret.reveal()
    path.write_text("")
    with pytest.raises(SecretError, match=f"^file {path} is empty$"):
        secret.reveal()
    path.write_bytes(b"x" * (65 * 1024))
    with pytest.raises(SecretError, match="larger than 64 KiB"):
        secret.reveal()
    for wrong in ("plain-value", 42, {"env": 1}, {"vault": "x"}):
        with pytest.raises(SecretError) as raised:
            parse_secret(wrong)
        assert "plain-value" not in str(raised.value)
