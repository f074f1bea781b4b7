"""What runs beside a producer for as long as it runs: started once the producer's sink is
open (its store exists), stopped after the sink is closed, and asked what it has to say for
the live view and the final status line (``vpt monitor`` and ``vpt watch`` run the project's
alert rules this way: pytest_vpt.alerts.beside)."""

from __future__ import annotations

from typing import Protocol


class Beside(Protocol):
    def start(self) -> None:
        """Begin (in a thread of its own); returns at once."""

    def stop(self) -> None:
        """End, and wait for the end (bounded)."""

    def summary(self) -> str | None:
        """What the live view shows of it (``alerts: 2 firing``), None when it has nothing to say."""
