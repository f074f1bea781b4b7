"""An existing Alertmanager: every alert instance posted to ``POST /api/v2/alerts`` (labels,
annotations, startsAt, endsAt, generatorURL), so its grouping, silences, inhibition and
routing take over. Alertmanager resolves an alert on its own once its ``endsAt`` passes, so the
evaluator posts every alert still firing again every ``resend_every`` seconds (the channel is
notification.Resending), each post with its first ``startsAt`` and an ``endsAt``
:data:`VALID_RESENDS` re-posts ahead (as Prometheus does: a late or lost re-post or two do not
end it); a resolved alert is posted with ``endsAt`` its end. A notification of no evaluation
(a test message) is posted without ``endsAt``: Alertmanager's resolve_timeout then holds it.
Also the alert shape the generic webhook sends (Alertmanager's own)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import ClassVar

from ..notification import AlertInstance, Notification
from ..secrets import Secret
from . import render
from .http import post
from .options import Options

API_PATH = "/api/v2/alerts"
_LABEL_NAME = re.compile(r"[^A-Za-z0-9_]")
ZERO_TIME = "0001-01-01T00:00:00Z"  # Alertmanager's endsAt of a firing alert in its webhook
#: a firing alert's endsAt: this many re-posts after the post
VALID_RESENDS = 4


def labels(notification: Notification, alert: AlertInstance) -> dict[str, str]:
    """Prometheus labels: ``alertname`` (the rule), ``severity`` and the group's, each name
    made a valid label name (``device.id`` -> ``device_id``)."""
    found = {"alertname": notification.rule, "severity": notification.severity}
    for key, value in alert.labels.items():
        if key == "rule":
            continue
        name = _LABEL_NAME.sub("_", str(key)) or "_"
        found[name if not name[0].isdigit() else f"_{name}"] = str(value)
    return found


def annotations(notification: Notification, alert: AlertInstance) -> dict[str, str]:
    found = {str(key): str(value) for key, value in notification.annotations.items()}
    found["summary"] = alert.summary or notification.summary or notification.rule
    if alert.value is not None:
        found["value"] = str(alert.value)
    return found


def alert_body(notification: Notification, alert: AlertInstance, valid_for: float | None = None) -> dict:
    """One alert as ``/api/v2/alerts`` takes it; a firing one of an evaluation ends
    ``valid_for`` seconds after it unless posted again."""
    body = {"labels": labels(notification, alert), "annotations": annotations(notification, alert),
            "startsAt": render.rfc3339(alert.starts_at), "generatorURL": notification.url or ""}
    if notification.status == "resolved":
        body["endsAt"] = render.rfc3339(alert.ends_at if alert.ends_at is not None else alert.starts_at)
    elif valid_for is not None and notification.at is not None:
        body["endsAt"] = render.rfc3339(notification.at + valid_for)
    return body


@dataclass(frozen=True)
class AlertmanagerChannel:
    kind: ClassVar[str] = "alertmanager"
    name: str
    url: str | Secret  # Alertmanager's base URL: http://alertmanager:9093
    token: Secret | None = None  # a bearer token, when a proxy in front of it asks for one
    timeout: float = 10.0
    #: seconds between re-posts of a firing alert (notification.Resending): Alertmanager
    #: resolves one whose endsAt has passed
    resend_every: float = 60.0

    @classmethod
    def from_options(cls, options: Options) -> AlertmanagerChannel:
        return cls(options.name, options.url("url"), options.secret("token", required=False),
                   options.number("timeout", 10.0, 0.1, 120), options.number("resend_every", 60.0, 10, 3600))

    def send(self, notification: Notification) -> None:
        base = self.url.reveal() if isinstance(self.url, Secret) else self.url
        secrets = [base] if isinstance(self.url, Secret) else []
        headers = {"Content-Type": "application/json"}
        if self.token is not None:
            token = self.token.reveal()
            secrets.append(token)
            headers["Authorization"] = f"Bearer {token}"
        valid_for = VALID_RESENDS * self.resend_every
        body = json.dumps([alert_body(notification, alert, valid_for) for alert in notification.alerts]).encode()
        post(f"alertmanager channel {self.name!r}", base.rstrip("/") + API_PATH, body, headers, self.timeout, secrets)
