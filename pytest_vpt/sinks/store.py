"""A sink that writes events to a store in batches, and spools what the store refuses."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..events import EventError
from ..store import StoreConflict, StoreError, StoreURL, open_store
from ..store.after_write import Analysis, OnWritten, after_write
from ..store.changes import RunChanges
from ..store.test_rows import test_stubs
from .base import BufferedSink, Refused, Resent, SendError
from .spool import Spool


class StoreSink(BufferedSink):
    """Writes events to a store a batch at a time, each in one transaction followed by the
    after-write step (store.after_write) with ``analysis``; ``on_written``, when set, is the
    caller's alert evaluation that step hands what each batch landed.

    With a ``spool_dir``, what the store refused (it cannot be opened, is locked, damaged or
    full) is kept there, and :meth:`open` writes what earlier writers kept there first;
    without one it is counted as lost with the reason. A batch no store would take (off the
    wire format, another project's ids) is never spooled. It never raises into its caller.
    """

    def __init__(self, url: StoreURL, batch_size: int = 1000, spool_dir: Path | None = None,
                 analysis: Analysis | None = None, retry_every: float | None = None,
                 max_wait: float | None = None) -> None:
        super().__init__(str(url), Spool(spool_dir) if spool_dir is not None else None, batch_size,
                         max_wait, retry_every)
        self.url = url
        self.analysis = analysis or Analysis()
        self.on_written: OnWritten | None = None
        self._store = None

    def open(self) -> bool:
        """Open the store and write what earlier writers spooled; False (with the reason kept)
        if it cannot be opened."""
        try:
            self._connect()
        except SendError as exc:
            self.report.note(str(exc))
            self._down_since = time.monotonic()
            return False
        return super().open()

    def resend(self, on_progress: Callable[[int, int], Any] | None = None) -> Resent:
        done = super().resend(on_progress)
        if done.sent and self._store is not None:
            self._store.close_left_runs()  # runs that only their spooled start reached
        return done

    def _connect(self) -> Any:
        if self._store is None:
            try:
                self._store = open_store(self.url)
            except StoreError as exc:
                raise SendError(str(exc)) from None
        return self._store

    def _send(self, batch: list[dict[str, Any]]) -> dict[str, RunChanges]:
        return self._written(lambda store: store.write(batch, fold=False), batch)

    def _send_tests(self, rows: list[tuple]) -> dict[str, RunChanges]:
        """Test rows in bulk (Store.write_tests), followed by the after-write step as their events are."""
        return self._written(lambda store: store.write_tests(rows, fold=False), test_stubs(rows))

    def _written(self, write: Callable[[Any], None], events: list[dict[str, Any]]) -> dict[str, RunChanges]:
        """``write(store)`` one batch, then the after-write step over its ``events``."""
        store = self._connect()
        try:
            write(store)
        except (StoreConflict, EventError) as exc:  # refused for what it holds: writing it again cannot help
            raise Refused(f"{self.url}: {exc}") from None
        except StoreError as exc:
            self._release()
            raise SendError(str(exc)) from None
        try:
            return after_write(store, events, self.analysis, on_written=self.on_written)
        except Exception as exc:  # noqa: BLE001 - the batch is written; its rollups wait for a rebuild
            self.report.note(f"{self.url}: updating the rollups and flakiness verdicts: {type(exc).__name__}: {exc}")
            return {}

    def _refused(self, batch: list[dict[str, Any]], reason: str) -> None:
        self.report.fail(batch, reason)

    def _release(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None
