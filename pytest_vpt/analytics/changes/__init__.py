"""Change points: where a series (a test's duration per run, a pass rate per run) changed
level, found by :func:`find_changes` (robust binary segmentation, see ``detector``), and the
naive moving-mean detector the benchmark compares it with (``baseline``)."""

from .baseline import moving_mean_changes
from .detector import DURATIONS, RATES, ChangeSettings, LevelChange, find_changes, noise_scale

__all__ = ["DURATIONS", "RATES", "ChangeSettings", "LevelChange", "find_changes", "moving_mean_changes",
           "noise_scale"]
