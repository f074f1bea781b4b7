"""Freeze: the picture no longer changes, as a viewer sees it.

The method, and why. A frozen programme that an encoder goes on coding is not a row of
identical frames: after the picture stops, the encoder refines it for a few frames, and at
every keyframe it codes the still picture again, a change spread thinly over the whole
picture. Slow but real motion (a zoom of 0.2 % a second moves edges 0.04 px a frame) changes
each frame by as little, but its change is structured (at edges) and accumulates. So:

- Each frame is compared block by block (8 x 8 samples of the sampled grid, 16 x 16 pixels
  of a 640 x 360 frame) with the *base*: the picture as last coded. A frame is still when
  its mean absolute difference is within ``noise`` and no block differs by more than
  ``block_noise``: the change accumulated since the base, so a slow drift soon exceeds the
  cap while refinements, which converge, do not. Ignored rectangles are left out of every
  mean (a block mostly ignored is not judged).
- A frame beyond that cap but within ``recode_noise`` of the *held* picture (the freeze's
  first frame), may be the picture coded again: it waits for the next four frames. If they
  repeat it (every block within a third of ``block_noise`` of the frame before), it was: the
  base moves to it and the freeze goes on, unsplit. Slow motion, which an encoder also
  catches up at a keyframe, soon changes the picture again, so that frame starts a new
  picture instead. A re-coding never moves the base far from the held
  picture, since it is checked against that one.
- A change of the same sign nearly everywhere is a change of brightness (a fade), not still.
- Black frames are never frozen: a black screen is reported as black only.

A freeze runs, as FFmpeg's freezedetect reports it, from the first frame of the held picture
to the first frame that differs. Live grain or noise over a still photograph changes every
block every frame: a still picture on a live signal, not a freeze (a frozen source repeats
its last frame, grain and all).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from ..region import Grid, Region

BLOCK = 8  # samples a side of the blocks compared
CONFIRM = 4  # frames that must repeat a picture coded again


@dataclass(frozen=True)
class FreezeCheck:
    noise: float = 1.0  # mean absolute difference, in luma levels, still called unchanged
    block_noise: float = 3.0  # ... and the most any block may have changed since the picture was last coded
    recode_noise: float = 8.0  # the most any block of a picture coded again may differ from the held picture
    min_duration: float = 1.0  # seconds a freeze lasts before it is an incident
    region: Region = field(default_factory=Region)

    def __post_init__(self) -> None:
        if self.noise < 0 or self.block_noise < self.noise or self.recode_noise < self.block_noise or self.min_duration < 0:
            raise ValueError("freeze: 0 <= noise <= block_noise <= recode_noise, min_duration >= 0")


Judgement = tuple[bool, float, int, tuple[float, int]]  # frozen, time, index, since (the frozen picture's first frame)


class FreezeState:
    """The held picture of one source, its base, and whether each new frame still shows it."""

    def __init__(self, check: FreezeCheck, grid: Grid) -> None:
        self.check, self.grid = check, grid
        self.held: np.ndarray | None = None  # the freeze's first frame
        self.base: np.ndarray | None = None  # the held picture as last coded
        self.since: tuple[float, int] = (0.0, 0)  # time and index of the held picture's first frame
        self.pending: list[tuple[np.ndarray, float, int]] = []  # a picture coded again?, and its repeats
        rows, cols = grid.shape[0] // BLOCK * BLOCK, grid.shape[1] // BLOCK * BLOCK
        self._crop = (slice(0, max(rows, 1)), slice(0, max(cols, 1)))
        self._mask = None if grid.keep is None else grid.keep.astype(np.uint8)
        self._blocks = (max(1, cols // BLOCK), max(1, rows // BLOCK))
        self._judged = None  # blocks mostly kept (None: all)
        self._kept = None
        if grid.keep is not None:
            kept = self._block_means(grid.keep.astype(np.float32))
            self._kept, self._judged = np.maximum(kept, 1e-6), kept >= 0.25

    def judge(self, sample: np.ndarray, black: bool, time: float, index: int) -> list[Judgement]:
        """The frames judged by this one: usually itself; frames waiting for this one first."""
        judged: list[Judgement] = []
        if self.pending:
            last = self.pending[-1][0]
            diff = cv2.absdiff(sample, last)
            if not black and self._mean(diff) <= self.check.noise / 4 and self._largest(diff) <= self.check.block_noise / 3:
                self.pending.append((sample.copy(), time, index))
                if len(self.pending) <= CONFIRM:
                    return judged
                np.copyto(self.base, self.pending[0][0])  # the held picture, coded again: still frozen
                judged = [(True, at, number, self.since) for _, at, number in self.pending]
                self.pending = []
                return judged
            (first, at, number), *rest = self.pending
            self.pending = []
            self._hold(first, at, number)  # not coded again: a new picture, shown by the frames after it
            judged = [(False, at, number, self.since), *((True, t, n, self.since) for _, t, n in rest)]
        if self.held is None or black:
            self._hold(sample, time, index)
            return [*judged, (False, time, index, self.since)]
        if self._still(sample, self.base, self.check.noise, self.check.block_noise):
            return [*judged, (True, time, index, self.since)]
        if self._still(sample, self.held, 3 * self.check.noise, self.check.recode_noise):
            self.pending = [(sample.copy(), time, index)]
            return judged
        self._hold(sample, time, index)
        return [*judged, (False, time, index, self.since)]

    def finish(self) -> list[Judgement]:
        """The frames still waiting when the source ended: they showed the picture, nearly."""
        judged = [(True, at, number, self.since) for _, at, number in self.pending]
        self.pending = []
        return judged

    def _block_means(self, values: np.ndarray) -> np.ndarray:
        return cv2.resize(values[self._crop], self._blocks, interpolation=cv2.INTER_AREA)

    def _mean(self, diff: np.ndarray) -> float:
        return cv2.mean(diff, self._mask)[0]

    def _largest(self, diff: np.ndarray) -> float:
        """The largest mean difference of a block (ignored samples left out)."""
        if self._mask is not None:
            diff = diff * self._mask
        means = self._block_means(diff.astype(np.float32))
        if self._kept is None:
            return float(means.max())
        return float((means / self._kept)[self._judged].max(initial=0.0))

    def _still(self, sample: np.ndarray, reference: np.ndarray, noise: float, block_noise: float) -> bool:
        """Within ``noise`` on the whole and ``block_noise`` in every block, and not a fade."""
        diff = cv2.absdiff(sample, reference)
        mean = self._mean(diff)
        if mean > noise or self._largest(diff) > block_noise:
            return False
        if mean > self.check.noise / 4:
            # a change of the same sign nearly everywhere is a change of brightness (a fade)
            brighter = cv2.mean(cv2.subtract(sample, reference), self._mask)[0]
            darker = cv2.mean(cv2.subtract(reference, sample), self._mask)[0]
            return brighter < mean * 0.8 and darker < mean * 0.8
        return True

    def _hold(self, sample: np.ndarray, time: float, index: int) -> None:
        """A new picture: held and base both."""
        if self.held is None or self.held.shape != sample.shape:
            self.held, self.base = sample.copy(), sample.copy()
        else:
            np.copyto(self.held, sample)
            np.copyto(self.base, sample)
        self.since = (time, index)
