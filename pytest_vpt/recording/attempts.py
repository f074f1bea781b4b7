"""Test attempts, assembled from the messages of their phases (see phases.py)."""

from __future__ import annotations

from typing import Any


class Attempt:
    """One attempt of one test, assembled from its phases."""

    __slots__ = (
        "nodeid", "number", "worker", "seq", "location", "outcome", "started_at", "finished_at",
        "setup", "call", "teardown", "error_type", "error_message", "markers", "params", "samples",
        "quarantined", "device", "device_offline", "device_error",
    )

    def __init__(self, nodeid: str, number: int, worker: str | None, seq: int | None = None) -> None:
        self.nodeid = nodeid
        self.number = number
        self.worker = worker
        self.seq = seq
        self.location: tuple | None = None
        self.outcome: str | None = None
        self.started_at: float | None = None
        self.finished_at: float | None = None
        self.setup: float | None = None  # phase durations in seconds
        self.call: float | None = None
        self.teardown: float | None = None
        self.error_type: str | None = None
        self.error_message: str | None = None
        self.markers: list[str] | None = None
        self.params: str | None = None
        self.samples: list[dict[str, Any]] = []
        self.quarantined: str | None = None  # the reason, when a quarantine made its failure non-blocking
        self.device: str | None = None  # the device it used
        self.device_offline: bool | None = None  # whether the device answered its probes (None: not probed)
        self.device_error: str | None = None

    def add(
        self, when: str, status: str, duration: float, start: float, stop: float,
        location: tuple | None, error: tuple[str | None, str | None] | None,
    ) -> None:
        """Fold in one phase: its name, status category, timing, and error if it did not pass."""
        if when == "setup":
            self.setup = duration
            self.started_at = start or None  # 0 on reports made up by a plugin
        elif when == "call":
            self.call = duration
        elif when == "teardown":
            self.teardown = duration
        if location is not None and self.location is None:
            self.location = location
        self.finished_at = stop or self.finished_at
        if status and (self.outcome is None or self.outcome == "passed" or status == "rerun"):
            self.outcome = status
            if error is not None and self.error_message is None:
                self.error_type, self.error_message = error

    def add_device(self, probed: dict) -> None:
        """What a probe of the test's device found; once offline, the attempt stays marked so."""
        self.device = probed["id"]
        if probed["online"] is False:
            self.device_offline, self.device_error = True, probed["error"]
        elif probed["online"] and self.device_offline is None:
            self.device_offline = False

    @property
    def duration(self) -> float:
        return (self.setup or 0.0) + (self.call or 0.0) + (self.teardown or 0.0)

    @property
    def final(self) -> bool:
        return self.outcome != "rerun"


