"""SQL that both engines run: written once in SQLite's spelling, translated for PostgreSQL.

The store modules write portable SQL (``ON CONFLICT ... DO UPDATE``, ``CASE`` rather than
two-argument ``min``/``max``) with SQLite's placeholders: ``?`` and ``:name``. For
PostgreSQL, :func:`postgres` turns those into psycopg's ``%s`` and ``%(name)s`` and
``json_each(x)`` into ``jsonb_array_elements_text(CAST(x AS jsonb))`` (both yield ``value``),
and ``group_concat(x, sep)`` into ``string_agg(x, sep)``.

A node id can be longer than PostgreSQL's btree indexes take (about 2,700 bytes): there,
test cases and the quarantine are keyed by ``(project, md5(nodeid))`` (migration 0009),
in SQLite by ``(project, nodeid)``. So ``ON CONFLICT (project, nodeid)`` names the md5 key
on PostgreSQL, and a lookup by node id is written with :func:`same_nodeid` (SQLite's
connection knows ``md5`` too).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

_NAMED = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")
_JSON_EACH = re.compile(r"json_each\(([^()]*)\)")
_GROUP_CONCAT = re.compile(r"\bgroup_concat\(")
_NODEID_TARGET = "ON CONFLICT (project, nodeid)"


def upsert(table: str, columns: Sequence[str], key: Sequence[str]) -> str:
    """INSERT a row of ``columns``; on a conflict of ``key`` replace the other columns."""
    others = [c for c in columns if c not in key]
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))}) "
        f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in others)}"
    )


def same_nodeid(column: str, value: str = "?") -> str:
    """``column`` equals the node id ``value``, found through either engine's index (a
    placeholder ``value`` is to be given twice)."""
    return f"{column} = {value} AND md5({column}) = md5({value})"


def hashed_nodeid_key(sql: str) -> str:
    """``sql``'s conflict target on (project, nodeid) as PostgreSQL's index names it."""
    return sql.replace(_NODEID_TARGET, "ON CONFLICT (project, md5(nodeid))")


def least(a: str, b: str) -> str:
    return f"CASE WHEN {b} < {a} THEN {b} ELSE {a} END"


def greatest(a: str, b: str) -> str:
    return f"CASE WHEN {b} > {a} THEN {b} ELSE {a} END"


@lru_cache(maxsize=512)
def postgres(sql: str) -> str:
    """``sql`` in PostgreSQL's (psycopg's) spelling."""
    sql = sql.replace("%", "%%").replace("?", "%s")
    sql = _JSON_EACH.sub(r"jsonb_array_elements_text(CAST(\1 AS jsonb))", sql)
    sql = _GROUP_CONCAT.sub("string_agg(", sql)
    sql = hashed_nodeid_key(sql)
    return _NAMED.sub(r"%(\1)s", sql)
