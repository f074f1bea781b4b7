"""SLA compliance (migration 0020): the figures a period's targets need that the KPI read does
not give (tests' mean duration, the service's ingest latency, the tests that failed most),
the compliance rows kept for dashboards, and the reports sent on schedule."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .sql import upsert

#: a compliance row's columns, in the table's order
COLUMNS = ("project", "period", "start", "target", "figure", "goal", "direction", "unit", "met", "computed_at")
_UPSERT = upsert("sla_compliance", COLUMNS, ("project", "period", "start", "target"))


def test_duration(conn: Any, project: str, first_day: float, last_day: float) -> tuple[float, int]:
    """The final attempts' durations from ``first_day`` to ``last_day`` (UTC day starts): sum, count."""
    total, count = conn.execute(
        "SELECT coalesce(sum(duration_sum), 0), coalesce(sum(duration_count), 0) FROM test_daily "
        "WHERE project = ? AND day >= ? AND day <= ?", (project, first_day, last_day)).fetchone()
    return float(total), int(count)


def ingest_latency(conn: Any, since: float, until: float) -> dict[str, Any]:
    """The service's intervals ending after ``since`` and by ``until`` that ingested batches:
    how many, their p95 weighted by their batches, the worst interval's p95."""
    weighted, batches, worst, intervals = conn.execute(
        "SELECT sum(ingest_p95 * batches), sum(batches), max(ingest_p95), count(*) FROM service_samples "
        "WHERE time > ? AND time <= ? AND ingest_p95 IS NOT NULL AND batches > 0", (since, until)).fetchone()
    return {"intervals": int(intervals or 0), "batches": int(batches or 0),
            "p95": float(weighted) / float(batches) if batches else None,
            "worst_p95": None if worst is None else float(worst)}


def most_failed(conn: Any, project: str, first_day: float, last_day: float, limit: int) -> list[dict[str, Any]]:
    """The tests whose final attempts failed (or errored) most from ``first_day`` to
    ``last_day``: node id, failures, runs; most first."""
    rows = conn.execute(
        "SELECT c.nodeid, sum(d.failed + d.error) AS failures, sum(d.runs) AS runs FROM test_daily d "
        "JOIN test_cases c ON c.test_id = d.test_id WHERE d.project = ? AND d.day >= ? AND d.day <= ? "
        "GROUP BY c.nodeid HAVING sum(d.failed + d.error) > 0 ORDER BY 2 DESC, 1 LIMIT ?",
        (project, first_day, last_day, limit)).fetchall()
    return [{"nodeid": nodeid, "failures": int(failures), "runs": int(runs)} for nodeid, failures, runs in rows]


def write_compliance(conn: Any, rows: Iterable[Mapping[str, Any]]) -> int:
    """Store each row (a value for each of :data:`COLUMNS`), replacing the one of its project,
    period, start and target: how many."""
    count = 0
    for row in rows:
        conn.execute(_UPSERT, [row[column] for column in COLUMNS])
        count += 1
    return count


def compliance(conn: Any, project: str, period: str, since: float, until: float) -> list[dict[str, Any]]:
    """The rows of periods starting from ``since`` to before ``until``, oldest first."""
    rows = conn.execute(f"SELECT {', '.join(COLUMNS)} FROM sla_compliance WHERE project = ? AND period = ? "
                        "AND start >= ? AND start < ? ORDER BY start, target", (project, period, since, until))
    return [dict(zip(COLUMNS, row)) for row in rows.fetchall()]


def claim_report(conn: Any, project: str, period: str, start: float, sent_at: float, recipients: int) -> bool:
    """Mark the report of the period starting at ``start`` as sent; False if it was already."""
    return conn.execute("INSERT INTO sla_reports_sent (project, period, start, sent_at, recipients) "
                        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (project, period, start) DO NOTHING",
                        (project, period, start, sent_at, recipients)).rowcount == 1


def unclaim_report(conn: Any, project: str, period: str, start: float) -> None:
    """Forget a report marked sent that could not be delivered (so it is tried again)."""
    conn.execute("DELETE FROM sla_reports_sent WHERE project = ? AND period = ? AND start = ?",
                 (project, period, start))


def last_report(conn: Any, project: str, period: str) -> dict[str, Any] | None:
    """The latest report sent: its period's start, when, to how many recipients."""
    row = conn.execute("SELECT start, sent_at, recipients FROM sla_reports_sent WHERE project = ? AND period = ? "
                       "ORDER BY start DESC LIMIT 1", (project, period)).fetchone()
    return None if row is None else {"start": float(row[0]), "sent_at": float(row[1]), "recipients": int(row[2])}
