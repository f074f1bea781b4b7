"""The service's connections to its store: a few, each used by one request thread at a time.

A store that cannot be reached (the database is down or restarting) is answered with 503;
the next request tries to connect again. A batch the store refuses for its data (see
:mod:`.refusals`) is the client's mistake: a 4xx, and the connection is kept. SQLite gets
one connection (it has one writer).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any

from ..store import StoreError, StoreURL, open_store
from ..store.base import Store
from .errors import ApiError
from .refusals import refusal


class Database:
    def __init__(self, url: StoreURL, connections: int = 4) -> None:
        self.url = url
        self._idle: queue.Queue[Store | None] = queue.Queue()
        for _ in range(connections if url.scheme == "postgresql" else 1):
            self._idle.put(None)  # a slot, connected when first used
        self._open, self._counting = 0, threading.Lock()

    def run(self, work: Callable[[Store], Any]) -> Any:
        """``work(store)`` on a connection of its own; ApiError 503 if the store cannot be used.

        A connection that has gone bad since its last use (the database restarted) is
        replaced and the work tried once more (a failed transaction wrote nothing)."""
        store = self._idle.get()
        try:
            for fresh in (store is None, True):
                if store is None:
                    store = open_store(self.url)
                    self._count(+1)
                try:
                    return work(store)
                except Exception as exc:
                    refused = refusal(exc, store)
                    if refused is not None:  # the data's fault: the connection is still good
                        raise refused from None
                    if not isinstance(exc, (StoreError, *store.errors)):
                        raise
                    problem = str(exc) if isinstance(exc, StoreError) else f"{store.url}: {store.reason(exc)}"
                    store = self._drop(store)
                    if fresh:
                        raise ApiError(503, f"the store is not available: {problem}") from None
        except StoreError as exc:  # could not connect
            raise ApiError(503, f"the store is not available: {exc}") from None
        finally:
            self._idle.put(store)

    def connected(self) -> int:
        """How many connections are open now (those in use by a request included)."""
        return self._open

    def close(self) -> None:
        while True:
            try:
                self._drop(self._idle.get_nowait())
            except queue.Empty:
                return

    def _count(self, change: int) -> None:
        with self._counting:
            self._open += change

    def _drop(self, store: Store | None) -> None:
        """Close a connection that may be broken; the slot is connected again when next used."""
        if store is not None:
            self._count(-1)
            try:
                store.close()
            except Exception:  # noqa: BLE001 - a broken connection may fail to close
                pass
