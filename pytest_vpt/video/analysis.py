"""``analyze(source)``: one pass over a source's frames with the chosen checks, as a report.

The quality score (0-100) of an analysis::

    impaired    = (seconds black + seconds frozen) / duration          (0..1)
    drops       = min(1, (frames dropped + duplicated) / frames x 10)  (10 % of frames: all of it)
    instability = min(1, the bitrate's coefficient of variation)       (0 when not measured)
    score = 100 x (1 - impaired) x (1 - 0.3 x drops) x (1 - 0.2 x instability)

A source that ends by itself before it should (a file cut short: its last packet cut, or
shorter than the duration its container declares) gives a report with ``ended_early`` and the
reason; one that ends without a single frame is a :class:`SourceError`.
"""

from __future__ import annotations

import time as clock
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .detectors.bitrate import BitrateMeter, BitrateReport
from .detectors.black import BlackCheck, is_black
from .detectors.drops import DropCounter, DropsReport
from .detectors.freeze import FreezeCheck, FreezeState
from .detectors.subtitles import SubtitleCheck, SubtitleTracker
from .incidents import Incident, Runs
from .region import Grid, Region
from .streams import Area
from .sources import Source, SourceError, SubtitleStream, open_source


@dataclass(frozen=True)
class DropsCheck:
    """Frame drops and repeated frames (no settings: the nominal rate comes from the source)."""


@dataclass(frozen=True)
class BitrateCheck:
    floor_kbps: float | None = None  # a second below this is a dip (None: half the mean)


CHECKS = {"black": BlackCheck, "freeze": FreezeCheck, "drops": DropsCheck, "bitrate": BitrateCheck,
          "subtitles": SubtitleCheck}
DEFAULT_CHECKS = ("black", "freeze", "drops", "bitrate")
IMPAIRING = ("black_screen", "freeze")  # the incidents whose seconds the quality score counts (drops: by frames)


@dataclass
class SubtitlesReport:
    intervals: list[tuple[float, float | None]]  # (start, end) seconds a line of text was shown (end None: at the end)
    share: float  # of the time analysed
    texts: list[str] = field(default_factory=list)  # with ocr: each interval's first text; a stream's: each cue's
    origin: str = "pixels"  # "pixels" (seen in the picture) or "stream" (the container's subtitle stream)
    language: str | None = None  # the stream's language as its container says (ISO 639-2; an HLS playlist: BCP 47)
    codec: str | None = None  # the stream's codec: mov_text, subrip, ass, webvtt, ...
    streams: list[SubtitleStream] = field(default_factory=list)  # every subtitle stream of the container
    warnings: list[str] = field(default_factory=list)  # what could not be read of them (an HLS segment missing)


@dataclass
class VideoReport:
    source: str
    duration: float  # seconds analysed
    frames: int  # frames decoded
    analysed: int  # frames the picture checks looked at (every sample_every-th)
    fps: float | None
    width: int
    height: int
    incidents: list[Incident]
    drops: DropsReport | None
    bitrate: BitrateReport | None
    subtitles: SubtitlesReport | None
    quality_score: float
    elapsed: float  # seconds the analysis took
    checks: list[str] = field(default_factory=list)
    expected_seconds: float | None = None  # the duration the container declares (None: not declared)
    ended_early: bool = False  # the source ended before its end: cut short, or shorter than declared
    ended_because: str | None = None  # why, when it ended early

    def shortfall(self) -> str | None:
        """How much was analysed of a source that ended early, and why (None: it did not)."""
        if not self.ended_early:
            return None
        expected = f" of {self.expected_seconds:.1f} s" if self.expected_seconds else ""
        return f"ended early: {self.duration:.1f} s{expected} analysed ({self.ended_because})"

    def of_kind(self, kind: str) -> list[Incident]:
        return [incident for incident in self.incidents if incident.kind == kind]

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "incidents": [incident.to_dict() for incident in self.incidents]}


def _checks(checks: Iterable[Any]) -> dict[str, Any]:
    chosen: dict[str, Any] = {}
    for check in checks:
        if isinstance(check, str):
            if check not in CHECKS:
                raise ValueError(f"unknown check {check!r} (known: {', '.join(CHECKS)})")
            check = CHECKS[check]()
        names = [name for name, kind in CHECKS.items() if isinstance(check, kind)]
        if not names:
            raise ValueError(f"not a check: {check!r}")
        chosen[names[0]] = check
    return chosen


