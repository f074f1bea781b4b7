"""The queries dashboards are built on, each read from a rollup rather than from attempts."""

from __future__ import annotations

import time
from typing import Any

from ..analytics.buckets import middle
from .daily import DAY, day_of


def pass_rate_per_day(conn: Any, project: str, days: int = 30, now: float | None = None) -> list[dict[str, Any]]:
    """Finished runs per UTC day (from the runs' own counts): tests passed among those judged."""
    since = day_of(time.time() if now is None else now) - (days - 1) * DAY
    rows = conn.execute(
        f"SELECT floor(started_at / {DAY}) * {DAY} AS day, count(*), sum(passed), sum(failed), sum(error), "
        "sum(quarantined) FROM runs WHERE project = ? AND status = 'finished' AND started_at >= ? "
        "GROUP BY floor(started_at / 86400.0) ORDER BY day", (project, since),
    )
    found = []
    for day, runs, passed, failed, error, quarantined in rows:
        judged = passed + failed + error + quarantined
        found.append({"day": float(day), "runs": runs, "passed": passed, "failed": failed + error + quarantined,
                      "pass_rate": passed / judged if judged else None})
    return found


# Each test's buckets over the span, with the count up to each bucket and the test's total.
_DURATION_SHARES = (
    "WITH merged AS (SELECT test_id, bucket, sum(n) AS n FROM test_daily_durations WHERE project = ? AND day >= ? "
    "GROUP BY test_id, bucket), "
    "seen AS (SELECT test_id, bucket, sum(n) OVER (PARTITION BY test_id ORDER BY bucket) AS upto, "
    "sum(n) OVER (PARTITION BY test_id) AS total FROM merged) "
    "SELECT c.nodeid, min(CASE WHEN upto >= 0.5 * total THEN bucket END), "
    "min(CASE WHEN upto >= 0.95 * total THEN bucket END), max(total) "
    "FROM seen s JOIN test_cases c ON c.test_id = s.test_id GROUP BY s.test_id, c.nodeid"
)


def duration_p95(conn: Any, project: str, days: int = 7, now: float | None = None) -> list[dict[str, Any]]:
    """Each test's p50 and p95 duration over the last ``days`` days (final attempts), slowest
    first: read from the days' 5 %-wide buckets (see analytics.buckets.percentile)."""
    since = day_of(time.time() if now is None else now) - (days - 1) * DAY
    found = [{"nodeid": nodeid, "p50": middle(p50), "p95": middle(p95), "runs": int(runs)}
             for nodeid, p50, p95, runs in conn.execute(_DURATION_SHARES, (project, since))]
    return sorted(found, key=lambda row: (-row["p95"], row["nodeid"]))


def device_uptime_per_hour(conn: Any, project: str, hours: int = 24, now: float | None = None) -> list[dict[str, Any]]:
    """Each device's uptime (time online / time covered) per hour."""
    since = (time.time() if now is None else now) - hours * 3600
    rows = conn.execute(
        "SELECT device_id, hour, covered, online, flaps, incidents FROM device_health_hourly "
        "WHERE project = ? AND hour >= ? ORDER BY device_id, hour", (project, since - since % 3600),
    )
    return [{"device": device, "hour": hour, "uptime": online / covered if covered > 1e-9 else None,
             "flaps": flaps, "incidents": incidents} for device, hour, covered, online, flaps, incidents in rows]
