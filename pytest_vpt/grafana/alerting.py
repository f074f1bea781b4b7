"""The project's alert rules as Grafana's file-provisioned alerting (``alerting/vpt.yaml``):
each rule one Grafana rule in the group pytest-vpt (folder pytest-vpt, evaluated every
``alerts.every``): a query per series its condition reads (alert_queries.py), then one math
expression for the whole condition, which holds where it is not 0; ``for`` the rule's
duration, its severity and labels, its summary in Grafana's template syntax, routed to the
contact points of its channels (contact_points.py).

Grafana's math pairs the rows of its queries by their labels and drops a row that has no
partner. The product evaluates every group any series has, so a condition where that differs
('or' or 'not' over different series, series of unrelated groups) is left out with the
reason, as is one of constants only or one dividing by a series (infinity in Grafana where
the product has no value); nothing is dropped without one.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..alerts.expression import Node, Series
from ..alerts.expression.nodes import Arith, Compare, Literal_, Logic, Negate, Not
from ..alerts.rules import Rule, RuleSet
from ..alerts.series import SERIES
from .alert_queries import NotExpressible, SeriesQuery, compared_query, number, numeric_query
from .contact_points import ORG, contact_points, receiver, uid
from .targets import PLUGINS, SqlTarget

FOLDER = GROUP = "pytest-vpt"
CONDITION = "condition"  # the refId of the math expression
VALUE = "value"  # the refId of the expression a summary's {value} reads: the first query's value
MIN_INTERVAL = 10  # seconds: Grafana evaluates a group every multiple of this
MAX_TITLE = 190
EXPRESSIONS = "__expr__"
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_.-]{0,62})\}")  # a summary's {label}, as alerts.state reads it
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_FLIPPED = {"<": ">", ">": "<", "<=": ">=", ">=": "<=", "==": "==", "!=": "!="}
COMMENTS = ("alert rules and contact points from the alerts: section of vpt.yaml; Grafana has no SMS (Twilio) "
            "or ntfy integration, so those channels are webhook contact points",)


@dataclass(frozen=True)
class Translated:
    """A condition as Grafana runs it: its queries (refId, query), the part of the condition
    each one stands for (a series, or a series compared with a constant), the math over them."""

    queries: tuple[tuple[str, SeriesQuery], ...]
    parts: tuple[Node, ...]
    math: str


@dataclass(frozen=True)
class WrittenRule:
    """A rule written as a Grafana alert rule: its uid, its contact point (None: Grafana's default policy)."""

    name: str
    uid: str
    condition: str
    contact_point: str | None
    queries: int

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "uid": self.uid, "condition": self.condition,
                "contact_point": self.contact_point, "queries": self.queries}


@dataclass(frozen=True)
class LeftOutRule:
    """A rule Grafana cannot evaluate as the product does, and why."""

    name: str
    condition: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "condition": self.condition, "reason": self.reason}


@dataclass(frozen=True)
class Alerting:
    """The content of ``alerting/vpt.yaml`` and what it holds: rules written and left out,
    contact points, and notes for its comments and its user."""

    content: dict[str, Any]
    rules: tuple[WrittenRule, ...]
    left_out: tuple[LeftOutRule, ...]
    contact_points: tuple[str, ...]
    notes: tuple[str, ...]


def translate(rule: Rule, dialect: str) -> Translated:
    """``rule``'s condition as queries in ``dialect`` and a math expression; else :class:`NotExpressible`."""
    done = _Translator(rule, dialect)
    expression = done.math(rule.expression)
    if not done.queries:
        raise NotExpressible("a condition of constants only: a Grafana rule's groups come from its queries")
    sources = {query.source for _, query in done.queries}
    if len(sources) > 1 and _has_or_not(rule.expression):
        raise NotExpressible("'or' or 'not' over different series: Grafana drops a group that one of them has no "
                             "value for, where the product still evaluates it")
    labels = [set(query.labels) for _, query in done.queries]
    for one in labels:
        for other in labels:
            if not (one <= other or other <= one):
                raise NotExpressible(f"it joins series of unrelated groups ({', '.join(sorted(one))} and "
                                     f"{', '.join(sorted(other))}): Grafana pairs them by shared labels only")
    return Translated(tuple(done.queries), tuple(done.parts), expression)


