"""Who may read a PostgreSQL store: a SELECT-only role for dashboards (Grafana)."""

from __future__ import annotations

import re

import psycopg
from psycopg import sql

from .base import StoreError
from .postgres import PostgresStore

_ROLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}\Z")


class RoleError(ValueError):
    """A role name or request that cannot be carried out; the message says why."""


def grant_reader(store: PostgresStore, role: str, password: str | None = None) -> bool:
    """Make ``role`` (created if missing, with LOGIN and ``password``) able to read every table
    of the store's schema, now and later, and nothing else. Returns whether it was created."""
    if not _ROLE.match(role):
        raise RoleError(f"{role!r} is not a role name (letters, digits and '_', at most 63, not starting with a digit)")
    try:
        return _grant(store.conn.raw, role, password)
    except psycopg.Error as exc:
        raise StoreError(f"{store.url}: {store.reason(exc)}") from exc


def _grant(raw: psycopg.Connection, role: str, password: str | None) -> bool:
    name = sql.Identifier(role)
    with raw.transaction():
        schema = raw.execute("SELECT current_schema()").fetchone()[0]
        created = raw.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone() is None
        if created:
            raw.execute(sql.SQL("CREATE ROLE {} LOGIN").format(name))
        if password is not None:
            raw.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(name, sql.Literal(password)))
        for statement in (
            "GRANT USAGE ON SCHEMA {schema} TO {role}",
            "GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {role}",
            # Tables and partitions this store's user makes later are readable too.
            "ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT SELECT ON TABLES TO {role}",
        ):
            raw.execute(sql.SQL(statement).format(schema=sql.Identifier(schema), role=name))
    return created
