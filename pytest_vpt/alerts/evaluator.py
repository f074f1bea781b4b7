"""One evaluation of every rule at ``now``: the series each condition reads (each read once for
all rules), the condition per group, the state step (state.py), the states stored, then the
notifications handed to the channels (alerts.delivery). Stored before sent: a restart never
tells an alert twice; a failed delivery is recorded on the alerts it concerned and never stops
the evaluation."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..history.alerts import AlertState
from .expression import evaluate, series_in
from .notification import Channel, Notification
from .rules import Rule, RuleSet
from .series import Group, Reads, read, widest
from .state import Now, fingerprint, step

log = logging.getLogger("pytest_vpt.alerts")


@dataclass
class Evaluation:
    """What one evaluation found: the alerts firing after it, the notifications sent, the
    rules that could not be read (rule -> why; their alerts kept as they were), and the
    deliveries that failed (channel: why). ``next_due``: when the first pending alert's
    duration elapses (None: nothing pending), so a loop can evaluate again right then."""

    now: float
    firing: list[AlertState] = field(default_factory=list)
    notifications: list[Notification] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    failed_deliveries: list[str] = field(default_factory=list)
    next_due: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"now": self.now, "firing": [state.to_dict() for state in self.firing],
                "notifications": [{"rule": n.rule, "status": n.status, "repeat": n.repeat, "summary": n.summary,
                                   "alerts": len(n.alerts)} for n in self.notifications],
                "errors": dict(self.errors), "failed_deliveries": list(self.failed_deliveries),
                "next_due": self.next_due}


def groups_of(rule: Rule, reads: Reads, now: float, keys: dict[Any, str] | None = None) -> dict[str, Now]:
    """What ``rule``'s condition says of each group at ``now`` (fingerprint -> :class:`Now`);
    ``keys`` remembers the fingerprints already made (labels -> fingerprint)."""
    keys_made = {} if keys is None else keys
    values = {node: read(reads, node, now, rule.group_by) for node in series_in(rule.expression)}
    names = {node: _names(found) for node, found in values.items() if found}
    widest = [n for n in names.values() if not any(n < other for other in names.values())]
    groups: set[Group] = set()
    for node, found in values.items():
        if node in names and names[node] in widest:
            groups.update(found)
    if not values:  # a condition of literals only: one group, the whole store
        groups.add(())
    plans = [(node, found, tuple(sorted(names[node])) if node in names else None) for node, found in values.items()]
    seen: dict[str, Now] = {}
    for group in groups:
        labels = dict(group)
        mine: dict[Any, Any] = {}
        for node, found, wanted in plans:
            if wanted is None:
                mine[node] = None
            elif len(wanted) == len(group):
                mine[node] = found.get(group)
            else:  # a wider series' value (a project's) for a finer group (a device of it)
                mine[node] = found.get(tuple((k, labels[k]) for k in wanted)) if labels.keys() >= set(wanted) else None
        holds = evaluate(rule.expression, mine) is True
        value = next((v for v in mine.values() if v is not None), None)
        if rule.group_by:
            labels = {key: labels[key] for key in rule.group_by if key in labels}
            group = tuple(sorted(labels.items()))
        key = keys_made.get(group)
        if key is None:
            key = keys_made[group] = fingerprint(rule.name, labels)
        if key not in seen or (holds and not seen[key].holds):
            seen[key] = Now(labels, holds, value)
    return seen


def _names(found: Mapping[Group, Any]) -> frozenset[str]:
    return frozenset(name for name, _ in next(iter(found)))


class Evaluator:
    """Evaluates a rule set against a history, keeping state in it, and delivers.

    ``channels``: name -> Channel (alerts.channels.build_channels); ``deliver``: how a
    notification reaches them (alerts.delivery.deliver; a test may hand its own)."""

    def __init__(self, history: Any, ruleset: RuleSet, channels: Mapping[str, Channel] | None = None,
                 deliver: Callable[..., Any] | None = None) -> None:
        self.history = history
        self.ruleset = ruleset
        self.channels = dict(channels or {})
        if deliver is None:
            from .delivery import deliver
        self._deliver = deliver
        self._widest = widest([node for rule in ruleset.rules for node in series_in(rule.expression)])
        self._keys: dict[str, dict[Any, str]] = {rule.name: {} for rule in ruleset.rules}

    def evaluate(self, now: float) -> Evaluation:
        """Evaluate every rule at ``now``, store the states, send the notifications."""
        result = Evaluation(now)
        reads = Reads(self.history, self._widest)
        stored: dict[str, dict[str, AlertState]] = {}
        for state in self.history.alert_states():
            stored.setdefault(state.rule, {})[state.fingerprint] = state
        silenced = {silence.rule for silence in self.history.alert_silences(now)}
        changed: list[AlertState] = []
        dropped: list[tuple[str, str]] = []
        outgoing: list[tuple[Rule, Notification]] = []
        for rule in self.ruleset.rules:
            try:
                seen = groups_of(rule, reads, now, self._keys[rule.name])
            except Exception as exc:  # a store that failed to answer: keep this rule's alerts as they are
                result.errors[rule.name] = str(exc) or type(exc).__name__
                result.firing.extend(s for s in stored.get(rule.name, {}).values() if s.state == "firing")
                continue
            moved = step(rule, stored.get(rule.name, {}), seen, now, rule.name in silenced, self.ruleset.url)
            changed += moved.changed
            dropped += moved.dropped
            result.firing += moved.firing
            for state in moved.pending:
                due = state.pending_since + rule.duration
                result.next_due = due if result.next_due is None else min(result.next_due, due)
            outgoing += [(rule, notification) for notification in moved.notifications]
        known = {rule.name for rule in self.ruleset.rules}
        for name, states in stored.items():  # rules removed from the file: their alerts forgotten
            if name not in known:
                dropped += [(name, key) for key in states]
        self.history.save_alert_states(changed, dropped)
        for rule, notification in outgoing:
            result.notifications.append(notification)
            self._send(rule, notification, result)
        return result

    def _send(self, rule: Rule, notification: Notification, result: Evaluation) -> None:
        chosen = {name: channel for name, channel in self.channels.items() if not rule.channels or name in rule.channels}
        if not chosen:
            return
        failures: list[str] = []
        self._deliver(chosen, notification, on_failure=lambda name, error: failures.append(error))
        result.failed_deliveries += failures
        fingerprints = [alert.fingerprint for alert in notification.alerts]
        error = "; ".join(failures)[:1000] or None
        try:
            self.history.note_alert_delivery(rule.name, fingerprints, error)
        except Exception as exc:  # the record of a delivery is not worth stopping for
            log.warning("alerts: could not record the delivery of %r: %s", rule.name, exc)
