"""Frame drops: gaps in presentation times against the nominal frame interval, and frames
repeated (the same picture as the one before, within a small tolerance) outside freezes."""

from __future__ import annotations

import statistics
from dataclasses import dataclass

import cv2
import numpy as np

from ..region import largest_block_mean


@dataclass
class DropsReport:
    dropped: int  # frames missing from the presentation times
    duplicated: int  # frames repeating the previous one, outside freezes
    gaps: list[tuple[float, int]]  # (time after the gap, frames missing there)
    interval: float | None  # the nominal frame interval, seconds
    rate_per_minute: float  # (dropped + duplicated) per minute of video


class DropCounter:
    def __init__(self, nominal_fps: float | None, tolerance: float = 0.5) -> None:
        self.interval = 1.0 / nominal_fps if nominal_fps else None
        self.tolerance = tolerance  # mean absolute difference, in luma levels, of a repeated frame
        self.times: list[float] = []
        self.gaps: list[tuple[float, int]] = []
        self.repeats: list[int] = []  # indexes of frames repeating the one before
        self._previous: np.ndarray | None = None

    def feed(self, time: float, index: int, sample: np.ndarray | None) -> None:
        if self.times and self.interval:
            gap = time - self.times[-1]
            if gap > 1.5 * self.interval:
                self.gaps.append((time, round(gap / self.interval) - 1))
        self.times.append(time)
        if sample is None:
            return
        previous = self._previous
        if previous is not None and previous.shape == sample.shape:
            diff = cv2.absdiff(previous, sample)
            if cv2.mean(diff)[0] <= self.tolerance and largest_block_mean(diff) <= 4 * self.tolerance:  # nothing moved
                self.repeats.append(index)
            np.copyto(previous, sample)
        else:
            self._previous = sample.copy()

    def report(self, duration: float, frozen: list[tuple[int, int | None]]) -> DropsReport:
        """The account; repeats inside ``frozen`` (frame ranges of freezes) are the freeze's."""
        interval = self.interval
        if interval is None and len(self.times) > 2:
            interval = statistics.median(b - a for a, b in zip(self.times, self.times[1:])) or None
        duplicated = sum(1 for index in self.repeats
                         if not any(first <= index and (end is None or index < end) for first, end in frozen))
        dropped = sum(missing for _, missing in self.gaps)
        minutes = duration / 60 if duration > 0 else 0
        rate = (dropped + duplicated) / minutes if minutes else 0.0
        return DropsReport(dropped, duplicated, self.gaps, interval, rate)
