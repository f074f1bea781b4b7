"""Devices and samples as events of the wire format (``device``, ``device_sample``)."""

from __future__ import annotations

from typing import Any

from ..events import TEXT_MAX, cut_text, event_id, make_event
from .sampler import Sample


def device_event(device: dict[str, Any], project: str, seen_at: float, flush: float | None = None) -> dict[str, Any]:
    """A registered device (as :meth:`Device.describe` gives it) seen by a sampler at ``seen_at``;
    ``flush``: the most seconds that sampler holds a sample before writing it."""
    return make_event("device", event_id("device", project, device["id"], seen_at), {
        "vpt.project": project,
        "vpt.device.id": device["id"],
        "vpt.device.kind": device["kind"],
        "vpt.device.tags": dict(device["tags"]) or None,
        "vpt.device.probe": device["probe"],
        "vpt.device.interval": device["interval"],
        "vpt.device.timeout": device["timeout"],
        "vpt.device.grace": device["grace"],
        "vpt.device.seen_at": seen_at,
        "vpt.device.flush": flush,
    })


def sample_event(sample: Sample, project: str, run_id: str | None = None) -> dict[str, Any]:
    """A sample taken at its device's interval (one-off probes are not samples of the timeline)."""
    return make_event("device_sample", event_id("device_sample", project, sample.device, sample.time), {
        "vpt.project": project,
        "vpt.device.id": sample.device,
        "vpt.run.id": run_id,
        "vpt.sample.time": sample.time,
        "vpt.device.online": sample.online,
        "vpt.device.response_time": sample.response_time,
        "vpt.device.error": cut_text(sample.error, TEXT_MAX),  # a command's last line of output may be longer
        "vpt.device.interval": sample.interval,
        "vpt.device.values": dict(sample.values) or None,
    })
