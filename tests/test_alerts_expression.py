"""The condition language evaluated for one group: no data never fires, arithmetic that has no
answer (a division by zero) is no data, strings and booleans compare only as themselves."""

from __future__ import annotations

import pytest

from pytest_vpt.alerts.expression import evaluate, parse, series_in
from pytest_vpt.alerts.series import CATALOGUE, aggregate


def value_of(condition: str, **values) -> object:
    node = parse(condition, CATALOGUE)
    return evaluate(node, {series: values.get(series.name) for series in series_in(node)})


@pytest.mark.parametrize(("condition", "values", "expected"), [
    ('device_status == "offline"', {"device_status": "offline"}, True),
    ('device_status == "offline"', {"device_status": "online"}, False),
    ('device_status != "offline"', {}, False),  # no data: neither equal nor unequal
    ('not device_status == "offline"', {}, True),
    ("error_rate > 10%", {"error_rate": 0.11}, True),
    ("error_rate > 10%", {"error_rate": 0.1}, False),
    ("error_rate >= 10%", {"error_rate": 0.1}, True),
    ("response_time.p95 > 1s", {"response_time": 1.5}, True),
    ("response_time.p95 > 500ms", {"response_time": 0.4}, False),
    ("tests_per_hour == 0", {"tests_per_hour": 0.0}, True),
    ("tests_per_hour == 0", {}, False),
    ("failure_rate / tests_per_hour > 0", {"failure_rate": 0.5, "tests_per_hour": 0.0}, False),
    ("-failure_rate < -0.2 and failure_rate * 2 > 40%", {"failure_rate": 0.3}, True),
    ("black_screen == true or freeze_detected == true", {"black_screen": False, "freeze_detected": True}, True),
    ('value("power") == 0 or value("power") == "off"', {"value": "off"}, True),
    ('value("power") == 0 or value("power") == "off"', {"value": 0.0}, True),
    ('value("power") == 0', {"value": "0"}, False),  # a word is not a number
    ('value("power") > 1', {"value": True}, False),
    ("true and not false", {}, True),
])
def test_a_condition_for_one_group(condition, values, expected) -> None:
    assert value_of(condition, **values) is expected


def test_the_same_series_written_twice_is_read_once() -> None:
    node = parse('value("power") == 0 or value("power") == "off" or value("temp") > 3', CATALOGUE)
    assert [(series.name, series.texts) for series in series_in(node)] == [("value", ("power",)), ("value", ("temp",))]


@pytest.mark.parametrize(("how", "expected"), [
    (None, 5.0), ("last", 5.0), ("avg", 3.0), ("min", 1.0), ("max", 5.0), ("sum", 15.0), ("count", 5.0),
    ("p50", 3.0), ("p90", 5.0), ("p99", 5.0),
])
def test_aggregations_fold_a_window_oldest_first(how, expected) -> None:
    assert aggregate([1.0, 2.0, 4.0, 3.0, 5.0], how) == expected


def test_an_empty_window_has_no_value_but_a_count_of_nothing() -> None:
    assert aggregate([], "p95") is None and aggregate([], "count") == 0.0
