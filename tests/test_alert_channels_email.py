"""The e-mail channel against a real SMTP server on 127.0.0.1 (aiosmtpd): STARTTLS and SMTPS
on a self-signed certificate the client is told to trust, AUTH, text with an HTML alternative."""

from __future__ import annotations

import pytest
from alert_endpoints import SmtpServer, sample_notification

from pytest_vpt.alerts.channels import build_channels
from pytest_vpt.alerts.delivery import deliver
from pytest_vpt.alerts.notification import DeliveryError


def email_channel(server: SmtpServer, **fields):
    config = {"type": "email", "host": "127.0.0.1", "port": server.port, "from": "vpt@example.com",
              "to": ["qa@example.com", "oncall@example.com"], **fields}
    if server.certificate is not None:
        config.setdefault("ca_file", str(server.certificate))
    return build_channels({"mail": config})["mail"]


def test_starttls_and_auth_deliver_text_and_html_to_every_recipient(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("SMTP_PASSWORD", "smtp-pass-42")
    with SmtpServer(tmp_path, "starttls", login=("alerts", "smtp-pass-42")) as server:
        mail = email_channel(server, user="alerts", password={"env": "SMTP_PASSWORD"})
        mail.send(sample_notification(2, url="https://vpt.example.com/d/devices"))
        (received,) = server.wait_for(1)
    assert received.tls and received.login == "alerts"
    assert received.sender == "vpt@example.com" and received.recipients == ["qa@example.com", "oncall@example.com"]
    message = received.message
    assert message["Subject"] == "[vpt] FIRING critical: Device Offline (2 groups)"
    assert message["To"] == "qa@example.com, oncall@example.com"
    assert message.get_content_type() == "multipart/alternative"
    assert message.get_body(("plain",)).get_content().replace("\r\n", "\n") == (
        "FIRING critical: Device Offline (2 groups)\nDevice Offline: 2 device(s)\n\n"
        "- device=stb-000: stb-000 is offline (value: 0; since 2025-12-01 12:00 UTC)\n"
        "- device=stb-001: stb-001 is offline (value: 0; since 2025-12-01 12:00 UTC)\n\n"
        "https://vpt.example.com/d/devices\n")
    page = message.get_body(("html",)).get_content()
    assert "<li>device=stb-001: stb-001 is offline (value: 0; since 2025-12-01 12:00 UTC)</li>" in page
    assert '<a href="https://vpt.example.com/d/devices">' in page


def test_smtps_on_465_style_tls_from_the_first_byte(tmp_path) -> None:
    with SmtpServer(tmp_path, "ssl") as server:
        email_channel(server, security="ssl").send(sample_notification(1, "resolved"))
        (received,) = server.wait_for(1)
    assert received.tls
    assert received.message["Subject"] == "[vpt] RESOLVED critical: Device Offline"


def test_html_escapes_labels_and_the_subject_stays_one_line(tmp_path) -> None:
    with SmtpServer(tmp_path) as server:
        email_channel(server, security="none").send(sample_notification(1, rule="<script>x</script>\nBcc: a@b.c"))
        (received,) = server.wait_for(1)
    assert received.recipients == ["qa@example.com", "oncall@example.com"]
    assert received.message["Subject"] == "[vpt] FIRING critical: <script>x</script> Bcc: a@b.c"
    assert received.message["Bcc"] is None
    page = received.message.get_body(("html",)).get_content()
    assert "<script>" not in page and "&lt;script&gt;x&lt;/script&gt;" in page


def test_a_wrong_password_is_a_permanent_failure_that_does_not_show_it(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("SMTP_PASSWORD", "wrong-pass-99")
    with SmtpServer(tmp_path, "starttls", login=("alerts", "smtp-pass-42")) as server:
        mail = email_channel(server, user="alerts", password={"env": "SMTP_PASSWORD"})
        failures = []
        (result,) = deliver([mail], sample_notification(), on_failure=lambda *args: failures.append(args),
                            sleep=lambda seconds: None)
        assert server.refused_logins > 0 and server.mails == []
    assert not result.delivered and result.attempts == 1
    assert failures == [("mail", result.error)]
    assert result.error.startswith("email channel 'mail': the server said 535")
    assert "wrong-pass-99" not in result.error


def test_an_untrusted_certificate_is_refused(tmp_path) -> None:
    with SmtpServer(tmp_path, "starttls") as server:
        mail = build_channels({"mail": {"type": "email", "host": "127.0.0.1", "port": server.port,
                                        "from": "vpt@example.com", "to": "qa@example.com"}})["mail"]
        with pytest.raises(DeliveryError, match="email channel 'mail': TLS failed"):
            mail.send(sample_notification())
        assert server.mails == []


def test_a_server_without_starttls_is_not_sent_to_in_clear(tmp_path) -> None:
    with SmtpServer(tmp_path) as server:
        mail = email_channel(server)  # starttls by default
        with pytest.raises(DeliveryError, match="does not offer STARTTLS") as raised:
            mail.send(sample_notification())
        assert raised.value.permanent and server.mails == []
