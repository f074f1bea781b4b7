"""Where a series changed level: binary segmentation, robust to noise and outliers.

The method, in four steps, over a series in time order (a test's duration per run, a
project's pass rate per run):

1. **Transform.** Durations are compared on a log scale (``log=True``), so a step is a ratio
   and the noise of a slow test weighs as much as that of a fast one. Values the caller marks
   as outliers' candidates (a failed attempt's duration: it may have stopped early), values
   that are not finite, and on a log scale values <= 0, are left out; indexes stay those of
   the input.
2. **Noise scale.** sigma = 1.4826 * MAD(first differences) / sqrt(2): the median absolute
   deviation of consecutive differences, which a level shift moves only once and an outlier
   twice, so neither inflates it (a floor, ``noise_floor``, keeps a flat series from making
   every wiggle a change).
3. **Segmentation.** Binary segmentation (``ruptures.Binseg``) with a cost and a penalty
   scaled by that noise: on a log scale the robust ``"l1"`` cost (absolute deviations from a
   segment's median: an outlier costs its distance, not its square) with the penalty
   ``penalty * sigma * ln n``; on a rate scale (pass rates, bounded) the ``"l2"`` cost with
   ``penalty * sigma**2 * ln n`` (BIC-like). Segments are at least ``min_size`` long.
4. **Keep what matters.** Each candidate break is checked against its neighbours' segments:
   the levels before and after (medians on a log scale, means on a rate scale) must differ
   by ``min_ratio`` (log) or ``min_difference`` (rate), and the two segments must differ by
   a two-sided Mann-Whitney U test (``scipy.stats.mannwhitneyu``) at ``alpha``. The weakest
   break failing either is dropped and its neighbours tested again, until every break left
   passes.

numpy, SciPy and ruptures are imported when a series is examined (the ``analytics`` extra).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class ChangeSettings:
    """How :func:`find_changes` reads a series (see the module's docstring)."""

    log: bool = True  # compare on a log scale (durations) or as they are (rates)
    min_ratio: float = 1.25  # log scale: the least after/before (or before/after) reported
    min_difference: float = 0.05  # rate scale: the least |after - before| reported
    alpha: float = 0.0001  # the Mann-Whitney U test's level between the segments of a break
    penalty: float = 1.5  # the segmentation's penalty, in units of the noise (see above)
    min_size: int = 5  # the shortest segment (values) a break may leave
    noise_floor: float = 0.01  # the least noise scale assumed (log units or rate points)
    spikes: float = 4.0  # values beyond this many noise scales of their running median are cut back


#: durations: log scale, robust cost; rates (pass rates, 0 to 1): as they are, mean levels
DURATIONS = ChangeSettings()
RATES = ChangeSettings(log=False)


@dataclass(frozen=True)
class LevelChange:
    """The series' level changed at ``index`` (the first value of the new level)."""

    index: int
    before: float  # the level of the segment before (median; mean on a rate scale)
    after: float  # the level of the segment from ``index`` on
    ratio: float | None  # after / before (None when before is 0)
    p_value: float  # Mann-Whitney U, the two segments


def noise_scale(values: Sequence[float]) -> float:
    """The robust noise scale of a series: 1.4826 * MAD of its first differences / sqrt(2)."""
    import numpy as np

    diffs = np.diff(np.asarray(values, dtype=float))
    if diffs.size == 0:
        return 0.0
    mad = float(1.4826 * np.median(np.abs(diffs - np.median(diffs))))
    return (mad if mad > 0 else float(np.std(diffs))) / math.sqrt(2)


def find_changes(values: Sequence[float], settings: ChangeSettings = DURATIONS,
                 outliers: Sequence[bool] | None = None) -> list[LevelChange]:
    """The changes of level in ``values`` (oldest first), in order; ``outliers`` marks values
    to leave out (their indexes still count)."""
    import numpy as np

    kept = [i for i, value in enumerate(values)
            if math.isfinite(value) and (value > 0 or not settings.log) and not (outliers and outliers[i])]
    if len(kept) < 2 * settings.min_size:
        return []
    raw = np.asarray([values[i] for i in kept], dtype=float)
    series = np.log(raw) if settings.log else raw
    sigma = max(noise_scale(series), settings.noise_floor)
    series = _despiked(series, sigma, settings)
    breaks = _refined(series, _segment(series, sigma, settings), settings)
    found = _significant(series, breaks, settings)
    changes = []
    for start, at, end in found:
        before, after = _level(raw[start:at], settings), _level(raw[at:end], settings)
        changes.append(LevelChange(kept[at], before, after, after / before if before else None,
                                   _p_value(series[start:at], series[at:end])))
    return changes


def _segment(series, sigma: float, settings: ChangeSettings) -> list[int]:
    import ruptures

    n = len(series)
    if settings.log:
        model, pen = "l1", settings.penalty * sigma * math.log(n)
    else:
        model, pen = "l2", settings.penalty * sigma ** 2 * math.log(n)
    algo = ruptures.Binseg(model=model, min_size=settings.min_size, jump=1).fit(series.reshape(-1, 1))
    return algo.predict(pen=pen)[:-1]  # the last "break" is the series' end


def _despiked(series, sigma: float, settings: ChangeSettings):
    """The series with each value kept within ``spikes`` noise scales of its running median
    (over 2 * min_size + 1 values: a step survives it, a lone outlier does not)."""
    import numpy as np
    from numpy.lib.stride_tricks import sliding_window_view

    half = settings.min_size
    padded = np.pad(series, half, mode="edge")
    running = np.median(sliding_window_view(padded, 2 * half + 1), axis=1)
    reach = settings.spikes * sigma
    return np.clip(series, running - reach, running + reach)


def _refined(series, breaks: list[int], settings: ChangeSettings) -> list[int]:
    """Each break moved to where it best splits the values between its neighbours (binary
    segmentation placed it before its neighbours were found)."""
    import ruptures

    cost = ruptures.costs.cost_factory("l1" if settings.log else "l2").fit(series.reshape(-1, 1))
    breaks = sorted(breaks)
    for _ in range(2):
        for k, at in enumerate(breaks):
            start = breaks[k - 1] if k else 0
            end = breaks[k + 1] if k + 1 < len(breaks) else len(series)
            options = range(start + settings.min_size, end - settings.min_size + 1)
            if options:
                breaks[k] = min(options, key=lambda t: (cost.error(start, t) + cost.error(t, end), abs(t - at)))
    return breaks


def _significant(series, breaks: list[int], settings: ChangeSettings) -> list[tuple[int, int, int]]:
    """The breaks left when the weakest failing one is dropped until none fails, each as
    (its segment's start, the break, the next segment's end)."""
    breaks = sorted(breaks)
    while breaks:
        bounds = [0, *breaks, len(series)]
        worst, worst_score = None, 0.0
        for k in range(1, len(bounds) - 1):
            left, right = series[bounds[k - 1]:bounds[k]], series[bounds[k]:bounds[k + 1]]
            effect = abs(_center(right, settings) - _center(left, settings))
            least = math.log(settings.min_ratio) if settings.log else settings.min_difference
            p = _p_value(left, right)
            if effect < least or p > settings.alpha:
                score = min(effect / least if least else 1.0, 1.0) - (p if p > settings.alpha else 0.0)
                if worst is None or score < worst_score:
                    worst, worst_score = k - 1, score
        if worst is None:
            return [(bounds[k - 1], bounds[k], bounds[k + 1]) for k in range(1, len(bounds) - 1)]
        del breaks[worst]
    return []


def _center(segment, settings: ChangeSettings) -> float:
    import numpy as np

    return float(np.median(segment) if settings.log else np.mean(segment))


def _level(raw, settings: ChangeSettings) -> float:
    import numpy as np

    return float(np.median(raw) if settings.log else np.mean(raw))


def _p_value(left, right) -> float:
    from scipy.stats import mannwhitneyu

    if min(len(left), len(right)) == 0 or ((left == left[0]).all() and (right == left[0]).all()):
        return 1.0  # nothing to tell apart
    return float(mannwhitneyu(left, right, alternative="two-sided").pvalue)
