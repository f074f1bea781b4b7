"""The shared store: PostgreSQL through psycopg 3, the same tables and queries as SQLite.

The store modules write SQL once, in SQLite's spelling (see sql.py); this engine's
connection translates it, returns rows readable by name and by position, and sends
Python booleans as the integers both engines store.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import sql as pg_sql
from psycopg.adapt import Dumper
from psycopg.pq import Format

from .base import Store, StoreError
from .leadership import PostgresLeadership
from .migrate import SchemaError, migrate_postgres
from .sql import postgres
from .url import StoreURL

#: monthly partitions are kept ready from a month back to this many days ahead
PARTITIONS_AHEAD_DAYS = 90
_CONNECT_TIMEOUT = 5  # seconds, unless the URL says otherwise
_ROLLUP_LOCK = 0x76707472  # advisory lock held while a transaction folds into the rollups
_RUN_LOCKS = 0x767072  # advisory locks (this class, the run id's hash) held while a batch writes into a run


class Row(tuple):
    """A row readable by position and by column name, like sqlite3.Row."""

    __slots__ = ()
    _names: dict[str, int] = {}

    def __getitem__(self, key: Any) -> Any:
        return tuple.__getitem__(self, self._names[key] if isinstance(key, str) else key)

    def keys(self) -> list[str]:
        return list(self._names)


def _rows(cursor: psycopg.Cursor) -> Any:
    names = {column.name: index for index, column in enumerate(cursor.description or ())}
    kind = type("Row", (Row,), {"__slots__": (), "_names": names})
    return lambda values: kind(values)


class _BoolAsInt(Dumper):
    oid = psycopg.adapters.types["int2"].oid
    format = Format.TEXT

    def dump(self, obj: bool) -> bytes:
        return b"1" if obj else b"0"


class Connection:
    """A psycopg connection that runs the store modules' SQL."""

    def __init__(self, raw: psycopg.Connection) -> None:
        from .bulk import KnownCases

        self.raw = raw
        self.known_cases = KnownCases()

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> psycopg.Cursor:
        cursor = self.raw.cursor(row_factory=_rows)
        cursor.execute(postgres(sql), params)
        return cursor

    def executemany(self, sql: str, rows: list[Sequence[Any]]) -> psycopg.Cursor:
        cursor = self.raw.cursor(row_factory=_rows)
        if rows:
            cursor.executemany(postgres(sql), rows)
        return cursor


def _search_path_schema(search_path: str) -> str | None:
    """The first schema a ``search_path`` names (``"$user"`` aside), unquoted; None if none."""
    for entry in re.findall(r'\s*("(?:[^"]|"")*"|[^,]*)\s*(?:,|$)', search_path):
        entry = entry.strip()
        if entry.startswith('"') and entry.endswith('"') and len(entry) > 1:
            entry = entry[1:-1].replace('""', '"')
        elif entry:
            entry = entry.lower()  # unquoted names fold to lower case, as in SQL
        if entry and entry != "$user":
            return entry
    return None


def _create_schema(raw: psycopg.Connection) -> None:
    """Create the schema the search path names first when it is missing (``CREATE SCHEMA`` of a
    properly quoted name); nothing when the connection already has a schema to create in."""
    if raw.execute("SELECT current_schema()").fetchone()[0] is not None:
        return
    schema = _search_path_schema(raw.execute("SHOW search_path").fetchone()[0])
    if schema is not None:
        raw.execute(pg_sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(pg_sql.Identifier(schema)))


