"""The per-test, per-day rollup (``test_daily``), folded in as attempts are stored.

Only attempts stored for the first time are folded (a batch sent twice counts once), by
adding to the day's row: counts add up, and durations are kept in 5 %-wide buckets, which
add up too, so a week's p95 is read from seven rows per test.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ..analytics.buckets import bucket, percentile
from .sql import upsert

DAY = 86400.0
OUTCOMES = ("passed", "failed", "error", "skipped", "xfailed", "xpassed")
_COUNTS = ("attempts", "runs", *OUTCOMES, "reruns", "quarantined", "duration_sum", "duration_count")
_UPSERT = upsert("test_daily", ("test_id", "day", "project", *_COUNTS, "duration_p50", "duration_p95", "duration_hist"),
                 ("test_id", "day"))


def day_of(moment: float) -> float:
    return math.floor(moment / DAY) * DAY


@dataclass
class _Day:
    project: str
    counts: Counter = field(default_factory=Counter)
    durations: Counter = field(default_factory=Counter)


def fold(conn: Any, attempts: list[tuple]) -> None:
    """Add newly stored attempts, each ``(test_id, project, started_at, outcome, is_final,
    duration, quarantined)``, to their days' rows."""
    days: dict[tuple[int, float], _Day] = {}
    for test_id, project, started_at, outcome, is_final, duration, quarantined in attempts:
        day = days.get((test_id, day_of(started_at)))
        if day is None:
            day = days[test_id, day_of(started_at)] = _Day(project)
        counts = day.counts
        counts["attempts"] += 1
        if not is_final:
            counts["reruns"] += 1
            continue
        counts["runs"] += 1
        counts[outcome] += 1
        counts["quarantined"] += bool(quarantined)
        if duration is not None and outcome != "skipped":
            counts["duration_sum"] += duration
            counts["duration_count"] += 1
            day.durations[bucket(duration)] += 1
    if not days:
        return
    for (test_id, day), row in _stored(conn, days).items():
        days[test_id, day].counts.update(row.counts)
        days[test_id, day].durations.update(row.durations)
    conn.executemany(_UPSERT, [
        (test_id, day_start, day.project, *(day.counts[c] for c in _COUNTS),
         percentile(day.durations, 0.5), percentile(day.durations, 0.95),
         json.dumps({str(b): n for b, n in sorted(day.durations.items())}, separators=(",", ":")))
        for (test_id, day_start), day in days.items()
    ])


def _stored(conn: Any, days: dict[tuple[int, float], _Day]) -> dict[tuple[int, float], _Day]:
    """The rows already kept for these (test, day) keys."""
    found: dict[tuple[int, float], _Day] = {}
    by_day: dict[float, list[int]] = {}
    for test_id, day in days:
        by_day.setdefault(day, []).append(test_id)
    for day, test_ids in by_day.items():
        for index in range(0, len(test_ids), 500):
            chunk = test_ids[index:index + 500]
            for row in conn.execute(
                f"SELECT test_id, project, {', '.join(_COUNTS)}, duration_hist FROM test_daily "
                f"WHERE day = ? AND test_id IN ({', '.join('?' * len(chunk))})", (day, *chunk),
            ):
                kept = found[row[0], day] = _Day(row[1], Counter(dict(zip(_COUNTS, row[2:-1]))))
                kept.durations.update({int(b): n for b, n in json.loads(row[-1]).items()})
    return found


def rebuild(conn: Any, project: str | None = None) -> int:
    """Fold every stored attempt again; returns how many."""
    where, args = ("WHERE c.project = ?", (project,)) if project else ("", ())
    conn.execute(f"DELETE FROM test_daily {'WHERE project = ?' if project else ''}", args)
    rows = conn.execute(
        "SELECT a.test_id, c.project, a.started_at, a.outcome, a.is_final, a.duration, a.quarantined "
        f"FROM test_attempts a JOIN test_cases c ON c.test_id = a.test_id {where}", args,
    ).fetchall()
    fold(conn, [tuple(row) for row in rows])
    return len(rows)
