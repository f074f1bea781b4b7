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


def migrate_sqlite(conn: sqlite3.Connection, target: int | None = None) -> int:
    """Bring a SQLite database (autocommit connection) to ``target`` (default: latest).

    Runs under one write lock, so two processes opening a new database at once migrate it once.
    """
    available = migrations("sqlite")
    target = len(available) if target is None else target
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at REAL NOT NULL)"
        )
        current = conn.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0]
        if current > len(available):
            raise SchemaError(
                f"the database has schema version {current}, newer than this pytest-vpt knows "
                f"({len(available)}): upgrade pytest-vpt"
            )
        for migration in available[current:target]:
            for statement in sql_statements(migration.sql):
                conn.execute(statement)
            conn.execute(
                "INSERT INTO schema_version (version, applied_at) VALUES (?, ?)", (migration.version, time.time())
            )
            current = migration.version
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return current


_LOCK = 0x767074  # "vpt": one migrator at a time per database


def migrate_postgres(conn: Any, target: int | None = None) -> int:
    """Bring a PostgreSQL schema (an autocommit psycopg connection) to ``target`` (default: latest)."""
    available = migrations("postgresql")
    target = len(available) if target is None else target
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK,))
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at DOUBLE PRECISION NOT NULL)"
        )
        current = conn.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0]
        if current > len(available):
            raise SchemaError(
                f"the database has schema version {current}, newer than this pytest-vpt knows "
                f"({len(available)}): upgrade pytest-vpt"
            )
        for migration in available[current:target]:
            conn.execute(migration.sql.encode())  # a script: several statements, no parameters
            conn.execute("INSERT INTO schema_version (version, applied_at) VALUES (%s, %s)", (migration.version, time.time()))
            current = migration.version
    return current
