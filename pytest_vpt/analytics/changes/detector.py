"""Where a series changed level: binary segmentation, robust to noise and outliers.

The method, over a series in time order (a test's duration per run, a pass rate per run):

1. **Transform.** Durations are compared on a log scale (``log=True``), so a step is a ratio
   and the noise of a slow test weighs as much as that of a fast one. Values the caller marks
   as outliers' candidates (a failed attempt's duration: it may have stopped early), values
   that are not finite, and on a log scale values <= 0, are left out; indexes stay those of
   the input.
2. **Noise scale.** sigma = 1.4826 * MAD(first differences) / sqrt(2): the median absolute
   deviation of consecutive differences, which a level shift moves only once and an outlier
   twice, so neither inflates it (a series of mostly equal values, a test's passes and
   failures, falls back to their standard deviation; ``noise_floor`` is the least sigma).
3. **Outliers cut back.** Each value is kept within ``spikes`` sigmas of the median of the
   2 * ``min_size`` + 1 values around it: a lone slow run loses its pull, a step survives.
4. **Segmentation.** Binary segmentation (``ruptures.Binseg``) with a penalty scaled by the
   noise: on a log scale the robust ``"l1"`` cost (absolute deviations from a segment's
   median) with the penalty ``penalty * sigma * ln n``; on a rate scale the ``"l2"`` cost
   (squared deviations from the mean) with ``penalty * sigma**2 * ln n`` (BIC-like).
   Segments are at least ``min_size`` values long.
5. **Keep what matters.** Each break is checked against its neighbours' segments: the levels
   before and after (medians on a log scale, means on a rate scale) must differ by
   ``min_ratio`` (log) or ``min_difference`` (rate), and a two-sided Mann-Whitney U test
   (``scipy.stats.mannwhitneyu``) between the two segments must reject "same level" at
   ``alpha``. The weakest failing break is dropped and the others checked again; each break
   left is then placed again (within 2 * ``min_size``) where it best splits the values
   between its neighbours, and checked again, until the breaks stay put.

The defaults (:data:`DURATIONS`, :data:`RATES`) were tuned on synthetic series of another
seed than the one ``benchmarks/changes.py`` reports (lognormal noise, outliers, a weekly
cycle). The levels a change reports are those of the values as given (not cut back).
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


_LARGEST = 1e15


def find_changes(values: Sequence[float], settings: ChangeSettings = DURATIONS,
                 outliers: Sequence[bool] | None = None) -> list[LevelChange]:
    """The changes of level in ``values`` (oldest first), in order; ``outliers`` marks values
    to leave out (their indexes still count), as are values that are not finite or beyond
    +-1e15 (no duration or rate is: what the wire format accepts)."""
    import numpy as np

    kept = [i for i, value in enumerate(values)
            if math.isfinite(value) and abs(value) <= _LARGEST and (value > 0 or not settings.log)
            and not (outliers and outliers[i])]
    if len(kept) < 2 * settings.min_size:
        return []
    raw = np.asarray([values[i] for i in kept], dtype=float)
    series = np.log(raw) if settings.log else raw
    sigma = max(noise_scale(series), settings.noise_floor)
    series = _despiked(series, sigma, settings)
    breaks = _segment(series, sigma, settings)
    for _ in range(3):  # until the breaks left stay where they are
        placed = _refined(series, breaks, settings)
        breaks = _significant(series, placed, settings)
        if breaks == placed:
            break
    bounds = [0, *breaks, len(series)]
    changes = []
    for start, at, end in zip(bounds, bounds[1:], bounds[2:]):
        before, after = _level(raw[start:at], settings), _level(raw[at:end], settings)
        changes.append(LevelChange(kept[at], before, after, after / before if before else None,
                                   _p_value(series[start:at], series[at:end])))
    return changes


def _cost(settings: ChangeSettings):
    """The segmentation's cost (to fit on the series as a column): ruptures' "l1" (log scale),
    or "l2" (rate scale) from running sums (ruptures' CostL2, without a variance per segment)."""
    import numpy as np
    import ruptures

    if settings.log:
        return ruptures.costs.CostL1()

    class RunningL2(ruptures.base.BaseCost):
        model, min_size = "l2", 1

        def fit(self, signal):
            self.signal = signal
            with np.errstate(over="ignore", invalid="ignore"):  # a value near the float's limit: an infinite cost
                self.sums = np.concatenate([[0.0], np.cumsum(signal[:, 0])]).tolist()
                self.squares = np.concatenate([[0.0], np.cumsum(np.square(signal[:, 0]))]).tolist()
            return self

        def error(self, start: int, end: int) -> float:
            total = self.sums[end] - self.sums[start]
            return self.squares[end] - self.squares[start] - total * total / (end - start)

    return RunningL2()


def _segment(series, sigma: float, settings: ChangeSettings) -> list[int]:
    import ruptures

    # sigma * sigma, not sigma ** 2: a noise near the float's limit makes the penalty infinite
    # (no break is worth it) rather than an OverflowError
    pen = settings.penalty * (sigma if settings.log else sigma * sigma) * math.log(len(series))
    if not math.isfinite(pen):
        return []
    algo = ruptures.Binseg(custom_cost=_cost(settings), min_size=settings.min_size, jump=1)
    return algo.fit(series.reshape(-1, 1)).predict(pen=pen)[:-1]  # the last "break" is the series' end


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
    """Each break moved (by up to twice the least segment) to where it best splits the values
    between its neighbours: binary segmentation placed it before its neighbours were found."""
    cost = _cost(settings).fit(series.reshape(-1, 1))
    reach = 2 * settings.min_size
    breaks = sorted(breaks)
    for _ in range(2):
        for k, at in enumerate(breaks):
            start = breaks[k - 1] if k else 0
            end = breaks[k + 1] if k + 1 < len(breaks) else len(series)
            options = range(max(start + settings.min_size, at - reach), min(end - settings.min_size, at + reach) + 1)
            if options:
                breaks[k] = min(options, key=lambda t: (cost.error(start, t) + cost.error(t, end), abs(t - at)))
    return breaks


def _significant(series, breaks: list[int], settings: ChangeSettings) -> list[int]:
    """The breaks left when the weakest failing one is dropped until none fails."""
    breaks = sorted(breaks)
    while breaks:
        bounds = [0, *breaks, len(series)]
        worst, worst_score = None, 0.0
        for k in range(1, len(bounds) - 1):
            left, right = series[bounds[k - 1]:bounds[k]], series[bounds[k]:bounds[k + 1]]
            effect = abs(_level(right, settings) - _level(left, settings))
            least = math.log(settings.min_ratio) if settings.log else settings.min_difference
            p = _p_value(left, right)
            if effect < least or p > settings.alpha:
                score = min(effect / least if least else 1.0, 1.0) - (p if p > settings.alpha else 0.0)
                if worst is None or score < worst_score:
                    worst, worst_score = k - 1, score
        if worst is None:
            return breaks
        del breaks[worst]
    return []


def _level(values, settings: ChangeSettings) -> float:
    """A segment's level: its median (log scale), its mean (rate scale)."""
    import numpy as np

    return float(np.median(values) if settings.log else np.mean(values))


def _p_value(left, right) -> float:
    from scipy.stats import mannwhitneyu

    if min(len(left), len(right)) == 0 or ((left == left[0]).all() and (right == left[0]).all()):
        return 1.0  # nothing to tell apart
    return float(mannwhitneyu(left, right, alternative="two-sided").pvalue)
