"""Black screen: the luma of nearly every pixel at or below a threshold, as FFmpeg's
blackdetect decides it (pixel threshold 0.10 of the range, picture ratio 0.98)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..incidents import MIN_DURATIONS
from ..region import Grid, Region


@dataclass(frozen=True)
class BlackCheck:
    pixel_threshold: float = 0.10  # of the luma range: 37 of 16-235 video range, 25 of 0-255
    picture_ratio: float = 0.98  # share of the region's pixels that must be that dark
    min_duration: float = MIN_DURATIONS["black"]  # seconds a black screen lasts before it is an incident
    region: Region = field(default_factory=Region)

    def __post_init__(self) -> None:
        if not 0 <= self.pixel_threshold < 1 or not 0 < self.picture_ratio <= 1 or self.min_duration < 0:
            raise ValueError("black: pixel_threshold in [0, 1), picture_ratio in (0, 1], min_duration >= 0")

    def threshold(self, full_range: bool) -> float:
        return self.pixel_threshold * 255 if full_range else 16 + self.pixel_threshold * 219


def is_black(check: BlackCheck, grid: Grid, sample: np.ndarray, full_range: bool) -> bool:
    dark = sample <= check.threshold(full_range)
    if grid.keep is not None:
        dark &= grid.keep
    return np.count_nonzero(dark) >= check.picture_ratio * grid.count
