"""How a notification reads to a person (Slack, e-mail, SMS, a phone): a headline, one line per
group, and the list cut with "and N more" where a channel's limit is near. Times are UTC."""

from __future__ import annotations

from datetime import UTC, datetime

from ..notification import AlertInstance, Notification

#: labels every alert carries, shown in the headline rather than on each group's line
RULE_LABELS = frozenset({"rule", "alertname", "severity"})


def rfc3339(seconds: float) -> str:
    """``2026-12-01T12:00:00.000Z``: the form Alertmanager, PagerDuty and webhooks read."""
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def clock(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M UTC")


def state(notification: Notification) -> str:
    if notification.test:
        return "TEST"
    if notification.status == "resolved":
        return "RESOLVED"
    return "STILL FIRING" if notification.repeat else "FIRING"


def headline(notification: Notification) -> str:
    """``FIRING critical: Device Offline (3 groups)``."""
    count = len(notification.alerts)
    groups = f" ({count} groups)" if count > 1 else ""
    return f"{state(notification)} {notification.severity}: {one_line(notification.rule)}{groups}"


def group_name(alert: AlertInstance) -> str:
    """The group an alert is for, from its labels: ``device=stb-01, stream=hdmi1``."""
    shown = [f"{key}={value}" for key, value in sorted(alert.labels.items()) if key not in RULE_LABELS]
    return one_line(", ".join(shown)) or "all"


def alert_line(alert: AlertInstance, status: str) -> str:
    """``device=stb-01: stb-01 is offline (value: 0; since 2026-12-01 12:00 UTC)``."""
    facts = []
    if alert.value is not None and status == "firing":
        facts.append(f"value: {_value(alert.value)}")
    facts.append(f"since {clock(alert.starts_at)}")
    if alert.ends_at is not None and status == "resolved":
        facts.append(f"resolved {clock(alert.ends_at)}")
    summary, group = one_line(alert.summary), group_name(alert)
    said = f"{group}: {summary}" if summary and group != "all" else summary or group
    return f"{said} ({'; '.join(facts)})"


def listed(lines: list[str], budget: int, most: int | None = None) -> tuple[list[str], int]:
    """The first lines that fit in ``budget`` characters (joined by newlines, keeping room for
    an "and N more" line) and at most ``most`` of them; and how many were left out."""
    kept: list[str] = []
    used = 0
    room = len("and 1000000 more") + 1
    for index, line in enumerate(lines):
        last = index == len(lines) - 1
        cost = len(line) + (1 if kept else 0)
        if (most is not None and len(kept) >= most) or used + cost > budget - (0 if last else room):
            break
        kept.append(line)
        used += cost
    return kept, len(lines) - len(kept)


def more(count: int) -> str:
    return f"and {count} more"


def cut(text: str, limit: int) -> str:
    """``text`` of at most ``limit`` characters, ending with an ellipsis when cut."""
    return text if len(text) <= limit else text[:max(0, limit - 1)] + "…"


def one_line(text: object) -> str:
    """``text`` with control characters (a newline in a label) turned into spaces."""
    return " ".join("".join(char if char.isprintable() else " " for char in str(text)).split())


def _value(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return one_line(value)


def plain(notification: Notification, budget: int) -> str:
    """The whole message as text in at most ``budget`` characters: headline, summary, groups."""
    head = [headline(notification)]
    if notification.summary and notification.summary != notification.rule:
        head.append(one_line(notification.summary))
    text = "\n".join(head)
    lines = [alert_line(alert, notification.status) for alert in notification.alerts]
    tail = f"\n{notification.url}" if notification.url else ""
    kept, left = listed(lines, budget - len(text) - len(tail) - 1)
    body = "\n".join([text, *kept] + ([more(left)] if left else [])) + tail
    return cut(body, budget)
