"""Alert rules as a project writes them, in ``vpt.yaml``'s ``alerts:`` section or a rules file
of their own, with the built-in rules (builtin.py) as defaults.

``vpt.yaml``::

    alerts:
      every: 10s            # how often vpt alerts run / vpt server evaluate (default 10s)
      builtin: true         # the built-in rules (default true)
      repeat: 4h            # default reminder interval of a firing alert (default: none)
      channels: {...}       # where notifications go (alerts.channels.build_channels)
      rules:
        - name: Netflix Launch Slow
          condition: metric("app_launch_time", app="netflix").p95 > 3
          duration: 5m      # how long the condition holds before it fires (default 0s)
          severity: warning # critical, error, warning (default), info
          channels: [team-slack]   # default: every channel
          labels: {team: apps}
          summary: "{project}: Netflix launches slowly ({value})"
          group_by: [app]   # one alert per value of these labels (metric tags)
          repeat: 1h        # remind while it fires

A rules file (``--rules FILE``) holds the same list under ``alerts:`` (or ``rules:``). A
rule named like a built-in one changes only the fields it gives; ``enabled: false`` turns a
rule off. Every problem is a :class:`RulesError` naming the file, the line and column, and
what was expected there.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .. import config_file
from .builtin import BUILTIN_RULES
from .expression import ExpressionError, Node, parse
from .expression.tokens import UNITS
from .series import CATALOGUE

SEVERITIES = ("critical", "error", "warning", "info")
MAX_RULES = 500
MAX_NAME = 200
MAX_LABELS = 20
MAX_TEXT = 1000
MAX_DURATION = 31 * 86400.0
DEFAULT_EVERY = 10.0
_FIELDS = ("name", "condition", "duration", "severity", "channels", "labels", "summary", "group_by", "repeat",
           "enabled")
_SECTION = ("every", "builtin", "repeat", "channels", "rules", "url")
_LABEL = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,62}$")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")


class RulesError(ValueError):
    """A rule cannot be used; the message names where (file, line, column) and what was expected."""


@dataclass(frozen=True)
class Rule:
    """One alert rule, its condition parsed."""

    name: str
    condition: str
    expression: Node = field(repr=False, compare=False)
    duration: float = 0.0
    severity: str = "warning"
    channels: tuple[str, ...] = ()  # empty: every channel
    labels: Mapping[str, str] = field(default_factory=dict)
    summary: str = ""
    group_by: tuple[str, ...] = ()
    repeat: float | None = None
    builtin: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "condition": self.condition, "duration": self.duration, "severity": self.severity,
                "channels": list(self.channels), "labels": dict(self.labels), "summary": self.summary,
                "group_by": list(self.group_by), "repeat": self.repeat, "builtin": self.builtin}


@dataclass(frozen=True)
class RuleSet:
    """The rules in force, the channels' configuration (for build_channels), how often to evaluate."""

    rules: tuple[Rule, ...]
    channels: Mapping[str, Any]
    every: float = DEFAULT_EVERY
    url: str | None = None
    source: str = ""


class _Marks:
    """Where each value of a YAML file is: (keys path) -> (line, column, style), 1-based."""

    def __init__(self, source: str, node: yaml.Node | None, lines: list[str]) -> None:
        self.source = source
        self.lines = lines
        self.found: dict[tuple[Any, ...], tuple[int, int, str | None]] = {}
        if node is not None:
            self._walk(node, ())

    def _walk(self, node: yaml.Node, path: tuple[Any, ...]) -> None:
        self.found[path] = (node.start_mark.line + 1, node.start_mark.column + 1, getattr(node, "style", None))
        if isinstance(node, yaml.MappingNode):
            for key, child in node.value:
                if isinstance(key, yaml.ScalarNode):
                    self._walk(child, (*path, key.value))
        elif isinstance(node, yaml.SequenceNode):
            for index, child in enumerate(node.value):
                self._walk(child, (*path, index))

    def where(self, path: tuple[Any, ...], offset: int | None = None, text: str = "") -> str:
        """``file, line L, column C`` of the value at ``path`` (or the nearest one known)."""
        while path and path not in self.found:
            path = path[:-1]
        if path not in self.found:
            return self.source
        line, column, style = self.found[path]
        if offset is not None and style in ('"', "'", None, ""):
            column += offset + (1 if style in ('"', "'") else 0)
        elif offset is not None and style in ("|", ">"):
            before = text[:offset]
            line += 1 + before.count("\n")
            content = self.found[path][0]  # the 0-based index of the block's first line
            first = self.lines[content] if content < len(self.lines) else ""
            column = len(first) - len(first.lstrip()) + 1 + len(before) - (before.rfind("\n") + 1)
        return f"{self.source}, line {line}, column {column}"

    def error(self, path: tuple[Any, ...], message: str, offset: int | None = None, text: str = "") -> RulesError:
        return RulesError(f"{self.where(path, offset, text)}: {message}")


