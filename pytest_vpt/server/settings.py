"""The service's settings: the store it writes, where it listens, what it accepts."""

from __future__ import annotations

from dataclasses import dataclass

from ..store import StoreURL


@dataclass(frozen=True)
class ServerSettings:
    store: StoreURL
    host: str = "127.0.0.1"
    port: int = 8765
    max_body: int = 16 * 1024 * 1024  # bytes of a request body, after decompression too
    max_events: int = 100_000  # events in one batch
