"""What runs beside a producer for as long as it runs: started once the producer's sink is
open (its store exists), stopped after the sink is closed, and asked what it has to say for
the live view and the final status line (``vpt monitor`` and ``vpt watch`` run the project's
alert rules this way: pytest_vpt.alerts.beside). While the producer writes a local store, it
is told what each batch landed (store.after_write), as ``vpt server``'s loop is."""

from __future__ import annotations

from typing import Any, Protocol

from ..sinks import Sink
from ..sinks.store import StoreSink


class Beside(Protocol):
    def start(self) -> None:
        """Begin (in a thread of its own); returns at once."""

    def stop(self) -> None:
        """End, and wait for the end (bounded)."""

    def summary(self) -> str | None:
        """What the live view shows of it (``alerts: 2 firing``), None when it has nothing to say."""

    def landed(self, landed: Any) -> None:
        """What a batch written into the producer's store landed (store.after_write.Landed);
        called from the writing thread, it must return at once and never raise."""


def attach(beside: Beside | None, sink: Sink) -> None:
    """Have ``sink`` tell ``beside`` what each batch landed, when it writes a local store (a
    server's own loop hears what it is sent)."""
    if beside is not None and isinstance(sink, StoreSink):
        sink.on_written = beside.landed
