"""What folding a run into the store changed, for the run's summary."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class RunChanges:
    """What a run changed: tests that became flaky or broken, quarantines entered or left."""

    became: list[tuple[str, str, str]] = field(default_factory=list)  # (nodeid, status, reason)
    quarantine: list[tuple[str, str, str]] = field(default_factory=list)  # (nodeid, "entered"/"left", reason)

    def to_json(self) -> dict[str, Any]:
        return {"became": self.became, "quarantine": self.quarantine}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RunChanges:
        return cls([tuple(x) for x in data["became"]], [tuple(x) for x in data["quarantine"]])
