"""The account a sink gives of the events it was handed."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class SinkReport:
    """What a sink did with the events it was given: written, lost, and why."""

    target: str
    written: Counter = field(default_factory=Counter)
    lost: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    spooled: Counter = field(default_factory=Counter)  # kept on disk to be sent later
    resent: Counter = field(default_factory=Counter)  # earlier runs' spooled events sent now
    rejected: Counter = field(default_factory=Counter)  # refused by the server as invalid, kept aside
    resent_rejected: Counter = field(default_factory=Counter)  # earlier runs' spooled events refused now
    rejected_in: str = ""  # the folder the refused batches were moved to, with their reasons

    @property
    def ok(self) -> bool:
        return not self.lost and not self.errors and not self.spooled and not self.rejected

    def count(self, events: list[dict], into: Counter) -> None:
        into.update(event["type"] for event in events)

    def fail(self, events: list[dict], reason: str) -> None:
        self.count(events, self.lost)
        self.note(reason)

    def note(self, reason: str) -> None:
        if reason not in self.errors:
            self.errors.append(reason)

    def to_json(self) -> dict:
        return {"target": self.target, "written": self.written, "lost": self.lost, "errors": self.errors,
                "spooled": self.spooled, "resent": self.resent, "rejected": self.rejected,
                "resent_rejected": self.resent_rejected, "rejected_in": self.rejected_in}

    @classmethod
    def from_json(cls, data: dict) -> SinkReport:
        return cls(data["target"], Counter(data["written"]), Counter(data["lost"]), list(data["errors"]),
                   Counter(data["spooled"]), Counter(data["resent"]), Counter(data.get("rejected", {})),
                   Counter(data.get("resent_rejected", {})), data.get("rejected_in", ""))

