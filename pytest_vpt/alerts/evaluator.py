"""One evaluation of the rules at ``now`` (every rule, or the few some news concerns: the others'
alerts left as they are): the series each condition reads (each read once for all rules), the
condition per group, the state step (state.py), the states stored, then the
notifications handed to the channels (alerts.dispatch: off this thread, unless the evaluator
delivers in-line). Stored before sent: a restart never tells an alert twice; a failed delivery
is recorded on the alerts it concerned, by this thread (the history's), and never stops the
evaluation. A channel that forgets what it is not told again (notification.Resending:
Alertmanager) is sent every alert still firing again every ``resend_every`` seconds, the time
of each post stored with the alert so a restart neither re-posts early nor forgets."""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from ..history.alerts import AlertState
from .expression import evaluate, series_in
from .dispatch import Dispatcher, Outcome
from .notification import Channel, Notification, resend_every
from .rules import Rule, RuleSet
from .series import CATALOGUE, Group, Reads, read, windows
from .state import Now, Step, fingerprint, notification, step

log = logging.getLogger("pytest_vpt.alerts")


@dataclass
class Evaluation:
    """What one evaluation found: the alerts firing after it, the notifications handed to the
    channels, the re-posts to resending channels (channel, notification), and the rules that
    could not be read (rule -> why; their alerts kept as they were). ``due``: rule -> when
    its first pending alert's duration elapses (every rule's, those this evaluation left
    alone as the last one that evaluated them found them); ``next_due``: the first of them
    (None: nothing pending), so a loop can evaluate those rules again right then.

    ``failed_deliveries`` (each naming its channel and why): the deliveries that had failed
    by the time the evaluation returned, this one's (delivered in-line) and earlier ones'
    that ended since the evaluation before; those still under way then are told by the next
    evaluation or, at the end, by :meth:`Evaluator.close` (``vpt alerts check``: after it,
    every failure of its one evaluation is here). Each failure is told once."""

    now: float
    firing: list[AlertState] = field(default_factory=list)
    notifications: list[Notification] = field(default_factory=list)
    reposts: list[tuple[str, Notification]] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    failed_deliveries: list[str] = field(default_factory=list)
    next_due: float | None = None
    due: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"now": self.now, "firing": [state.to_dict() for state in self.firing],
                "notifications": [{"rule": n.rule, "status": n.status, "repeat": n.repeat, "summary": n.summary,
                                   "alerts": len(n.alerts)} for n in self.notifications],
                "reposts": [{"channel": name, "rule": n.rule, "alerts": len(n.alerts)} for name, n in self.reposts],
                "errors": dict(self.errors), "failed_deliveries": list(self.failed_deliveries),
                "next_due": self.next_due, "due": dict(self.due)}


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
    verdicts: dict[tuple[Any, ...], bool] = {}  # the condition of the same values (by type): evaluated once
    for group in groups:
        labels = dict(group)
        mine: dict[Any, Any] = {}
        read_now: list[Any] = []
        value = None  # the first value read, for the message
        for node, found, wanted in plans:
            if wanted is None:
                found_here = None
            elif len(wanted) == len(group):
                found_here = found.get(group)
            else:  # a wider series' value (a project's) for a finer group (a device of it)
                found_here = found.get(tuple((k, labels[k]) for k in wanted)) if labels.keys() >= set(wanted) else None
            mine[node] = found_here
            read_now += (type(found_here), found_here)
            if value is None:
                value = found_here
        holds = verdicts.get(tuple(read_now))
        if holds is None:
            holds = verdicts[tuple(read_now)] = evaluate(rule.expression, mine) is True
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
    """Evaluates a rule set against a history, keeping state in it, and hands the
    notifications to the channels.

    ``channels``: name -> Channel (alerts.channels.build_channels); ``dispatcher``: how
    notifications reach them (alerts.dispatch.Dispatcher over the same channels; None: one
    that delivers in-line, before :meth:`evaluate` returns). With a threaded dispatcher, call
    :meth:`close` before closing the history: it waits for the deliveries and records them."""

    def __init__(self, history: Any, ruleset: RuleSet, channels: Mapping[str, Channel] | None = None,
                 dispatcher: Dispatcher | None = None) -> None:
        self.history = history
        self.ruleset = ruleset
        self.channels = dict(channels or {})
        self.dispatcher = dispatcher if dispatcher is not None else Dispatcher(self.channels, threaded=False)
        self._resending = {name: every for name, channel in self.channels.items()
                           if (every := resend_every(channel)) is not None}
        self._windows = windows([node for rule in ruleset.rules for node in series_in(rule.expression)])
        self._keys: dict[str, dict[Any, str]] = {rule.name: {} for rule in ruleset.rules}
        self._series = {rule.name: series_in(rule.expression) for rule in ruleset.rules}
        self._due: dict[str, float] = {}  # rule -> when its first pending alert's duration elapses
        self._last: Evaluation | None = None

    def reading(self, groups: Collection[str] = (), metrics: Collection[str] = ()) -> frozenset[str]:
        """The rules whose condition reads a series grouped per one of ``groups`` (``device``,
        ``stream``, ``project``: the tests' series) or one of the custom ``metrics``: those that
        news of them concerns."""
        return frozenset(name for name, nodes in self._series.items() if any(
            CATALOGUE[node.name].group in groups if node.name != "metric" else node.texts[0] in metrics
            for node in nodes))

    def evaluate(self, now: float, rules: Collection[str] | None = None) -> Evaluation:
        """Evaluate the rules named in ``rules`` at ``now`` (None: every rule, and the alerts of
        rules gone from the file forgotten; those not named are left as they are), store the
        states, hand the notifications over."""
        chosen = self._chosen_rules(rules)
        result = Evaluation(now)
        self._record(result)  # deliveries that ended since the evaluation before
        reads = Reads(self.history, self._windows)
        stored: dict[str, dict[str, AlertState]] = {}
        for state in self.history.alert_states():
            stored.setdefault(state.rule, {})[state.fingerprint] = state
        silenced = {silence.rule for silence in self.history.alert_silences(now)}
        changed: list[AlertState] = []
        dropped: list[tuple[str, str]] = []
        outgoing: list[tuple[list[str], Notification]] = []
        for rule in self.ruleset.rules:
            if rule.name not in chosen:  # not evaluated now: its alerts as the store has them
                result.firing.extend(s for s in stored.get(rule.name, {}).values() if s.state == "firing")
                continue
            try:
                seen = groups_of(rule, reads, now, self._keys[rule.name])
            except Exception as exc:  # a store that failed to answer: keep this rule's alerts as they are
                result.errors[rule.name] = str(exc) or type(exc).__name__
                result.firing.extend(s for s in stored.get(rule.name, {}).values() if s.state == "firing")
                continue
            moved = step(rule, stored.get(rule.name, {}), seen, now, rule.name in silenced, self.ruleset.url)
            names = self._chosen(rule)
            result.reposts += self._reposts(rule, moved, names, now)
            changed += moved.changed
            dropped += moved.dropped
            result.firing += moved.firing
            dues = [state.pending_since + rule.duration for state in moved.pending]
            if dues:
                self._due[rule.name] = min(dues)
            else:
                self._due.pop(rule.name, None)
            outgoing += [(names, replace(each, at=now)) for each in moved.notifications]
        result.due = dict(self._due)
        result.next_due = min(self._due.values(), default=None)
        if rules is None:
            known = {rule.name for rule in self.ruleset.rules}
            for name, states in stored.items():  # rules removed from the file: their alerts forgotten
                if name not in known:
                    dropped += [(name, key) for key in states]
        self.history.save_alert_states(changed, dropped)
        for names, each in outgoing:
            result.notifications.append(each)
            self.dispatcher.submit(each, names)
        for name, each in result.reposts:
            self.dispatcher.submit(each, [name], quiet=True)
        self._record(result)  # those that ended already (in-line: all of them)
        self._last = result
        return result

    def _chosen_rules(self, rules: Collection[str] | None) -> frozenset[str]:
        known = frozenset(self._keys)
        if rules is None:
            return known
        if isinstance(rules, str):
            raise ValueError(f"the rules to evaluate are a collection of names, got the text {rules!r}")
        unknown = sorted(str(name) for name in rules if name not in known)
        if unknown:
            raise ValueError(f"no rule named {', '.join(repr(n) for n in unknown[:5])} in the rules in force")
        return frozenset(rules)

    def _chosen(self, rule: Rule) -> list[str]:
        return [name for name in self.channels if not rule.channels or name in rule.channels]

    def _reposts(self, rule: Rule, moved: Step, names: list[str], now: float) -> list[tuple[str, Notification]]:
        """The re-posts due to ``rule``'s resending channels, each alert's post times moved
        on in ``moved`` (stored with it before anything is sent)."""
        resending = {name: self._resending[name] for name in names if name in self._resending}
        if not resending:
            return []
        told = {alert.fingerprint for each in moved.notifications if each.status == "firing" for alert in each.alerts}
        changed = {state.fingerprint: index for index, state in enumerate(moved.changed)}
        due: dict[str, list[AlertState]] = {name: [] for name in resending}
        for index, state in enumerate(moved.firing):
            if state.notified_at is None:  # never told (silenced as it began): nothing to keep alive
                continue
            posted = dict(state.reposted)
            for name, every in resending.items():
                last = posted.get(name, state.notified_at)
                if state.fingerprint in told:
                    posted[name] = now
                elif now - last >= every:
                    posted[name] = now
                    due[name].append(state)
            if posted != state.reposted:
                after = replace(state, reposted=posted)
                moved.firing[index] = after
                if state.fingerprint in changed:
                    moved.changed[changed[state.fingerprint]] = after
                else:
                    moved.changed.append(after)
        for index, state in enumerate(moved.changed):  # resolved: the resolve is the last post
            if state.state != "firing" and state.reposted:
                moved.changed[index] = replace(state, reposted={})
        return [(name, replace(notification(rule, states, "repeat", self.ruleset.url), at=now))
                for name, states in due.items() if states]

    def _record(self, result: Evaluation) -> list[str]:
        """Record the deliveries that ended (on this thread: the history's); their failures."""
        failures: list[str] = []
        for outcome in self.dispatcher.outcomes():
            failures += outcome.failures
            if outcome.quiet and not outcome.failures:
                continue
            self._note(outcome)
        result.failed_deliveries += failures
        return failures

    def _note(self, outcome: Outcome) -> None:
        error = "; ".join(outcome.failures)[:1000] or None
        try:
            self.history.note_alert_delivery(outcome.rule, outcome.fingerprints, error)
        except Exception as exc:  # the record of a delivery is not worth stopping for
            log.warning("alerts: could not record the delivery of %r: %s", outcome.rule, exc)

    def drain(self, timeout: float | None = None) -> list[str]:
        """Wait (at most ``timeout`` s; None: as long as a delivery may take) for the
        deliveries handed over and record them: the failures among them, also added to the
        last evaluation's ``failed_deliveries``."""
        self.dispatcher.drain(timeout)
        return self._record(self._last if self._last is not None else Evaluation(0.0))

    def close(self, timeout: float | None = None) -> list[str]:
        """As :meth:`drain`, then stop the channels' workers: what was still undelivered is
        recorded as such. Call it on the thread that evaluates, before closing the history."""
        self.dispatcher.close(timeout)
        return self._record(self._last if self._last is not None else Evaluation(0.0))
