"""The catalogue's portable SQL and its rendering into each dialect.

A panel's query is SQL that both engines run (see store/sql.py: ``CASE`` rather than
two-argument ``min``/``max``, ``1.0 *`` before a division of counts, no ``floor`` outside
the tokens) with these tokens, the only ``$`` words it may hold:

==================  ====================================================================
``$window(col)``    ``col`` (epoch seconds) within the dashboard's time range
``$overlaps(s, e)`` a span from ``s`` to ``e`` (NULL: still going on) overlapping the range
``$from`` ``$to``   the range's start and end, epoch seconds
``$bucket(col)``    the start of ``col``'s bucket of the dashboard's interval, epoch seconds;
``$bucket(col, n)`` the interval made at least ``n`` seconds (a rollup's own grain)
``$width(n)``       that bucket's width in seconds (at least ``n``): per-hour rates
``$var(name)``      a single-value variable's value, as an SQL string
``$in(col, name)``  ``col`` among a multi-value variable's values; "All" matches every row
``$each(expr, a)``  a table ``a`` of the values of the JSON array ``expr`` (column ``value``)
``$pairs(expr, a)`` a table ``a`` of the JSON object ``expr``'s ``key`` and ``value`` (text)
``$field(expr, k)`` the JSON object ``expr``'s value of key ``k`` (letters, digits, ``_``), text
==================  ====================================================================

Dialects (:data:`pytest_vpt.panels.model.DIALECTS`): ``postgres`` (Grafana's PostgreSQL
datasource: ``$__unixEpochFilter``, ``$__interval_ms``, ``${name:sqlstring}``), ``sqlite``
(frser-sqlite-datasource: ``$__from``/``$__to`` in milliseconds, no other macro) and
``local`` (the product's own pages: named parameters, whose values :func:`parameters` gives,
run on a store connection, which translates ``:name`` for PostgreSQL; ``engine`` says which
engine's spelling of JSON it gets).

"All" is the variable's custom all value :data:`pytest_vpt.panels.model.ALL_VALUE` (the SQL
string ``'__all'``): Grafana inserts a custom all value as it is, unformatted, so
``('__all' IN (${name:sqlstring}) OR col IN (${name:sqlstring}))`` is true for every row when
"All" is chosen, and is ``col IN ('a','b')`` otherwise.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from .model import ALL, ALL_VALUE, DIALECTS, Dialect

_TOKEN = re.compile(r"\$(\w+)")
_PLAIN = re.compile(r"[\w.\"]+\Z")
_NAME = re.compile(r"[a-z][a-z0-9_]{0,30}\Z")
_ARGS = {"window": 1, "overlaps": 2, "from": 0, "to": 0, "bucket": (1, 2), "width": (0, 1), "var": 1, "in": 2,
         "each": 2, "pairs": 2, "field": 2}
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_.]{0,62}\Z")


class PortableSQLError(ValueError):
    """Portable SQL with an unknown token or wrong arguments; the message names it."""


def _range(dialect: Dialect) -> tuple[str, str]:
    return {"postgres": ("$__unixEpochFrom()", "$__unixEpochTo()"),
            "sqlite": ("($__from / 1000.0)", "($__to / 1000.0)"),
            "local": (":vpt_from", ":vpt_to")}[dialect]


def _width(dialect: Dialect, least: str | None) -> str:
    interval = {"postgres": "($__interval_ms / 1000.0)", "sqlite": "($__interval_ms / 1000.0)",
                "local": ":vpt_interval"}[dialect]
    if least is None:
        return interval
    return f"(CASE WHEN {interval} > {least} THEN {interval} ELSE {least} END)"


def _bucket(dialect: Dialect, col: str, least: str | None) -> str:
    width = _width(dialect, least)
    if dialect == "sqlite":  # epoch seconds are positive: truncation is floor (the plugin's SQLite may lack floor)
        return f"(CAST(({col}) / {width} AS INTEGER) * {width})"
    return f"(floor(({col}) / {width}) * {width})"


def _value(dialect: Dialect, name: str) -> str:
    return f":{name}" if dialect == "local" else f"${{{name}:sqlstring}}"


def _in(dialect: Dialect, col: str, name: str) -> str:
    if dialect == "local":
        return f"(:{name}_all = 1 OR {col} IN (SELECT value FROM json_each(:{name}_in)))"
    values = _value(dialect, name)
    return f"({ALL_VALUE} IN ({values}) OR {col} IN ({values}))"


def _json(engine: str, name: str, expr: str, arg: str) -> str:
    """The JSON tokens in an engine's spelling (``engine``: sqlite or postgresql)."""
    if name == "field":
        if not _KEY.match(arg):
            raise PortableSQLError(f"$field's key {arg!r} is not a plain name")
        return f"(CAST({expr} AS jsonb) ->> '{arg}')" if engine == "postgresql" else f"json_extract({expr}, '$.{arg}')"
    if engine == "postgresql":
        function, columns = ("jsonb_array_elements_text", "value") if name == "each" else ("jsonb_each_text", "key, value")
        return f"{function}(CAST({expr} AS jsonb)) AS {arg}({columns})"
    return f"json_each({expr}) AS {arg}"


