"""The embedded store: one SQLite file in WAL mode, written in one transaction per batch."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from . import devices, flakiness, queries
from .base import StoreError
from .migrate import SchemaError, migrate_sqlite
from .rows import ATTEMPT_COLUMNS, COUNT_COLUMNS, METRIC_COLUMNS, RUN_COLUMNS, TEST_CASE_COLUMNS
from .url import StoreURL

# A test's id is this store's key for (project, node id), looked up by SQLite.
_TEST_ID = "(SELECT test_id FROM test_cases WHERE project = ? AND nodeid = ?)"


def _json(value: Any, empty: str) -> str:
    return json.dumps(value, sort_keys=True) if value else empty


def _duration(event: dict[str, Any]) -> float | None:
    phases = [event.get(f"vpt.test.duration.{p}") for p in ("setup", "call", "teardown")]
    known = [p for p in phases if p is not None]
    return sum(known) if known else None


class _Table:
    """How one event type becomes rows of one table: attributes copied as they are, plus
    derived values (each with the SQL placeholder that receives it)."""

    def __init__(
        self, table: str, attributes: dict[str, str],
        derived: Iterable[tuple[str, str, Callable[[dict[str, Any]], Any]]] = (), conflict: str = "DO NOTHING",
    ) -> None:
        self.keys = tuple(attributes.values())
        self.derive = [fn for _, _, fn in derived]
        columns = [*attributes, *(column for column, _, _ in derived)]
        values = ["?"] * len(attributes) + [placeholder for _, placeholder, _ in derived]
        self.sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(values)}) ON CONFLICT {conflict}"

    def rows(self, events: list[dict[str, Any]]) -> list[tuple]:
        keys, derive = self.keys, self.derive
        return [(*map(event.get, keys), *(value for fn in derive for value in _flat(fn(event)))) for event in events]


def _flat(value: Any) -> tuple:
    return value if isinstance(value, tuple) else (value,)


def _test_key(event: dict[str, Any]) -> tuple[str, str]:
    return event["vpt.project"], event["test.case.name"]


def _metric_test_key(event: dict[str, Any]) -> tuple[str | None, str | None]:
    return event["vpt.project"], event.get("test.case.name")


_RUNS = _Table(
    "runs", RUN_COLUMNS,
    [(c, "?", lambda e, c=c: (e.get("vpt.run.counts") or {}).get(c, 0)) for c in COUNT_COLUMNS]
    + [("labels", "?", lambda e: _json(e.get("vpt.run.labels"), "{}"))],
    # A run's start event never overwrites its finish, whatever order they arrive in.
    "(run_id) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in [*RUN_COLUMNS, *COUNT_COLUMNS, "labels"] if c != "run_id")
    + " WHERE runs.status = 'running' OR excluded.status != 'running'",
)
_CASES = _Table(
    "test_cases", TEST_CASE_COLUMNS,
    [("first_seen", "?", lambda e: e["vpt.test.started_at"]), ("last_seen", "?", lambda e: e["vpt.test.started_at"])],
    "(project, nodeid) DO UPDATE SET first_seen = min(first_seen, excluded.first_seen), "
    "last_seen = max(last_seen, excluded.last_seen), line = coalesce(excluded.line, line), "
    "suite = coalesce(excluded.suite, suite), params = coalesce(excluded.params, params)",
)
_ATTEMPTS = _Table(
    "test_attempts", ATTEMPT_COLUMNS,
    [
        ("test_id", _TEST_ID, _test_key),
        ("duration", "?", _duration),
        ("markers", "?", lambda e: _json(e.get("vpt.test.markers"), "[]")),
        ("quarantined", "?", lambda e: int(bool(e.get("vpt.test.quarantined")))),
        ("device_offline", "?", lambda e: int(bool(e.get("vpt.device.offline")))),
    ],
)
_METRICS = _Table(
    "metrics", METRIC_COLUMNS,
    [("test_id", _TEST_ID, _metric_test_key), ("tags", "?", lambda e: _json(e.get("vpt.metric.tags"), "{}"))],
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
        """Write a batch of valid events in one transaction: all of it or none of it."""
        by_type: dict[str, list[dict[str, Any]]] = {"run": [], "test": [], "metric": [], "device": [], "device_sample": []}
        for event in events:
            by_type[event["type"]].append(event)
        with self.transaction() as conn:
            conn.executemany(_RUNS.sql, _RUNS.rows(by_type["run"]))
            conn.executemany(_CASES.sql, _CASES.rows(by_type["test"]))
            conn.executemany(_ATTEMPTS.sql, _ATTEMPTS.rows(by_type["test"]))
            conn.executemany(_METRICS.sql, _METRICS.rows(by_type["metric"]))
            if by_type["device"] or by_type["device_sample"]:
                devices.write(conn, by_type["device"], by_type["device_sample"])

    def refresh_flakiness(self, run_id: str, *args: Any, **kwargs: Any) -> flakiness.RunChanges:
        """Fold a finished run into the flakiness rollup and the quarantine (see store.flakiness)."""
        return self.apply(flakiness.refresh, run_id, *args, **kwargs)

    def apply(self, change: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run ``change(connection, ...)`` (one of the store modules' functions) in one transaction."""
        with self.transaction() as conn:
            return change(conn, *args, **kwargs)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: all of it or none of it."""
        conn = self.conn
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
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
