"""The SLA report sent through an alerts channel: a channel that sends mails of its own
content (the e-mail channel's ``send_mail``) gets the report itself, its text and its HTML
(styles inline), to the report's recipients; any other channel the short grouped
notification, to where it posts. Sent on demand (``vpt sla report --send``) and on
schedule (:func:`send_due_reports`, which the alerts loop calls every evaluation), each
period's report sent once however many loops run or restart."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .. import config_file
from ..alerts.delivery import RetryPolicy, deliver, retried
from ..alerts.notification import AlertInstance, Channel, DeliveryError, Notification
from ..history import History
from . import periods
from .formats import broke_lines, headline, html_mail, target_line, text
from .report import SlaReport, report
from .targets import SlaConfigError, SlaSettings

RULE = "SLA report"


class NoChannel(SlaConfigError):
    """No alerts channel to send the report through, or not the one named."""


@dataclass(frozen=True)
class Sent:
    """A report sent: its period, through which channel, to how many recipients (0: the channel's own)."""

    period: str
    label: str
    start: float
    channel: str
    recipients: int


def channels(rootdir: Path, config: Path | None = None) -> dict[str, Channel]:
    """The channels of vpt.yaml's ``alerts: channels:`` (pytest_vpt.alerts.channels)."""
    from ..alerts.channels import build_channels

    section, source = config_file.section("alerts", rootdir, config)
    return build_channels((section or {}).get("channels") if isinstance(section, dict) else None, source)


def pick_channel(found: Mapping[str, Channel], settings: SlaSettings) -> Channel:
    """``sla.reporting.channel`` of ``found``, else the only e-mail channel; an error naming them otherwise."""
    if settings.channel is not None:
        if settings.channel not in found:
            raise NoChannel(f"{settings.source}: sla.reporting.channel: no alerts channel {settings.channel!r} "
                            f"(configured: {', '.join(found) or 'none'})")
        return found[settings.channel]
    mail = [channel for channel in found.values() if channel.kind == "email"]
    if len(mail) != 1:
        raise NoChannel(f"{settings.source}: sla.reporting.channel: name the alerts channel to send the report "
                        f"through ({len(mail)} e-mail channels configured"
                        + (f": {', '.join(c.name for c in mail)})" if mail else ")"))
    return mail[0]


def notification(found: SlaReport) -> Notification:
    """The report as a notification of the rule ``SLA report: box weekly 2026-W48``, firing when
    a target was missed: one line per target, then what broke the missed ones."""
    rule = f"{RULE}: {found.project} {found.period} {found.label}"

    def instance(key: str, labels: dict[str, str], value: str | None, summary: str) -> AlertInstance:
        digest = hashlib.sha256(f"{found.project}\0{found.period}\0{found.start}\0{key}".encode()).hexdigest()[:32]
        return AlertInstance({"rule": rule, "project": found.project, **labels}, value, found.start, found.end,
                             digest, summary)

    alerts = [instance(r.target, {"target": r.target}, None, target_line(r)) for r in found.targets]
    alerts += [instance(f"{title}:{n}", {"broke": title}, None, line)
               for title, lines in broke_lines(found) for n, line in enumerate(lines)]
    return Notification(rule, "warning" if found.missed else "info", "firing" if found.missed else "resolved",
                        tuple(alerts), headline(found).partition(": ")[2], {"period": found.period, "label": found.label})


def subject(found: SlaReport) -> str:
    """``SLA report: box weekly 2026-W48: missed (1 of 4 targets met, 3 missed)``."""
    verdict = "missed" if found.missed else "met" if found.met else "no data"
    return f"{RULE}: {found.project} {found.period} {found.label}: {verdict} ({headline(found).partition(': ')[2]})"


def send_report(found: SlaReport, settings: SlaSettings, channel: Channel,
                retry: RetryPolicy = RetryPolicy()) -> Sent:
    """Send ``found`` through ``channel`` (retried as alerts are): a channel with
    ``send_mail`` (e-mail) mails the report itself to the settings' recipients (none: to its
    own ``to``); any other gets its notification. A DeliveryError when it was not sent."""
    send_mail = getattr(channel, "send_mail", None)
    if callable(send_mail):
        recipients = settings.recipients or None
        result = retried(channel, lambda: send_mail(subject(found), text(found), html_mail(found), recipients),
                         policy=retry)
    else:
        (result,) = deliver([channel], notification(found), policy=retry)
    if not result.delivered:
        raise DeliveryError(result.error or f"{channel.name}: not delivered")
    return Sent(found.period, found.label, found.start, channel.name,
                len(settings.recipients) if callable(send_mail) else 0)


def send_due_reports(history: History, settings: SlaSettings, channel: Channel, now: float | None = None,
                     retry: RetryPolicy = RetryPolicy()) -> list[Sent]:
    """Send the report of the latest complete period (of the settings' frequency) unless it
    was sent already, by this process or another (claimed in the store first; forgotten again
    when sending fails, so the next call tries again, and the error is raised). Nothing
    without targets."""
    now = time.time() if now is None else now
    if not settings.targets:
        return []
    frequency = settings.frequency
    last = history.last_sla_report(frequency)
    start = periods.last_complete(now, frequency)
    if not periods.due(now, None if last is None else last["sent_at"], frequency) or (
            last is not None and last["start"] >= start):
        return []
    if not history.claim_sla_report(frequency, start, now, len(settings.recipients)):
        return []
    try:
        return [send_report(report(history, settings, frequency, at=start, now=now), settings, channel, retry)]
    except BaseException:
        history.unclaim_sla_report(frequency, start)
        raise
