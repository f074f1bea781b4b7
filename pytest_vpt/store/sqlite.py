"""The embedded store: one SQLite file in WAL mode, written in one transaction per batch."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..analytics.buckets import bucket
from .base import Store, StoreError
from .daily import hist_percentile, merge_hist
from .leadership import FileLeadership
from .leases import leases_folder, left_runs
from .migrate import SchemaError, latest_version, migrate_sqlite
from .url import StoreURL


def md5(text: str | None) -> str | None:
    """SQLite's ``md5``: the text itself. The portable SQL only compares ``md5(a) = md5(b)``
    (lookups by node id, which PostgreSQL finds through its md5 index: see sql.same_nodeid);
    equal texts have equal md5s, and SQLite's own index finds the node id, so hashing each
    row here would only cost time (four times per test written)."""
    return text


def _writable(path: Path) -> bool:
    """Whether this process may write the database file and the folder its journal goes in."""
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK | os.X_OK)


def _read_only(path: Path, timeout: float) -> sqlite3.Connection:
    """A connection that only reads (a file this user may not write: a copied artifact, a
    shared read-only folder). Its schema must be the latest, since it cannot be upgraded.
    With no write-ahead log beside it and a folder nobody can write, nothing can change it."""
    frozen = not path.with_name(path.name + "-wal").exists() and not os.access(path.parent, os.W_OK)
    uri = f"{path.resolve().as_uri()}?{'immutable=1' if frozen else 'mode=ro'}"
    conn = sqlite3.connect(uri, uri=True, timeout=timeout, isolation_level=None, check_same_thread=False)
    try:
        conn.create_function("md5", 1, md5, deterministic=True)
        version = conn.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0]
        if version != latest_version("sqlite"):
            raise SchemaError(f"the database is read-only and has schema version {version}, not "
                              f"{latest_version('sqlite')}: open it once where it can be written to upgrade it")
    except BaseException:
        conn.close()
        raise
    conn.row_factory = sqlite3.Row
    return conn


def close_left_runs(conn: sqlite3.Connection, folder: Path) -> None:
    """Close as ``interrupted`` the runs still ``running`` whose writer is gone (see leases.py),
    ended at their last finished attempt (else at their start). The lease of a run not in the
    store (yet: its results may be in the spool), or of a store that cannot take the change
    now, is kept for the next writer."""
    leases = left_runs(folder)
    if not leases:
        return
    ids = [lease.run_id for lease in leases]
    marks = ", ".join("?" * len(ids))
    last_attempt = "(SELECT max(finished_at) FROM test_attempts a WHERE a.run_id = runs.run_id)"
    present: set[str] = set()
    for end in (f"coalesce({last_attempt}, started_at)", "started_at"):  # a damaged store may lack attempts
        try:
            conn.execute(f"UPDATE runs SET status = 'interrupted', finished_at = {end} "
                         f"WHERE status = 'running' AND run_id IN ({marks})", ids)
            present = {row[0] for row in conn.execute(f"SELECT run_id FROM runs WHERE run_id IN ({marks})", ids)}
        except sqlite3.Error:
            continue
        break
    for lease in leases:
        lease.release(keep_file=lease.run_id not in present)


class SQLiteStore(Store):
    """A SQLite database file."""

    engine = "sqlite"
    errors = (sqlite3.Error,)

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
            timeout = self.url.options.get("timeout", 5.0)
            if not create and not _writable(path):
                self._conn = _read_only(path, timeout)
                return self
            conn = sqlite3.connect(path, timeout=timeout, isolation_level=None, check_same_thread=False)
            # the functions PostgreSQL has (built in, or in SQL: migration 0007)
            conn.create_function("md5", 1, md5, deterministic=True)
            conn.create_function("vpt_bucket", 1, bucket, deterministic=True)
            conn.create_function("vpt_merge_hist", 2, merge_hist, deterministic=True)
            conn.create_function("vpt_hist_percentile", 2, hist_percentile, deterministic=True)
            try:
                self._prepare(conn, time.monotonic() + timeout)
                close_left_runs(conn, leases_folder(path))  # every open may write: close the runs left running
            except BaseException:
                conn.close()
                raise
        except (OSError, sqlite3.Error, SchemaError) as exc:
            raise StoreError(f"{self.url}: {self.reason(exc)}") from exc
        conn.row_factory = sqlite3.Row
        self._conn = conn
        return self

    @staticmethod
    def _prepare(conn: sqlite3.Connection, deadline: float) -> None:
        """WAL mode and the latest schema. A database another process is creating at this
        moment can refuse the journal mode at once (no busy wait): try again until ``deadline``."""
        while True:
            try:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                migrate_sqlite(conn)
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StoreError(f"{self.url}: the store is not open")
        return self._conn

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
            raise StoreError(f"{self.url}: {self.reason(exc)}") from exc

    def close_left_runs(self) -> None:
        """Close the runs left ``running`` by a writer that is gone (see :func:`close_left_runs`)."""
        close_left_runs(self.conn, leases_folder(self.url.path))

    def leadership(self, role: str) -> FileLeadership:
        """Who leads ``role`` over this store: one process at a time (see store.leadership)."""
        return FileLeadership(self.url.path, role, self.url.location)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> SQLiteStore:
        return self if self._conn is not None else self.open()

    def reason(self, exc: BaseException) -> str:
        if isinstance(exc, OSError) and exc.strerror:
            return f"{exc.strerror}: {exc.filename}" if exc.filename else exc.strerror
        return str(exc) or type(exc).__name__
