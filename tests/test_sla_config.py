"""The ``sla:`` section of vpt.yaml: each target's goal read in its unit with its direction,
the reporting settings, and every mistake refused with the file, the field and the value."""

from __future__ import annotations

import re

import pytest

from pytest_vpt import sla
from pytest_vpt.sla.targets import AT_LEAST, AT_MOST, PERCENT, SECONDS


def test_targets_are_read_in_their_units_with_their_directions(tmp_path) -> None:
    (tmp_path / "vpt.yaml").write_text(
        "sla:\n  targets:\n    device_uptime: 99.5%\n    test_pass_rate: 95 %\n    avg_test_duration: 2m\n"
        "    api_response_time: 500ms\n    quality_score: 80\n    test_mttr: 1.5h\n    tests_per_hour: 30/h\n"
        "  reporting:\n    frequency: weekly\n    recipients: [qa@example.com, lead@example.org, qa@example.com]\n"
        "    channel: mail\n")
    settings = sla.load(tmp_path)
    goals = {t.name: (t.goal, t.measure.unit, t.measure.direction) for t in settings.targets}
    assert goals == {"device_uptime": (99.5, PERCENT, AT_LEAST), "test_pass_rate": (95.0, PERCENT, AT_LEAST),
                     "avg_test_duration": (120.0, SECONDS, AT_MOST), "api_response_time": (0.5, SECONDS, AT_MOST),
                     "quality_score": (80.0, "score", AT_LEAST), "test_mttr": (5400.0, SECONDS, AT_MOST),
                     "tests_per_hour": (30.0, "per_hour", AT_LEAST)}
    assert (settings.frequency, settings.recipients, settings.channel) == (
        "weekly", ("qa@example.com", "lead@example.org"), "mail")
    target = sla.Target("api_response_time", 0.5)
    assert (target.met(0.5), target.met(0.51), target.met(None)) == (True, False, None)
    assert sla.load(tmp_path / "nowhere").targets == ()


@pytest.mark.parametrize("section, problem", [
    ({"targets": {"device_uptime": "120s"}}, "sla.targets.device_uptime: expected a percentage like 99.5%, not '120s'"),
    ({"targets": {"device_uptime": 99.5}}, "sla.targets.device_uptime: expected a percentage like 99.5%, not 99.5"),
    ({"targets": {"test_pass_rate": "101%"}}, "sla.targets.test_pass_rate: expected a percentage like 99.5%, not '101%'"),
    ({"targets": {"avg_test_duration": "fast"}},
     "sla.targets.avg_test_duration: expected a duration like 500ms, 120s, 5m or 2h (at most 366 days), not 'fast'"),
    ({"targets": {"avg_test_duration": -1}},
     "sla.targets.avg_test_duration: expected a duration like 500ms, 120s, 5m or 2h (at most 366 days), not -1"),
    ({"targets": {"api_response_time": True}},
     "sla.targets.api_response_time: expected a duration like 500ms, 120s, 5m or 2h (at most 366 days), not True"),
    ({"targets": {"api_response_time": 1e400}},
     "sla.targets.api_response_time: expected a duration like 500ms, 120s, 5m or 2h (at most 366 days), not inf"),
    ({"targets": {"quality_score": "80%"}}, "sla.targets.quality_score: expected a score from 0 to 100, not '80%'"),
    ({"targets": {"uptime": "99%"}}, "sla.targets: unknown field 'uptime' (known: api_response_time, avg_test_duration, "),
    ({"targets": ["device_uptime"]}, "sla.targets: expected a mapping, not ['device_uptime']"),
    ({"target": {}}, "sla: unknown field 'target' (known: reporting, targets)"),
    ({"reporting": {"frequency": "hourly"}}, "sla.reporting.frequency: expected daily or weekly, not 'hourly'"),
    ({"reporting": {"recipients": ["qa@example.com", "not an address"]}},
     "sla.reporting.recipients: not an e-mail address: 'not an address'"),
    ({"reporting": {"recipients": [f"q{i}@example.com" for i in range(101)]}},
     "sla.reporting.recipients: expected a list of at most 100 e-mail addresses, not ['q0@example.com', "),
    ({"reporting": {"recipients": ["a@b.c\r\nBcc: x@y.z"]}}, "sla.reporting.recipients: not an e-mail address: "),
    ({"reporting": {"channel": 3}}, "sla.reporting.channel: expected the name of an alerts e-mail channel, not 3"),
    ("99%", "sla: expected a mapping, not '99%'"),
])
def test_mistakes_name_the_field_and_the_value(section, problem) -> None:
    with pytest.raises(sla.SlaConfigError, match="^" + re.escape(f"ops/vpt.yaml: {problem}")):
        sla.parse(section, "ops/vpt.yaml")


def test_a_mistake_in_the_file_names_the_file(tmp_path) -> None:
    (tmp_path / "vpt.yaml").write_text("sla:\n  targets:\n    device_uptime: [99]\n")
    with pytest.raises(sla.SlaConfigError, match=re.escape(f"{tmp_path / 'vpt.yaml'}: sla.targets.device_uptime: "
                                                           "expected a percentage like 99.5%, not [99]")):
        sla.load(tmp_path)
