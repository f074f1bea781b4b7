"""The percentiles plain SQL reads (test_daily.p50_seconds/p95_seconds, duration_daily) equal
what analytics.buckets.percentile reads from the same histograms, on both engines: folded batch
by batch, folded again by a rebuild, and after a store from before migration 0016 is upgraded."""

from __future__ import annotations

import math
import time
from collections import Counter

import pytest

import dashboard_data
from conftest import UNDO_MIGRATIONS_FROM_17
from pytest_vpt.analytics.buckets import percentile
from pytest_vpt.store import open_store
from pytest_vpt.store.daily import hist_percentile, histogram

DAY = 86400.0
END = math.floor(time.time() / DAY) * DAY
SCALE = dashboard_data.Scale(days=3, runs_per_day=3, tests=12, sample_every=3600.0)


def _rollups(url: str) -> tuple[list[tuple], list[tuple]]:
    """The rollups' durations (a sum of seconds to 1e-9: added in another order, it may differ in its last bit)."""
    with open_store(url) as store:
        tests = [tuple(row) for row in store.conn.execute(
            "SELECT test_id, day, duration_count, duration_hist, p50_seconds, p95_seconds FROM test_daily ORDER BY 1, 2")]
        days = [(*row[:3], round(row[3], 9), *row[4:]) for row in store.conn.execute(
            "SELECT project, day, duration_count, duration_sum, duration_hist, p50_seconds, p95_seconds "
            "FROM duration_daily ORDER BY 1, 2")]
    return tests, days


@pytest.fixture
def history(store_url) -> str:
    dashboard_data.seed(store_url, END, SCALE)
    return store_url


def test_each_test_s_day_holds_the_python_percentiles(history) -> None:
    tests, _ = _rollups(history)
    timed = [row for row in tests if row[2]]
    assert len(timed) == 3 * (SCALE.tests - 1)  # every test but the skipped one, each day
    for _, _, count, hist, p50, p95 in tests:
        counts = dict(histogram(hist))
        assert sum(counts.values()) == count
        assert (p50, p95) == (percentile(counts, 0.5), percentile(counts, 0.95))
    assert any(p50 != p95 for *_, p50, p95 in timed)  # some days hold more than one bucket


def test_each_project_day_holds_all_its_tests_durations(history) -> None:
    tests, days = _rollups(history)
    assert len(days) == 3
    for project, day, count, seconds, hist, p50, p95 in days:
        merged: Counter = Counter()
        for row in tests:
            if row[1] == day:
                merged.update(dict(histogram(row[3])))
        assert dict(histogram(hist)) == dict(merged) and count == sum(merged.values())
        assert (p50, p95) == (percentile(merged, 0.5), percentile(merged, 0.95))
        assert p50 < p95 and seconds > 0


def test_a_rebuild_folds_the_same_percentiles(history) -> None:
    before = _rollups(history)
    with open_store(history) as store:
        store.rebuild_daily()
    assert _rollups(history) == before


def test_a_store_from_before_the_percentiles_gets_them_from_its_attempts(history) -> None:
    """Migration 0016 makes test_daily again and folds every stored attempt once more."""
    before = _rollups(history)
    with open_store(history) as store:
        store.conn.execute("DELETE FROM schema_version WHERE version >= 16")
        for statement in UNDO_MIGRATIONS_FROM_17:
            store.conn.execute(statement)
        store.conn.execute("DROP TABLE duration_daily")
        for column in ("p50_seconds", "p95_seconds"):
            store.conn.execute(f"ALTER TABLE test_daily DROP COLUMN {column}")
    with open_store(history) as store:
        store.fold_daily()
    assert _rollups(history) == before


@pytest.mark.parametrize(("text", "p50", "p95"), [
    ("", None, None), ("12 3", 12, 12), ("3 1 9 1", 3, 9), ("9 1 3 1", 3, 9), ("1 10 2 1", 1, 2), ("1 1 2 19", 2, 2),
])
def test_the_sql_function_reads_as_the_python_percentile(text, p50, p95) -> None:
    from pytest_vpt.analytics.buckets import middle

    assert hist_percentile(text, 0.5) == (None if p50 is None else middle(p50))
    assert hist_percentile(text, 0.95) == (None if p95 is None else middle(p95))


def test_postgres_vpt_hist_percentile_equals_python(postgres_url) -> None:
    histograms = ["", "12 3", "3 1 9 1", "9 1 3 1", "1 10 2 1", "-5 2 0 7 40 1", "100 1 101 1 102 1 103 17"]
    with open_store(postgres_url) as store:
        for text in histograms:
            for share in (0.5, 0.95, 0.99):
                found = store.conn.execute("SELECT vpt_hist_percentile(?, ?)", (text, share)).fetchone()[0]
                assert found == hist_percentile(text, share), (text, share)
