"""The video watcher: analyse a stream or capture device for as long as it runs, emitting
each incident into a sink (a store, or a vpt server) as it ends. When the stream drops it
connects again, waiting longer each time (1 s, 2 s, 4 s ... 30 s); the time without a
stream is an incident of its own (``stream_lost``), written open when it starts and again
when it ends; each failed attempt is reported. A black screen or freeze is written open, from
its first frame, once it has lasted its check's ``min_duration`` and two seconds (a major
incident then, whatever follows), so an alert rule sees it while it lasts, and written again
under the same id when it ends; a shorter one is written once, when it ends. A frame
drop (``frame_drop``) is written when the frame after the gap arrives. A file is watched once: one that cannot be decoded is an error
(``WatchStatus.failed``), and one cut short says how much of it was analysed; an ``area`` (region and rectangles
to ignore) that does not fit the frame is an error too. What runs beside
it (``beside``: the project's alert rules, see producers.beside) starts once the sink is open
and stops after it is closed; what it says is in the status (``WatchStatus.beside``)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..events import builders
from ..redaction import redact_url
from ..sinks import Sink, SinkReport, open_sink
from ..store import StoreURL
from ..video import BlackCheck, FreezeCheck, Incident, SourceError, analyze
from ..video.incidents import severity
from ..video.sources import source_kind
from ..video.streams import Area, AreaError, make_checks
from .beside import Beside, attach

BACKOFF = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0)  # seconds between attempts to connect again
OPEN_AFTER = 2.0  # seconds an incident lasts before it is written open: a minor one is written once, when it ends
_KINDS = {"black_screen": BlackCheck, "freeze": FreezeCheck}  # the incidents written open while they last
WATCHED = ("black", "freeze", "drops")  # the checks watched by default (a frame drop is written when found)


def incident_event(incident: Incident, project: str, source: str, origin: float) -> dict[str, Any]:
    """The wire event of an incident; ``origin`` is the wall-clock time of the source's first frame."""
    return builders.incident_event(project, **incident.event_fields(source, origin))


@dataclass
class WatchStatus:
    source: str
    started_at: float
    connected: bool = False
    seconds: float = 0.0  # of video analysed
    frames: int = 0
    ongoing: list[str] = field(default_factory=list)  # kinds of incident in progress
    incidents: int = 0
    sink: SinkReport | None = None  # what the sink did so far: written (or sent), spooled, lost, why
    error: str | None = None  # why the stream is not connected
    failures: int = 0  # attempts in a row that gave no frame
    failed: bool = False  # a file that cannot be decoded: watching it is over, with ``error``
    ended_early: str | None = None  # a file cut short: how much was analysed, and why
    beside: str | None = None  # what runs beside the watcher says (``alerts: 1 firing``)


