"""The panels' numbers on a small history written by hand, on SQLite and PostgreSQL, through
Grafana's expansion and through the product's own dialect: pass rates, durations' p50 and p95,
outcomes, failure causes, markers, uptime, MTBF, MTTR, incidents."""

from __future__ import annotations

import math
import time

import pytest

from grafana_expand import expand, run_postgres_read_only, run_sqlite_read_only
from pytest_vpt.analytics.buckets import bucket, middle
from pytest_vpt.events import builders
from pytest_vpt.panels.catalogue import DASHBOARDS, panels
from pytest_vpt.panels.dialects import parameters, render
from pytest_vpt.panels.model import ALL
from pytest_vpt.store import open_store
from pytest_vpt.store.access import grant_reader
from pytest_vpt.store.after_write import after_write
from test_panels import READER, reader_dsn

DAY, HOUR = 86400.0, 3600.0
T = math.floor(time.time() / DAY) * DAY - 3 * DAY  # day 0: three UTC days ago
START, END = T, T + 3 * DAY
STREAM = "rtsp://cam/1"
PANELS = {panel.key: panel for dashboard in DASHBOARDS for panel in panels(dashboard)}
EVERYTHING = {"project": "box", "branch": ALL, "device": ALL, "stream": ALL}
# run id -> start, branch, {test: [(outcome, call seconds), ...]}, markers by test
RUNS = {
    "r1": (T + HOUR, "main", {"a": [("passed", 1.0)], "b": [("failed", 2.0)], "c": [("rerun", 0.5), ("passed", 4.0)]}),
    "r2": (T + DAY + HOUR, "dev", {"a": [("passed", 1.0)], "b": [("passed", 2.0)], "c": [("passed", 4.0)]}),
}
MARKERS = {"a": ["smoke"], "b": ["smoke"], "c": ["slow"]}


def run_batches(run_id: str) -> list[list[dict]]:
    at, branch, tests = RUNS[run_id]
    context = {"vcs.ref.head.name": branch}
    attempts, counts = [], {"tests": len(tests), "passed": 0, "failed": 0, "rerun": 0}
    for name, tries in tests.items():
        for number, (outcome, call) in enumerate(tries, start=1):
            final = number == len(tries)
            counts[outcome] += 1
            attempts.append(builders.attempt_event(
                f"{run_id}-{name}-{number}", run_id=run_id, project="box", nodeid=f"t.py::{name}", outcome=outcome,
                attempt=number, final=final, started_at=at + number, finished_at=at + number + call, call=call,
                markers=MARKERS[name], device="stb-1", error_type="AssertionError" if outcome == "failed" else None))
    return [[builders.run_event(run_id, "box", "running", at, context=context)], attempts,
            [builders.run_event(run_id, "box", "finished", at, finished_at=at + 60, exit_status=0, counts=counts,
                                context=context)]]


def device_batches() -> list[list[dict]]:
    """stb-1 probed every minute for an hour of day 1: offline for two probes (120 s, within its
    120 s grace: no incident), then for five (300 s: an incident)."""
    start = T + DAY + 2 * HOUR
    device = builders.device_event("box", "stb-1", "stb", "tcp", 60.0, 5.0, 120.0, start)
    samples = [builders.device_sample_event("box", "stb-1", start + i * 60, not (10 <= i < 12 or 30 <= i < 35), 60.0,
                                            response_time=0.05) for i in range(60)]
    return [[device, *samples[:20]], samples[20:40], samples[40:]]


def video_batches() -> list[list[dict]]:
    at = T + 2 * DAY + HOUR
    return [[builders.incident_event("box", "freeze", STREAM, at + 10, 2.5, "minor", end=at + 12.5),
             builders.incident_event("box", "black_screen", STREAM, at + 60, 4.0, "major", end=at + 64),
             builders.metric_event("q1", "box", "video.quality_score", 80.0, "gauge", at + 100, tags={"source": STREAM}),
             builders.metric_event("q2", "box", "video.quality_score", 90.0, "gauge", at + 200, tags={"source": STREAM})]]


@pytest.fixture
def small(store_url):
    with open_store(store_url) as store:
        for batch in [*run_batches("r1"), *run_batches("r2"), *device_batches(), *video_batches()]:
            store.write(batch)
            after_write(store, batch)
        if store_url.startswith("postgresql"):
            grant_reader(store, READER)
    return store_url


