"""The SLA report sent to a real SMTP server on 127.0.0.1 (aiosmtpd): by ``vpt sla report
--send`` through the alerts e-mail channel of vpt.yaml, to the report's recipients; and on
schedule, once per period however many loops run, again after a failed delivery."""

from __future__ import annotations

import json
import threading

import pytest
from click.testing import CliRunner

from pytest_vpt import sla
from pytest_vpt.alerts.channels import build_channels
from pytest_vpt.alerts.delivery import RetryPolicy
from pytest_vpt.alerts.notification import DeliveryError
from pytest_vpt.cli import cli
from pytest_vpt.history import History
from pytest_vpt.sla import periods
from alert_endpoints import SmtpServer
from sla_history import DAY, HOUR, NOW, TARGETS, W1, WEEK, write

ONCE = RetryPolicy(attempts=1)
RECIPIENTS = ("qa@example.com", "lead@example.org")


@pytest.fixture
def history_url(store_url) -> str:
    write(store_url)
    return store_url


def settings(frequency: str = "weekly") -> sla.SlaSettings:
    return sla.parse({"targets": TARGETS, "reporting": {"frequency": frequency, "recipients": list(RECIPIENTS)}})


def mail_channel(port: int):
    return build_channels({"mail": {"type": "email", "host": "127.0.0.1", "port": port, "security": "none",
                                    "from": "vpt@example.com", "to": "alerts@example.com"}})["mail"]


def test_vpt_sla_report_send_mails_the_recipients(history_url, tmp_path) -> None:
    with SmtpServer(tmp_path) as server:
        config = tmp_path / "vpt.yaml"
        config.write_text(
            "alerts:\n  channels:\n    mail:\n      type: email\n      host: 127.0.0.1\n"
            f"      port: {server.port}\n      security: none\n      from: vpt@example.com\n      to: alerts@example.com\n"
            "sla:\n  targets:\n" + "".join(f"    {k}: {v}\n" for k, v in TARGETS.items())
            + f"  reporting:\n    frequency: weekly\n    recipients: [{', '.join(RECIPIENTS)}]\n")
        result = CliRunner().invoke(cli, ["--store", history_url, "sla", "report", "--project", "box", "--config",
                                          str(config), "--date", periods.label(W1, "daily"), "--send", "--json"])
        assert result.exit_code == 0, result.output
        assert json.loads(result.output)["sent"]["recipients"] == 2
        (mail,) = server.wait_for(1)
    assert sorted(mail.recipients) == sorted(RECIPIENTS) and mail.sender == "vpt@example.com"
    label = periods.label(W1, "weekly")
    # (a subject longer than a line is folded; the parser keeps the fold's space)
    assert mail.message["Subject"].strip() == f"[vpt] SLA report: box weekly {label}: missed (1 of 4 targets met, 3 missed)"
    assert mail.message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in mail.message.iter_parts()] == ["text/plain", "text/html"]
    body = mail.message.get_body(("plain",)).get_content()
    assert body.splitlines()[0] == f"SLA box weekly {label}: 1 of 4 targets met, 3 missed"
    assert any(line.split()[:2] == ["target", "goal"] for line in body.splitlines())  # the report's table
    assert any(line.startswith("test_pass_rate") and line.endswith("MISSED") for line in body.splitlines())
    assert "What broke it: tests that failed most" in body and "t.py::c: 1 failure in 1 run" in body
    page = mail.message.get_body(("html",)).get_content()
    assert "<style" not in page and "<script" not in page and "class=" not in page
    assert '<td style="padding:.3em .8em;border-bottom:1px solid #ddd;color:#c62828;font-weight:bold">MISSED</td>' in page
    assert "<h2>What broke it: tests that failed most</h2>" in page and "t.py::c: 1 failure in 1 run" in page


def test_a_report_met_names_it_in_the_subject_and_goes_to_the_channels_own_recipients(history_url, tmp_path) -> None:
    met = sla.parse({"targets": {"test_pass_rate": "10%"}, "reporting": {"frequency": "daily"}})
    with History.open(history_url, project="box") as history:
        found = sla.report(history, met, "daily", at=W1)
    with SmtpServer(tmp_path) as server:
        sent = sla.send_report(found, met, mail_channel(server.port), ONCE)
        (mail,) = server.wait_for(1)
    assert (sent.channel, sent.recipients) == ("mail", 0) and mail.recipients == ["alerts@example.com"]
    assert mail.message["Subject"].strip() == f"[vpt] SLA report: box daily {periods.label(W1, 'daily')}: met (1 of 1 target met)"


def test_a_channel_that_does_not_mail_gets_the_short_notification(history_url) -> None:
    from alert_endpoints import AlertEndpoints

    with History.open(history_url, project="box") as history:
        found = sla.report(history, settings(), "weekly", at=W1)
    with AlertEndpoints() as endpoints:
        hook = build_channels({"hook": {"type": "webhook", "url": endpoints.webhook_url()}})["hook"]
        assert sla.send_report(found, settings(), hook, ONCE).recipients == 0
        (posted,) = endpoints.received("/webhook/")
    body = posted.json()
    assert body["status"] == "firing" and body["groupLabels"]["alertname"].startswith("SLA report: box weekly")
    assert len(body["alerts"]) >= 4  # one line per target, then what broke them


def test_send_without_an_email_channel_is_an_error_naming_it(history_url, tmp_path) -> None:
    config = tmp_path / "vpt.yaml"
    config.write_text("sla:\n  targets:\n    device_uptime: 99%\n  reporting:\n    recipients: qa@example.com\n")
    result = CliRunner().invoke(cli, ["--store", history_url, "sla", "report", "--project", "box", "--config",
                                      str(config), "--send"])
    assert result.exit_code == 1
    assert result.output == (f"Error: {config}: sla.reporting.channel: name the alerts channel to send the report "
                             "through (0 e-mail channels configured)\n")


