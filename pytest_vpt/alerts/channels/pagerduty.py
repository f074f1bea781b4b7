"""PagerDuty Events API v2: one event per alert instance (one incident per device, not per
rule), ``trigger`` while firing and ``resolve`` when it ends, both with the instance's
fingerprint as the dedup key. The routing (integration) key is the secret. PagerDuty answers
202 ``{"status": "success", "dedup_key": ...}``; 400 for an invalid event; 429 to back off."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import ClassVar

from ..notification import AlertInstance, DeliveryError, Notification
from ..secrets import Secret
from . import render
from .http import post
from .options import Options

EVENTS_URL = "https://events.pagerduty.com/v2/enqueue"
SUMMARY_CHARS = 1024
DEDUP_CHARS = 255
KEY_CHARS = 32  # an Events v2 integration key


@dataclass(frozen=True)
class PagerDutyChannel:
    kind: ClassVar[str] = "pagerduty"
    name: str
    routing_key: Secret
    url: str = EVENTS_URL
    source: str = "pytest-vpt"
    timeout: float = 10.0

    @classmethod
    def from_options(cls, options: Options) -> PagerDutyChannel:
        return cls(options.name, options.secret("routing_key"), options.url("url", EVENTS_URL),
                   options.text("source", "pytest-vpt", limit=255), options.number("timeout", 10.0, 0.1, 120))

    def send(self, notification: Notification) -> None:
        key = self.routing_key.reveal()
        where = f"pagerduty channel {self.name!r}"
        if len(key) != KEY_CHARS:
            raise DeliveryError(f"{where}: the routing key ({self.routing_key.source}) has {len(key)} characters; "
                                f"an Events v2 integration key has {KEY_CHARS}", permanent=True)
        for alert in notification.alerts:  # PagerDuty dedups a re-sent event: a retry may send them all again
            body = json.dumps(event(notification, alert, key, self.source)).encode()
            post(where, self.url, body, {"Content-Type": "application/json"}, self.timeout, secrets=(key,))


def event(notification: Notification, alert: AlertInstance, routing_key: str, source: str) -> dict:
    """The Events v2 body for one alert instance."""
    dedup_key = alert.fingerprint[:DEDUP_CHARS]
    if notification.status == "resolved":
        return {"routing_key": routing_key, "event_action": "resolve", "dedup_key": dedup_key}
    summary = alert.summary or notification.summary or notification.rule
    group = render.group_name(alert)
    details = {"rule": notification.rule, "group": group, "value": alert.value,
               "labels": dict(alert.labels), "since": render.rfc3339(alert.starts_at), **dict(notification.annotations)}
    body = {
        "routing_key": routing_key,
        "event_action": "trigger",
        "dedup_key": dedup_key,
        "payload": {
            "summary": render.cut(render.one_line(f"{'[test] ' if notification.test else ''}{summary}"), SUMMARY_CHARS),
            "source": render.cut(alert.labels.get("device") or alert.labels.get("stream") or source, 255),
            "severity": notification.severity,
            "timestamp": render.rfc3339(alert.starts_at),
            "component": render.cut(group, 255),
            "group": render.cut(alert.labels.get("project", source), 255),
            "class": render.cut(notification.rule, 255),
            "custom_details": details,
        },
    }
    if notification.url:
        body["links"] = [{"href": notification.url, "text": "pytest-vpt"}]
    return body