def analyze(source: Any, checks: Iterable[Any] = DEFAULT_CHECKS, seconds: float | None = None, sample_every: int = 1,
            thumbnails: str | Path | None = None, timeout: float = 10.0, on_incident: Callable[[Incident], Any] | None = None,
            on_progress: Callable[[float, int, dict[str, tuple[float, int]]], Any] | None = None,
            stop: Callable[[], bool] | None = None, area: Area | None = None) -> VideoReport:
    """Analyse ``source`` (a path, stream URL, capture device or callable, see
    :func:`open_source`) for ``seconds`` (None: to its end), looking at every
    ``sample_every``-th frame's picture (all frames' times count for drops). With
    ``thumbnails`` (a folder), each incident gets a PNG of its first frame.

    For watching a stream: ``on_incident`` is called with each incident as it ends (and with
    those still open at the end), ``on_progress`` about once a second with the time reached,
    the frames read and the incidents in progress (kind -> the time and frame each began), and ``stop()`` returning true ends
    the analysis as if the source had ended. ``area`` (a region and rectangles to ignore, in
    fractions or pixels, see :class:`~pytest_vpt.video.streams.Area`) replaces the black and
    freeze checks' regions once the frame size is known."""
    if sample_every < 1:
        raise ValueError(f"sample_every must be 1 or more, not {sample_every}")
    chosen = _checks(checks)
    started = clock.perf_counter()
    with open_source(source, timeout) as opened:
        if area is not None:
            chosen = area.place(chosen, opened.width, opened.height)
        analysis = _Analysis(opened, chosen, sample_every, thumbnails)
        analysis.on_incident = on_incident
        for runs in (analysis.black, analysis.freeze):
            if runs is not None:
                runs.on_incident = on_incident
        return analysis.run(seconds, started, on_progress, stop)


