"""The daily fold stays cheap on SQLite (each test's day merged once, with no Python for an
attempt's bucket) and keeps folding what Python computes from the attempts, on both engines."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from pytest_vpt.analytics.buckets import bucket, percentile
from pytest_vpt.store import daily, open_store
from pytest_vpt.store.daily import hist_percentile, histogram, merge_hist

from test_rollup_isolation import T0, timed_run

#: durations in many buckets (their middles: PostgreSQL's vpt_bucket reads the edges in numeric),
#: the shortest, and more than one test per bucket
MIDDLES = [1.05 ** (k + 0.5) for k in range(-60, 60, 7)]
RUNS = [{f"t.py::t{i}": seconds for i, seconds in enumerate(durations)} for durations in (
    [0.0, 1e-7, *MIDDLES[:6], 0.25, 0.25],
    [1e-6, 0.5, *MIDDLES[6:12], 0.25, 3.0],
    [2e-6, 0.5, *MIDDLES[12:18], 0.26, 3.0],
)]


def _folded(url: str) -> tuple[dict, tuple]:
    with open_store(url) as store:
        tests = {row[0]: tuple(row[1:]) for row in store.conn.execute(
            "SELECT c.nodeid, d.runs, d.duration_count, d.duration_sum, d.duration_hist, d.p50_seconds, "
            "d.p95_seconds FROM test_daily d JOIN test_cases c ON c.test_id = d.test_id")}
        days = [tuple(row) for row in store.conn.execute(
            "SELECT duration_count, duration_sum, duration_hist, p50_seconds, p95_seconds FROM duration_daily")]
    assert len(days) == 1
    return tests, days[0]


def _hist(counts: Counter) -> str:
    return " ".join(f"{b} {counts[b]}" for b in sorted(counts))


def test_each_day_folds_the_buckets_sums_and_percentiles_python_computes(store_url) -> None:
    with open_store(store_url) as store:
        for number, run in enumerate(RUNS):
            store.write(timed_run(f"r{number}", "box", T0 + 600 * number, run))
    tests, (count, seconds, hist, p50, p95) = _folded(store_url)
    every: Counter = Counter()
    for nodeid, (runs, timed, total, kept, kept_p50, kept_p95) in tests.items():
        durations = [run[nodeid] for run in RUNS if nodeid in run]
        counts = Counter(bucket(d) for d in durations)
        every.update(counts)
        assert (runs, timed, kept) == (len(durations), len(durations), _hist(counts)), nodeid
        assert total == sum(durations)  # added in the order of the runs
        assert (kept_p50, kept_p95) == (percentile(counts, 0.5), percentile(counts, 0.95)), nodeid
    assert (count, hist) == (sum(every.values()), _hist(every))
    assert seconds == pytest.approx(sum(sum(run.values()) for run in RUNS), rel=1e-12)
    assert (p50, p95) == (percentile(every, 0.5), percentile(every, 0.95))


def test_sqlite_buckets_a_duration_as_python_does(tmp_path) -> None:
    """On the bucket edges too, and beside them."""
    durations = [0.0, 5e-7, 1e-6, 94_867_200.0, *(1.05 ** k for k in range(-283, 376))]
    durations += [d * (1 + e) for d in durations[4:] for e in (-2e-16, 2e-16)]
    with open_store(f"sqlite:///{tmp_path / 'vpt.db'}") as store:
        sql = f"SELECT {daily._SQLITE_BUCKET.replace('p.duration', '?')}"
        found = [store.conn.execute(sql, (d,)).fetchone()[0] for d in durations]
    assert found == [bucket(d) for d in durations]


def test_a_sqlite_fold_merges_each_test_s_day_once_and_buckets_in_sql(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'vpt.db'}"
    calls: Counter = Counter()

    def counted(name, function):
        def call(*args):
            calls[name] += 1
            return function(*args)
        return call

    with open_store(url) as store:
        store.write(timed_run("r0", "box", T0, RUNS[0]))
        for name, arity, function in (("vpt_bucket", 1, bucket), ("vpt_merge_hist", 2, merge_hist),
                                      ("vpt_hist_percentile", 2, hist_percentile)):
            store.conn.create_function(name, arity, counted(name, function), deterministic=True)
        store.write(timed_run("r1", "box", T0 + 600, RUNS[1]))
    tests = len(RUNS[1])
    assert calls["vpt_bucket"] == 0
    assert calls["vpt_merge_hist"] == tests + 2  # and the project's day: its batch, then with its row
    assert calls["vpt_hist_percentile"] == 2 * (tests + 2)


def _merged_as_counts(a: str | None, b: str | None) -> str:
    counts: dict[int, int] = {}
    for key, n in (*histogram(a), *histogram(b)):
        counts[key] = counts.get(key, 0) + n
    return " ".join(f"{key} {counts[key]}" for key in sorted(counts))


def test_merge_hist_adds_up_any_two_histograms() -> None:
    rng = random.Random(7)

    def text() -> str | None:
        pairs = [(rng.randint(-9, 9), rng.randint(0, 4)) for _ in range(rng.randint(0, 4))]
        if rng.random() < 0.7:
            pairs.sort()
        return rng.choice([" ".join(f"{b} {n}" for b, n in pairs)] * 4 + ["", None])

    for _ in range(20_000):
        a, b = text(), text()
        if not a and b and b.count(" ") == 1:
            continue  # a new day's single bucket is kept as it came
        assert merge_hist(a, b) == _merged_as_counts(a, b), (a, b)
        merged = merge_hist(a, b)
        counts = dict(histogram(merged))
        for share in (0.5, 0.95):
            expected = percentile(counts, share) if sum(counts.values()) else None
            assert hist_percentile(merged, share) == expected, (merged, share)
