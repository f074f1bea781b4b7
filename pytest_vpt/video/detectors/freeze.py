"""Freeze: the picture no longer changes. Each frame is compared with a reference frame
that is replaced only when the picture changes, so a slow drift adds up and is caught; a
frame is frozen when its mean absolute difference from the reference is within the noise
AND no block of the frame changed more than ``block_noise`` (slow motion in one part of the
picture, a ticker over a still image, are not a freeze), and the difference is not a
uniform shift of brightness (a slow fade is not a freeze). Black frames are never frozen:
a black screen is reported as black only."""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from ..region import Grid, Region


@dataclass(frozen=True)
class FreezeCheck:
    noise: float = 1.0  # mean absolute difference, in luma levels, still called unchanged
    block_noise: float = 6.0  # ... and the most any block (an 8x8 grid) may differ
    min_duration: float = 1.0  # seconds a freeze lasts before it is an incident
    region: Region = field(default_factory=Region)

    def __post_init__(self) -> None:
        if self.noise < 0 or self.block_noise < self.noise or self.min_duration < 0:
            raise ValueError("freeze: 0 <= noise <= block_noise, min_duration >= 0")


class FreezeState:
    """The reference frame of one source, and whether each new frame still shows it."""

    def __init__(self, check: FreezeCheck, grid: Grid) -> None:
        self.check, self.grid = check, grid
        self.reference: np.ndarray | None = None
        self.since: tuple[float, int] = (0.0, 0)  # time and index of the reference frame
        self._mask = None if grid.keep is None else grid.keep.astype(np.uint8)

    def frozen(self, sample: np.ndarray, black: bool, time: float, index: int) -> bool:
        if self.reference is None or black:
            self._replace(sample, time, index)
            return False
        diff = cv2.absdiff(sample, self.reference)
        if self._mask is not None:
            diff *= self._mask
        mean = cv2.mean(diff, self._mask)[0]
        still = mean <= self.check.noise
        if still:
            blocks = cv2.resize(diff, (8, 8), interpolation=cv2.INTER_AREA)
            still = float(blocks.max()) <= self.check.block_noise
        if still and mean > self.check.noise / 4:
            # a change of the same sign nearly everywhere is a change of brightness (a fade)
            shift = cv2.mean(cv2.subtract(sample, self.reference), self._mask)[0]
            still = shift < mean * 0.8 and cv2.mean(cv2.subtract(self.reference, sample), self._mask)[0] < mean * 0.8
        if not still:
            self._replace(sample, time, index)
        return still

    def _replace(self, sample: np.ndarray, time: float, index: int) -> None:
        if self.reference is None or self.reference.shape != sample.shape:
            self.reference = sample.copy()
        else:
            np.copyto(self.reference, sample)
        self.since = (time, index)
