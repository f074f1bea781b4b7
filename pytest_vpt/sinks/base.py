"""What sinks share: batching, and the report a sink gives when it closes."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass
class SinkReport:
    """What a sink did with the events it was given: written, lost, and why."""

    target: str
    written: Counter = field(default_factory=Counter)
    lost: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.lost and not self.errors

    def count(self, events: list[dict], into: Counter) -> None:
        into.update(event["type"] for event in events)

    def fail(self, events: list[dict], reason: str) -> None:
        self.count(events, self.lost)
        self.note(reason)

    def note(self, reason: str) -> None:
        if reason not in self.errors:
            self.errors.append(reason)

    def to_json(self) -> dict:
        return {"target": self.target, "written": self.written, "lost": self.lost, "errors": self.errors}

    @classmethod
    def from_json(cls, data: dict) -> SinkReport:
        return cls(data["target"], Counter(data["written"]), Counter(data["lost"]), list(data["errors"]))


class BatchingSink(ABC):
    """Collects events and passes them on a batch at a time: :meth:`emit` only appends."""

    def __init__(self, batch_size: int) -> None:
        self.batch_size = batch_size
        self._buffer: list[dict[str, Any]] = []

    def emit(self, event: dict[str, Any]) -> None:
        self._buffer.append(event)
        if len(self._buffer) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        """Pass on what is buffered now."""
        batch, self._buffer = self._buffer, []
        if batch:
            self.write(batch)

    @abstractmethod
    def write(self, batch: list[dict[str, Any]]) -> None:
        """Deliver one batch, or count it as lost with the reason; never raise."""
