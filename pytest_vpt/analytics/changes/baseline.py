"""The naive detector the benchmark compares with: a moving mean crossing a band.

The mean of the last ``window`` values is compared with the level before: when it leaves
``level * (1 +- band)``, a change is reported at the window's middle (where, for a step, the
mean is about half-way), and the new level is the mean of the next ``window`` values, from
which the watch goes on. The first level is the mean of the first ``window`` values.
"""

from __future__ import annotations

from collections.abc import Sequence


def moving_mean_changes(values: Sequence[float], window: int = 7, band: float = 0.2) -> list[int]:
    """The indexes where the moving mean of ``values`` crossed +-``band`` of the level before."""
    found: list[int] = []
    if len(values) < 2 * window:
        return found
    level = sum(values[:window]) / window
    t = 2 * window - 1
    while t < len(values):
        mean = sum(values[t - window + 1:t + 1]) / window
        if level and abs(mean / level - 1) > band:
            at = t - window // 2
            found.append(at)
            settled = values[at:at + window]
            level = sum(settled) / len(settled)
            t = at + 2 * window - 1
        else:
            t += 1
    return found