class _Analysis:
    def __init__(self, source: Source, checks: dict[str, Any], sample_every: int, thumbnails: str | Path | None) -> None:
        self.source, self.checks, self.sample_every = source, checks, sample_every
        self.thumbnails = Path(thumbnails) if thumbnails is not None else None
        self.grids: dict[Any, Grid] = {}
        self._sampled: tuple[Any, int, Any] = (None, -1, None)
        black, freeze = checks.get("black"), checks.get("freeze")
        uncertainty = sample_every - 1
        self.black = Runs("black_screen", black.min_duration, uncertainty) if black else None
        self.freeze = Runs("freeze", freeze.min_duration, uncertainty) if freeze else None
        self.freeze_state: FreezeState | None = None
        self.drops: DropCounter | None = None
        self.meter = BitrateMeter(checks["bitrate"].floor_kbps) if "bitrate" in checks else None
        subtitles = checks.get("subtitles")
        self.subtitles = SubtitleTracker(subtitles) if subtitles else None
        self.next_look = 0.0
        self.current = None
        self.on_incident: Callable[[Incident], Any] | None = None  # the frame drops' too
        for runs in (self.black, self.freeze):
            if runs is not None and self.thumbnails is not None:
                runs.on_start = self._thumbnail(runs.kind)

    def _sample(self, grid: Grid, frame: Any) -> Any:
        """The grid's sample of this frame, taken once for all the checks that use that grid."""
        if self._sampled[0] is not grid or self._sampled[1] != frame.index:
            self._sampled = (grid, frame.index, grid.take(frame.luma))
        return self._sampled[2]

    def _grid(self, region: Any, luma: Any) -> Grid:
        key = (region, luma.shape)
        if key not in self.grids:
            self.grids[key] = Grid(region, *luma.shape)
        return self.grids[key]

    def run(self, seconds: float | None, started: float, on_progress: Any = None, stop: Any = None) -> VideoReport:
        frames = analysed = 0
        last, reported = 0.0, 0.0
        freeze_check = self.checks.get("freeze")
        # a freeze never covers black frames: they are known even when black screens are not reported
        black_check = self.checks.get("black") or (BlackCheck() if freeze_check else None)
        stopped = False
        for frame in self.source.frames(self.meter.packet if self.meter else None):
            if (seconds is not None and frame.time >= seconds) or (stop is not None and stop()):
                stopped = True
                break
            frames, last = frames + 1, frame.time
            if on_progress is not None and frame.time - reported >= 1.0:
                reported = frame.time
                on_progress(frame.time, frames, {r.kind: r.start for r in (self.black, self.freeze) if r and r.start is not None})
            if self.drops is None and "drops" in self.checks:
                self.drops = DropCounter(self.source.nominal_fps)
                self.drops.on_incident = self.on_incident
            if frame.index % self.sample_every:
                if self.drops is not None:
                    self.drops.feed(frame.time, frame.index, None)
                continue
            analysed += 1
            self.current = frame
            black = False
            if black_check is not None:
                grid = self._grid(black_check.region, frame.luma)
                black = is_black(black_check, grid, self._sample(grid, frame), frame.full_range)
                if self.black is not None:
                    self.black.update(black, frame.time, frame.index)
            sample = None
            if freeze_check is not None:
                grid = self._grid(freeze_check.region, frame.luma)
                sample = self._sample(grid, frame)
                if self.freeze_state is None or self.freeze_state.grid is not grid:  # a new size starts over
                    self.freeze_state = FreezeState(freeze_check, grid)
                for frozen, at, number, since in self.freeze_state.judge(sample, black, frame.time, frame.index):
                    self.freeze.update(frozen, at, number, start=since)
            if self.drops is not None:
                self.drops.feed(frame.time, frame.index, sample if sample is not None else
                                self._sample(self._grid(Region(), frame.luma), frame))
            if self.subtitles is not None and frame.time >= self.next_look:
                self._look_for_text(frame)
        interval = 1.0 / self.source.nominal_fps if self.source.nominal_fps else 0.0
        duration = last + interval if frames else 0.0
        early = None if stopped else _ended_early(self.source, duration, interval)
        if not frames and not stopped:
            raise SourceError(f"{self.source.name}: no frame could be decoded" + (f" ({early})" if early else ""))
        if self.freeze_state is not None:
            for frozen, at, number, since in self.freeze_state.finish():
                self.freeze.update(frozen, at, number, start=since)
        for runs in (self.black, self.freeze):
            if runs is not None:
                runs.finish(duration)
        incidents = sorted((self.black.incidents if self.black else []) + (self.freeze.incidents if self.freeze else []),
                           key=lambda incident: incident.start)
        subtitles = self._subtitles(duration) if self.subtitles is not None else None
        frozen = [(incident.start_frame, incident.end_frame) for incident in incidents]
        drops = self.drops.report(duration, frozen) if self.drops is not None else None
        if self.drops is not None:
            incidents = sorted(incidents + self.drops.incidents, key=lambda incident: incident.start)
        bitrate = self.meter.report() if self.meter is not None else None
        return VideoReport(
            self.source.name, duration, frames, analysed, self.source.nominal_fps, self.source.width,
            self.source.height, incidents, drops, bitrate, subtitles,
            quality_score(duration, frames, incidents, drops, bitrate),
            clock.perf_counter() - started, list(self.checks),
            self.source.declared_duration, early is not None, early,
        )

    def _look_for_text(self, frame: Any) -> None:
        check: SubtitleCheck = self.checks["subtitles"]
        if check.stream and any(stream.cues for stream in self.source.subtitle_streams):  # its cues tell
            self.next_look = float("inf")
            return
        self.next_look = frame.time + check.every - 1e-3  # a frame's time a hair early still counts
        region, (height, width) = check.region, frame.luma.shape
        step = max(1, width // 960)
        band = np.ascontiguousarray(frame.luma[int(region.y * height):int((region.y + region.height) * height):step,
                                               int(region.x * width):int((region.x + region.width) * width):step])
        self.subtitles.look(band, frame.time)

    def _subtitles(self, duration: float) -> SubtitlesReport:
        """The subtitles seen, or the cues of the container's subtitle stream when it has any
        (the one in the check's language if there is one)."""
        check: SubtitleCheck = self.checks["subtitles"]
        streams, warnings = self.source.subtitle_streams, list(self.source.subtitle_warnings)
        if check.stream and any(stream.cues for stream in streams):
            chosen = next((s for s in streams if s.language == check.lang and s.cues), None) or \
                next(s for s in streams if s.cues)
            shown = [(cue.start, cue.end) for cue in chosen.cues]
            return SubtitlesReport(shown, shown_share(shown, duration), [cue.text for cue in chosen.cues], "stream",
                                   chosen.language, chosen.codec, list(streams), warnings)
        seen = self.subtitles.intervals(duration)
        shown = [(start, end) for start, end, _ in seen]
        texts = [text for _, _, text in seen] if check.ocr else []
        return SubtitlesReport(shown, shown_share(shown, duration), texts, streams=list(streams), warnings=warnings)

    def _thumbnail(self, kind: str) -> Any:
        def save(time: float, index: int) -> str | None:
            import cv2

            if self.current is None:
                return None
            self.thumbnails.mkdir(parents=True, exist_ok=True)
            path = self.thumbnails / f"{kind}-{index:06d}.png"
            cv2.imwrite(str(path), self.current.luma)
            return str(path)

        return save


def _ended_early(source: Source, duration: float, interval: float) -> str | None:
    """Why a source that ended by itself ended before its end, or None."""
    if source.truncated:
        return source.truncated
    declared = source.declared_duration
    if declared and duration < declared - max(3 * interval, 0.1):
        return f"shorter than the {declared:.1f} s its container declares"
    return None


def shown_share(intervals: list[tuple[float, float | None]], duration: float) -> float:
    """The share of ``duration`` the intervals cover (an end None: to the end), overlaps once."""
    if duration <= 0:
        return 0.0
    covered, reached = 0.0, 0.0
    for start, end in sorted((max(0.0, a), min(duration, duration if b is None else b)) for a, b in intervals):
        if end > reached:
            covered += end - max(start, reached)
            reached = end
    return min(1.0, covered / duration)


def quality_score(duration: float, frames: int, incidents: list[Incident], drops: DropsReport | None,
                  bitrate: BitrateReport | None) -> float:
    """The score of the module's docstring, 0-100 (100: nothing wrong was found)."""
    if duration <= 0 or frames == 0:
        return 0.0
    impaired = min(1.0, sum(incident.duration for incident in incidents if incident.kind in IMPAIRING) / duration)
    lost = min(1.0, (drops.dropped + drops.duplicated) / frames * 10) if drops else 0.0
    instability = min(1.0, bitrate.variation) if bitrate else 0.0
    return round(100 * (1 - impaired) * (1 - 0.3 * lost) * (1 - 0.2 * instability), 1)


__all__ = ["BitrateCheck", "BlackCheck", "DropsCheck", "FreezeCheck", "SourceError", "SubtitleCheck", "SubtitlesReport",
           "VideoReport", "analyze"]
