"""The change-point detector (pure): a step is found where it is, with the medians around it;
noise, outliers and a weekly cycle raise none; whatever the series, it answers."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_vpt.analytics.changes import RATES, ChangeSettings, find_changes, moving_mean_changes, noise_scale

PATTERN = [1.0, 0.9, 1.1, 1.05, 0.95]  # median 1.0


def test_a_step_is_found_at_its_first_value_with_the_medians_around_it() -> None:
    values = PATTERN * 4 + [2.5 * v for v in PATTERN] * 3
    [change] = find_changes(values)
    assert (change.index, change.before, change.after, change.ratio) == (20, 1.0, 2.5, 2.5)
    assert change.p_value < 1e-4


def test_two_steps_up_and_back_down() -> None:
    values = PATTERN * 4 + [3 * v for v in PATTERN] * 4 + PATTERN * 4
    assert [(c.index, c.before, c.after) for c in find_changes(values)] == [(20, 1.0, 3.0), (40, 3.0, 1.0)]


def test_outliers_and_noise_and_a_weekly_cycle_raise_no_change() -> None:
    rng = random.Random(5)
    values = [0.4 * math.exp(rng.gauss(0, 0.3)) * (1 + 0.08 * math.sin(2 * math.pi * (i // 2) / 7)) for i in range(150)]
    for at in (17, 18, 90, 140):
        values[at] *= 10  # a slow machine now and then
    assert find_changes(values) == []


def test_a_step_smaller_than_the_least_ratio_is_not_reported() -> None:
    values = PATTERN * 6 + [1.2 * v for v in PATTERN] * 6
    assert find_changes(values) == []
    [change] = find_changes(values, ChangeSettings(min_ratio=1.1))
    assert (change.index, change.after) == (30, 1.2)


def test_values_left_out_keep_their_indexes() -> None:
    values = PATTERN * 4 + [2 * v for v in PATTERN] * 4
    outliers = [i % 7 == 3 for i in range(len(values))]
    values = [0.01 if out else value for value, out in zip(values, outliers)]  # failed attempts: stopped early
    values[5], values[6] = math.nan, -1.0  # not durations at all
    [change] = find_changes(values, outliers=outliers)
    assert (change.index, change.before, change.after) == (20, 1.0, 2.0)


def test_rates_compare_means_on_their_own_scale() -> None:
    values = [1.0] * 20 + [0.75, 0.8, 0.7] * 7
    [change] = find_changes(values, RATES)
    assert (change.index, change.before, change.after) == (20, 1.0, pytest.approx(0.75))
    assert find_changes([1.0] * 20 + [0.97] * 20, RATES) == []  # 3 points: less than the least difference


def test_too_short_or_flat_series_have_no_change() -> None:
    assert find_changes([1.0, 5.0] * 4) == []  # shorter than two segments of the least size
    assert find_changes([2.0] * 50) == [] and noise_scale([2.0] * 50) == 0.0


def test_the_baseline_moving_mean_crossing_its_band() -> None:
    # the mean of 7 crosses +20 % when 2 of them are new (index 21): the change is put at their middle
    assert moving_mean_changes([1.0] * 20 + [2.0] * 20) == [18]
    assert moving_mean_changes([1.0] * 40) == [] and moving_mean_changes([1.0] * 5) == []


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.just(0.0)), max_size=80),
       st.booleans())
def test_any_series_gets_an_answer_with_indexes_inside_it(values, log) -> None:
    found = find_changes(values, ChangeSettings(log=log))
    assert [c.index for c in found] == sorted({c.index for c in found})
    assert all(0 < c.index < len(values) and 0 <= c.p_value <= 1 for c in found)
