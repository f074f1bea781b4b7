"""Incidents: a condition (black, frozen, ...) that held for at least a minimum duration,
with its true start and end in seconds and frames; a frame drop (frames missing from the
presentation times) is one too, from the first missing frame to the next frame shown.

Severity is by duration (:func:`severity`): under 2 s minor, under 5 s major, else critical,
so the sub-second stalls the default minimum durations report (:data:`MIN_DURATIONS`) are minor."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass
class Incident:
    kind: str  # black_screen, freeze, frame_drop, stream_lost
    start: float  # seconds: the first frame it held on
    start_frame: int
    end: float | None  # seconds: the first frame it no longer held on (None: still open)
    end_frame: int | None
    duration: float  # seconds (so far, while open)
    severity: str  # minor (< 2 s), major (< 5 s), critical
    uncertainty_frames: int = 0  # frames each boundary may be off (when frames were sampled)
    thumbnail: str | None = None  # a PNG of the first frame, when asked for
    missing_frames: int | None = None  # a frame drop's frames missing (end_frame - start_frame)

    @property
    def open(self) -> bool:
        return self.end is None

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "open": self.open}

    def event_fields(self, source: str, origin: float) -> dict[str, Any]:
        """The plain arguments of :func:`pytest_vpt.events.incident_event` (besides the project)
        for this incident in ``source``; ``origin``: the wall-clock time of the source's first frame."""
        return {
            "kind": self.kind, "source": source, "start": origin + self.start, "duration": self.duration,
            "severity": self.severity, "end": None if self.end is None else origin + self.end,
            "position": self.start, "start_frame": self.start_frame, "end_frame": self.end_frame,
            "thumbnail": self.thumbnail,
        }

    def describe(self) -> str:
        if self.missing_frames is not None:
            return (f"{self.kind} at {self.start:.2f} s (frame {self.start_frame}): "
                    f"{self.missing_frames} frame{'s' * (self.missing_frames != 1)} missing, {self.duration:.2f} s")
        until = "until the end (still open)" if self.open else f"to {self.end:.2f} s (frame {self.end_frame})"
        return f"{self.kind} from {self.start:.2f} s (frame {self.start_frame}) {until}, {self.duration:.2f} s"


#: seconds a condition lasts before it is an incident, unless a check says otherwise. Short
#: enough for the sub-second stalls QoE models count (ITU-T P.1203 takes every stall's start
#: and length, however short): black from 0.2 s (5 frames at 25 fps; an editor's cut through
#: black lasts 1-4 frames), freeze from 0.3 s (8 frames at 25 fps: a repeated frame or a
#: frame-rate conversion's pulldown never lasts so long).
MIN_DURATIONS = {"black": 0.2, "freeze": 0.3}


def severity(duration: float) -> str:
    return "critical" if duration >= 5.0 - 1e-6 else "major" if duration >= 2.0 - 1e-6 else "minor"


class Runs:
    """Turns a per-frame condition into incidents: a run that lasts ``min_duration`` or more
    is one, from its first frame to the first frame without the condition."""

    def __init__(self, kind: str, min_duration: float, uncertainty: int = 0) -> None:
        self.kind, self.min_duration, self.uncertainty = kind, min_duration, uncertainty
        self.incidents: list[Incident] = []
        self.start: tuple[float, int] | None = None  # (time, frame) of the run in progress
        self.on_start: Any = None  # called with (time, frame) when a run starts (for thumbnails)
        self.on_incident: Any = None  # called with each incident as it is made
        self.thumbnail: str | None = None

    def update(self, holds: bool, time: float, index: int, start: tuple[float, int] | None = None) -> None:
        """The condition on the frame at ``time``; a run may be dated back to ``start``."""
        if holds and self.start is None:
            self.start = start or (time, index)
            self.thumbnail = self.on_start(*self.start) if self.on_start else None
        elif not holds and self.start is not None:
            self._close(time, time, index)

    def finish(self, end: float) -> None:
        """The source ended at ``end`` seconds: a run still going is an open incident."""
        if self.start is not None:
            self._close(end, None, None)

    def _close(self, until: float, end: float | None, end_frame: int | None) -> None:
        (begun, first), self.start = self.start, None
        if until - begun >= self.min_duration - 1e-6:  # 6 frames at 30 fps last 0.2 s, whatever the rounding
            self._add(Incident(self.kind, begun, first, end, end_frame, until - begun, severity(until - begun),
                               self.uncertainty, self.thumbnail))

    def _add(self, incident: Incident) -> None:
        self.incidents.append(incident)
        if self.on_incident is not None:
            self.on_incident(incident)