class _Translator:
    def __init__(self, rule: Rule, dialect: str) -> None:
        self.rule, self.dialect = rule, dialect
        self.queries: list[tuple[str, SeriesQuery]] = []
        self.parts: list[Node] = []
        self._refs: dict[Any, str] = {}

    def _ref(self, key: Any, part: Node, make) -> str:
        if key not in self._refs:
            ref = chr(ord("A") + len(self.queries)) if len(self.queries) < 26 else f"Q{len(self.queries)}"
            self.queries.append((ref, make()))
            self.parts.append(part)
            self._refs[key] = ref
        return f"${self._refs[key]}"

    def math(self, node: Node) -> str:
        if isinstance(node, Literal_):
            if isinstance(node.value, bool):
                return "1" if node.value else "0"
            if isinstance(node.value, str):
                raise NotExpressible(f"the text {node.value[:40]!r} is compared with something other than a series")
            return number(node.value)
        if isinstance(node, Series):
            return self._ref(node, node, lambda: numeric_query(node, self.dialect, self.rule.group_by))
        if isinstance(node, Compare):
            for series, constant, op in ((node.left, node.right, node.op), (node.right, node.left, _FLIPPED[node.op])):
                if _textual(series) and isinstance(constant, Literal_):
                    key = (series, op, type(constant.value).__name__, constant.value)
                    return self._ref(key, Compare(op, series, constant),
                                     lambda: compared_query(series, op, constant, self.dialect))
            return f"({self.math(node.left)} {node.op} {self.math(node.right)})"
        if isinstance(node, Logic):
            return f"({self.math(node.left)} {'&&' if node.op == 'and' else '||'} {self.math(node.right)})"
        if isinstance(node, Not):
            return f"!({self.math(node.operand)})"
        if isinstance(node, Arith):
            if node.op == "/" and not (isinstance(node.right, Literal_) and node.right.value != 0):
                raise NotExpressible("it divides by something other than a constant: where that is 0 Grafana's "
                                     "math gives infinity, the product no value")
            return f"({self.math(node.left)} {node.op} {self.math(node.right)})"
        if isinstance(node, Negate):
            return f"-({self.math(node.operand)})"
        raise NotExpressible(f"not a part of a condition: {type(node).__name__}")


def _textual(node: Node) -> bool:
    return isinstance(node, Series) and SERIES[node.name][0].type in ("string", "any")


def _has_or_not(node: Node) -> bool:
    if isinstance(node, Not) or (isinstance(node, Logic) and node.op == "or"):
        return True
    if isinstance(node, (Logic, Compare, Arith)):
        return _has_or_not(node.left) or _has_or_not(node.right)
    return isinstance(node, Negate) and _has_or_not(node.operand)


def alerting(ruleset: RuleSet, channels: Mapping[str, Any], dialect: str, datasource_uid: str,
             earlier: tuple[set[str], set[str]] | None = None) -> Alerting:
    """The alerting file for ``ruleset`` with its built ``channels`` (alerts.channels), reading
    the datasource ``datasource_uid``; ``earlier``: the rule and contact point uids the file
    held before, deleted from Grafana when they are gone (see :func:`earlier_uids`)."""
    receivers = {name: receiver(name, channel) for name, channel in channels.items()}
    earlier = earlier or (set(), set())
    translated: list[tuple[Rule, Translated]] = []
    left_out: list[LeftOutRule] = []
    for rule in ruleset.rules:
        try:
            if len(rule.name) > MAX_TITLE:
                raise NotExpressible(f"Grafana's rule titles take at most {MAX_TITLE} characters")
            translated.append((rule, translate(rule, dialect)))
        except NotExpressible as exc:
            left_out.append(LeftOutRule(rule.name, rule.condition, str(exc)))
    wanted = [rule.channels or tuple(receivers) for rule, _ in translated] if receivers else []
    points, names = contact_points(receivers, wanted)
    written, rules = [], []
    for rule, done in translated:
        point = names[rule.channels or tuple(receivers)] if receivers else None
        rules.append(_rule(rule, done, dialect, datasource_uid, point))
        written.append(WrittenRule(rule.name, rules[-1]["uid"], rule.condition, point, len(done.queries)))
    content: dict[str, Any] = {"apiVersion": 1}
    if rules:
        content["groups"] = [{"orgId": ORG, "name": GROUP, "folder": FOLDER,
                              "interval": _duration(_interval(ruleset.every)), "rules": rules}]
    if points:
        content["contactPoints"] = points
    rule_uids = {rule["uid"] for rule in rules}
    receiver_uids = {each["uid"] for point in points for each in point["receivers"]}
    if gone := sorted(earlier[0] - rule_uids):
        content["deleteRules"] = [{"orgId": ORG, "uid": each} for each in gone]
    if gone := sorted(earlier[1] - receiver_uids):
        content["deleteContactPoints"] = [{"orgId": ORG, "uid": each} for each in gone]
    notes = tuple(note for each in receivers.values() for note in each.notes)
    return Alerting(content, tuple(written), tuple(left_out), tuple(point["name"] for point in points), notes)


