"""Rules files as a project writes them: the built-in rules as defaults, changed or turned off
by name; and hostile or mistaken files refused with an error naming the file, the line, the
column and what was expected, nothing evaluated as Python."""

from __future__ import annotations

import pytest

from pytest_vpt.alerts.builtin import BUILTIN_RULES
from pytest_vpt.alerts.expression import ExpressionError, parse
from pytest_vpt.alerts.rules import RulesError, load
from pytest_vpt.alerts.series import CATALOGUE


def write(tmp_path, text: str, name: str = "vpt.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_built_in_rules_are_the_defaults_and_a_rule_of_the_same_name_changes_them(tmp_path) -> None:
    assert [rule.name for rule in load(tmp_path).rules] == [rule["name"] for rule in BUILTIN_RULES]
    write(tmp_path, """
alerts:
  every: 30s
  repeat: 4h
  channels: {ops: {type: slack, url: "${SLACK_URL}"}}
  rules:
    - name: Device Offline
      duration: 1m
      channels: [ops]
    - name: No Tests Running
      enabled: false
    - name: Netflix Launch Slow
      condition: metric("app_launch_time", app="netflix").p95(10m) > 3s
      group_by: [device]
      labels: {team: apps}
""")
    ruleset = load(tmp_path)
    rules = {rule.name: rule for rule in ruleset.rules}
    assert ruleset.every == 30.0 and "No Tests Running" not in rules
    offline = rules["Device Offline"]
    assert (offline.condition, offline.duration, offline.severity, offline.channels, offline.repeat) == (
        'device_status == "offline"', 60.0, "critical", ("ops",), 14400.0)
    custom = rules["Netflix Launch Slow"]
    assert (custom.duration, custom.severity, custom.group_by, dict(custom.labels), custom.builtin) == (
        0.0, "warning", ("device",), {"team": "apps"}, False)
    write(tmp_path, "alerts:\n  builtin: false\n")
    assert load(tmp_path).rules == ()


def test_a_rules_file_of_its_own_adds_to_vpt_yaml(tmp_path) -> None:
    write(tmp_path, "alerts:\n  builtin: false\n")
    rules = write(tmp_path, "alerts:\n  - name: Hot\n    condition: value(\"temperature\") > 70\n", "rules.yaml")
    (rule,) = load(tmp_path, rules_file=rules).rules
    assert (rule.name, rule.condition) == ("Hot", 'value("temperature") > 70')


HOSTILE = [
    # (the condition as written in the file, the column of the error in it, what the error says)
    ('__import__("os").system("id")', 0, "names cannot begin with '_'"),
    ("device_status.__class__ == 1", 14, "names cannot begin with '_'"),
    ("device_status.count == 1", 14, "device_status is one value per group: it takes no aggregation"),
    ("response_time.mean > 1", 14, "expected an aggregation (last, avg"),
    ("(" * 60 + "true" + ")" * 60, 32, "nested more than 32 levels deep"),
    ("not " * 40 + "true", 128, "nested more than 32 levels deep"),
    ("error_rate > 1" + "0" * 30, 13, "a number of more than 16 characters"),
    ("error_rate > 9999999999999999", 13, "is larger than 1e+12"),
    ("error_rate > 1e308", 14, "unknown unit 'e'"),
    ("eval(\"1\") > 0", 0, "unknown series 'eval'"),
    ("open == true", 0, "unknown series 'open'"),
    ('device_status == "offline" and', 30, "expected a number, a string, true, false"),
    ('device_status > "offline"', 14, "compare with == and != only"),
    ('device_status == 3', 14, "cannot compare a string with a number"),
    ("error_rate", 0, "expected a condition"),
    ("error_rate > 10% ; drop", 17, "unexpected character ';'"),
    ("error_rate(1e9s) > 0", 12, "unknown unit"),
    ("error_rate(60d) > 0", 11, "at most 31 days"),
    ('metric("x", app=netflix).p95 > 1', 16, "a quoted value for the tag 'app'"),
    ("1 < 2 < 3", 6, "comparisons do not chain"),
    ("error_rate > 10% " * 100, 1000, "longer than 1000 characters"),
]


@pytest.mark.parametrize(("condition", "column", "message"), HOSTILE)
def test_a_hostile_condition_is_refused_naming_the_line_and_column(tmp_path, condition, column, message) -> None:
    write(tmp_path, f"alerts:\n  rules:\n    - name: Bad\n      condition: '{condition}'\n")
    with pytest.raises(RulesError) as caught:
        load(tmp_path)
    where = f"{tmp_path / 'vpt.yaml'}, line 4, column {18 + column + 1}: rule 'Bad': "
    assert str(caught.value).startswith(where) and message in str(caught.value), str(caught.value)


def test_a_condition_over_several_lines_is_placed_on_its_own_line(tmp_path) -> None:
    rules = write(tmp_path, 'alerts:\n  - name: X\n    condition: |\n      device_status == "offline"\n'
                            '        and __import__("os")\n', "rules.yaml")
    with pytest.raises(RulesError, match=r"rules.yaml, line 5, column 13: rule 'X': names cannot begin with '_'"):
        load(tmp_path, rules_file=rules)


@pytest.mark.parametrize(("text", "where", "message"), [
    ("alerts:\n  rules:\n    - name: A\n      condition: error_rate > 1\n      severity: loud\n", "line 5, column 17",
     "expected a severity (critical, error, warning, info), not 'loud'"),
    ("alerts:\n  rules:\n    - name: A\n      condition: error_rate > 1\n      duration: soon\n", "line 5, column 17",
     "expected a duration"),
    ("alerts:\n  rules:\n    - name: A\n      condition: error_rate > 1\n      duration: 999d\n", "line 5, column 17",
     "expected a duration"),
    ("alerts:\n  rules:\n    - name: A\n      condition: error_rate > 1\n      when: now\n", "line 5, column 13",
     "unknown field 'when' of a rule"),
    ("alerts:\n  rules:\n    - name: A\n      condition: error_rate > 1\n      channels: [pager]\n", "line 5, column 18",
     "no channel named 'pager' (configured: none)"),
    ("alerts:\n  rules:\n    - name: A\n      condition: error_rate > 1\n    - name: A\n      condition: error_rate > 1\n",
     "line 5, column 13", "a second rule named 'A'"),
    ("alerts:\n  rules:\n    - condition: error_rate > 1\n", "line 3, column 7", "expected the rule's name"),
    ("alerts:\n  rules:\n    - name: A\n", "line 3, column 7", "expected a condition"),
    ("alerts:\n  ruls: []\n", "line 2, column 9", "unknown setting 'ruls'"),
    ("alerts:\n  rules: {name: A}\n", "line 2, column 10", "expected a list of rules"),
])
def test_a_mistaken_rule_is_refused_naming_where_and_what_was_expected(tmp_path, text, where, message) -> None:
    write(tmp_path, text)
    with pytest.raises(RulesError) as caught:
        load(tmp_path)
    assert str(caught.value).startswith(f"{tmp_path / 'vpt.yaml'}, {where}: ") and message in str(caught.value), \
        str(caught.value)


def test_every_built_in_condition_and_the_documented_examples_parse() -> None:
    for rule in BUILTIN_RULES:
        parse(str(rule["condition"]), CATALOGUE)
    parse('metric("app_launch_time", app="netflix").p95 > 3', CATALOGUE)
    parse("not (failure_rate(30m) > 20% or tests_per_hour < 5) and -1 < 2 * (3 - 1) / 4", CATALOGUE)
    with pytest.raises(ExpressionError, match="column 1: unknown series 'nothing'"):
        parse("nothing == 1", CATALOGUE)
