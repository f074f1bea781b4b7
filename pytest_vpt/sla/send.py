"""The SLA report e-mailed to its recipients: on demand (``vpt sla report --send``) and on
schedule (:func:`send_due_reports`, which the alerts loop calls every evaluation), each
period's report sent once however many loops run or restart."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Protocol

from ..history import History
from . import periods
from .formats import headline, html_page, text
from .report import SlaReport, report
from .targets import SlaSettings


class Mailer(Protocol):
    """An e-mail channel that sends one message (its text and HTML alternatives) to addresses;
    raises on failure with a message that names no secret."""

    name: str

    def send_mail(self, subject: str, text: str, html: str, to: tuple[str, ...]) -> None: ...


class NoRecipients(ValueError):
    """The report was to be sent, but the settings name no recipient."""


@dataclass(frozen=True)
class Sent:
    """A report sent: its period, to how many, through which channel."""

    period: str
    label: str
    start: float
    recipients: int
    channel: str


def send_report(found: SlaReport, settings: SlaSettings, mailer: Mailer) -> Sent:
    """E-mail ``found`` to the settings' recipients through ``mailer`` (text and HTML)."""
    if not settings.recipients:
        raise NoRecipients(f"{settings.source}: sla.reporting.recipients names no one to send the report to")
    mailer.send_mail(headline(found), text(found), html_page(found), settings.recipients)
    return Sent(found.period, found.label, found.start, len(settings.recipients), mailer.name)


def send_due_reports(history: History, settings: SlaSettings, mailer: Mailer, now: float | None = None) -> list[Sent]:
    """Send the report of the latest complete period (of the settings' frequency) unless it
    was sent already, by this process or another (claimed in the store first; forgotten again
    when sending fails, so the next call tries again, and the error is raised). Nothing
    without targets or recipients."""
    now = time.time() if now is None else now
    if not settings.targets or not settings.recipients:
        return []
    frequency = settings.frequency
    last = history.last_sla_report(frequency)
    if not periods.due(now, None if last is None else last["sent_at"], frequency):
        return []
    start = periods.last_complete(now, frequency)
    if last is not None and last["start"] >= start:
        return []
    if not history.claim_sla_report(frequency, start, now, len(settings.recipients)):
        return []
    try:
        return [send_report(report(history, settings, frequency, at=start, now=now), settings, mailer)]
    except BaseException:
        history.unclaim_sla_report(frequency, start)
        raise
