"""The service's one connection to its store, shared by the request threads in turn.

A store that cannot be reached (the database is down or restarting) is answered with 503;
the next request tries to connect again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from ..store import StoreError, StoreURL, open_store
from ..store.base import Store
from .errors import ApiError


class Database:
    def __init__(self, url: StoreURL) -> None:
        self.url = url
        self._store: Store | None = None
        self._lock = threading.Lock()

    def run(self, work: Callable[[Store], Any]) -> Any:
        """``work(store)`` with the store to itself; ApiError 503 if the store cannot be used."""
        with self._lock:
            try:
                if self._store is None:
                    self._store = open_store(self.url)
                return work(self._store)
            except StoreError as exc:
                self._drop()
                raise ApiError(503, f"the store is not available: {exc}") from None
            except Exception as exc:
                store = self._store
                if store is None or not isinstance(exc, store.errors):
                    raise
                self._drop()
                raise ApiError(503, f"the store is not available: {store.url}: {store.reason(exc)}") from None

    def _drop(self) -> None:
        if self._store is not None:
            try:
                self._store.close()
            except Exception:  # noqa: BLE001 - a broken connection may fail to close
                pass
            self._store = None

    def close(self) -> None:
        with self._lock:
            self._drop()
