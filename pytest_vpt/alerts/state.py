"""A rule's alerts from one evaluation to the next, per group: inactive (no state) -> pending
(the condition holds; waiting for the rule's duration) -> firing (it held that long) ->
resolved (it stopped holding); pending that stops holding is forgotten. A pure step: the
previous states, what the condition says of each group now and ``now`` in; the states to
store and the notifications to send out (one per rule and kind at most: flood control).

A silence holds back the firing notifications and the reminders; an alert told as firing is
still told when it resolves (no paging incident is left open), and one that began firing
during a silence is told when the silence ends if it still fires. A resolved alert is kept a
day for ``vpt alerts list``, then forgotten."""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from ..history.alerts import AlertState
from .notification import AlertInstance, Notification
from .rules import Rule

KEEP_RESOLVED = 86400.0
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_.-]{0,62})\}")
#: how many groups a grouped notification's summary names before "and N more"
NAMED = 5


@dataclass(frozen=True)
class Now:
    """What a condition says of one group at this evaluation: its labels, whether it holds,
    and the value it read (for the message)."""

    labels: Mapping[str, str]
    holds: bool
    value: Any = None


@dataclass
class Step:
    """What one evaluation of one rule changed."""

    changed: list[AlertState] = field(default_factory=list)
    dropped: list[tuple[str, str]] = field(default_factory=list)
    notifications: list[Notification] = field(default_factory=list)
    firing: list[AlertState] = field(default_factory=list)
    pending: list[AlertState] = field(default_factory=list)


def fingerprint(rule: str, labels: Mapping[str, str]) -> str:
    """The same for the same rule and group across evaluations and restarts (a dedup key)."""
    text = json.dumps([rule, sorted(labels.items())], ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def step(rule: Rule, previous: Mapping[str, AlertState], now_states: Mapping[str, Now], now: float,
         silenced: bool, url: str | None = None) -> Step:
    """Move each group of ``rule`` on from ``previous`` (fingerprint -> state) given
    ``now_states`` (fingerprint -> what holds now; a group missing does not hold)."""
    out = Step()
    told: dict[str, list[AlertState]] = {"firing": [], "repeat": [], "resolved": []}
    for key in sorted(set(previous) | set(now_states)):
        before = previous.get(key)
        seen = now_states.get(key)
        if seen is not None and seen.holds:
            after, kind = _holding(rule, before, key, seen, now, silenced)
        else:
            after, kind = _not_holding(before, now, seen)
        if after is None:
            if before is not None:
                out.dropped.append((rule.name, key))
            continue
        if kind is not None:
            told[kind].append(after)
        if after != before:
            out.changed.append(after)
        if after.state == "firing":
            out.firing.append(after)
        elif after.state == "pending":
            out.pending.append(after)
    for kind, alerts in told.items():
        if alerts:
            out.notifications.append(notification(rule, alerts, kind, url))
    return out


def _holding(rule: Rule, before: AlertState | None, key: str, seen: Now, now: float,
             silenced: bool) -> tuple[AlertState, str | None]:
    value = _plain(seen.value)
    if before is None or before.state == "resolved":
        before = AlertState(rule.name, key, dict(seen.labels), "pending", value, now, None, None, None, now, None)
    state = replace(before, value=value) if before.value != value else before
    if state.state == "pending" and now - state.pending_since >= rule.duration:
        state = replace(state, state="firing", firing_since=now, evaluated_at=now, notified_at=None)
        if silenced:
            return state, None
        return replace(state, notified_at=now), "firing"
    if state.state == "firing" and not silenced:
        if state.notified_at is None:
            return replace(state, notified_at=now, evaluated_at=now), "firing"
        if rule.repeat is not None and now - state.notified_at >= rule.repeat:
            return replace(state, notified_at=now, evaluated_at=now), "repeat"
    return state, None


def _not_holding(before: AlertState | None, now: float, seen: Now | None) -> tuple[AlertState | None, str | None]:
    if before is None or before.state == "pending":
        return None, None
    if before.state == "firing":
        value = _plain(seen.value) if seen is not None else before.value
        resolved = replace(before, state="resolved", resolved_at=now, evaluated_at=now, value=value)
        if before.notified_at is None:  # never told as firing: nothing to tell of its end
            return resolved, None
        return replace(resolved, notified_at=now), "resolved"
    if now - (before.resolved_at or now) >= KEEP_RESOLVED:
        return None, None
    return before, None


def _plain(value: Any) -> Any:
    """A value as it is stored and told: JSON's own (a float rounded to 6 significant digits)."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and math.isfinite(value):
        return float(f"{float(value):.6g}")
    return None


def shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return "no data" if value is None else str(value)


def render(template: str, labels: Mapping[str, str], value: Any) -> str:
    """``template`` with ``{label}`` and ``{value}`` filled in (nothing else is read from it)."""
    known = {**labels, "value": shown(value)}
    return _PLACEHOLDER.sub(lambda match: known.get(match.group(1), match.group(0)), template)


def instance(rule: Rule, state: AlertState) -> AlertInstance:
    labels = {"rule": rule.name, "severity": rule.severity, **rule.labels, **state.labels}
    summary = render(rule.summary, labels, state.value) if rule.summary else (
        f"{rule.name}: {_group_name(state.labels)} ({rule.condition}; {shown(state.value)})")
    ends = state.resolved_at if state.state == "resolved" else None
    return AlertInstance(labels, state.value, state.firing_since or state.pending_since, ends, state.fingerprint,
                         summary)


def _group_name(labels: Mapping[str, str]) -> str:
    for key in ("device", "stream"):
        if key in labels:
            return labels[key]
    return ", ".join(f"{k}={v}" for k, v in sorted(labels.items())) or "everything"


def notification(rule: Rule, alerts: list[AlertState], kind: str, url: str | None = None) -> Notification:
    """One message of ``rule`` for every group of ``alerts`` (firing, repeat or resolved), in
    the order of their labels."""
    alerts = sorted(alerts, key=lambda state: sorted(state.labels.items()))
    instances = tuple(instance(rule, state) for state in alerts)
    status = "resolved" if kind == "resolved" else "firing"
    if len(instances) == 1:
        summary = instances[0].summary
    else:
        names = [_group_name(state.labels) for state in alerts]
        more = f" and {len(names) - NAMED} more" if len(names) > NAMED else ""
        verb = "resolved" if status == "resolved" else "firing"
        summary = f"{rule.name}: {len(names)} {verb} ({', '.join(names[:NAMED])}{more})"
    annotations = {"condition": rule.condition}
    if rule.summary:
        annotations["summary"] = rule.summary
    return Notification(rule.name, rule.severity, status, instances, summary, annotations, url,  # type: ignore[arg-type]
                        repeat=kind == "repeat")
