"""The KPI rollups (``kpi_daily`` per project and UTC day, ``kpi_device_daily`` per device or
video stream and day), recomputed for the days a write touches.

Each day is summed again from what the other rollups and the day's own rows hold: runs
(wall time, tests, final counts), ``test_daily`` and the verdicts (tests run, flaky ones: ``kpi_flaky_tests``),
``test_episodes`` (started, ended, repair time, passing gaps), ``device_health_hourly`` and
``device_incidents`` (covered, online, incidents started and ended), ``video_incidents`` and
the ``video.quality_score`` metric: one grouped statement each over the touched days' span,
then the days' scores (pytest_vpt.analytics.kpis.quality_score). :func:`rebuild` recomputes
every day the same way, so the rollups of a history written in batches equal a rebuild's.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from ..analytics.buckets import bucket
from ..analytics.kpis import per_hour, quality_score, share, video_qoe
from . import episodes, run_groups
from .daily import DAY, day_of
from .sql import upsert

_D = f"floor({{0}} / {DAY}) * {DAY}"
_SPAN = "project = ? AND {0} >= ? AND {0} < ?"
QUALITY_METRIC = "video.quality_score"

DAILY_COLUMNS = ("runs", "wall_sum", "wall_count", "wall_hist", "tests", "passed", "failed", "error", "quarantined",
          "tests_run", "flaky_tests", "episodes_started", "episodes_ended", "repair_sum", "repair_runs", "up_sum",
          "up_count", "device_covered", "device_online", "device_incidents", "device_repaired", "device_repair_sum",
          "video_incidents", "video_seconds", "video_score_sum", "video_score_count", "covered")
DEVICE_COLUMNS = ("covered", "online", "incidents", "repaired", "repair_sum", "video_incidents", "video_seconds",
           "video_score_sum", "video_score_count")
_UPSERT_DAY = upsert("kpi_daily", ("project", "day", *DAILY_COLUMNS, "quality", "parts"), ("project", "day"))
_UPSERT_DEVICE = upsert("kpi_device_daily", ("project", "device", "kind", "day", *DEVICE_COLUMNS, "quality", "parts"),
                        ("project", "kind", "device", "day"))
_WALL = "CASE WHEN finished_at >= started_at THEN finished_at - started_at END"
_S, _E, _T, _H = (_D.format(column) for column in ("started_at", "ended_at", "time", "hour"))
# What each day sums, one grouped read per source: (key, day, values, FROM ... WHERE ... GROUP BY ...);
# each WHERE takes the project and the span's start and end.
_SOURCES = {
    "runs": ("NULL", _S, ("count(*)", f"coalesce(sum({_WALL}), 0)", f"count({_WALL})"),
             f"FROM runs WHERE status = 'finished' AND {_SPAN.format('started_at')} GROUP BY {_S}"),
    "walls": ("NULL", _S, (_WALL,), f"FROM runs WHERE status = 'finished' AND {_WALL} IS NOT NULL AND "
                                    f"{_SPAN.format('started_at')}"),
    "tests": ("NULL", "day", ("sum(runs)", "sum(passed)", "sum(failed)", "sum(error)", "sum(quarantined)",
                              "sum(CASE WHEN runs > skipped THEN 1 ELSE 0 END)"),
              f"FROM test_daily WHERE {_SPAN.format('day')} GROUP BY day"),
    # the flaky ones as of the last refresh (store.kpi_refresh.flaky_days keeps kpi_flaky_tests)
    "flaky": ("NULL", "d.day", ("count(*)",), "FROM kpi_flaky_tests k JOIN test_daily d ON d.test_id = k.test_id "
              "WHERE k.project = ? AND d.day >= ? AND d.day < ? AND d.runs > d.skipped GROUP BY d.day"),
    "started": ("NULL", _S, ("count(*)", "coalesce(sum(CASE WHEN previous_end IS NOT NULL "
                                         "THEN started_at - previous_end END), 0)", "count(previous_end)"),
                f"FROM test_episodes WHERE {_SPAN.format('started_at')} GROUP BY {_S}"),
    "ended": ("NULL", _E, ("count(*)", "sum(ended_at - started_at)", "sum(runs)"),
              f"FROM test_episodes WHERE {_SPAN.format('ended_at')} GROUP BY {_E}"),
    "hours": ("device_id", _H, ("sum(covered)", "sum(online)"),
              f"FROM device_health_hourly WHERE {_SPAN.format('hour')} GROUP BY device_id, {_H}"),
    "outages": ("device_id", _S, ("count(*)",),
                f"FROM device_incidents WHERE {_SPAN.format('started_at')} GROUP BY device_id, {_S}"),
    "repairs": ("device_id", _E, ("count(*)", "sum(ended_at - started_at)"),
                f"FROM device_incidents WHERE {_SPAN.format('ended_at')} GROUP BY device_id, {_E}"),
    "video": ("source", _S, ("count(*)", "sum(duration)"),
              f"FROM video_incidents WHERE {_SPAN.format('started_at')} GROUP BY source, {_S}"),
    "scores": ("tags", _T, ("value",), f"FROM metrics WHERE name = '{QUALITY_METRIC}' AND {_SPAN.format('time')}"),
}
_WIDTH = max(len(values) for _, _, values, _ in _SOURCES.values())
_NONE = "CAST(NULL AS DOUBLE PRECISION)"  # typed: PostgreSQL would take a column of NULLs for text
# All of them in one statement (one round trip): rows of (source, key, day, value 1..6).
_READ_DAYS = " UNION ALL ".join(
    f"SELECT '{name}', {key}, {day}, {', '.join([*values, *[_NONE] * (_WIDTH - len(values))])} {rest}"
    for name, (key, day, values, rest) in _SOURCES.items())


def refresh_days(conn: Any, project: str, days: Iterable[float]) -> None:
    """Recompute the project's KPI rows of these UTC days (those without data are removed)."""
    chosen = sorted({day_of(day) for day in days})
    if not chosen:
        return
    span = (project, chosen[0], chosen[-1] + DAY)
    found: dict[str, list[tuple]] = {name: [] for name in _SOURCES}
    for source, key, day, *values in conn.execute(_READ_DAYS, span * len(_SOURCES)):
        found[source].append((day, *values[:len(_SOURCES[source][2])]) if _SOURCES[source][0] == "NULL"
                             else (key, day, *values[:len(_SOURCES[source][2])]))
    project_days, device_days = _sum(found, set(chosen))
    marks = ", ".join("?" * len(chosen))
    for table in ("kpi_daily", "kpi_device_daily"):
        conn.execute(f"DELETE FROM {table} WHERE project = ? AND day IN ({marks})", (project, *chosen))
    conn.executemany(_UPSERT_DAY, [(project, day, *(row[c] for c in DAILY_COLUMNS), *_scored(project_parts(row)))
                                   for day, row in sorted(project_days.items())])
    conn.executemany(_UPSERT_DEVICE, [
        (project, device, kind, day, *(row[c] for c in DEVICE_COLUMNS),
         *_scored(device_parts(row, project_days[day]["covered"] if day in project_days else 0.0)))
        for (kind, device, day), row in sorted(device_days.items())])


