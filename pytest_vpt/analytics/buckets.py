"""Durations in buckets 5 % wide: counts that add up across hours and days, and percentiles
read from them within 2.5 %."""

from __future__ import annotations

import math
from collections.abc import Mapping

_LOG_STEP = math.log(1.05)
_SHORTEST = 1e-6  # seconds; shorter durations (and NaN) count in the first bucket
_LONGEST = 1e8  # seconds; longer ones (and infinity) in the last


def bucket(seconds: float) -> int:
    if not seconds >= _SHORTEST:
        seconds = _SHORTEST
    return math.floor(math.log(min(seconds, _LONGEST)) / _LOG_STEP)


def middle(index: int) -> float:
    """A bucket's middle (geometric), in seconds."""
    return math.exp((index + 0.5) * _LOG_STEP)


def percentile(buckets: Mapping[int, int], share: float) -> float | None:
    """The duration below which ``share`` of the counted ones fall (a bucket's middle)."""
    total = sum(buckets.values())
    if not total:
        return None
    rank, seen = share * total, 0
    for index in sorted(buckets):
        seen += buckets[index]
        if seen >= rank:
            return middle(index)
    return middle(max(buckets))
