"""The KPIs of a window, read from the KPI rollups (and, for what a sum of days cannot give,
from ``test_daily``, the verdicts and the open episodes): never from the raw history."""

from __future__ import annotations

import json
import time
from collections import defaultdict
from typing import Any

from ..analytics.buckets import percentile
from ..analytics.kpis import mean, per_hour, quality_score, share
from .daily import DAY, day_of, histogram, merge_hist
from .kpis import DAILY_COLUMNS, DEVICE_COLUMNS, device_parts, pass_rate, project_parts, video_part
from .trends import duration_p95


def kpis(conn: Any, project: str, since: float, until: float | None = None, device: str | None = None,
         slowest: int = 10) -> dict[str, Any]:
    """The project's KPIs over the whole UTC days from ``since``'s to ``until``'s (default: now),
    with its devices and streams (only ``device`` if given), its days, and its slowest tests."""
    until = time.time() if until is None else until
    first, last = day_of(since), day_of(until)
    rows = conn.execute(f"SELECT day, {', '.join(DAILY_COLUMNS)}, quality, parts FROM kpi_daily "
                        "WHERE project = ? AND day >= ? AND day <= ? ORDER BY day", (project, first, last)).fetchall()
    total: dict[str, Any] = dict.fromkeys(DAILY_COLUMNS, 0) | {"wall_hist": ""}
    for row in rows:
        for name in DAILY_COLUMNS:
            total[name] = merge_hist(total[name], row[name]) if name == "wall_hist" else total[name] + row[name]
    tests_run, flaky = conn.execute(
        "SELECT count(DISTINCT d.test_id), count(DISTINCT CASE WHEN f.status = 'flaky' THEN d.test_id END) "
        "FROM test_daily d LEFT JOIN test_flakiness f ON f.test_id = d.test_id "
        "WHERE d.project = ? AND d.day >= ? AND d.day <= ? AND d.runs > d.skipped", (project, first, last)).fetchone()
    total.update(tests_run=tests_run or 0, flaky_tests=flaky or 0)
    devices = _devices(conn, project, first, last, device, total["covered"])
    score, parts = quality_score(project_parts(total))
    walls = dict(histogram(total["wall_hist"]))
    days = int((last - first) / DAY) + 1
    return {
        "project": project, "since": first, "until": last + DAY, "empty": not rows and not devices,
        "quality": {"score": score, "parts": [vars(part) for part in parts]},
        "tests": {
            "runs": total["runs"], "passed": total["passed"], "failed": total["failed"], "error": total["error"],
            "quarantined": total["quarantined"], "pass_rate": pass_rate(total),
            "tests_run": total["tests_run"], "flaky_tests": total["flaky_tests"],
            "flaky_share": share(total["flaky_tests"], total["tests_run"]),
        },
        "episodes": {
            "started": total["episodes_started"], "ended": total["episodes_ended"],
            "mttr": mean(total["repair_sum"], total["episodes_ended"]),
            "mttr_runs": mean(total["repair_runs"], total["episodes_ended"]),
            "mtbf": mean(total["up_sum"], total["up_count"]), "gaps": total["up_count"],
            **_open_episodes(conn, project, last + DAY),
        },
        "speed": {
            "runs": total["runs"], "wall_mean": mean(total["wall_sum"], total["wall_count"]),
            "wall_p50": percentile(walls, 0.5), "wall_p95": percentile(walls, 0.95), "tests": total["tests"],
            "tests_per_hour": per_hour(total["tests"], total["wall_sum"]),
            "slowest": duration_p95(conn, project, days, last)[:slowest],
        },
        "availability": _availability({"covered": total["device_covered"], "online": total["device_online"],
                                       "incidents": total["device_incidents"], "repaired": total["device_repaired"],
                                       "repair_sum": total["device_repair_sum"]}),
        "video": _video(total, total["covered"]),
        "devices": devices,
        "days": [{"day": row["day"], "runs": row["runs"], "pass_rate": pass_rate(row),
                  "uptime": share(row["device_online"], row["device_covered"]), "video_incidents": row["video_incidents"],
                  "quality": row["quality"], "parts": json.loads(row["parts"])} for row in rows],
    }


def known_devices(conn: Any, project: str) -> list[str]:
    """The devices and streams the project's KPI rows name, sorted."""
    return [row[0] for row in conn.execute(
        "SELECT DISTINCT device FROM kpi_device_daily WHERE project = ? ORDER BY device", (project,))]


def _devices(conn: Any, project: str, first: float, last: float, device: str | None, covered: float) -> list[dict]:
    one, args = (" AND device = ?", (device,)) if device is not None else ("", ())
    sums: dict[tuple[str, str], dict[str, Any]] = defaultdict(lambda: dict.fromkeys(DEVICE_COLUMNS, 0))
    for row in conn.execute(f"SELECT kind, device, {', '.join(DEVICE_COLUMNS)} FROM kpi_device_daily "
                            f"WHERE project = ? AND day >= ? AND day <= ?{one} ORDER BY kind, device",
                            (project, first, last, *args)):
        total = sums[row["kind"], row["device"]]
        for name in DEVICE_COLUMNS:
            total[name] += row[name]
    found = []
    for (kind, name), total in sorted(sums.items()):
        score, parts = quality_score(device_parts(total, covered))
        found.append({"device": name, "kind": kind, "quality": {"score": score, "parts": [vars(p) for p in parts]},
                      "availability": _availability(total), "video": _video(total, covered)})
    return found


def _availability(total: dict[str, Any]) -> dict[str, Any]:
    return {"covered": total["covered"], "online": total["online"], "uptime": share(total["online"], total["covered"]),
            "incidents": total["incidents"], "repaired": total["repaired"],
            "mtbf": mean(total["online"], total["incidents"]), "mttr": mean(total["repair_sum"], total["repaired"])}


def _video(total: dict[str, Any], covered: float) -> dict[str, Any]:
    return {"incidents": total["video_incidents"], "seconds": total["video_seconds"], "covered": covered,
            "incidents_per_hour": per_hour(total["video_incidents"], covered),
            "scores": total["video_score_count"], "score_mean": mean(total["video_score_sum"], total["video_score_count"]),
            "qoe": video_part(total, covered)}


def _open_episodes(conn: Any, project: str, until: float, limit: int = 10) -> dict[str, Any]:
    """The episodes open now that started before ``until``: how many, the oldest ones."""
    where = "e.project = ? AND e.ended_at IS NULL AND e.started_at < ?"
    count = conn.execute(f"SELECT count(*) FROM test_episodes e WHERE {where}", (project, until)).fetchone()[0]
    oldest = conn.execute(
        "SELECT c.nodeid, e.branch, e.started_at, e.runs FROM test_episodes e JOIN test_cases c ON c.test_id = e.test_id "
        f"WHERE {where} ORDER BY e.started_at, c.nodeid, e.branch LIMIT ?", (project, until, limit))
    return {"open": count, "open_episodes": [{"nodeid": nodeid, "branch": branch or None, "started_at": started_at,
                                              "runs": runs} for nodeid, branch, started_at, runs in oldest]}
