"""The queries dashboards are built on, each read from a rollup rather than from attempts."""

from __future__ import annotations

import math
import time
from typing import Any

from ..analytics.buckets import percentile
from ..analytics.devices import uptime
from ..analytics.rates import pass_rate
from .daily import DAY, day_of, histogram
from .sql import same_nodeid

HOUR = 3600.0


def pass_rate_per_day(
    conn: Any, project: str, days: int = 30, now: float | None = None, nodeid: str | None = None,
) -> list[dict[str, Any]]:
    """Finished runs per UTC day (from the runs' own counts): tests passed among those judged;
    of one test (``nodeid``: from its daily rollup), its runs passed among those judged."""
    since = day_of(time.time() if now is None else now) - (days - 1) * DAY
    if nodeid is None:
        rows = conn.execute(
            f"SELECT floor(started_at / {DAY}) * {DAY} AS day, count(*), sum(passed), sum(failed), sum(error), "
            "sum(quarantined) FROM runs WHERE project = ? AND status = 'finished' AND started_at >= ? "
            "GROUP BY floor(started_at / 86400.0) ORDER BY day", (project, since),
        )
    else:
        rows = conn.execute(
            "SELECT d.day, sum(d.runs), sum(d.passed), sum(d.failed), sum(d.error), sum(d.quarantined) "
            "FROM test_daily d JOIN test_cases c ON c.test_id = d.test_id "
            f"WHERE d.project = ? AND d.day >= ? AND {same_nodeid('c.nodeid')} GROUP BY d.day ORDER BY d.day",
            (project, since, nodeid, nodeid),
        )
    found = []
    for day, runs, passed, failed, error, quarantined in rows:
        counts = {"passed": passed, "failed": failed, "error": error, "quarantined": quarantined}
        found.append({"day": float(day), "runs": runs, "passed": passed, "failed": failed + error + quarantined,
                      "pass_rate": pass_rate(counts)})
    return found


def duration_p95(
    conn: Any, project: str, days: int = 7, now: float | None = None, nodeid: str | None = None,
) -> list[dict[str, Any]]:
    """Each test's (or ``nodeid``'s) p50 and p95 duration over the last ``days`` days (final
    attempts), slowest first: its days' 5 %-wide histograms added up (see analytics.buckets.percentile)."""
    since = day_of(time.time() if now is None else now) - (days - 1) * DAY
    one, args = (f" AND {same_nodeid('c.nodeid')}", (nodeid, nodeid)) if nodeid is not None else ("", ())
    merged: dict[int, dict[int, int]] = {}
    names: dict[int, str] = {}
    for test_id, nodeid, hist in conn.execute(
        "SELECT d.test_id, c.nodeid, d.duration_hist FROM test_daily d JOIN test_cases c ON c.test_id = d.test_id "
        f"WHERE d.project = ? AND d.day >= ? AND d.duration_count > 0{one}", (project, since, *args),
    ):
        names[test_id] = nodeid
        counts = merged.setdefault(test_id, {})
        get = counts.get
        for index, count in histogram(hist):
            counts[index] = get(index, 0) + count
    found = [{"nodeid": names[test_id], "p50": percentile(counts, 0.5), "p95": percentile(counts, 0.95),
              "runs": sum(counts.values())} for test_id, counts in merged.items()]
    return sorted(found, key=lambda row: (-row["p95"], row["nodeid"]))


def device_uptime_per_hour(
    conn: Any, project: str, hours: int = 24, now: float | None = None, device: str | None = None,
) -> list[dict[str, Any]]:
    """Each device's (or ``device``'s) uptime (time online / time covered) per hour."""
    since = (time.time() if now is None else now) - hours * 3600
    one, args = (" AND device_id = ?", (device,)) if device is not None else ("", ())
    rows = conn.execute(
        "SELECT device_id, hour, covered, online, flaps, incidents FROM device_health_hourly "
        f"WHERE project = ? AND hour >= ?{one} ORDER BY device_id, hour", (project, since - since % 3600, *args),
    )
    return [{"device": device, "hour": hour, "uptime": uptime(online, covered),
             "flaps": flaps, "incidents": incidents} for device, hour, covered, online, flaps, incidents in rows]


def tests_per_hour(conn: Any, project: str, hours: int = 24, now: float | None = None) -> list[dict[str, Any]]:
    """Tests run per UTC hour (from the runs' own counts, by the hour each run started)."""
    since = (time.time() if now is None else now) - hours * HOUR
    rows = conn.execute(
        f"SELECT floor(started_at / {HOUR}) * {HOUR} AS hour, count(*), sum(tests) FROM runs "
        f"WHERE project = ? AND started_at >= ? GROUP BY floor(started_at / {HOUR}) ORDER BY hour",
        (project, since - since % HOUR),
    )
    return [{"hour": float(hour), "runs": int(runs), "tests": int(tests or 0)} for hour, runs, tests in rows]


def trends(
    conn: Any, project: str, since: float, now: float | None = None, nodeid: str | None = None,
    device: str | None = None,
) -> dict[str, Any]:
    """Every trend over the window from ``since`` to ``now``, in whole days and hours: pass rate
    per day, p50/p95 duration per test, tests per hour, device uptime per hour."""
    now = time.time() if now is None else now
    days, hours = (max(1, math.ceil((now - since) / size)) for size in (DAY, HOUR))
    return {
        "project": project, "since": since, "until": now,
        "pass_rate_per_day": pass_rate_per_day(conn, project, days, now, nodeid),
        "durations": duration_p95(conn, project, days, now, nodeid),
        "tests_per_hour": [] if nodeid is not None else tests_per_hour(conn, project, hours, now),
        "device_uptime_per_hour": device_uptime_per_hour(conn, project, hours, now, device),
    }
