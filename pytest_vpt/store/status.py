"""How a store is doing: its engine and schema, the daily rollup's queue, and what the rollups
set aside (see rollup_failures), for ``vpt db status`` and the service's ``/metrics``."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from . import rollup_failures
from .base import Store
from .migrate import latest_version


@dataclass
class StoreStatus:
    engine: str
    url: str  # as it may be shown: no password
    schema_version: int
    latest_schema_version: int  # what this pytest-vpt knows
    queued: int  # attempts written, not yet folded into the daily rollup
    failures: list[dict[str, Any]] = field(default_factory=list)  # newest first

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def status(store: Store) -> StoreStatus:
    """The store's status now (reads only)."""
    conn = store.conn
    version = conn.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0]
    queued = conn.execute("SELECT count(*) FROM test_daily_pending").fetchone()[0]
    return StoreStatus(store.engine, str(store.url), version, latest_version(store.engine), queued,
                       rollup_failures.listed(conn))
