"""Change-point quality on labelled synthetic series: pytest-vpt's detector against a naive one.

Two kinds of series, as `vpt trends --changes` reads them: a test's duration per run, and a
project's pass rate per run. Each is 60 to 200 runs long, one to four runs a day, and either
has one or two known changes (at least 10 runs from either end and 20 runs apart) or none.

- Durations: a base of 0.03 s to 30 s in lognormal noise (sigma 0.05 to 0.35), a weekly
  cycle (up to +-8 %), outliers (3 % of runs 2.7x to 12x slower, a third of those 5x faster
  instead); each change multiplies the level by 1.2x to 3x (up, or down one time in three).
- Pass rates: 20 to 500 tests a run, 0.5 % to 10 % of them failing, binomial noise, a weekly
  cycle (up to +-1 point), outliers (2 % of runs where most tests fail: the lab was down);
  each change moves the pass rate by 5 to 30 points (down, or up one time in three).

Both detectors see the same series: pytest-vpt's (pytest_vpt.analytics.changes.find_changes,
durations on a log scale, pass rates as they are, default settings) and the naive baseline
(a 7-run moving mean crossing +-20 % of the level before). A change counts as found when a
reported one lies within 3 runs of it (each reported change matches one true change at
most). Figures: precision (reported changes that are true), recall per size band (durations
1.2x-1.5x and >= 1.5x; pass rates 5-10 and >= 10 points), the mean detection delay (runs
after the change the detector needs to see, on the history up to then, before it reports
it), and false series (the share of no-change series where anything was reported).

Goals: precision >= 0.95, recall >= 0.9 for changes of 1.5x (durations) or 10 points (pass
rates) or more, no change reported on >= 95 % of the no-change series. The last line is
pytest-vpt's figures over both kinds:

    precision=P recall=R false_series=F

    python benchmarks/changes.py [--series 300] [--seed 7]
"""

from __future__ import annotations

import argparse
import math
import random
import time
from collections import defaultdict
from dataclasses import dataclass

import numpy

from pytest_vpt.analytics.changes import DURATIONS, RATES, find_changes, moving_mean_changes

TOLERANCE = 3  # runs


@dataclass
class Series:
    kind: str  # "duration" or "pass rate"
    values: list[float]
    changes: list[int]  # the true changes' indexes
    sizes: list[float]  # each change's size: a ratio (>= 1) or points of pass rate


def _change_points(n: int, count: int, rng: random.Random) -> list[int]:
    while True:
        points = sorted(rng.randint(10, n - 10) for _ in range(count))
        if all(b - a >= 20 for a, b in zip(points, points[1:])):
            return points


