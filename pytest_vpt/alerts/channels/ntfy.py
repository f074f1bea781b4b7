"""Phone push through ntfy: the message POSTed to a topic URL (``https://ntfy.sh/TOPIC`` or a
self-hosted server) with ``Title``, ``Priority`` (urgent for critical ... low for info),
``Tags`` and ``Click`` headers. A topic on the public server is readable by whoever knows its
name, so its URL may be given as a secret; an access token is optional. ntfy answers 200
with the message as JSON."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import ClassVar

from ..notification import Notification
from ..secrets import Secret
from . import render
from .http import basic_auth, post
from .options import Options

BODY_BYTES = 4096  # ntfy's message limit (a longer body becomes an attachment)
PRIORITY = {"critical": "urgent", "error": "high", "warning": "default", "info": "low"}
TAGS = {"firing": "rotating_light", "resolved": "white_check_mark"}


@dataclass(frozen=True)
class NtfyChannel:
    kind: ClassVar[str] = "ntfy"
    name: str
    url: str | Secret  # the topic's URL
    token: Secret | None = None  # an access token (Bearer)
    user: str | None = None  # or a user and password (Basic)
    password: Secret | None = None
    timeout: float = 10.0

    @classmethod
    def from_options(cls, options: Options) -> NtfyChannel:
        channel = cls(options.name, options.url("url"), options.secret("token", required=False),
                      options.text("user", limit=128), options.secret("password", required=False),
                      options.number("timeout", 10.0, 0.1, 120))
        if (channel.user is None) != (channel.password is None):
            raise options.error("user" if channel.user is None else "password", "user and password go together")
        if channel.token is not None and channel.user is not None:
            raise options.error("token", "give a token or a user and password, not both")
        return channel

    def send(self, notification: Notification) -> None:
        url = self.url.reveal() if isinstance(self.url, Secret) else self.url
        secrets = [url] if isinstance(self.url, Secret) else []
        headers = message_headers(notification)
        if self.token is not None:
            token = self.token.reveal()
            secrets.append(token)
            headers["Authorization"] = f"Bearer {token}"
        elif self.password is not None:
            password = self.password.reveal()
            secrets.append(password)
            headers["Authorization"] = basic_auth(self.user, password)
        body = message(notification).encode()
        post(f"ntfy channel {self.name!r}", url, body, headers, self.timeout, secrets)


def message_headers(notification: Notification) -> dict[str, str]:
    """Title (RFC 2047 encoded when not ASCII, which ntfy decodes), Priority, Tags, Click."""
    title = render.cut(render.headline(notification), 250)
    tags = ["test_tube" if notification.test else TAGS[notification.status], notification.severity]
    headers = {"Title": _header(title), "Priority": "default" if notification.status == "resolved" else PRIORITY[notification.severity],
               "Tags": ",".join(tags), "Content-Type": "text/plain; charset=utf-8"}
    if notification.url and notification.url.isascii() and notification.url.isprintable():
        headers["Click"] = notification.url
    return headers


def message(notification: Notification) -> str:
    """The body: the summary and the groups, within ntfy's 4,096 bytes."""
    text = render.plain(notification, BODY_BYTES)
    lines = text.split("\n", 1)
    body = lines[1] if len(lines) > 1 else lines[0]
    while len(body.encode()) > BODY_BYTES:
        body = render.cut(body, len(body) - max(1, (len(body.encode()) - BODY_BYTES) // 4))
    return body


def _header(text: str) -> str:
    """ASCII as it is; else one RFC 2047 encoded word (never folded onto a second line)."""
    return text if text.isascii() else "=?utf-8?b?" + base64.b64encode(text.encode()).decode("ascii") + "?="
