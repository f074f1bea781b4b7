"""What an alert rule's evaluation hands to the channels: a :class:`Notification` of one rule
firing or resolving, for one group or many at once (flood control), the one small
interface every channel implements (:class:`Channel`) and the optional capability of one
that must be told again while an alert fires (:class:`Resending`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, Protocol

Severity = Literal["critical", "error", "warning", "info"]
Status = Literal["firing", "resolved"]


@dataclass(frozen=True)
class AlertInstance:
    """One group's alert (one device, stream, test, project or tag group): its labels (``rule``,
    ``severity`` and the group's, e.g. ``device``), the value that made it fire, when it
    started firing and (resolved) ended, and a fingerprint stable across evaluations and
    restarts (PagerDuty's dedup key, Alertmanager's fingerprint)."""

    labels: Mapping[str, str]
    value: float | str | bool | None
    starts_at: float
    ends_at: float | None
    fingerprint: str
    summary: str


@dataclass(frozen=True)
class Notification:
    """A rule that fired or resolved for one group or several at once (grouped: one message
    for 40 flaky tests or a rack of devices). ``repeat``: a reminder of one still firing."""

    rule: str
    severity: Severity
    status: Status
    alerts: tuple[AlertInstance, ...]
    summary: str
    annotations: Mapping[str, str] = field(default_factory=dict)
    url: str | None = None  # where to look (a dashboard), when configured
    repeat: bool = False
    test: bool = False  # a test message (vpt alerts test CHANNEL)
    at: float | None = None  # the evaluation that made it (None: now, when sent)


class DeliveryError(Exception):
    """A channel could not deliver; the message names the channel and what went wrong, never a
    secret. ``retry_after``: seconds the endpoint asked to wait (HTTP 429), if it said."""

    def __init__(self, message: str, retry_after: float | None = None, permanent: bool = False) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.permanent = permanent  # a 4xx other than 429: retrying would not help


class Channel(Protocol):
    """A place notifications go (Slack, e-mail, PagerDuty, a webhook, SMS, ntfy, Alertmanager).
    ``send`` delivers one notification or raises :class:`DeliveryError`; retries and
    backoff are the caller's (alerts.delivery)."""

    name: str
    kind: str

    def send(self, notification: Notification) -> None: ...


class Resending(Channel, Protocol):
    """A channel that forgets an alert it is not told of again (Alertmanager: its endsAt):
    the evaluator posts every alert still firing to it again every ``resend_every`` seconds,
    a reminder no other channel gets."""

    resend_every: float


def resend_every(channel: Channel) -> float | None:
    """Seconds between re-posts ``channel`` wants of an alert still firing (None: none)."""
    every = getattr(channel, "resend_every", None)
    return float(every) if isinstance(every, (int, float)) and not isinstance(every, bool) and every > 0 else None