class PostgresStore(Store):
    """A PostgreSQL database (the schema in the URL's ``search_path``, by default ``public``)."""

    engine = "postgresql"
    errors = (psycopg.Error,)

    def __init__(self, url: StoreURL) -> None:
        self.url = url
        self._conn: Connection | None = None

    def open(self, create: bool = True) -> PostgresStore:
        """Connect, bring the schema up to date and make the coming months' partitions."""
        try:
            raw = psycopg.connect(self.url.text, autocommit=True, **self._timeout())
        except psycopg.Error as exc:
            raise StoreError(f"{self.url}: {self.reason(exc)}") from exc
        try:
            raw.adapters.register_dumper(bool, _BoolAsInt)
            # The store's statements touch a run's rows or a few days': compiling one (JIT) can
            # take seconds when the planner's estimate is large (a JSON list's 100 rows, say).
            raw.execute("SET jit = off")
            _create_schema(raw)
            now = time.time()
            migrate_postgres(raw, partitions=(now - 31 * 86400, now + PARTITIONS_AHEAD_DAYS * 86400))
        except (psycopg.Error, SchemaError) as exc:
            raw.close()
            raise StoreError(f"{self.url}: {self.reason(exc)}") from exc
        self._conn = Connection(raw)
        return self

    def _write(self, events: list[dict[str, Any]], fold: bool) -> None:
        """Write a batch in one transaction, test events in bulk (COPY, see bulk.py); then fold
        the daily rollup in another, unless ``fold`` is false. Device samples fold into their
        rollups as they are written, one batch at a time (see :meth:`apply`). Batches into
        the same run are written one at a time, so that what one finds stored (ids.py) is
        not being written by another."""
        from .bulk import copy_tests
        from .writes import write_events

        with self.transaction() as conn:
            if any(event["type"] in ("device", "device_sample") for event in events):
                conn.execute("SELECT pg_advisory_xact_lock(?)", (_ROLLUP_LOCK,))
            self._lock_runs(conn, {event["vpt.run.id"] for event in events if event["type"] in ("run", "test")})
            write_events(conn, events, copy_tests)
        if fold:
            self.fold_daily()

    def _write_tests(self, rows: list[tuple], fold: bool) -> None:
        """Write test rows in one transaction, in bulk (COPY), their runs locked as :meth:`_write` locks them."""
        from .bulk import copy_tests
        from .test_rows import RUN_ID
        from .writes import write_test_rows

        with self.transaction() as conn:
            self._lock_runs(conn, {row[RUN_ID] for row in rows})
            write_test_rows(conn, rows, copy_tests)
        if fold:
            self.fold_daily()

    @staticmethod
    def _lock_runs(conn: Any, runs: set[str]) -> None:
        """Lock these runs for the transaction, in order: two batches into the same runs cannot wait on each other."""
        if runs:
            conn.execute("SELECT pg_advisory_xact_lock(?, hashtext(value)) FROM json_each(?)",
                         (_RUN_LOCKS, json.dumps(sorted(runs))))

    def fold_daily(self) -> None:
        """Fold the attempts that transactions committed so far queued (others may be writing)."""
        from . import daily

        with self.transaction() as conn:
            daily.fold_concurrently(conn)

    def apply(self, change: Any, *args: Any, **kwargs: Any) -> Any:
        """Run a change in one transaction, one at a time across connections: the rollups are
        read, folded and written back, which concurrent writers would otherwise undo."""
        with self.transaction() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(?)", (_ROLLUP_LOCK,))
            return change(conn, *args, **kwargs)

    def _timeout(self) -> dict[str, Any]:
        return {} if "connect_timeout" in self.url.text else {"connect_timeout": _CONNECT_TIMEOUT}

    @property
    def conn(self) -> Connection:
        if self._conn is None:
            raise StoreError(f"{self.url}: the store is not open")
        return self._conn

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One transaction: all of it or none of it."""
        conn = self.conn
        try:
            with conn.raw.transaction():
                yield conn
        except BaseException as exc:
            conn.known_cases.rolled_back()
            if isinstance(exc, psycopg.Error):
                raise StoreError(f"{self.url}: {self.reason(exc)}") from exc
            raise
        conn.known_cases.committed()

    def leadership(self, role: str) -> PostgresLeadership:
        """Who leads ``role`` over this store (its schema): one process at a time (see store.leadership)."""
        return PostgresLeadership(self.url, role, self._timeout(), self.reason)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.raw.close()
            self._conn = None

    def __enter__(self) -> PostgresStore:
        return self if self._conn is not None else self.open()

    def reason(self, exc: BaseException) -> str:
        """The driver's message without its connection details (they may hold a password)."""
        text = (str(exc) or type(exc).__name__).strip().splitlines()[0]
        return text.replace(self.url.text, str(self.url))