def read(url: str, key: str, ref: str = "A", values: dict = EVERYTHING, interval: float = HOUR) -> list[list[tuple]]:
    """The panel's rows: through Grafana's expansion (read-only), and through the local dialect."""
    query = next(q for q in PANELS[key].queries if q.ref_id == ref)
    engine = "postgresql" if url.startswith("postgresql") else "sqlite"
    dialect = "postgres" if engine == "postgresql" else "sqlite"
    text = expand(render(query.sql, dialect), dialect, START, END, interval, values,
                  {v.name: v.all_value for d in DASHBOARDS for v in d.variables})
    if engine == "sqlite":
        grafana = run_sqlite_read_only(__import__("pathlib").Path(url.removeprefix("sqlite:///")), text)[1]
    else:
        grafana = run_postgres_read_only(reader_dsn(), url.split("search_path%3D")[-1], text)[1]
    with open_store(url) as store:
        local = store.conn.execute(render(query.sql, "local", engine), parameters(START, END, interval, values)).fetchall()
    found = [[tuple(float(v) if type(v).__name__ == "Decimal" else v for v in row) for row in rows]
             for rows in (grafana, [tuple(row) for row in local])]
    assert found[0] == pytest.approx(found[1]) if found[0] and not any(isinstance(v, str) for v in found[0][0]) \
        else found[0] == found[1]
    return found[0]


def test_pass_rates_over_the_range_per_bucket_and_per_branch(small) -> None:
    # r1: a and c passed (c on a rerun), b failed: 2 of 3; r2: 3 of 3
    assert read(small, "pass-rate-gauge") == [(pytest.approx(500 / 6),)]
    # hourly buckets (the interval is an hour): each run's hour
    assert read(small, "pass-rate") == [(T + HOUR, pytest.approx(200 / 3), pytest.approx(100 / 3)),
                                        (T + DAY + HOUR, 100.0, 0.0)]
    assert read(small, "pass-rate", values={**EVERYTHING, "branch": ["dev"]}) == [(T + DAY + HOUR, 100.0, 0.0)]
    assert read(small, "pass-rate", values={**EVERYTHING, "branch": ["main", "dev"]}) == read(small, "pass-rate")
    assert read(small, "tests-per-hour") == [(T + HOUR, 3.0), (T + DAY + HOUR, 3.0)]
    # a day's interval: a day's 3 tests are 3 / 24 an hour; its pass rate the day's
    assert read(small, "tests-per-hour", interval=DAY) == [(T, 0.125), (T + DAY, 0.125)]
    assert read(small, "pass-rate", interval=DAY)[0] == (T, pytest.approx(200 / 3), pytest.approx(100 / 3))


def test_duration_percentiles_are_those_of_the_day_s_final_attempts(small) -> None:
    # each day's final attempts took 1, 2 and 4 s: p50 is the 2nd (rank 1.5), p95 the 3rd (2.85)
    p50, p95 = middle(bucket(2.0)), middle(bucket(4.0))
    assert read(small, "duration-trend") == [(T, p50, p95, pytest.approx(7 / 3)), (T + DAY, p50, p95, pytest.approx(7 / 3))]


def test_outcomes_causes_and_markers(small) -> None:
    assert read(small, "outcomes") == [(5, 1, 0, 0, 0, 0, 1)]
    assert read(small, "failure-causes") == [("AssertionError", 1, 1, T + HOUR + 1)]
    # smoke: a twice, b once of twice; slow: c twice
    assert read(small, "pass-rate-by-marker") == [("smoke", 75.0), ("slow", 100.0)]


def test_uptime_mtbf_mttr_and_incidents(small) -> None:
    assert read(small, "availability") == [(pytest.approx(100 * 3180 / 3600),)]
    assert read(small, "mtbf-mttr", "A") == [(3180.0,)]
    assert read(small, "mtbf-mttr", "B") == [(300.0,)]
    start = T + DAY + 2 * HOUR + 30 * 60
    assert read(small, "device-incidents") == [("stb-1", start, start + 300, 300.0, None)]
    assert read(small, "device-incidents", values={**EVERYTHING, "device": ["stb-2"]}) == []


def test_video_incidents_and_scores(small) -> None:
    assert read(small, "video-incident-counts") == [(1, 1, 2, 6.5)]
    assert read(small, "quality-score") == [(T + 2 * DAY + HOUR, STREAM, 85.0)]
    assert read(small, "stream-health")[0][:4] == (STREAM, 2, 6.5, 85.0)
