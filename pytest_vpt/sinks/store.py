"""A sink that writes events to a store in batches."""

from __future__ import annotations

from typing import Any

from ..store import StoreError, StoreURL, open_store
from ..store.changes import RunChanges
from .base import SinkReport


class StoreSink:
    """Buffers events and writes them to a store a batch at a time, in one transaction each.

    :meth:`emit` only appends to a list until a batch is full. After a failed write the
    sink stops writing, so a locked or full store costs one wait, not one per batch; the
    events it could not write are counted with the reason. It never raises into its caller.
    """

    def __init__(self, url: StoreURL, batch_size: int = 1000) -> None:
        self.url = url
        self.batch_size = batch_size
        self._buffer: list[dict[str, Any]] = []
        self.report = SinkReport(target=str(url))
        self._store = None

    def open(self) -> bool:
        """Open the store; False (with the reason kept) if it cannot be opened."""
        try:
            self._store = open_store(self.url)
        except StoreError as exc:
            self.report.errors.append(str(exc))
            return False
        return True

    def emit(self, event: dict[str, Any]) -> None:
        self._buffer.append(event)
        if len(self._buffer) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        """Write what is buffered now."""
        batch, self._buffer = self._buffer, []
        if batch:
            self.write(batch)

    def write(self, batch: list[dict[str, Any]]) -> None:
        """Write one batch in one transaction, or count it as lost with the reason."""
        if self._store is None:
            self.report.fail(batch, self.report.errors[0] if self.report.errors else f"{self.url}: not open")
            return
        try:
            self._store.write(batch)
        except StoreError as exc:
            self.report.fail(batch, str(exc))
            self._close_store()
        except Exception as exc:  # a bug must not break the run
            self.report.fail(batch, f"{self.url}: {type(exc).__name__}: {exc}")
            self._close_store()
        else:
            self.report.count(batch, self.report.written)

    def close_run(self, run_id: str, analysis: dict[str, Any], explicit: dict[str, tuple[str, str]]) -> RunChanges:
        """Fold the finished run into the flakiness verdicts and the quarantine; what changed."""
        from ..analytics.flakiness import FlakinessSettings
        from ..quarantine.rules import QuarantinePolicy

        self.flush()
        if self._store is None:
            return RunChanges()
        try:
            return self._store.refresh_flakiness(
                run_id, FlakinessSettings(**analysis.get("flakiness", {})),
                QuarantinePolicy(**analysis.get("policy", {})), explicit,
            )
        except Exception as exc:  # noqa: BLE001 - the run is recorded; its verdicts wait for a rebuild
            self.report.note(f"{self.url}: updating flakiness verdicts: {type(exc).__name__}: {exc}")
            return RunChanges()

    def close(self) -> SinkReport:
        """Write what is buffered, release the store and say what happened."""
        self.flush()
        self._close_store()
        return self.report

    def _close_store(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None