class Watcher:
    """Watches ``source`` into ``sink`` (or a sink on the store at that URL) until ``stop`` is
    set or ``until`` passes."""

    def __init__(self, source: str, sink: Sink | StoreURL, project: str, checks: list[Any] | None = None,
                 timeout: float = 10.0, on_status: Callable[[WatchStatus], Any] | None = None,
                 beside: Beside | None = None, area: Area | None = None) -> None:
        self.beside, self.area = beside, area
        self.sink = open_sink(sink, Path.cwd()) if isinstance(sink, StoreURL) else sink
        attach(beside, self.sink)
        self.source, self.project, self.timeout = source, project, timeout
        self.name = redact_url(source)  # as recorded and shown: a stream URL without its credentials
        self.checks = checks or make_checks(WATCHED)
        self.min_durations = {kind: check.min_duration for check in self.checks
                              for kind, made_by in _KINDS.items() if isinstance(check, made_by)}
        self.on_status = on_status or (lambda status: None)
        self.status = WatchStatus(self.name, time.time(), sink=self.sink.report)
        self.once = source_kind(source) == "file"  # a file is watched once; streams and devices come back
        self.stop = threading.Event()

    def run(self, until: float | None = None) -> WatchStatus:
        """Watch until stopped; the sink is opened first (what earlier runs spooled is sent) and closed last."""
        self._lost_at: float | None = None
        self.sink.open()
        if self.beside is not None:
            self.beside.start()
        try:
            self._watch(until)
        finally:
            self.sink.close()
            if self.beside is not None:
                self.beside.stop()
                self.status.beside = self.beside.summary()
        return self.status

    def _watch(self, until: float | None) -> None:
        while not self._over(until):
            origin, self._delivered = time.time(), False
            self._opened: dict[str, str] = {}  # kind written open -> the id its end is written under
            try:
                report = analyze(self.source, self.checks, timeout=self.timeout,
                                 on_incident=lambda incident, origin=origin: self._record(incident, origin),
                                 on_progress=lambda at, frames, ongoing, origin=origin:
                                 self._progress(at, frames, ongoing, origin),
                                 stop=lambda: self._over(until), area=self.area)
                error = "the stream ended"
                self.status.ended_early = report.shortfall()
            except SourceError as exc:
                error = str(exc)
                if self.once:  # a file that cannot be opened or decoded will not get better
                    self.status.failed, self.status.error = True, error
            except AreaError as exc:  # a rectangle outside the frame: it will not fit the next connection either
                self.status.failed, self.status.error = True, str(exc)
                break
            self.status.connected = False
            if self._over(until) or self.once:
                break
            if self._lost_at is None:
                self._lost_at = time.time()
                self._lost(self._lost_at, None)
            self.status.failures = 0 if self._delivered else self.status.failures + 1
            self.status.error = error
            self._tell()
            self.stop.wait(self.retry_in(self.status.failures))
        if self._lost_at is not None:
            self._lost(self._lost_at, time.time())

    @staticmethod
    def retry_in(failures: int) -> float:
        """Seconds before the next attempt after ``failures`` attempts in a row without a frame
        (none: the stream ended after it delivered frames)."""
        return BACKOFF[min(failures, len(BACKOFF) - 1)]

    def _over(self, until: float | None) -> bool:
        return self.stop.is_set() or (until is not None and time.time() >= until)

    def _progress(self, at: float, frames: int, ongoing: dict[str, tuple[float, int]], origin: float) -> None:
        if self._lost_at is not None:  # frames again: the outage ended when this connection began
            self._lost(self._lost_at, origin)
            self._lost_at = None
        self._delivered = True
        self.status.connected, self.status.seconds, self.status.frames, self.status.ongoing = True, at, frames, list(ongoing)
        self.status.error = None
        self._open_ongoing(at, ongoing, origin)
        self._tell()

    def _open_ongoing(self, at: float, ongoing: dict[str, tuple[float, int]], origin: float) -> None:
        """Write open each incident going on (kind -> the time and frame it began) that has
        lasted its check's min_duration and :data:`OPEN_AFTER` (a major one), from its first
        frame; a minor stall is written once, when it ends."""
        for kind, (began, first_frame) in ongoing.items():
            if kind in self._opened or at - began < max(OPEN_AFTER, self.min_durations.get(kind, 0.0)):
                continue
            start, lasted = origin + began, at - began
            self._opened[kind] = builders.incident_id(self.project, self.name, kind, start)
            self._write(builders.incident_event(self.project, kind, self.name, start, lasted, severity(lasted),
                                                position=began, start_frame=first_frame))

    def _tell(self) -> None:
        """Hand the status to ``on_status``, with what runs beside says."""
        if self.beside is not None:
            self.status.beside = self.beside.summary()
        self.on_status(self.status)

    def _lost(self, since: float, until: float | None) -> None:
        duration = (until or time.time()) - since
        outage = Incident("stream_lost", 0.0, 0, None if until is None else duration, None, duration, severity(duration))
        if until is not None:
            self.status.incidents += 1
        self._write(incident_event(outage, self.project, self.name, since))

    def _record(self, incident: Incident, origin: float) -> None:
        self.status.incidents += 1
        event = incident_event(incident, self.project, self.name, origin)
        opened = self._opened.pop(incident.kind, None)
        if opened is not None:  # written open while it lasted: its end replaces that row
            event["id"] = opened
        self._write(event)

    def _write(self, event: dict[str, Any]) -> None:
        """Each incident is written as soon as it is known, through the sink's batching and spool."""
        self.sink.emit(event)
        self.sink.flush()
