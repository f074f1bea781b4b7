"""The KPIs' part of the after-write step: what a batch touched, and those days recomputed.

A batch touches, per project: the days its runs that ended span (their episodes folded
first, in start order: store.episodes), the days of the tests whose verdict turned flaky or
stopped being flaky (their days in ``test_daily``), the days its device samples cover (and
of the incidents of those devices they may have started or ended), and the days of its
video incidents and video quality scores. Only those days are recomputed (store.kpis).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from . import episodes, run_groups
from .daily import day_of
from .kpis import QUALITY_METRIC, refresh_days, spanned


@dataclass
class Touched:
    """What a batch touched: runs that ended, device samples (their spans), days by project."""

    ended: list[str] = field(default_factory=list)
    test_runs: set[str] = field(default_factory=set)  # the runs of its test events
    samples: dict[tuple[str, str], list[tuple[float, float]]] = field(default_factory=lambda: defaultdict(list))
    days: dict[str, set[float]] = field(default_factory=lambda: defaultdict(set))

    def __bool__(self) -> bool:
        return bool(self.ended or self.samples or self.days)

    def add_ended(self, conn: Any) -> None:
        """Count as ended the runs of its test events that ended before them (tests sent late)."""
        late = self.test_runs - set(self.ended)
        if late:
            self.ended.extend(row[0] for row in conn.execute(
                "SELECT run_id FROM runs WHERE run_id IN (SELECT value FROM json_each(?)) AND status != 'running'",
                (json.dumps(sorted(late)),)))


def touched(events: list[dict[str, Any]]) -> Touched:
    """What ``events`` touch, read from the events alone (a batch of test events: nothing)."""
    found = Touched()
    for event in events:
        kind = event["type"]
        if kind == "test":
            found.test_runs.add(event["vpt.run.id"])
            continue
        if kind == "run" and event.get("vpt.run.status") in ("finished", "interrupted"):
            found.ended.append(event["vpt.run.id"])
        elif kind == "device_sample":
            found.samples[event["vpt.project"], event["vpt.device.id"]].append(
                (event["vpt.sample.time"], event["vpt.sample.time"] + event["vpt.device.interval"]))
        elif kind == "incident":
            found.days[event["vpt.project"]].add(day_of(event["vpt.incident.start"]))
        elif kind == "metric" and event.get("vpt.metric.name") == QUALITY_METRIC:
            found.days[event["vpt.project"]].add(day_of(event["vpt.metric.time"]))
    return found


def refresh(conn: Any, batch: Touched) -> dict[str, set[float]]:
    """Fold the batch into the episodes and recompute the days it touched; those days by project."""
    days: dict[str, set[float]] = defaultdict(set, {project: set(found) for project, found in batch.days.items()})
    if batch.ended:
        _runs(conn, sorted(set(batch.ended)), days)
    for (project, device), spans in batch.samples.items():
        days[project].update(day for span in spans for day in spanned([span]))
        first = min(start for start, _ in spans) - 3600.0  # a late sample folds again from its hour's start
        days[project].update(spanned(conn.execute(
            "SELECT started_at, ended_at FROM device_incidents WHERE project = ? AND device_id = ? "
            "AND (ended_at IS NULL OR ended_at >= ? OR started_at >= ?)", (project, device, first, first))))
    for project, found in days.items():
        refresh_days(conn, project, found)
    return days


def _runs(conn: Any, run_ids: list[str], days: dict[str, set[float]]) -> None:
    """The runs that ended, oldest first: their groups, episodes, days, the verdicts that changed."""
    rows = conn.execute("SELECT run_id, project, started_at, finished_at, status FROM runs "
                        "WHERE run_id IN (SELECT value FROM json_each(?)) AND status != 'running'",
                        (json.dumps(run_ids),)).fetchall()
    run_groups.refresh(conn, [row[0] for row in rows])
    for run_id, project, started_at, finished_at, status in sorted(rows, key=lambda row: (row[2], row[0])):
        days[project].update(spanned([(started_at, finished_at)]))
        if status == "finished":
            changed = episodes.refresh(conn, run_id)
            if changed is not None:
                days[project].update(changed[1])
    for project in {row[1] for row in rows}:
        days[project].update(flaky_days(conn, project))


def flaky_days(conn: Any, project: str) -> set[float]:
    """The days of the project's tests whose verdict turned flaky, or stopped being flaky,
    since the last refresh (``kpi_flaky_tests`` then holds the flaky ones of now)."""
    now = {row[0] for row in conn.execute(
        "SELECT test_id FROM test_flakiness WHERE project = ? AND status = 'flaky'", (project,))}
    before = {row[0] for row in conn.execute("SELECT test_id FROM kpi_flaky_tests WHERE project = ?", (project,))}
    changed = sorted(now ^ before)
    if not changed:
        return set()
    listed = json.dumps(changed)
    conn.execute("DELETE FROM kpi_flaky_tests WHERE project = ? AND test_id IN (SELECT CAST(value AS INTEGER) "
                 "FROM json_each(?))", (project, json.dumps(sorted(before - now))))
    conn.executemany("INSERT INTO kpi_flaky_tests (project, test_id) VALUES (?, ?)",
                     [(project, test_id) for test_id in sorted(now - before)])
    return {float(row[0]) for row in conn.execute(
        "SELECT DISTINCT day FROM test_daily WHERE test_id IN (SELECT CAST(value AS INTEGER) FROM json_each(?))",
        (listed,))}
