"""Flaky-test detection quality on labelled synthetic histories.

Each history is one test's runs on one branch: commits in order, each tested by one to three
runs (a CI build, a re-run, a nightly). Classes: stable; flaky with failure probability p per
attempt (1, 5, 20, 50 %); order-dependent (fails, on every attempt of a run, when a given
neighbour ran first: probability p); broken at a commit (passes before, fails on every
attempt after); fixed at a commit (the reverse); and, for information, a hotfix: broken at
a commit and fixed one to three commits later, which no detector can tell from flakiness
when the broken commit had a single run. Each is generated without reruns and with
pytest-rerunfailures' --reruns 2, and judged after 10, 30 and 100 runs by pytest-vpt's
verdict (default settings) and by three baselines computed from the same data:
same-commit mixed outcomes (Datadog, BuildPulse), pass-on-retry (Trunk, Surefire), failure
rate >= 30 % with >= 10 runs (BuildPulse, Trunk).

Recall is also given as a fraction of the detectability bound 1-(1-p)^n-p^n: the chance that
n runs show both a pass and a fail at all. The last line is the figure for p >= 5 % at 30
runs (both rerun settings): precision, recall of the bound, and broken or fixed tests called
flaky.

    python benchmarks/flaky_quality.py [--per-class 200] [--seed 7]
"""

from __future__ import annotations

import argparse
import random
import time
from collections import defaultdict

from pytest_vpt.analytics.flakiness import FAIL, PASS, TestRun, assess

RUN_COUNTS = (10, 30, 100)
BANDS = (0.01, 0.05, 0.20, 0.50)
RERUNS = (0, 2)
HOUR = 3600.0


def commits_for(runs: int, rng: random.Random) -> list[str]:
    """The commit each run tested: new commits, some tested more than once."""
    revisions, commit = [], 0
    while len(revisions) < runs:
        commit += 1
        repeats = rng.choices((1, 2, 3), weights=(0.7, 0.2, 0.1))[0]
        revisions.extend([f"{commit:040x}"] * repeats)
    return revisions[:runs]


def attempts(fails: callable, reruns: int) -> str:
    """Attempts of one run: the first, then up to ``reruns`` more while they fail."""
    outcome = ""
    while True:
        outcome += FAIL if fails(len(outcome)) else PASS
        if outcome[-1] == PASS or len(outcome) > reruns:
            return outcome


def history(kind: str, p: float, runs: int, reruns: int, rng: random.Random) -> list[TestRun]:
    revisions = commits_for(runs, rng)
    commit_numbers = [int(r, 16) for r in revisions]
    step = 0
    if kind in ("broken", "fixed", "hotfix"):  # at least one run on each side of the step
        step = rng.randint(commit_numbers[0] + 1, commit_numbers[-1])
    fix = step + rng.randint(1, 3)
    out = []
    for index, revision in enumerate(revisions):
        number = commit_numbers[index]
        if kind == "stable":
            result = attempts(lambda _: False, reruns)
        elif kind == "flaky":
            result = attempts(lambda _: rng.random() < p, reruns)
        elif kind == "order":
            polluted = rng.random() < p  # the neighbour ran first: every attempt fails
            result = attempts(lambda _: polluted, reruns)
        elif kind == "broken":
            result = attempts(lambda _: number >= step, reruns)
        elif kind == "hotfix":
            result = attempts(lambda _: step <= number < fix, reruns)
        else:  # fixed
            result = attempts(lambda _: number < step, reruns)
        out.append(TestRun(f"run-{index:04d}", 1.7e9 + index * HOUR, result, revision, None, "main"))
    return out


def same_commit(runs: list[TestRun]) -> bool:
    seen: dict[str, set] = defaultdict(set)
    for run in runs:
        seen[run.revision].update(run.attempts)
    return any(len(outcomes) == 2 for outcomes in seen.values())


def pass_on_retry(runs: list[TestRun]) -> bool:
    return any(run.passed_on_retry for run in runs)


