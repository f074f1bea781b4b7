"""The embedded store: one SQLite file in WAL mode, written in one transaction per batch."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any

from . import queries
from .base import StoreError
from .migrate import SchemaError, migrate_sqlite
from .rows import RUN_COLUMNS, COUNT_COLUMNS, attempt_row, case_row, metric_row, run_row
from .url import StoreURL


def _insert(table: str, columns: Iterable[str], conflict: str = "DO NOTHING") -> str:
    columns = list(columns)
    names = ", ".join(columns)
    values = ", ".join(f":{c}" for c in columns)
    return f"INSERT INTO {table} ({names}) VALUES ({values}) ON CONFLICT {conflict}"


_RUN_VALUES = [*RUN_COLUMNS, *COUNT_COLUMNS, "labels"]
# A run's start event never overwrites its finish, whatever order they arrive in.
_UPSERT_RUN = _insert(
    "runs",
    _RUN_VALUES,
    "(run_id) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in _RUN_VALUES if c != "run_id")
    + " WHERE runs.status = 'running' OR excluded.status != 'running'",
)
_UPSERT_CASE = _insert(
    "test_cases",
    ["test_id", "project", "nodeid", "suite", "file", "function", "line", "params", "first_seen", "last_seen"],
    "(test_id) DO UPDATE SET first_seen = min(first_seen, excluded.first_seen), "
    "last_seen = max(last_seen, excluded.last_seen), line = coalesce(excluded.line, line)",
)
_INSERT_ATTEMPT = _insert(
    "test_attempts",
    [
        "event_id", "run_id", "test_id", "attempt", "is_final", "outcome", "started_at", "finished_at",
        "duration", "setup_duration", "call_duration", "teardown_duration", "error_type", "error_message",
        "markers", "worker", "worker_seq", "device_id",
    ],
)
_INSERT_METRIC = _insert(
    "metrics",
    ["event_id", "project", "run_id", "test_id", "attempt", "name", "kind", "value", "unit", "tags", "time"],
)


class SQLiteStore:
    """A SQLite database file holding runs, test attempts and metrics."""

    engine = "sqlite"

    def __init__(self, url: StoreURL) -> None:
        self.url = url
        self._conn: sqlite3.Connection | None = None

    def open(self, create: bool = True) -> SQLiteStore:
        """Connect and bring the schema up to date; raise :class:`StoreError` if impossible."""
        path = self.url.path
        try:
            if not create and not path.exists():
                raise StoreError(f"{self.url}: no database at {path}")
            if create:
                path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(
                path, timeout=self.url.options.get("timeout", 5.0), isolation_level=None, check_same_thread=False
            )
            try:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                migrate_sqlite(conn)
            except BaseException:
                conn.close()
                raise
        except (OSError, sqlite3.Error, SchemaError) as exc:
            raise StoreError(f"{self.url}: {_reason(exc)}") from exc
        conn.row_factory = sqlite3.Row
        self._conn = conn
        return self

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StoreError(f"{self.url}: the store is not open")
        return self._conn

    def write(self, events: list[dict[str, Any]]) -> None:
        """Write a batch of validated events in one transaction: all of it or none of it."""
        runs, attempts, cases, metrics = [], [], {}, []
        for event in events:
            kind = event["type"]
            if kind == "test":
                attempts.append(attempt_row(event))
                case = case_row(event)
                known = cases.get(case["test_id"])
                if known is None or case["last_seen"] > known["last_seen"]:
                    cases[case["test_id"]] = case
            elif kind == "run":
                runs.append(run_row(event))
            elif kind == "metric":
                metrics.append(metric_row(event))
        conn = self.conn
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.executemany(_UPSERT_RUN, runs)
                conn.executemany(_UPSERT_CASE, cases.values())
                conn.executemany(_INSERT_ATTEMPT, attempts)
                conn.executemany(_INSERT_METRIC, metrics)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise StoreError(f"{self.url}: {_reason(exc)}") from exc

    def read(self, query: str, *args: Any, **kwargs: Any) -> Any:
        """Run one of :mod:`pytest_vpt.store.queries` by name."""
        try:
            return getattr(queries, query)(self.conn, *args, **kwargs)
        except sqlite3.Error as exc:
            raise StoreError(f"{self.url}: {_reason(exc)}") from exc

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> SQLiteStore:
        return self if self._conn is not None else self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror}: {exc.filename}" if exc.filename else exc.strerror
    return str(exc) or type(exc).__name__
