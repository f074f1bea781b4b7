"""Devices and samples as events of the wire format (``device``, ``device_sample``)."""

from __future__ import annotations

from typing import Any

from ..events import builders
from .sampler import Sample


def device_event(device: dict[str, Any], project: str, seen_at: float, flush: float | None = None) -> dict[str, Any]:
    """A registered device (as :meth:`Device.describe` gives it) seen by a sampler at ``seen_at``;
    ``flush``: the most seconds that sampler holds a sample before writing it."""
    return builders.device_event(
        project, device["id"], device["kind"], device["probe"], device["interval"], device["timeout"],
        device["grace"], seen_at, tags=device["tags"], flush=flush,
    )


def sample_event(sample: Sample, project: str, run_id: str | None = None) -> dict[str, Any]:
    """A sample taken at its device's interval (one-off probes are not samples of the timeline)."""
    return builders.device_sample_event(
        project, sample.device, sample.time, sample.online, sample.interval, response_time=sample.response_time,
        error=sample.error, values=sample.values, run_id=run_id,
    )
