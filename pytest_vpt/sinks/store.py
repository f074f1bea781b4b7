"""A sink that writes events to a store in batches, from a background thread."""

from __future__ import annotations

import queue
import threading
from typing import Any

from ..store import StoreError, StoreURL, open_store
from .base import SinkReport

_STOP = None


class StoreSink:
    """Buffers events and writes them to a store off the caller's thread.

    Nothing in :meth:`emit` touches the disk: full batches are handed to a writer thread
    through a bounded queue. A failed batch is counted as lost with its reason; the sink
    never raises into its caller.
    """

    def __init__(self, url: StoreURL, batch_size: int = 500, queue_batches: int = 8) -> None:
        self.url = url
        self.batch_size = batch_size
        self.report = SinkReport(target=str(url))
        self._buffer: list[dict[str, Any]] = []
        self._queue: queue.Queue[list[dict[str, Any]] | None] = queue.Queue(maxsize=queue_batches)
        self._store = None
        self._thread: threading.Thread | None = None

    def open(self) -> bool:
        """Open the store and start the writer; False (with the reason kept) if it cannot."""
        try:
            self._store = open_store(self.url)
        except StoreError as exc:
            self.report.errors.append(str(exc))
            return False
        self._thread = threading.Thread(target=self._write_batches, name="vpt-store-writer", daemon=True)
        self._thread.start()
        return True

    def emit(self, event: dict[str, Any]) -> None:
        self._buffer.append(event)
        if len(self._buffer) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        """Hand the buffered events to the writer (they are lost, and counted, if none runs)."""
        batch, self._buffer = self._buffer, []
        if not batch:
            return
        if self._thread is None:
            self.report.fail(batch, self.report.errors[0] if self.report.errors else f"{self.url}: not open")
        else:
            self._queue.put(batch)

    def close(self) -> SinkReport:
        """Write what is buffered, stop the writer and say what happened."""
        self.flush()
        if self._thread is not None:
            self._queue.put(_STOP)
            self._thread.join()
            self._thread = None
        if self._store is not None:
            self._store.close()
            self._store = None
        return self.report

    def _write_batches(self) -> None:
        while (batch := self._queue.get()) is not _STOP:
            try:
                self._store.write(batch)
            except StoreError as exc:
                self.report.fail(batch, str(exc))
            except Exception as exc:  # a bug must not kill the writer and block the run
                self.report.fail(batch, f"{self.url}: {type(exc).__name__}: {exc}")
            else:
                self.report.count(batch, self.report.written)
