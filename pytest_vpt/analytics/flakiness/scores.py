"""Two published flakiness scores, computed exactly.

- :func:`flip_rate`: Apple's flip rate (Kowalczyk et al., ICSE-SEIP 2020) with exponential
  decay: each pass<->fail change between consecutive attempts counts 1, the newest weighs most.
- :func:`pfs_score`: Meta's probabilistic flakiness score as Allure 3 publishes it. Each run is
  either in a good state, where attempts fail independently with probability p, or in a bad
  state (probability q), where every attempt fails. Priors p ~ Beta(1, 19), q ~ Beta(1, 1);
  the score is the posterior mean of p. The likelihood is a polynomial in p and q, so the
  posterior integrates in closed form: sums of Beta functions of integers, i.e. fractions.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from fractions import Fraction
from functools import lru_cache
from itertools import product
from math import comb

PASS, FAIL = "P", "F"
PFS_PRIOR = (1, 19)  # p ~ Beta(1, 19): a flaky test fails 5 % of the time, a priori


def flip_rate(outcomes: Sequence[str], decay: float = 0.1) -> float:
    """Decayed share of pass<->fail changes between consecutive outcomes ("P"/"F"), oldest
    first: Z_n = f_n + (1 - decay) Z_(n-1), divided by the sum of the weights. 0 with fewer
    than two outcomes; ``decay=0`` gives the plain share changes / (n - 1)."""
    if not 0 <= decay < 1:
        raise ValueError(f"decay must be in [0, 1), got {decay}")
    keep = 1.0 - decay
    flips = weights = 0.0
    for previous, current in zip(outcomes, outcomes[1:]):
        flips = (previous != current) + keep * flips
        weights = 1.0 + keep * weights
    return flips / weights if weights else 0.0


@lru_cache(maxsize=4096)
def _beta(a: int, b: int) -> Fraction:
    """B(a, b) for positive integers: (a-1)! (b-1)! / (a+b-1)!."""
    return Fraction(1, comb(a + b - 2, a - 1) * (a + b - 1))


def pfs_score(runs: Iterable[str]) -> float:
    """The posterior mean of the good-state failure probability, for ``runs`` given as the
    outcomes of their attempts in order ("P"/"F" per attempt, e.g. "FP" for a pass on retry).

    Runs with a pass must be in the good state; they fold into the Beta prior. Each run
    whose every attempt failed is good (all failed by chance, p^L) or bad (q); summing over
    those choices (grouped by attempt count) gives the exact posterior.
    """
    fails = passes = good = 0
    all_failed: Counter = Counter()  # attempts per all-failing run -> how many such runs
    for run in runs:
        if not run:
            continue
        if PASS in run:
            good += 1
            passes += run.count(PASS)
            fails += run.count(FAIL)
        else:
            all_failed[len(run)] += 1
    a, b = PFS_PRIOR[0] + fails, PFS_PRIOR[1] + passes
    if not all_failed:
        return a / (a + b)
    bad = sum(all_failed.values())
    lengths = sorted(all_failed.items())
    normalizer = first_moment = Fraction(0)
    # Choose how many of the all-failing runs of each length were good-state runs.
    for chosen in product(*(range(count + 1) for _, count in lengths)):
        ways = 1
        for (length, count), k in zip(lengths, chosen):
            ways *= comb(count, k)
        in_good = sum(chosen)
        extra_fails = sum(length * k for (length, _), k in zip(lengths, chosen))
        weight = ways * _beta(bad - in_good + 1, good + in_good + 1)
        normalizer += weight * _beta(a + extra_fails, b)
        first_moment += weight * _beta(a + extra_fails + 1, b)
    return float(first_moment / normalizer)
