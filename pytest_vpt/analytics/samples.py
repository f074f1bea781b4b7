"""Figures of a series of samples (a metric's values): one formula for ``vpt metrics``, the
service's metrics endpoint and the history API."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any


def nearest_rank(ordered: Sequence[float], share: float) -> float:
    """The nearest-rank percentile of sorted values: the smallest one with ``share`` of them at or below it."""
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def figures(values: Sequence[float]) -> dict[str, Any]:
    """Count, mean, p50, p95 (nearest rank), min and max of at least one value."""
    ordered = sorted(values)
    return {"count": len(values), "mean": math.fsum(values) / len(values), "p50": nearest_rank(ordered, 0.5),
            "p95": nearest_rank(ordered, 0.95), "min": ordered[0], "max": ordered[-1]}
