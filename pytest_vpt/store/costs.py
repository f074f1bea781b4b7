"""What testing cost and covered over a window of whole UTC days, read from the rollups.

- per day: the runs' wall time (their own start and finish), their CPU time (the runs'
  ``cpu_seconds``; a run pushed from JUnit has none) and coverage
  (``vpt.coverage.percent``, the day's latest), and from ``test_daily`` the tests' own
  seconds, the reruns' and the failures of flaky and quarantined tests (see analytics.costs);
- per flaky or quarantined test: its reruns and failures, and what they cost, dearest first;
- per device and per marker: the tests run and their seconds, from the window's runs and
  their attempts (the attempts are found through their runs' keys; no rollup holds devices
  or markers), a day counted by its runs' starts as everywhere here.
"""

from __future__ import annotations

import math
import time
from typing import Any

from ..analytics.costs import (COVERAGE_PERCENT, hours, last_of_each_day, lost_to_failures, ranked,
                               share, test_cost)
from .daily import DAY, LONGEST, day_of

# a start within the first day is day 0 (PostgreSQL's division of 5e-324 underflows: an error)
_RUN_DAY = f"(CASE WHEN r.started_at < {DAY} THEN 0 ELSE floor(r.started_at / {DAY}) * {DAY} END)"
_IN_WINDOW = "r.project = ? AND r.started_at >= ? AND r.started_at < ?"
_SECONDS = f"coalesce(sum(CASE WHEN a.duration >= 0 AND a.duration <= {LONGEST} THEN a.duration END), 0)"
_FLAKY = "CASE WHEN f.status = 'flaky' THEN 1 ELSE 0 END"


def window(since: float, until: float) -> tuple[float, float]:
    """The whole UTC days from ``since``'s to ``until``'s: their first moment, and the next day's."""
    return day_of(since), day_of(until) + DAY


def costs(conn: Any, project: str, since: float, until: float | None = None, top: int = 20) -> dict[str, Any]:
    """Every figure of the window (see the module); ``top``: how many tests the ranking keeps."""
    until = time.time() if until is None else until
    start, end = window(since, until)
    days: dict[float, dict[str, Any]] = {}

    def day(moment: float) -> dict[str, Any]:
        return days.setdefault(float(moment), _empty_day(float(moment)))

    for moment, runs, wall, cpu, cpu_runs in conn.execute(
        f"SELECT {_RUN_DAY}, count(*), coalesce(sum(r.finished_at - r.started_at), 0), "
        "coalesce(sum(r.cpu_seconds), 0), count(r.cpu_seconds) FROM runs r "
        f"WHERE {_IN_WINDOW} AND r.finished_at IS NOT NULL GROUP BY 1", (project, start, end),
    ):
        day(moment).update(runs=int(runs), wall_seconds=float(wall), cpu_seconds=float(cpu), cpu_runs=int(cpu_runs))
    coverage = _run_coverage(conn, project, start, end)
    for moment, percent in last_of_each_day(coverage).items():
        day(moment)["coverage_percent"] = percent
    for moment, flaky, tests, seconds, reruns, rerun_seconds, failed, failed_seconds, quarantined, quarantined_seconds \
            in conn.execute(
                f"SELECT d.day, {_FLAKY}, sum(d.runs), sum(d.duration_sum), sum(d.reruns), sum(d.rerun_duration_sum), "
                "sum(d.failed + d.error), sum(d.failed_duration_sum), sum(d.quarantined), "
                "sum(d.quarantined_duration_sum) FROM test_daily d LEFT JOIN test_flakiness f ON f.test_id = d.test_id "
                f"WHERE d.project = ? AND d.day >= ? AND d.day < ? GROUP BY d.day, {_FLAKY}", (project, start, end)):
        found = day(moment)
        found["tests"] += int(tests)
        found["test_seconds"] += float(seconds)
        found["reruns"] += int(reruns)
        found["rerun_seconds"] += float(rerun_seconds)
        found["lost_failures"] += int(failed if flaky else quarantined)
        found["failure_seconds"] += lost_to_failures(bool(flaky), float(failed_seconds), float(quarantined_seconds))
    per_day = [days[moment] for moment in sorted(days)]
    latest = last_of_each_day((0.0, started, value) for _, started, value in coverage).get(0.0)
    return {
        "project": project, "since": start, "until": until, "days": per_day,
        "total": _total(per_day, latest), "flaky": flaky_costs(conn, project, start, end, top),
        "devices": devices(conn, project, start, end), "markers": markers(conn, project, start, end),
    }


def _empty_day(moment: float) -> dict[str, Any]:
    return {"day": moment, "runs": 0, "wall_seconds": 0.0, "cpu_seconds": 0.0, "cpu_runs": 0, "tests": 0,
            "test_seconds": 0.0, "reruns": 0, "rerun_seconds": 0.0, "lost_failures": 0, "failure_seconds": 0.0,
            "coverage_percent": None}


