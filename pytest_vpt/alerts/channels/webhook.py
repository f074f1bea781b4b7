"""A generic webhook in Alertmanager's webhook shape (``version: "4"``), so receivers written for
Alertmanager take pytest-vpt's notifications as they are: one POST per notification with
every alert instance in ``alerts`` (at most ``max_alerts``, the rest counted in
``truncatedAlerts``). The URL may be a secret; a bearer token is optional."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import ClassVar

from ..notification import Notification
from ..secrets import Secret
from . import render
from .alertmanager import ZERO_TIME, annotations, labels
from .http import post
from .options import Options


@dataclass(frozen=True)
class WebhookChannel:
    kind: ClassVar[str] = "webhook"
    name: str
    url: str | Secret
    token: Secret | None = None
    max_alerts: int = 0  # 0: all of them
    timeout: float = 10.0

    @classmethod
    def from_options(cls, options: Options) -> WebhookChannel:
        return cls(options.name, options.url("url"), options.secret("token", required=False),
                   int(options.number("max_alerts", 0, 0, 100_000)), options.number("timeout", 10.0, 0.1, 120))

    def send(self, notification: Notification) -> None:
        url = self.url.reveal() if isinstance(self.url, Secret) else self.url
        secrets = [url] if isinstance(self.url, Secret) else []
        headers = {"Content-Type": "application/json"}
        if self.token is not None:
            token = self.token.reveal()
            secrets.append(token)
            headers["Authorization"] = f"Bearer {token}"
        body = json.dumps(payload(notification, self.name, self.max_alerts)).encode()
        post(f"webhook channel {self.name!r}", url, body, headers, self.timeout, secrets)


def payload(notification: Notification, receiver: str, max_alerts: int = 0) -> dict:
    """Alertmanager's webhook body (version 4) for one notification."""
    every = [_alert(notification, alert) for alert in notification.alerts]
    shown = every[:max_alerts] if max_alerts else every
    common_labels = _common([alert["labels"] for alert in every])
    return {
        "version": "4",
        "groupKey": f"{{}}:{{alertname={json.dumps(notification.rule)}}}",
        "truncatedAlerts": len(every) - len(shown),
        "status": notification.status,
        "receiver": receiver,
        "groupLabels": {"alertname": notification.rule},
        "commonLabels": common_labels,
        "commonAnnotations": _common([alert["annotations"] for alert in every]),
        "externalURL": notification.url or "",
        "alerts": shown,
    }


def _alert(notification: Notification, alert) -> dict:
    resolved = notification.status == "resolved"
    return {
        "status": notification.status,
        "labels": labels(notification, alert),
        "annotations": annotations(notification, alert),
        "startsAt": render.rfc3339(alert.starts_at),
        "endsAt": render.rfc3339(alert.ends_at if alert.ends_at is not None else alert.starts_at) if resolved else ZERO_TIME,
        "generatorURL": notification.url or "",
        "fingerprint": alert.fingerprint,
    }


def _common(mappings: list[dict[str, str]]) -> dict[str, str]:
    """The pairs every mapping holds (Alertmanager's commonLabels, commonAnnotations)."""
    if not mappings:
        return {}
    first, *rest = mappings
    return {key: value for key, value in first.items() if all(other.get(key) == value for other in rest)}