def duration(value: Any) -> float | None:
    """Seconds from ``300``, ``"5m"``, ``"500ms"``, ``"1h"``; None if it is not a duration."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        seconds = float(value)
    elif isinstance(value, str) and (match := _DURATION.match(value)):
        seconds = float(match.group(1)) * UNITS[match.group(2) or "s"]
    else:
        return None
    return seconds if math.isfinite(seconds) and 0 <= seconds <= MAX_DURATION else None


def load(rootdir: Path, config: Path | None = None, rules_file: Path | None = None) -> RuleSet:
    """The rules of the project in ``rootdir``: its vpt.yaml (or ``config``) ``alerts:`` section,
    the rules of ``rules_file`` if given (they win by name), and the built-in rules."""
    data, source = config_file.section("alerts", rootdir, config)
    marks = _marks(source)
    section = _check_section(data, marks)
    every = _duration_of(section, "every", marks, ("alerts",), DEFAULT_EVERY, low=1.0)
    default_repeat = _duration_of(section, "repeat", marks, ("alerts",), None, low=60.0)
    url = section.get("url")
    if url is not None and (not isinstance(url, str) or len(url) > MAX_TEXT):
        raise marks.error(("alerts", "url"), "expected the address of a dashboard (text)")
    channels = section.get("channels") or {}
    if not isinstance(channels, dict):
        raise marks.error(("alerts", "channels"), "expected a mapping of channel names to their settings")
    written = _rule_list(section.get("rules"), marks, ("alerts", "rules"))
    if rules_file is not None:
        text = config_file.read_yaml(rules_file)
        file_marks = _marks(str(rules_file))
        key = "alerts" if "alerts" in text else "rules"
        if set(text) - {"alerts", "rules"}:
            raise file_marks.error((sorted(set(text) - {"alerts", "rules"})[0],),
                                   "a rules file holds one list, under 'alerts:'")
        written += _rule_list(text.get(key), file_marks, (key,))
    builtin = section.get("builtin", True)
    if not isinstance(builtin, bool):
        raise marks.error(("alerts", "builtin"), "expected true or false (the built-in rules)")
    rules = _merge(written, builtin, set(channels), default_repeat)
    return RuleSet(tuple(rules), channels, every, url, source)


def from_mapping(rules: list[Any], source: str = "rules", channels: Mapping[str, Any] | None = None,
                 builtin: bool = False) -> tuple[Rule, ...]:
    """Rules from plain data (the rules file's list), as :func:`load` reads them."""
    marks = _Marks(source, None, [])
    return tuple(_merge(_rule_list(rules, marks, ()), builtin, set(channels or {}), None))


def _marks(source: str) -> _Marks:
    path = Path(source)
    if source.endswith("[tool.vpt]") or not path.is_file():
        return _Marks(source, None, [])
    return _Marks(source, config_file.compose(path), config_file.read_text(path).splitlines())


def _check_section(data: Any, marks: _Marks) -> dict[str, Any]:
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise marks.error(("alerts",), "expected a mapping (every, builtin, repeat, channels, rules)")
    for key in data:
        if key not in _SECTION:
            raise marks.error(("alerts", key), f"unknown setting {key!r} (known: {', '.join(_SECTION)})")
    return data


def _duration_of(data: Mapping[str, Any], key: str, marks: _Marks, path: tuple[Any, ...], default: float | None,
                 low: float = 0.0) -> float | None:
    if data.get(key) is None:
        return default
    seconds = duration(data[key])
    if seconds is None or seconds < low:
        raise marks.error((*path, key), f"expected a duration of {low:g} s to 31 days such as 30s, 5m, 1h "
                                        f"for {key}, not {data[key]!r}")
    return seconds


def _rule_list(value: Any, marks: _Marks, path: tuple[Any, ...]) -> list[tuple[dict[str, Any], _Marks, tuple]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise marks.error(path, "expected a list of rules (- name: ..., condition: ...)")
    if len(value) > MAX_RULES:
        raise marks.error(path, f"more than {MAX_RULES} rules")
    found = []
    for index, rule in enumerate(value):
        if not isinstance(rule, dict):
            raise marks.error((*path, index), "expected a rule: a mapping with name and condition")
        for key in rule:
            if key not in _FIELDS:
                raise marks.error((*path, index, key), f"unknown field {key!r} of a rule (known: {', '.join(_FIELDS)})")
        name = rule.get("name")
        if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME:
            raise marks.error((*path, index, "name"), f"expected the rule's name (text of 1 to {MAX_NAME} characters)")
        found.append((rule, marks, (*path, index)))
    return found


def _merge(written: list[tuple[dict[str, Any], _Marks, tuple]], builtin: bool, channels: set[str],
           default_repeat: float | None) -> list[Rule]:
    builtins = {rule["name"]: rule for rule in BUILTIN_RULES} if builtin else {}
    seen: dict[str, str] = {}
    mine: dict[str, Rule | None] = {}
    for raw, marks, path in written:
        name = raw["name"].strip()
        if name in seen:
            raise marks.error((*path, "name"), f"a second rule named {name!r} (the first: {seen[name]})")
        seen[name] = marks.where((*path, "name"))
        base = {**builtins.get(name, {}), **raw}
        mine[name] = _rule(base, marks, path, channels, default_repeat, name in builtins)
    rules = [mine.pop(name) if name in mine else _rule(dict(raw), _Marks("built-in rules", None, []), (), channels,
                                                       default_repeat, True)
             for name, raw in builtins.items()]  # the built-in ones first, in their order, as changed
    return [rule for rule in [*rules, *mine.values()] if rule is not None]


def _rule(raw: dict[str, Any], marks: _Marks, path: tuple[Any, ...], channels: set[str],
          default_repeat: float | None, builtin: bool) -> Rule | None:
    name = raw["name"].strip()
    enabled = raw.get("enabled", True)
    if not isinstance(enabled, bool):
        raise marks.error((*path, "enabled"), "expected true or false")
    if not enabled:
        return None
    condition = raw.get("condition")
    if not isinstance(condition, str) or not condition.strip():
        raise marks.error((*path, "condition") if "condition" in raw else path,
                          f"rule {name!r}: expected a condition, e.g. device_status == \"offline\"")
    try:
        expression = parse(condition, CATALOGUE)
    except ExpressionError as exc:
        raise marks.error((*path, "condition"), f"rule {name!r}: {exc.message}", exc.offset, condition) from None
    seconds = _duration_of(raw, "duration", marks, path, 0.0)
    repeat = _duration_of(raw, "repeat", marks, path, default_repeat, low=60.0)
    severity = raw.get("severity", "warning")
    if severity not in SEVERITIES:
        raise marks.error((*path, "severity"), f"rule {name!r}: expected a severity ({', '.join(SEVERITIES)}), "
                                               f"not {severity!r}")
    wanted = _names(raw.get("channels"), marks, (*path, "channels"), "channel names", MAX_NAME)
    for index, channel in enumerate(wanted):
        if channel not in channels:
            raise marks.error((*path, "channels", index), f"rule {name!r}: no channel named {channel!r} "
                              f"(configured: {', '.join(sorted(channels)) or 'none'})")
    labels = raw.get("labels") or {}
    if not isinstance(labels, dict) or len(labels) > MAX_LABELS or not all(
            isinstance(k, str) and _LABEL.match(k) and isinstance(v, (str, int, float)) and len(str(v)) <= MAX_NAME
            for k, v in labels.items()):
        raise marks.error((*path, "labels"), f"rule {name!r}: expected at most {MAX_LABELS} labels, "
                                             "name: value (names of letters, digits, _ . -)")
    summary = raw.get("summary", "")
    if not isinstance(summary, str) or len(summary) > MAX_TEXT:
        raise marks.error((*path, "summary"), f"rule {name!r}: expected a summary of at most {MAX_TEXT} characters")
    group_by = _names(raw.get("group_by"), marks, (*path, "group_by"), "label names", 63)
    if any(not _LABEL.match(label) for label in group_by):
        raise marks.error((*path, "group_by"), f"rule {name!r}: label names are letters, digits, _ . -")
    return Rule(name, condition.strip(), expression, seconds or 0.0, severity, tuple(wanted),
                {str(k): str(v) for k, v in labels.items()}, summary, tuple(group_by), repeat, builtin)


def _names(value: Any, marks: _Marks, path: tuple[Any, ...], what: str, longest: int) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or len(value) > 50 or not all(
            isinstance(item, str) and 0 < len(item) <= longest for item in value):
        raise marks.error(path, f"expected a list of {what}")
    return list(dict.fromkeys(value))