def _token(dialect: Dialect, name: str, args: list[str], engine: str) -> str:
    start, end = _range(dialect)
    if name == "window":
        if dialect == "postgres" and _PLAIN.match(args[0]):  # Grafana's macro takes no parentheses
            return f"$__unixEpochFilter({args[0]})"
        return f"({args[0]} >= {start} AND {args[0]} <= {end})"
    if name == "overlaps":
        return f"({args[0]} <= {end} AND ({args[1]} IS NULL OR {args[1]} >= {start}))"
    if name in ("from", "to"):
        return start if name == "from" else end
    if name == "bucket":
        return _bucket(dialect, args[0], args[1] if len(args) > 1 else None)
    if name == "width":
        return _width(dialect, args[0] if args else None)
    if name == "var":
        return _value(dialect, _variable(args[0]))
    if name == "in":
        return _in(dialect, args[0], _variable(args[1]))
    return _json("postgresql" if dialect == "postgres" else "sqlite" if dialect == "sqlite" else engine,
                 name, args[0], args[1])


def _variable(name: str) -> str:
    if not _NAME.match(name):
        raise PortableSQLError(f"{name!r} is not a variable name (lower-case letters, digits and '_')")
    return name


def render(sql: str, dialect: Dialect, engine: str = "sqlite") -> str:
    """``sql`` (portable, with the tokens above, which may nest) as ``dialect`` runs it; for
    ``local``, on a store of ``engine`` (``sqlite`` or ``postgresql``)."""
    if dialect not in DIALECTS:
        raise PortableSQLError(f"unknown dialect {dialect!r}: known are {', '.join(DIALECTS)}")
    if engine not in ("sqlite", "postgresql"):
        raise PortableSQLError(f"unknown engine {engine!r}: known are sqlite, postgresql")
    out, at = [], 0
    for name, args, start, end in _tokens(sql):
        wanted = _ARGS.get(name)
        if wanted is None:
            raise PortableSQLError(f"unknown token ${name} in {sql!r}: known are "
                                   f"{', '.join('$' + t for t in sorted(_ARGS))}")
        counts = wanted if isinstance(wanted, tuple) else (wanted,)
        if args is not None and name in ("from", "to"):
            raise PortableSQLError(f"${name} takes no parentheses")
        if len(args or ()) not in range(min(counts), max(counts) + 1):
            raise PortableSQLError(f"${name} takes {' or '.join(map(str, counts))} arguments, "
                                   f"not {len(args or ())}, in {sql!r}")
        out.append(sql[at:start])
        out.append(_token(dialect, name, [render(a, dialect, engine) for a in args or ()], engine))
        at = end
    out.append(sql[at:])
    return "".join(out)


def _tokens(sql: str) -> Iterator[tuple[str, list[str] | None, int, int]]:
    """Each top-level token of ``sql``: its name, its arguments (split at the commas outside
    parentheses and quotes; None without parentheses), where it starts and ends."""
    at = 0
    while (match := _TOKEN.search(sql, at)) is not None:
        name, end = match.group(1), match.end()
        if end >= len(sql) or sql[end] != "(":
            yield name, None, match.start(), end
            at = end
            continue
        depth, quote, args, piece = 0, None, [], end + 1
        for index in range(end, len(sql)):
            char = sql[index]
            if quote:
                quote = None if char == quote else quote
            elif char in "'\"":
                quote = char
            elif char == "(":
                depth += 1
            elif char == ")":
                depth -= 1
                if depth == 0:
                    args.append(sql[piece:index].strip())
                    break
            elif char == "," and depth == 1:
                args.append(sql[piece:index].strip())
                piece = index + 1
        else:
            raise PortableSQLError(f"${name}'s parenthesis is not closed in {sql!r}")
        yield name, [a for a in args if a] if any(args) else [], match.start(), index + 1
        at = index + 1


def variables_of(sql: str) -> set[str]:
    """The variables a portable query uses (``$var`` and ``$in``)."""
    found = set()
    for name, args, _, _ in _tokens(sql):
        if name in ("var", "in") and args:
            found.add(args[-1])
        for arg in args or ():
            found |= variables_of(arg)
    return found


def parameters(
    start: float, end: float, interval: float, variables: Mapping[str, str | Sequence[str]] | None = None,
) -> dict[str, Any]:
    """The values of the local dialect's parameters: the range (epoch seconds), the interval
    (seconds) and each variable: a single value, a list of values, or :data:`ALL` (``$var``
    reads ``:name``, ``$in`` reads ``:name_in``, a JSON list, and ``:name_all``)."""
    for label, value in (("start", start), ("end", end), ("interval", interval)):
        if not isinstance(value, (int, float)) or not math.isfinite(value):
            raise PortableSQLError(f"{label} must be a finite number of seconds, not {value!r}")
    if end < start:
        raise PortableSQLError(f"the range ends ({end}) before it starts ({start})")
    if interval <= 0:
        raise PortableSQLError(f"the interval must be positive, not {interval}")
    found: dict[str, Any] = {"vpt_from": float(start), "vpt_to": float(end), "vpt_interval": float(interval)}
    for name, value in (variables or {}).items():
        _variable(name)
        values = None if value == ALL else [value] if isinstance(value, str) else [str(v) for v in value]
        found[name] = values[0] if values else None  # $var(name)
        found[f"{name}_in"] = json.dumps(values or [])  # $in(col, name)
        found[f"{name}_all"] = 0 if values is not None else 1
    return found
