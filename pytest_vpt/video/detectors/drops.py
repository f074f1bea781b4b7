"""Frame drops: gaps in presentation times against the nominal frame interval, and frames
repeated (the same picture as the one before, within a small tolerance) outside freezes.

Each gap is an incident (``frame_drop``) as soon as the frame after it arrives: from the time
the first missing frame was due to that frame's, ``start_frame`` the number the first missing
frame would have had (the frames before it counted), ``end_frame`` that number plus the frames
missing (the frame shown after the gap, had none been missing)."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from ..incidents import Incident, severity
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
        self.incidents: list[Incident] = []  # one per gap
        self.on_incident: Callable[[Incident], Any] | None = None  # called with each as it is found
        self._previous: np.ndarray | None = None

    def feed(self, time: float, index: int, sample: np.ndarray | None) -> None:
        if self.times and self.interval:
            gap = time - self.times[-1]
            if gap > 1.5 * self.interval:
                self.gaps.append((time, round(gap / self.interval) - 1))
                self._dropped(time, index, self.gaps[-1][1])
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

    def _dropped(self, time: float, index: int, missing: int) -> None:
        due = self.times[-1] + self.interval  # when the first missing frame was due
        incident = Incident("frame_drop", due, index, time, index + missing, time - due, severity(time - due),
                            missing_frames=missing)
        self.incidents.append(incident)
        if self.on_incident is not None:
            self.on_incident(incident)

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
