"""The service's own figures (migration 0018): one row per server instance and sampling
interval, written by ``vpt server``'s sampler and added into the instance's hour (for the
dashboard's longer ranges), both pruned past their retention as rows are written; and the
store's figures the sampler reads with them (size, rollup queue)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: a row's columns, in the table's order
COLUMNS = ("instance", "time", "seconds", "requests", "client_errors", "server_errors", "batches", "events",
           "ingest_p50", "ingest_p95", "ingest_p99", "write_seconds", "write_p95", "database_bytes",
           "rollup_queue", "rollup_lag", "cpu_seconds", "rss_bytes")
_INSERT = (f"INSERT INTO service_samples ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))}) "
           "ON CONFLICT (instance, time) DO NOTHING")
HOUR = 3600.0
#: the hour's figures that add up; the others keep the most of the hour's samples
_SUMMED = ("seconds", "requests", "client_errors", "server_errors", "batches", "events", "write_seconds", "cpu_seconds")
_HOURLY_COLUMNS = ("instance", "hour", *COLUMNS[2:])


def _most(column: str) -> str:
    old, new = f"service_hourly.{column}", f"excluded.{column}"
    return f"{column} = CASE WHEN {old} IS NULL OR {new} > {old} THEN {new} ELSE {old} END"


def _sum(column: str) -> str:
    old, new = f"service_hourly.{column}", f"excluded.{column}"
    return f"{column} = CASE WHEN {old} IS NULL THEN {new} WHEN {new} IS NULL THEN {old} ELSE {old} + {new} END"


_ADD_TO_HOUR = (
    f"INSERT INTO service_hourly ({', '.join(_HOURLY_COLUMNS)}) VALUES ({', '.join('?' * len(_HOURLY_COLUMNS))}) "
    "ON CONFLICT (instance, hour) DO UPDATE SET "
    + ", ".join(_sum(c) if c in _SUMMED else _most(c) for c in COLUMNS[2:])
)


def write(conn: Any, sample: Mapping[str, Any], keep: float) -> int:
    """Store ``sample`` (a value for each of :data:`COLUMNS`; one already stored for its
    instance and time is kept, and not added again) and add it into its hour; delete the
    samples more than ``keep`` seconds older than it, and the hours that ended before those:
    how many samples were deleted."""
    values = [sample[column] for column in COLUMNS]
    if conn.execute(_INSERT, values).rowcount:
        hour = float(sample["time"]) // HOUR * HOUR
        conn.execute(_ADD_TO_HOUR, [values[0], hour, *values[2:]])
    cutoff = float(sample["time"]) - keep
    conn.execute("DELETE FROM service_hourly WHERE hour <= ?", (cutoff - HOUR,))
    return conn.execute("DELETE FROM service_samples WHERE time < ?", (cutoff,)).rowcount


def read(conn: Any, since: float, until: float, instance: str | None, limit: int) -> list[dict[str, Any]]:
    """The rows from ``since`` to ``until`` (of one ``instance``, if given), newest first."""
    where, values = "time >= ? AND time <= ?", [since, until]
    if instance is not None:
        where += " AND instance = ?"
        values.append(instance)
    rows = conn.execute(f"SELECT {', '.join(COLUMNS)} FROM service_samples WHERE {where} "
                        "ORDER BY time DESC, instance LIMIT ?", [*values, limit]).fetchall()
    return [dict(zip(COLUMNS, row)) for row in rows]


def store_figures(conn: Any, engine: str, size: bool = True) -> tuple[float | None, int]:
    """The database's size in bytes (PostgreSQL: the whole database the store is in, as
    /metrics tells it; None unless ``size``: it stats every file of the database) and how
    many attempts wait to be folded into the daily rollup."""
    found = None
    if size and engine == "postgresql":
        found = float(conn.execute("SELECT pg_database_size(current_database())").fetchone()[0])
    elif size:
        found = float(conn.execute("SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()")
                      .fetchone()[0])
    queued = conn.execute("SELECT count(*) FROM test_daily_pending").fetchone()[0]
    return found, int(queued)
