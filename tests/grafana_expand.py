"""A panel's SQL expanded as Grafana expands it, for a fixed time range and interval, and run
read-only the way Grafana's datasources run it.

PostgreSQL datasource: dashboard variables and ``$__from``/``$__to`` (epoch milliseconds) first,
then ``$__interval_ms``/``$__interval``, then the ``$__name(args)`` macros (regex
``\\$(\\w+)\\(([^)]*)\\)``: no parentheses inside arguments; an unknown one is an error), epoch
seconds printed as integers. SQLite datasource (frser-sqlite-datasource): the variables,
``$__from``/``$__to`` and ``$__interval_ms``; its one macro, ``$__unixEpochGroupSeconds``, is
not used. A variable's ``${name:sqlstring}`` is its values quoted (``'`` doubled) and joined by
commas; "All" with a custom all value inserts that value as it is (Grafana formats no custom
all value).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Mapping, Sequence
from pathlib import Path

from pytest_vpt.panels.model import ALL

_VARIABLE = re.compile(r"\$\{(\w+)(?::(\w+))?\}|\$(\w+)")
_MACRO = re.compile(r"\$(\w+)\(([^)]*)\)")


class ExpansionError(ValueError):
    """SQL Grafana could not expand (an unknown variable or macro)."""


def interval_text(seconds: float) -> str:
    """``$__interval`` as Grafana prints it (1m, 2h, 30s, 1d)."""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{int(seconds * 1000)}ms"


def _sqlstring(values: Sequence[str]) -> str:
    return ",".join("'" + value.replace("'", "''") + "'" for value in values)


def _variables(sql: str, start: float, end: float, interval: float,
               variables: Mapping[str, str | Sequence[str]], all_values: Mapping[str, str]) -> str:
    builtins = {"__from": str(int(start * 1000)), "__to": str(int(end * 1000)),
                "__interval_ms": str(int(interval * 1000)), "__interval": interval_text(interval)}

    def replace(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(3)
        if name in builtins:
            return builtins[name]
        if name.startswith("__"):  # a macro's name, or a built-in the backend replaces
            return match.group(0)
        if name not in variables:
            raise ExpansionError(f"no value for the variable {name!r} in {sql!r}")
        value = variables[name]
        if value == ALL:
            return all_values[name]
        values = [value] if isinstance(value, str) else list(value)
        return _sqlstring(values) if match.group(2) == "sqlstring" else ",".join(values)

    return _VARIABLE.sub(replace, sql)


def _postgres_macros(sql: str, start: float, end: float) -> str:
    low, high = int(start), int(end)

    def replace(match: re.Match[str]) -> str:
        name, args = match.group(1), [a.strip() for a in match.group(2).split(",")]
        if name == "__unixEpochFilter":
            return f"{args[0]} >= {low} AND {args[0]} <= {high}"
        if name == "__unixEpochFrom":
            return str(low)
        if name == "__unixEpochTo":
            return str(high)
        raise ExpansionError(f"undefined macro: ${name}")

    return _MACRO.sub(replace, sql)


def expand(sql: str, dialect: str, start: float, end: float, interval: float,
           variables: Mapping[str, str | Sequence[str]], all_values: Mapping[str, str] | None = None) -> str:
    """``sql`` (rendered for ``dialect``: postgres or sqlite) as Grafana sends it to the database."""
    text = _variables(sql, start, end, interval, variables, all_values or {})
    if dialect == "postgres":
        return _postgres_macros(text, start, end)
    if "$__" in text:
        raise ExpansionError(f"the SQLite datasource leaves {text[text.index('$__'):][:30]!r} unexpanded")
    return text


def run_sqlite_read_only(path: Path, sql: str) -> tuple[list[str], list[tuple]]:
    """Run ``sql`` as frser-sqlite-datasource does: the file opened read-only through a URI, no
    function of the product's own."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        cursor = conn.execute(sql)
        return [c[0] for c in cursor.description], cursor.fetchall()
    finally:
        conn.close()


def run_postgres_read_only(dsn: str, schema: str, sql: str) -> tuple[list[str], list[tuple]]:
    """Run ``sql`` as Grafana does: as the SELECT-only role (``vpt db init --grafana-role``),
    in a read-only transaction, on the store's schema."""
    import psycopg

    with psycopg.connect(dsn, autocommit=False, connect_timeout=5) as conn:
        conn.execute("SET TRANSACTION READ ONLY")
        conn.execute(f'SET LOCAL search_path TO "{schema}"')
        cursor = conn.execute(sql)
        return [c.name for c in cursor.description], cursor.fetchall()
