"""Freeze: the picture no longer changes, as a viewer sees it.

The method, and why. A frozen programme that an encoder goes on coding is not a row of
identical frames: after the picture stops, the encoder refines it for a few frames, and at
every keyframe it codes the still picture again, a change spread thinly over the whole
picture. Slow but real motion (a zoom of 0.2 % a second moves edges 0.04 px a frame) changes
each frame by as little, and after a keyframe an encoder may show it standing still for a
third of a second; but its change goes on, and accumulates. So:

- Each frame is compared block by block (8 x 8 samples of the sampled grid, 16 x 16 pixels
  of a 640 x 360 frame) with the *base*: the picture as last coded. A frame is still when
  its mean absolute difference is within ``noise`` and no block differs by more than
  ``block_noise``: the change accumulated since the base. Ignored rectangles are left out of
  every mean (a block mostly ignored is not judged).
- The still frames after a picture's first frame are a *candidate* freeze, decided only when
  what ends it, or what it shows, tells. A candidate ended by *drift* (the frame beyond the
  cap differs from the frame before it by little: a whole-frame mean within a quarter of
  ``noise``, no block beyond twice ``block_noise``) was slow motion all along: none of its
  frames was frozen; but in its first ten frames (0.4 s at 25 fps) such a change only moves
  the base, as an encoder refining a picture that just stopped does. One ended *abruptly* (a
  cut, motion resumed) was a freeze, unless its base so moved and its picture never repeated
  itself (every block within a third of ``block_noise`` of the frame before) four frames in
  a row after: slow motion, caught up by an encoder at a keyframe. A candidate
  that has stayed *flat* for a second (every block within a third of ``block_noise`` of the
  frame 25 frames before) is a freeze from then on, reported while it lasts: slow motion
  changes blocks at its edges by several levels in that time (a 0.2 %/s zoom of a
  photograph: about 3-10 levels in a second, 2-6 in 0.4 s, while the whole-frame mean moves
  by about 1), a held picture does not once the encoder has refined it. A candidate's frames
  are judged when it is decided, its start its first frame.
- A frame that changed abruptly but stays within ``recode_noise`` of the *held* picture (the
  freeze's first frame) in every block and within half of it on the whole (a grainy picture
  coded again moves by 3 levels), two or more frames into the freeze, may be the picture
  coded again: it waits for the next four frames. If they repeat it (every block within a
  third of ``block_noise`` of the frame before), it was: the base moves to it and the freeze
  goes on, unsplit. If they change on slowly, the candidate was slow motion; otherwise the
  freeze ended there, at the frame the next rule finds. (A freeze starting the frame before
  a keyframe is found from the keyframe: a live frame of grain followed by a frozen one looks
  like a picture coded again.)
- A freeze ends at the first frame at least 60 % of the way to the change that follows (over
  the next four frames): an encoder's B-frames may blend the held picture into the next one
  (live grain coming back fades in over three frames).
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

from ..incidents import MIN_DURATIONS
from ..region import Grid, Region

BLOCK = 8  # samples a side of the blocks compared
CONFIRM = 4  # frames that must repeat a picture coded again
RECODED_AFTER = 2  # frames a freeze lasts before its picture may be coded again
YOUNG = 10  # frames (0.4 s at 25 fps) an encoder may go on refining a picture that just stopped
FLAT = 25  # frames (1 s at 25 fps) a candidate stays flat before it is a freeze
SETTLE = 4  # frames over which the change ending a freeze is followed
SETTLED = 0.6  # share of that change a frame shows when the freeze has ended
KEPT = FLAT + SETTLE + 2  # frames kept (the last ones, by their number)


@dataclass(frozen=True)
class FreezeCheck:
    noise: float = 1.0  # mean absolute difference, in luma levels, still called unchanged
    block_noise: float = 3.0  # ... and the most any block may have changed since the picture was last coded
    recode_noise: float = 8.0  # the most any block of a picture coded again may differ from the held picture
    min_duration: float = MIN_DURATIONS["freeze"]  # seconds a freeze lasts before it is an incident
    region: Region = field(default_factory=Region)

    def __post_init__(self) -> None:
        if self.noise < 0 or self.block_noise < self.noise or self.recode_noise < self.block_noise or self.min_duration < 0:
            raise ValueError("freeze: 0 <= noise <= block_noise <= recode_noise, min_duration >= 0")


Judgement = tuple[bool, float, int, tuple[float, int]]  # frozen, time, index, since (the frozen picture's first frame)
Pending = tuple[int, float, int, bool, float]  # a frame's number, time, index, black, mean difference to the base


class FreezeState:
    """The held picture of one source, its base, and whether each new frame still shows it."""

    def __init__(self, check: FreezeCheck, grid: Grid) -> None:
        self.check, self.grid = check, grid
        shape = grid.shape
        self.held = np.zeros(shape, np.uint8)  # the candidate's first frame
        self.base = np.zeros(shape, np.uint8)  # the held picture as last coded
        self.recent = np.zeros((KEPT, *shape), np.uint8)  # the last frames, frame n at n % KEPT
        self.count = 0  # frames judged
        self.started = False
        self.since: tuple[float, int] = (0.0, 0)  # time and index of the held picture's first frame
        self.length = 0  # frames of the candidate, its first one included
        self.undecided: list[tuple[float, int]] = []  # its still frames while it is not known to be a freeze
        self.confirmed = False  # known to be a freeze: its frames are judged as they come
        self.refined = False  # its base moved by a slow change early on (the encoder refining it, or slow motion)
        self.repeated = 0  # frames in a row that repeated the one before them since then (CONFIRM: enough)
        self.pending: list[Pending] = []  # frames waiting for the ones after them: a picture coded again, or an end
        self.recoding = False  # what the pending frames may be: a picture coded again (else a freeze's end)
        rows, cols = shape[0] // BLOCK * BLOCK, shape[1] // BLOCK * BLOCK
        self._crop = (slice(0, max(rows, 1)), slice(0, max(cols, 1)))
        self._mask = None if grid.keep is None else grid.keep.astype(np.uint8)
        self._blocks = (max(1, cols // BLOCK), max(1, rows // BLOCK))
        self._diff = np.zeros(shape, np.uint8)
        self._values = np.zeros(shape, np.float32)
        self._means = np.zeros(self._blocks[::-1], np.float32)
        self._judged = None  # blocks mostly kept (None: all)
        self._kept = None
        if grid.keep is not None:
            kept = cv2.resize(grid.keep.astype(np.float32)[self._crop], self._blocks, interpolation=cv2.INTER_AREA)
            self._kept, self._judged = np.maximum(kept, 1e-6), kept >= 0.25

    def judge(self, sample: np.ndarray, black: bool, time: float, index: int) -> list[Judgement]:
        """The frames judged by this one: none, itself, or frames that waited for it first."""
        number, self.count = self.count, self.count + 1
        np.copyto(self.recent[number % KEPT], sample)
        return self._next(number, black, time, index)

    def finish(self) -> list[Judgement]:
        """The source ended: frames still waiting showed the picture, nearly; an undecided
        candidate is a freeze if its last frames are flat."""
        judged: list[Judgement] = []
        while self.pending:
            judged += self._recoded_frames() if self.recoding else self._ended()
        span = min(FLAT, self.length - 1)
        last = self.count - 1
        flat = span > 0 and self._repeats(self._frame(last), self._frame(last - span))
        return [*judged, *self._decide(self.confirmed or flat)]

    # a frame's place in the candidate

    def _next(self, number: int, black: bool, time: float, index: int) -> list[Judgement]:
        if not self.pending:
            return self._judge(number, black, time, index)
        self.pending.append((number, time, index, black, self._mean_to(self._frame(number), self.base)))
        if self.recoding:
            return self._recoded()
        if black or len(self.pending) > SETTLE:
            return self._ended()
        return []

    def _judge(self, number: int, black: bool, time: float, index: int) -> list[Judgement]:
        sample = self._frame(number)
        if self.started and not black and self._still(sample, self.base, self.check.noise, self.check.block_noise):
            if self.refined and self.repeated < CONFIRM:  # four repeats in a row, once, tell
                self.repeated = self.repeated + 1 if self._repeats(sample, self._frame(number - 1)) else 0
            judged = self._continue(time, index)
            if not self.confirmed and self.length > FLAT and self._repeats(sample, self._frame(number - FLAT)):
                judged += self._decide(True)  # flat for FLAT frames: a freeze
                self.confirmed = True
            return judged
        if not self.started or self.length < 2:
            return self._hold(number, time, index)
        if black:
            return [*self._decide(self._stopped()), *self._hold(number, time, index)]
        if self._repeats(sample, self._frame(number - 1), drift=True):
            if self.length <= YOUNG and not self.confirmed:  # the encoder refining a picture that just stopped?
                np.copyto(self.base, sample)
                self.refined, self.repeated = True, self.repeated if self.repeated >= CONFIRM else 0
                return self._continue(time, index)
            return [*self._decide(self.confirmed), *self._hold(number, time, index)]  # slow motion, unless a freeze before
        held = self.check.recode_noise
        self.recoding = self.length >= RECODED_AFTER and self._still(sample, self.held, held / 2, held)
        self.pending = [(number, time, index, False, self._mean_to(sample, self.base))]
        return []

    def _continue(self, time: float, index: int) -> list[Judgement]:
        self.length += 1
        if self.confirmed:
            return [(True, time, index, self.since)]
        self.undecided.append((time, index))
        return []

    def _stopped(self) -> bool:
        """Whether a candidate ended abruptly was a freeze: unless its base moved early on, and
        its picture never repeated itself CONFIRM frames in a row after (slow motion caught up)."""
        return not self.refined or self.repeated >= CONFIRM

    def _decide(self, frozen: bool) -> list[Judgement]:
        """The undecided frames of the candidate: all frozen, or none."""
        judged = [(frozen, time, index, self.since) for time, index in self.undecided]
        self.undecided = []
        return judged

    def _hold(self, number: int, time: float, index: int) -> list[Judgement]:
        """A new picture: held and base both, a candidate of one frame."""
        np.copyto(self.held, self._frame(number))
        np.copyto(self.base, self.held)
        self.since, self.length, self.confirmed, self.started = (time, index), 1, False, True
        self.refined, self.repeated = False, 0
        return [(False, time, index, self.since)]

    def _frame(self, number: int) -> np.ndarray:
        return self.recent[number % KEPT]

    # the frames that waited

    def _recoded(self) -> list[Judgement]:
        """Pending frames that may show the held picture coded again: so if CONFIRM frames repeat it."""
        number, *_, black, _ = self.pending[-1]
        sample, before = self._frame(number), self._frame(number - 1)
        if not black and self._repeats(sample, before):
            if len(self.pending) <= CONFIRM:
                return []
            np.copyto(self.base, self._frame(self.pending[0][0]))  # the held picture, coded again: still frozen
            self.repeated = CONFIRM if self.refined else 0
            return self._recoded_frames()
        self.recoding = False
        if not black and not self.confirmed and self._repeats(sample, before, drift=True):
            return self._moving()  # caught up by an encoder, and changing on: slow motion
        # not coded again: the candidate ended, where the frames after tell
        return self._ended() if black or len(self.pending) > SETTLE else []

    def _recoded_frames(self) -> list[Judgement]:
        judged: list[Judgement] = []
        for _, time, index, _, _ in self.pending:
            judged += self._continue(time, index)
        self.pending, self.recoding = [], False
        return judged

    def _moving(self) -> list[Judgement]:
        """The candidate was slow motion: none of it frozen; the pending frames judged again."""
        judged = self._decide(False)
        (number, time, index, _, _), *rest = self.pending
        self.pending = []
        judged += self._hold(number, time, index)
        for number, time, index, black, _ in rest:
            judged += self._next(number, black, time, index)
        return judged

    def _ended(self) -> list[Judgement]:
        """The candidate ended abruptly: at the first frame showing most of the change (before any black one)."""
        lit = next((n for n, pending in enumerate(self.pending) if pending[3]), len(self.pending))
        change = max(pending[4] for pending in self.pending[:lit])
        return self._ended_at(next(n for n, pending in enumerate(self.pending) if pending[4] >= SETTLED * change))

    def _ended_at(self, at: int) -> list[Judgement]:
        """The candidate was a freeze up to pending frame ``at``, a new picture; the frames
        after it judged again from there."""
        judged: list[Judgement] = []
        for _, time, index, _, _ in self.pending[:at]:
            judged += self._continue(time, index)
        judged += self._decide(self._stopped())
        (number, time, index, _, _), *rest = self.pending[at:]
        self.pending, self.recoding = [], False
        judged += self._hold(number, time, index)
        for number, time, index, black, _ in rest:
            judged += self._next(number, black, time, index)
        return judged

    # comparisons

    def _difference(self, sample: np.ndarray, reference: np.ndarray) -> tuple[float, np.ndarray]:
        """The mean absolute difference (ignored samples left out), and the difference itself."""
        diff = cv2.absdiff(sample, reference, dst=self._diff)
        return cv2.mean(diff, self._mask)[0], diff

    def _mean_to(self, sample: np.ndarray, reference: np.ndarray) -> float:
        return self._difference(sample, reference)[0]

    def _largest(self, diff: np.ndarray) -> float:
        """The largest mean difference of a block (ignored samples left out)."""
        if self._mask is not None:
            np.multiply(diff, self._mask, out=diff)
        np.copyto(self._values, diff)
        means = cv2.resize(self._values[self._crop], self._blocks, dst=self._means, interpolation=cv2.INTER_AREA)
        if self._kept is None:
            return float(means.max())
        return float((means / self._kept)[self._judged].max(initial=0.0))

    def _repeats(self, sample: np.ndarray, reference: np.ndarray, drift: bool = False) -> bool:
        """Within a quarter of ``noise`` on the whole and a third of ``block_noise`` in every
        block (``drift``: twice ``block_noise``): the same picture, or a slow change of it."""
        mean, diff = self._difference(sample, reference)
        cap = 2 * self.check.block_noise if drift else self.check.block_noise / 3
        return mean <= self.check.noise / 4 and self._largest(diff) <= cap

    def _still(self, sample: np.ndarray, reference: np.ndarray, noise: float, block_noise: float) -> bool:
        """Within ``noise`` on the whole and ``block_noise`` in every block, and not a fade."""
        mean, diff = self._difference(sample, reference)
        if mean > noise or self._largest(diff) > block_noise:
            return False
        if mean > self.check.noise / 4:
            # a change of the same sign nearly everywhere is a change of brightness (a fade)
            brighter = cv2.mean(cv2.subtract(sample, reference), self._mask)[0]
            darker = cv2.mean(cv2.subtract(reference, sample), self._mask)[0]
            return brighter < mean * 0.8 and darker < mean * 0.8
        return True