def _weekly(n: int, rng: random.Random) -> list[float]:
    """The phase of the week of each run (one to four runs a day)."""
    per_day, start = rng.randint(1, 4), rng.random() * 7
    return [math.sin(2 * math.pi * (start + i // per_day) / 7) for i in range(n)]


def duration_series(changes: int, rng: random.Random) -> Series:
    n = rng.randint(60, 200)
    points = _change_points(n, changes, rng) if changes else []
    base, sigma, cycle = 10 ** rng.uniform(-1.5, 1.5), rng.uniform(0.05, 0.35), rng.uniform(0, 0.08)
    sizes, level, values = [], [1.0] * n, []
    for at in points:
        ratio = rng.uniform(1.2, 3.0)
        sizes.append(ratio)
        factor = ratio if rng.random() < 2 / 3 else 1 / ratio
        level[at:] = [v * factor for v in level[at:]]
    for i, week in enumerate(_weekly(n, rng)):
        value = base * level[i] * math.exp(rng.gauss(0, sigma)) * (1 + cycle * week)
        if rng.random() < 0.03:
            value *= math.exp(rng.uniform(1, 2.5)) if rng.random() < 2 / 3 else 0.2
        values.append(value)
    return Series("duration", values, points, sizes)


def pass_rate_series(changes: int, rng: random.Random) -> Series:
    n = rng.randint(60, 200)
    points = _change_points(n, changes, rng) if changes else []
    tests, rate, cycle = rng.randint(20, 500), 1 - rng.uniform(0.005, 0.10), rng.uniform(0, 0.01)
    sizes, level = [], [rate] * n
    for at in points:
        points_moved = rng.uniform(0.05, 0.30)
        current = level[at]
        target = current - points_moved if rng.random() < 2 / 3 or current + points_moved > 0.999 else current + points_moved
        target = min(max(target, 0.05), 0.999)
        sizes.append(abs(target - current))
        level[at:] = [target] * (n - at)
    shares = []
    for i, week in enumerate(_weekly(n, rng)):
        p = min(max(level[i] + cycle * week, 0.0), 1.0)
        if rng.random() < 0.02:
            p *= rng.uniform(0.1, 0.6)
        shares.append(p)
    draws = numpy.random.default_rng(rng.getrandbits(64)).binomial(tests, shares)
    values = [int(passed) / tests for passed in draws]
    return Series("pass rate", values, points, sizes)


def vpt(series: Series, values: list[float]) -> list[int]:
    return [c.index for c in find_changes(values, DURATIONS if series.kind == "duration" else RATES)]


def baseline(series: Series, values: list[float]) -> list[int]:
    return moving_mean_changes(values)


DETECTORS = {"vpt": vpt, "moving mean": baseline}


def matches(found: list[int], truth: list[int]) -> dict[int, int]:
    """True change -> the reported one matching it (the nearest within the tolerance, once each)."""
    matched, used = {}, set()
    for true in truth:
        near = [f for f in found if abs(f - true) <= TOLERANCE and f not in used]
        if near:
            best = min(near, key=lambda f: abs(f - true))
            matched[true] = best
            used.add(best)
    return matched


def delay(detect, series: Series, true: int) -> int:
    """The fewest runs after ``true`` the detector needs before it reports the change (on the
    history up to then); binary search, as more runs only make a change plainer."""
    def seen(k: int) -> bool:
        return any(abs(f - true) <= TOLERANCE for f in detect(series, series.values[:true + k]))

    low, high = 1, len(series.values) - true
    while low < high:
        middle = (low + high) // 2
        if seen(middle):
            high = middle
        else:
            low = middle + 1
    return low


def band(series: Series, size: float) -> str:
    if series.kind == "duration":
        return "1.2x-1.5x" if size < 1.5 else ">=1.5x"
    return "5-10 pts" if size < 0.10 else ">=10 pts"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=300, help="series with changes, and as many without, per kind")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    every = [make(rng.choice((1, 2)), rng) for make in (duration_series, pass_rate_series) for _ in range(args.series)]
    every += [make(0, rng) for make in (duration_series, pass_rate_series) for _ in range(args.series)]
    started = time.perf_counter()
    # per detector: counts per (kind, band) and totals
    found_total, true_found = defaultdict(lambda: defaultdict(int)), defaultdict(lambda: defaultdict(int))
    truths, delays = defaultdict(int), defaultdict(lambda: defaultdict(list))
    false_series, no_change = defaultdict(lambda: defaultdict(int)), defaultdict(int)
    for series in every:
        if not series.changes:
            no_change[series.kind] += 1
        for true, size in zip(series.changes, series.sizes):
            truths[(series.kind, band(series, size))] += 1
        for name, detect in DETECTORS.items():
            found = detect(series, series.values)
            matched = matches(found, series.changes)
            found_total[name][series.kind] += len(found)
            true_found[name][series.kind] += len(matched)
            if not series.changes and found:
                false_series[name][series.kind] += 1
            for true, size in zip(series.changes, series.sizes):
                if true in matched:
                    true_found[name][(series.kind, band(series, size))] += 1
                    delays[name][series.kind].append(delay(detect, series, true))
    elapsed = time.perf_counter() - started
    kinds = ("duration", "pass rate")
    bands = {"duration": ("1.2x-1.5x", ">=1.5x"), "pass rate": ("5-10 pts", ">=10 pts")}
    print(f"{args.series} series with changes and {args.series} without, per kind; seed {args.seed}; "
          f"{elapsed:.1f}s")
    print(f"{'detector':<12} {'kind':<10} {'precision':>9} {'recall small':>13} {'recall big':>11} "
          f"{'delay':>6} {'false series':>12}")
    figures = {}
    for name in DETECTORS:
        for kind in (*kinds, "both"):
            of = kinds if kind == "both" else (kind,)
            found = sum(found_total[name][k] for k in of)
            right = sum(true_found[name][k] for k in of)
            small = [(k, bands[k][0]) for k in of]
            big = [(k, bands[k][1]) for k in of]
            recall_small = sum(true_found[name][b] for b in small) / max(1, sum(truths[b] for b in small))
            recall_big = sum(true_found[name][b] for b in big) / max(1, sum(truths[b] for b in big))
            waits = [d for k in of for d in delays[name][k]]
            mean_delay = sum(waits) / len(waits) if waits else float("nan")
            falses = sum(false_series[name][k] for k in of) / max(1, sum(no_change[k] for k in of))
            precision = right / found if found else 1.0
            figures[(name, kind)] = (precision, recall_big, falses)
            print(f"{name:<12} {kind:<10} {precision:9.3f} {recall_small:13.3f} {recall_big:11.3f} "
                  f"{mean_delay:6.1f} {falses:12.3f}")
    print("recall small/big: durations 1.2x-1.5x / >= 1.5x, pass rates 5-10 / >= 10 points; "
          "delay: mean runs after a change before it is reported")
    precision, recall, falses = figures[("vpt", "both")]
    print(f"precision={precision:.3f} recall={recall:.3f} false_series={falses:.3f}")


if __name__ == "__main__":
    main()