def failure_rate(runs: list[TestRun]) -> bool:
    return len(runs) >= 10 and sum(run.failed for run in runs) / len(runs) >= 0.30


DETECTORS = {
    "vpt": lambda runs: assess(runs).status == "flaky",
    "same-commit": same_commit,
    "retry": pass_on_retry,
    "rate>=30%": failure_rate,
}


def bound(p: float, n: int) -> float:
    return 1 - (1 - p) ** n - p ** n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-class", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    classes = [("stable", 0.0), *[("flaky", p) for p in BANDS], *[("order", p) for p in BANDS[1:]],
               ("broken", 0.0), ("fixed", 0.0), ("hotfix", 0.0)]
    # flagged[(n, reruns, kind, p)][detector] = count; also the summed bound per cell
    flagged: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    started = time.perf_counter()
    for n in RUN_COUNTS:
        for reruns in RERUNS:
            for kind, p in classes:
                for _ in range(args.per_class):
                    runs = history(kind, p, n, reruns, rng)
                    for name, detect in DETECTORS.items():
                        flagged[(n, reruns, kind, p)][name] += bool(detect(runs))
    elapsed = time.perf_counter() - started
    names = list(DETECTORS)
    per = args.per_class
    print(f"{per} histories per class and setting; {elapsed:.1f}s")
    print("recall of each detector (and recall / detectability bound) per class")
    header = f"{'runs':>4} {'reruns':>6} {'class':<8} {'p':>5} {'bound':>6}  " + "  ".join(f"{n:>16}" for n in names)
    print(header)
    for n in RUN_COUNTS:
        for reruns in RERUNS:
            for kind, p in classes:
                counts = flagged[(n, reruns, kind, p)]
                b = bound(p, n) if kind in ("flaky", "order") else None
                cells = []
                for name in names:
                    recall = counts[name] / per
                    cells.append(f"{recall:6.3f}" + (f" ({recall / b:6.3f})" if b else " " * 9))
                print(f"{n:>4} {reruns:>6} {kind:<8} {p:>5.0%} {'' if b is None else f'{b:6.3f}':>6}  "
                      + "  ".join(f"{c:>16}" for c in cells))
    print("precision of each detector, p >= 5 % (flaky and order-dependent) against stable, broken and fixed")
    print(f"{'runs':>4} {'reruns':>6}  " + "  ".join(f"{n:>11}" for n in names))
    for n in RUN_COUNTS:
        for reruns in RERUNS:
            cells = []
            for name in names:
                tp = sum(flagged[(n, reruns, k, p)][name] for k, p in classes if k in ("flaky", "order") and p >= 0.05)
                fp = sum(flagged[(n, reruns, k, p)][name] for k, p in classes if k in ("stable", "broken", "fixed"))
                cells.append(f"{tp / (tp + fp) if tp + fp else 0:11.3f}")
            print(f"{n:>4} {reruns:>6}  " + "  ".join(cells))
    print("broken or fixed tests called flaky:",
          ", ".join(f"{name} {sum(flagged[(n, r, k, 0.0)][name] for n in RUN_COUNTS for r in RERUNS for k in ('broken', 'fixed'))}"
                    for name in names))
    n = 30
    tp = fp = 0
    expected = 0.0
    for reruns in RERUNS:
        for kind, p in classes:
            count = flagged[(n, reruns, kind, p)]["vpt"]
            if kind in ("flaky", "order") and p >= 0.05:
                tp += count
                expected += bound(p, n) * per
            elif kind in ("stable", "broken", "fixed"):
                fp += count
    wrong = sum(flagged[(n, r, k, 0.0)]["vpt"] for r in RERUNS for k in ("broken", "fixed"))
    print(f"precision={tp / (tp + fp) if tp + fp else 0:.3f} recall_of_bound={tp / expected:.3f} "
          f"broken_or_fixed_as_flaky={wrong}")


if __name__ == "__main__":
    main()