def _total(per_day: list[dict[str, Any]], coverage: float | None) -> dict[str, Any]:
    """The window's sums, the share of the tests' time lost, and the latest coverage."""
    total = {key: sum(day[key] for day in per_day) for key in _empty_day(0.0) if key not in ("day", "coverage_percent")}
    lost = total["rerun_seconds"] + total["failure_seconds"]
    return {**total, "lost_seconds": lost, "lost_share": share(lost, total["test_seconds"] + total["rerun_seconds"]),
            "coverage_percent": coverage}


def _run_coverage(conn: Any, project: str, start: float, end: float) -> list[tuple[float, float, float]]:
    """(day, run start, percent) of the window's runs that recorded their coverage: one per
    run (the latest sample, should a run hold more)."""
    rows = conn.execute(
        f"SELECT {_RUN_DAY}, r.started_at, r.run_id, m.value, m.time FROM metrics m "
        "JOIN runs r ON r.run_id = m.run_id "
        f"WHERE m.name = ? AND m.time >= ? AND m.project = ? AND m.test_id IS NULL AND {_IN_WINDOW}",
        (COVERAGE_PERCENT, start, project, project, start, end),
    )
    latest: dict[str, tuple[float, tuple]] = {}
    for moment, started, run_id, value, at in rows:
        if not math.isfinite(value):
            continue
        if run_id not in latest or at >= latest[run_id][0]:
            latest[run_id] = (at, (float(moment), float(started), float(value)))
    return [found for _, found in latest.values()]


def flaky_costs(conn: Any, project: str, start: float, end: float, top: int) -> list[dict[str, Any]]:
    """The tests whose verdict is flaky or whose failures a quarantine turned, by what their
    reruns and those failures cost in the window, dearest first."""
    rows = conn.execute(
        f"SELECT c.nodeid, max(f.status), max({_FLAKY}), sum(d.runs), sum(d.reruns), sum(d.rerun_duration_sum), "
        "sum(d.failed + d.error), sum(d.failed_duration_sum), sum(d.quarantined), sum(d.quarantined_duration_sum) "
        "FROM test_daily d JOIN test_cases c ON c.test_id = d.test_id LEFT JOIN test_flakiness f ON f.test_id = d.test_id "
        "WHERE d.project = ? AND d.day >= ? AND d.day < ? GROUP BY d.test_id, c.nodeid "
        f"HAVING max({_FLAKY}) = 1 OR sum(d.quarantined) > 0", (project, start, end),
    )
    found = []
    for nodeid, status, flaky, runs, reruns, rerun_seconds, failed, failed_seconds, quarantined, quarantined_seconds \
            in rows:
        lost = lost_to_failures(bool(flaky), float(failed_seconds), float(quarantined_seconds))
        found.append({"nodeid": nodeid, "status": status, "runs": int(runs), "reruns": int(reruns),
                      "rerun_seconds": float(rerun_seconds), "failures": int(failed if flaky else quarantined),
                      "failure_seconds": lost, "quarantined": int(quarantined),
                      "cost_seconds": test_cost(float(rerun_seconds), lost)})
    return list(ranked(found, top))


def devices(conn: Any, project: str, start: float, end: float) -> list[dict[str, Any]]:
    """Per device: the attempts that ran on it and their seconds (device-hours), and the
    tests (final attempts) it ran, of how many distinct tests."""
    rows = conn.execute(
        f"SELECT a.device_id, count(*), {_SECONDS}, sum(CASE WHEN a.is_final = 1 THEN 1 ELSE 0 END), "
        "count(DISTINCT a.test_id) FROM runs r JOIN test_attempts a ON a.run_id = r.run_id "
        f"WHERE {_IN_WINDOW} AND a.device_id IS NOT NULL GROUP BY a.device_id ORDER BY a.device_id",
        (project, start, end),
    )
    return [{"device": device, "attempts": int(attempts), "seconds": float(seconds), "hours": hours(float(seconds)),
             "tests": int(tests), "distinct_tests": int(distinct)} for device, attempts, seconds, tests, distinct in rows]


def markers(conn: Any, project: str, start: float, end: float) -> list[dict[str, Any]]:
    """Per marker (the test type: smoke, slow, a device's...): the tests run (final attempts),
    of how many distinct tests, and their seconds; most run first."""
    rows = conn.execute(
        f"SELECT value, count(*), count(DISTINCT a.test_id), {_SECONDS} "
        "FROM runs r JOIN test_attempts a ON a.run_id = r.run_id, json_each(a.markers) "
        f"WHERE {_IN_WINDOW} AND a.is_final = 1 AND a.markers != '[]' GROUP BY value", (project, start, end),
    )
    found = [{"marker": marker, "tests": int(tests), "distinct_tests": int(distinct), "seconds": float(seconds)}
             for marker, tests, distinct, seconds in rows]
    return sorted(found, key=lambda row: (-row["tests"], row["marker"]))
