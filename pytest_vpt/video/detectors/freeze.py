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

from ..region import Grid, Region, largest_block_mean


@dataclass(frozen=True)
class FreezeCheck:
    noise: float = 1.0  # mean absolute difference, in luma levels, still called unchanged
    block_noise: float = 6.0  # ... and the most any block (an 8x8 grid) may differ
    min_duration: float = 1.0  # seconds a freeze lasts before it is an incident
    region: Region = field(default_factory=Region)

    def __post_init__(self) -> None:
        if self.noise < 0 or self.block_noise < self.noise or self.min_duration < 0:
            raise ValueError("freeze: 0 <= noise <= block_noise, min_duration >= 0")


Judgement = tuple[bool, float, int, tuple[float, int]]  # frozen, time, index, since (the frozen picture's first frame)


class FreezeState:
    """The reference frame of one source, and whether each new frame still shows it.

    A frame that moves the picture only a little (up to three times the noise) waits for
    the next one: if the picture then stays as it is, the little move was the encoder coding
    the still picture again (at a keyframe, say) and the freeze goes on; otherwise it was a
    change."""

    def __init__(self, check: FreezeCheck, grid: Grid) -> None:
        self.check, self.grid = check, grid
        self.reference: np.ndarray | None = None
        self.since: tuple[float, int] = (0.0, 0)  # time and index of the reference frame
        self.pending: tuple[np.ndarray, float, int] | None = None
        self._mask = None if grid.keep is None else grid.keep.astype(np.uint8)

    def judge(self, sample: np.ndarray, black: bool, time: float, index: int) -> list[Judgement]:
        """The frames judged by this one: usually itself; a frame waiting for this one first."""
        judged: list[Judgement] = []
        if self.pending is not None:
            waiting, at, number = self.pending
            self.pending = None
            if not black and self._mean(sample, waiting) <= self.check.noise / 4:
                np.copyto(self.reference, waiting)  # the same picture, coded again: still frozen
                judged.append((True, at, number, self.since))
            else:
                self._replace(waiting, at, number)
                judged.append((False, at, number, self.since))
        if self.reference is None or black:
            self._replace(sample, time, index)
            return [*judged, (False, time, index, self.since)]
        mean = self._mean(sample, self.reference)
        if mean <= 3 * self.check.noise and self._still(sample, mean):
            if mean <= self.check.noise:
                return [*judged, (True, time, index, self.since)]
            self.pending = (sample.copy(), time, index)
            return judged
        self._replace(sample, time, index)
        return [*judged, (False, time, index, self.since)]

    def finish(self) -> list[Judgement]:
        """The frame still waiting when the source ended: it showed the picture, nearly."""
        if self.pending is None:
            return []
        _, at, number = self.pending
        self.pending = None
        return [(True, at, number, self.since)]

    def _mean(self, a: np.ndarray, b: np.ndarray) -> float:
        return cv2.mean(cv2.absdiff(a, b), self._mask)[0]

    def _still(self, sample: np.ndarray, mean: float) -> bool:
        """No block moved more than the block noise, and the change is not a fade."""
        diff = cv2.absdiff(sample, self.reference)
        if self._mask is not None:
            diff *= self._mask
        if largest_block_mean(diff) > self.check.block_noise:
            return False
        if mean > self.check.noise / 4:
            # a change of the same sign nearly everywhere is a change of brightness (a fade)
            brighter = cv2.mean(cv2.subtract(sample, self.reference), self._mask)[0]
            darker = cv2.mean(cv2.subtract(self.reference, sample), self._mask)[0]
            return brighter < mean * 0.8 and darker < mean * 0.8
        return True

    def _replace(self, sample: np.ndarray, time: float, index: int) -> None:
        if self.reference is None or self.reference.shape != sample.shape:
            self.reference = sample.copy()
        else:
            np.copyto(self.reference, sample)
        self.since = (time, index)