def earlier_uids(path: Path) -> tuple[set[str], set[str]]:
    """The rule and contact point uids an alerting file written before holds (none if it is
    not there or not one of ours)."""
    try:
        content = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        return set(), set()
    if not isinstance(content, dict):
        return set(), set()

    def uids(items: Any) -> set[str]:
        return {each["uid"] for each in items or () if isinstance(each, dict) and isinstance(each.get("uid"), str)
                and each["uid"].startswith("vpt-")} if isinstance(items, list) else set()

    groups = [g for g in content.get("groups") or () if isinstance(g, dict) and g.get("name") == GROUP]
    points = [p for p in content.get("contactPoints") or () if isinstance(p, dict)]
    return (set().union(*(uids(group.get("rules")) for group in groups)) | uids(content.get("deleteRules")),
            set().union(*(uids(point.get("receivers")) for point in points)) | uids(content.get("deleteContactPoints")))


def _rule(rule: Rule, done: Translated, dialect: str, datasource_uid: str, point: str | None) -> dict[str, Any]:
    data = []
    for ref, query in done.queries:
        model = SqlTarget(ref, query.sql, "table", dialect).to_json()
        model["datasource"] = {"type": PLUGINS[dialect], "uid": datasource_uid}
        data.append({"refId": ref, "relativeTimeRange": {"from": math.ceil(query.window), "to": 0},
                     "datasourceUid": datasource_uid, "model": {**model, "intervalMs": 1000, "maxDataPoints": 43200}})
    text = summary(rule)
    if f"$values.{VALUE}." in text:  # Grafana's templates see expressions' values, not queries'
        data.append(_math(VALUE, f"${done.queries[0][0]}"))
    data.append(_math(CONDITION, done.math))
    found: dict[str, Any] = {
        "uid": uid(rule.name), "title": rule.name, "condition": CONDITION, "data": data,
        "noDataState": "OK", "execErrState": "Error", "for": _duration(math.ceil(rule.duration)),
        "labels": {"severity": rule.severity, **rule.labels},
        "annotations": {"summary": text, "condition": rule.condition},
        "isPaused": False}
    if point is not None:
        settings: dict[str, Any] = {"receiver": point, "group_by": ["alertname", "grafana_folder", *rule.group_by]}
        if rule.repeat:
            settings["repeat_interval"] = _duration(math.ceil(rule.repeat))
        found["notification_settings"] = settings
    return found


def _math(ref: str, expression: str) -> dict[str, Any]:
    return {"refId": ref, "datasourceUid": EXPRESSIONS,
            "model": {"refId": ref, "type": "math", "expression": expression,
                      "datasource": {"type": EXPRESSIONS, "uid": EXPRESSIONS}}}


def summary(rule: Rule) -> str:
    """The rule's summary in Grafana's template syntax: ``{device}`` -> ``{{ $labels.device }}``,
    ``{value}`` -> the first query's value (through the expression ``value``), ``{rule}`` ->
    the rule's name; other text as it is."""
    text = rule.summary or f"{rule.name}: {rule.condition}"
    out, at = [], 0
    for match in _PLACEHOLDER.finditer(text):
        out.append(_literal(text[at:match.start()]))
        name = match.group(1)
        if name == "value":
            out.append(f"{{{{ $values.{VALUE}.Value }}}}")
        elif name == "rule":
            out.append("{{ $labels.alertname }}")
        elif _IDENTIFIER.match(name):
            out.append(f"{{{{ $labels.{name} }}}}")
        else:
            out.append(f'{{{{ index $labels "{name}" }}}}')
        at = match.end()
    out.append(_literal(text[at:]))
    return "".join(out)


def _literal(text: str) -> str:
    """Text Grafana's templates print as it is (each ``{`` printed by an action of its own)."""
    return text.replace("{", '{{ "{" }}')


def _interval(every: float) -> int:
    return max(MIN_INTERVAL, math.ceil(every / MIN_INTERVAL) * MIN_INTERVAL)


def _duration(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