def test_due_once_a_period_has_ended_since_the_last_report() -> None:
    monday = periods.start_of(NOW, "weekly")
    assert periods.due(monday + 5, None, "weekly")
    assert periods.due(monday + 5, monday - 1, "weekly") and not periods.due(monday + 5, monday + 1, "weekly")
    assert periods.due(monday + DAY, monday + 1, "daily") and not periods.due(monday + WEEK - 1, monday + 1, "weekly")
    assert periods.label(monday, "weekly").startswith(periods.label(monday + 3 * DAY, "daily")[:4])
    with pytest.raises(ValueError, match="period must be daily or weekly, not 'monthly'"):
        periods.due(NOW, None, "monthly")


def test_reports_on_schedule_sent_once_and_again_after_a_failure(history_url, tmp_path) -> None:
    with SmtpServer(tmp_path) as server:
        port = server.port
        channel = mail_channel(port)
        with History.open(history_url, project="box") as first, History.open(history_url, project="box") as second:
            # two loops at once: one of them sends last week's report
            sent: list = []
            loops = [threading.Thread(target=lambda h=h: sent.extend(sla.send_due_reports(h, settings(), channel, NOW,
                                                                                        ONCE)))
                     for h in (first, second)]
            for loop in loops:
                loop.start()
            for loop in loops:
                loop.join()
            assert [(s.start, s.recipients) for s in sent] == [(W1, 2)]
            assert sla.send_due_reports(first, settings(), channel, NOW + HOUR, ONCE) == []
            assert first.last_sla_report("weekly") == {"start": W1, "sent_at": NOW, "recipients": 2}
            assert len(server.wait_for(1)) == 1
    # the next week, the server is gone: not sent, not marked sent; sent when it is back
    later = NOW + WEEK
    with History.open(history_url, project="box") as history:
        with pytest.raises(DeliveryError, match=f"email channel 'mail': cannot deliver to 127.0.0.1:{port}"):
            sla.send_due_reports(history, settings(), mail_channel(port), later, ONCE)
        assert history.last_sla_report("weekly")["start"] == W1
        with SmtpServer(tmp_path) as server:
            (again,) = sla.send_due_reports(history, settings(), mail_channel(server.port), later + 60, ONCE)
            assert again.start == W1 + WEEK and len(server.wait_for(1)) == 1


def test_no_targets_sends_nothing(history_url) -> None:
    with History.open(history_url, project="box") as history:
        assert sla.send_due_reports(history, sla.parse(None), mail_channel(1), NOW, ONCE) == []


def test_the_alerts_loop_refreshes_compliance_and_sends_the_due_report(history_url, tmp_path, caplog) -> None:
    server = SmtpServer(tmp_path)
    config = tmp_path / "vpt.yaml"
    config.write_text(
        "alerts:\n  channels:\n    mail:\n      type: email\n      host: 127.0.0.1\n"
        f"      port: {server.port}\n      security: none\n      from: vpt@example.com\n      to: alerts@example.com\n"
        "sla:\n  targets:\n    test_pass_rate: 80%\n"
        f"  reporting:\n    frequency: daily\n    recipients: [{RECIPIENTS[0]}]\n")
    with History.open(history_url, project="box") as history:
        tick = sla.Schedule.from_config(history, tmp_path, config, refresh_every=600)
        try:
            (sent,) = tick(W1 + DAY + 60)  # Tuesday 00:01: Monday's report
            assert (sent.start, sent.recipients) == (W1, 1)
            assert tick(W1 + DAY + 120) == []  # sent already; compliance not refreshed within 10 minutes
            assert len(server.wait_for(1)) == 1
        finally:
            server.close()
        rows = history.sla_compliance("daily", W1, W1 + 2 * DAY)
        assert [(row.start, row.figure, row.met, row.computed_at) for row in rows] == [
            (W1, 50.0, False, W1 + DAY + 60), (W1 + DAY, None, None, W1 + DAY + 60)]
        caplog.clear()
        tick.retry = ONCE
        assert tick(W1 + 2 * DAY + 60) == []  # the server is gone: logged, the loop goes on
        assert "sla: the report was not sent (tried again at the next evaluation): email channel 'mail'" in caplog.text
        assert history.last_sla_report("daily")["start"] == W1
    config.write_text("sla:\n  targets: {}\n")
    with History.open(history_url, project="box") as history:
        assert sla.Schedule.from_config(history, tmp_path, config) is None


def test_vpt_alerts_run_sends_the_due_report(history_url, tmp_path, monkeypatch) -> None:
    """The rules' loop (vpt alerts run) sends the SLA report when one is due, once."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pytest.ini").write_text("[pytest]\nvpt_project = box\n")  # the project the SLA is of
    with SmtpServer(tmp_path) as server:
        config = tmp_path / "vpt.yaml"
        config.write_text(
            "alerts:\n  builtin: false\n  channels:\n    mail:\n      type: email\n      host: 127.0.0.1\n"
            f"      port: {server.port}\n      security: none\n      from: vpt@example.com\n      to: alerts@example.com\n"
            "sla:\n  targets:\n    test_pass_rate: 80%\n"
            f"  reporting:\n    frequency: daily\n    recipients: [{RECIPIENTS[0]}]\n")
        result = CliRunner().invoke(cli, ["--store", history_url, "alerts", "run", "--every", "1s", "--for", "3s",
                                          "--config", str(config)])
        assert result.exit_code == 0, result.output
        (mail,) = server.wait_for(1)
    assert mail.recipients == [RECIPIENTS[0]] and "SLA report: box daily" in mail.message["Subject"]