def _sum(found: dict[str, list], chosen: set[float]) -> tuple[dict, dict]:
    """The rows of the chosen days: per day, and per (kind, device, day)."""
    days: dict[float, dict[str, Any]] = defaultdict(lambda: dict.fromkeys(DAILY_COLUMNS, 0) | {"wall_hist": ""})
    devices: dict[tuple[str, str, float], dict[str, Any]] = defaultdict(lambda: dict.fromkeys(DEVICE_COLUMNS, 0))

    def day(value: Any) -> float | None:
        value = float(value)
        return value if value in chosen else None

    def add(row: dict, names: tuple[str, ...], values: Iterable[Any]) -> None:
        for name, value in zip(names, values):
            row[name] += value or 0

    for d, *values in found["runs"]:
        if day(d) is not None:
            add(days[day(d)], ("runs", "wall_sum", "wall_count"), values)
    walls: dict[float, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for d, wall in found["walls"]:
        if day(d) is not None:
            walls[day(d)][bucket(wall)] += 1
    for d, counts in walls.items():
        days[d]["wall_hist"] = " ".join(f"{b} {counts[b]}" for b in sorted(counts))
    for name, columns in (("tests", ("tests", "passed", "failed", "error", "quarantined", "tests_run")),
                          ("flaky", ("flaky_tests",)), ("started", ("episodes_started", "up_sum", "up_count")),
                          ("ended", ("episodes_ended", "repair_sum", "repair_runs"))):
        for d, *values in found[name]:
            if day(d) is not None:
                add(days[day(d)], columns, values)
    for name, columns, totals in (("hours", ("covered", "online"), ("device_covered", "device_online")),
                                  ("outages", ("incidents",), ("device_incidents",)),
                                  ("repairs", ("repaired", "repair_sum"), ("device_repaired", "device_repair_sum")),
                                  ("video", ("video_incidents", "video_seconds"), ("video_incidents", "video_seconds"))):
        kind = "stream" if name == "video" else "device"
        for device, d, *values in found[name]:
            if day(d) is not None:
                add(devices[kind, device, day(d)], columns, values)
                add(days[day(d)], totals, values)
    for tags, d, value in found["scores"]:
        if day(d) is not None:
            source = _source(tags)
            for row in (days[day(d)], *([devices["stream", source, day(d)]] if source else [])):
                add(row, ("video_score_sum", "video_score_count"), (value, 1))
    for row in days.values():
        row["covered"] = row["wall_sum"] + row["device_covered"]
    return days, devices


def _source(tags: str | None) -> str | None:
    try:
        source = json.loads(tags or "{}").get("source")
    except (ValueError, AttributeError):
        return None
    return source if isinstance(source, str) and source else None


def project_parts(row: dict[str, Any]) -> dict[str, float | None]:
    """The quality score's parts (0-100) of a day's (or a window's) sums."""
    rate = pass_rate(row)
    flaky = share(row["flaky_tests"], row["tests_run"])
    return {"pass_rate": _percent(rate), "flaky": None if flaky is None else 100.0 * (1.0 - flaky),
            "availability": _percent(share(row["device_online"], row["device_covered"])),
            "video": video_part(row, row["covered"])}


def pass_rate(row: dict[str, Any]) -> float | None:
    """Final outcomes passed / passed, failed and error, failures of quarantined tests left out."""
    return share(row["passed"], row["passed"] + row["failed"] + row["error"] - row["quarantined"])


def device_parts(row: dict[str, Any], covered: float) -> dict[str, float | None]:
    """A device's (or stream's) parts: its availability, its video QoE over ``covered`` seconds."""
    return {"availability": _percent(share(row["online"], row["covered"])), "video": video_part(row, covered)}


def video_part(row: dict[str, Any], covered: float) -> float | None:
    """Video QoE of sums with video incidents or quality scores; None without video."""
    if not row["video_incidents"] and not row["video_score_count"]:
        return None
    score = row["video_score_sum"] / row["video_score_count"] if row["video_score_count"] else None
    return video_qoe(per_hour(row["video_incidents"], covered), score)


def _percent(value: float | None) -> float | None:
    return None if value is None else 100.0 * value


def _scored(parts: dict[str, float | None]) -> tuple[float | None, str]:
    score, _ = quality_score(parts)
    return score, json.dumps({name: value for name, value in parts.items() if value is not None}, sort_keys=True)


def rebuild(conn: Any, project: str | None = None) -> int:
    """Fold every episode and group every ended run again, and recompute every day (of one project); returns how many days."""
    episodes.rebuild(conn, project)
    run_groups.rebuild(conn, project)
    where, args = ("WHERE project = ?", (project,)) if project else ("", ())
    for table in ("kpi_daily", "kpi_device_daily", "kpi_flaky_tests"):
        conn.execute(f"DELETE FROM {table} {where}", args)
    projects = [project] if project else sorted({row[0] for row in conn.execute(
        "SELECT project FROM runs UNION SELECT project FROM device_health_hourly UNION SELECT project FROM video_incidents "
        "UNION SELECT project FROM metrics")})
    count = 0
    for name in projects:
        conn.execute("INSERT INTO kpi_flaky_tests (project, test_id) SELECT project, test_id FROM test_flakiness "
                     "WHERE project = ? AND status = 'flaky'", (name,))
        days = _all_days(conn, name)
        for start in range(0, len(days), 366):  # a year at a time
            refresh_days(conn, name, days[start:start + 366])
        count += conn.execute("SELECT count(*) FROM kpi_daily WHERE project = ?", (name,)).fetchone()[0]
    return count


def _all_days(conn: Any, project: str) -> list[float]:
    """Every UTC day a write touches (see store.kpi_refresh), in order: those a run that
    ended spans, those of episodes, device hours and incidents, video incidents and scores."""
    found: set[float] = set(spanned(conn.execute(
        "SELECT started_at, finished_at FROM runs WHERE project = ? AND status != 'running'", (project,))))
    for table, column in (("test_episodes", "started_at"),
                          ("test_episodes", "ended_at"), ("device_health_hourly", "hour"),
                          ("device_incidents", "started_at"), ("device_incidents", "ended_at"),
                          ("video_incidents", "started_at")):
        found.update(float(row[0]) for row in conn.execute(
            f"SELECT DISTINCT {_D.format(column)} FROM {table} WHERE project = ? AND {column} IS NOT NULL", (project,)))
    found.update(float(row[0]) for row in conn.execute(
        f"SELECT DISTINCT {_D.format('time')} FROM metrics WHERE name = '{QUALITY_METRIC}' AND project = ?", (project,)))
    return sorted(found)


def spanned(spans: Iterable[tuple[float, float | None]]) -> Iterable[float]:
    """The UTC days from each span's start to its end (its start's alone without an end)."""
    for start, end in spans:
        day = day_of(start)
        last = day_of(end) if end is not None and end >= start else day
        while day <= last and day - day_of(start) < 31 * DAY:  # a month at most: a run that claims more is not believed
            yield day
            day += DAY
