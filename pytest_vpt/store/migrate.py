"""Versioned schema migrations: numbered SQL files per engine, recorded in ``schema_version``."""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from importlib import resources
from typing import Any


class SchemaError(RuntimeError):
    """The database's schema cannot be used by this version of pytest-vpt."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def migrations(engine: str) -> list[Migration]:
    """The migrations of ``engine`` in order (files ``NNNN_name.sql``)."""
    folder = resources.files(__package__) / "migrations" / engine
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            number, _, name = entry.name[:-4].partition("_")
            found.append(Migration(int(number), name, entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    if [m.version for m in found] != list(range(1, len(found) + 1)):
        raise SchemaError(f"{engine} migrations are not numbered 1..{len(found)}")
    return found


def latest_version(engine: str) -> int:
    return len(migrations(engine))


def sql_statements(script: str) -> list[str]:
    """Split a SQL script into complete statements."""
    statements, buffer = [], ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip() and not all(l.strip().startswith("--") for l in buffer.strip().splitlines()):
        raise SchemaError(f"incomplete SQL statement at the end of a migration: {buffer.strip()[:60]!r}")
    return statements


def _apply(engine: str, execute: Any, run_script: Any, target: int | None, real: str, mark: str) -> int:
    """Apply ``engine``'s pending migrations through ``execute`` (inside the caller's transaction)."""
    available = migrations(engine)
    target = len(available) if target is None else target
    execute(f"CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at {real} NOT NULL)")
    current = execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0]
    if current > len(available):
        raise SchemaError(
            f"the database has schema version {current}, newer than this pytest-vpt knows "
            f"({len(available)}): upgrade pytest-vpt"
        )
    for migration in available[current:target]:
        run_script(migration.sql)
        execute(f"INSERT INTO schema_version (version, applied_at) VALUES ({mark}, {mark})", (migration.version, time.time()))
        current = migration.version
    return current


def migrate_sqlite(conn: sqlite3.Connection, target: int | None = None) -> int:
    """Bring a SQLite database (autocommit connection) to ``target`` (default: latest).

    Runs under one write lock, so two processes opening a new database at once migrate it once.
    """
    def run_script(script: str) -> None:
        for statement in sql_statements(script):
            conn.execute(statement)

    conn.execute("BEGIN IMMEDIATE")
    try:
        current = _apply("sqlite", conn.execute, run_script, target, "REAL", "?")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return current


_LOCK = 0x767074  # "vpt": one migrator at a time per database


def migrate_postgres(conn: Any, target: int | None = None, partitions: tuple[float, float] | None = None) -> int:
    """Bring a PostgreSQL schema (an autocommit psycopg connection) to ``target`` (default: latest),
    and make the fact tables' monthly partitions from ``partitions[0]`` to ``[1]`` (epoch
    seconds) under the same lock: two processes opening a new store at once would both make them."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK,))
        # A migration is a script of several statements without parameters: sent as it is.
        version = _apply("postgresql", conn.execute, lambda script: conn.execute(script.encode()), target,
                         "DOUBLE PRECISION", "%s")
        if partitions is not None:
            conn.execute("SELECT vpt_create_partitions(%s, %s)", partitions)
        return version
