"""Slack incoming webhook: one message of Block Kit sections (each at most 3,000 characters,
at most 50 blocks), the groups of a grouped notification listed and cut with "and N more".
The webhook URL is the secret. Slack answers 200 ``ok``; 4xx with a word (``invalid_payload``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import ClassVar

from ..notification import Notification
from ..secrets import Secret
from . import render
from .http import post
from .options import Options

SECTION_CHARS = 3000  # Slack's limit of a section's text
MAX_BLOCKS = 50  # Slack's limit of blocks in a message
LISTED_CHARS = 12_000  # of group lines in one message: well within Slack's 40,000, still readable
FALLBACK_CHARS = 300  # the notification's "text" (shown where blocks are not: a phone's banner)
ICONS = {"firing": ":red_circle:", "resolved": ":large_green_circle:"}


@dataclass(frozen=True)
class SlackChannel:
    kind: ClassVar[str] = "slack"
    name: str
    url: Secret
    max_groups: int = 100  # groups listed before "and N more"
    timeout: float = 10.0

    @classmethod
    def from_options(cls, options: Options) -> SlackChannel:
        return cls(options.name, options.url("url", secret=True),
                   int(options.number("max_groups", 100, 1, 1000)), options.number("timeout", 10.0, 0.1, 120))

    def send(self, notification: Notification) -> None:
        url = self.url.reveal()
        body = json.dumps(payload(notification, self.max_groups)).encode()
        post(f"slack channel {self.name!r}", url, body, {"Content-Type": "application/json; charset=utf-8"},
             self.timeout, secrets=(url,))


def payload(notification: Notification, max_groups: int = 100) -> dict:
    """The webhook's JSON: a fallback ``text`` and the blocks."""
    icon = ":test_tube:" if notification.test else ICONS[notification.status]
    head = f"{icon} *{escape(render.headline(notification))}*"
    if notification.summary and notification.summary != notification.rule:
        head += "\n" + escape(render.one_line(notification.summary))
    blocks = [_section(render.cut(head, SECTION_CHARS))]
    tail = [_section(f"<{escape(notification.url)}|Open in pytest-vpt>")] if _linkable(notification.url) else []
    lines = [f"• {escape(render.alert_line(alert, notification.status))}" for alert in notification.alerts]
    lines = [render.cut(line, SECTION_CHARS) for line in lines]
    left = max(0, len(lines) - max_groups)
    sections = _pack(lines[:max_groups], MAX_BLOCKS - len(blocks) - len(tail), left)
    blocks += [_section("\n".join(chunk)) for chunk in sections]
    fallback = escape(render.cut(render.headline(notification), FALLBACK_CHARS))
    return {"text": fallback, "blocks": blocks + tail}


def _pack(lines: list[str], room: int, left: int) -> list[list[str]]:
    """Lines packed into at most ``room`` sections of at most 3,000 characters, the last one
    ending with "and N more" for the ``left`` groups not listed and those that did not fit
    (in all at most :data:`LISTED_CHARS`)."""
    sections: list[list[str]] = []
    taken, total = 0, 0
    while taken < len(lines) and len(sections) < room and total + len(lines[taken]) <= LISTED_CHARS:
        chunk, size = [], -1
        while (taken < len(lines) and size + 1 + len(lines[taken]) <= SECTION_CHARS
               and total + len(lines[taken]) <= LISTED_CHARS):
            size += 1 + len(lines[taken])
            total += len(lines[taken])
            chunk.append(lines[taken])
            taken += 1
        sections.append(chunk)
    left += len(lines) - taken
    if left:
        if not sections:
            sections.append([])
        last = sections[-1]
        while last and len("\n".join(last + [render.more(left)])) > SECTION_CHARS:
            last.pop()
            left += 1
        last.append(render.more(left))
    return sections


def _section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def escape(text: str) -> str:
    """Slack's three control characters escaped, so a label cannot write ``<!channel>`` or a link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _linkable(url: str | None) -> bool:
    return bool(url) and url.startswith(("http://", "https://")) and not any(c in url for c in "|<> \n")
