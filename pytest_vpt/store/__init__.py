"""Stores: where events end up, and where every report reads them back."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .base import StoreConflict, StoreError
from .url import StoreURL, StoreURLError, parse_store_url

if TYPE_CHECKING:
    from .base import Store

__all__ = ["StoreConflict", "StoreError", "StoreURL", "StoreURLError", "open_store", "parse_store_url"]


def open_store(url: StoreURL | str, base_dir: Path | str = ".", create: bool = True) -> Store:
    """Open the store at ``url`` (a URL string is resolved against ``base_dir``).

    The engine is imported here, not with the package: the test process that only hands
    events to a writer never loads it.
    """
    if isinstance(url, str):
        url = parse_store_url(url, base_dir)
    if url.scheme == "postgresql":
        try:
            from .postgres import PostgresStore
        except ImportError:
            raise StoreError(f"{url}: the PostgreSQL store needs psycopg: pip install 'pytest-vpt[postgres]'") from None
        return PostgresStore(url).open(create=create)
    from .sqlite import SQLiteStore

    return SQLiteStore(url).open(create=create)
