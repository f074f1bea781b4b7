"""The records of devices and video: state and health, incidents, the probes' numbers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .record import Record


@dataclass
class Device(Record):
    """A device's current state, and its health over a window of whole hours."""

    project: str
    device: str
    kind: str | None
    tags: dict[str, Any]
    probe: str | None
    interval: float | None
    state: str  # online, offline, stale, unknown
    since: float | None
    last_sample_at: float | None
    last_error: str | None
    last_response_time: float | None
    values: dict[str, float]
    outage_since: float | None
    window_start: float
    window_end: float
    covered: float
    online: float
    uptime: float | None
    samples: int
    failed: int
    error_rate: float | None
    flaps: int
    flaps_per_hour: float | None
    rt_p50: float | None
    rt_p95: float | None
    incidents: int
    open_incidents: int
    downtime: float
    mtbf: float | None
    mttr: float | None


@dataclass
class DeviceIncident(Record):
    """A device that did not answer its probe; ``ended_at`` None: still going on."""

    project: str
    device: str
    started_at: float
    ended_at: float | None
    duration: float
    error: str | None


@dataclass
class DeviceValue(Record):
    """A number a probe reported (a command probe's temperature, ...)."""

    project: str
    device: str
    time: float
    name: str
    value: float


@dataclass
class VideoIncident(Record):
    """A black screen, freeze or lost stream; ``ended_at`` None: still open."""

    project: str
    source: str
    kind: str
    started_at: float
    ended_at: float | None
    duration: float | None
    severity: str | None
    position: float | None  # seconds from the source's start
    start_frame: int | None
    end_frame: int | None
    thumbnail: str | None
    run_id: str | None
    nodeid: str | None
