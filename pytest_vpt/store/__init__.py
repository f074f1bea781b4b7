"""Stores: where events end up, and where every report reads them back."""

from __future__ import annotations

from pathlib import Path

from .base import StoreError
from .sqlite import SQLiteStore
from .url import StoreURL, StoreURLError, parse_store_url

__all__ = ["StoreError", "StoreURL", "StoreURLError", "SQLiteStore", "open_store", "parse_store_url"]


def open_store(url: StoreURL | str, base_dir: Path | str = ".", create: bool = True) -> SQLiteStore:
    """Open the store at ``url`` (a URL string is resolved against ``base_dir``)."""
    if isinstance(url, str):
        url = parse_store_url(url, base_dir)
    return SQLiteStore(url).open(create=create)
