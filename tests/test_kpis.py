"""KPIs on small histories written by hand, on SQLite and PostgreSQL: failure episodes across
branches (an open one, a flaky pass on retry that is none, a skip that neither starts nor ends
one), speed, a device outage within its grace and one beyond it, video, a day with no runs,
the quality score and its parts; written in batches they equal a rebuild."""

from __future__ import annotations

import json
import math
import random
import time

import pytest
from click.testing import CliRunner

from pytest_vpt.analytics.buckets import bucket, middle
from pytest_vpt.cli import cli
from pytest_vpt.events import builders, make_event
from pytest_vpt.history import History
from pytest_vpt.store import open_store
from pytest_vpt.store.after_write import after_write

DAY, HOUR = 86400.0, 3600.0
T = math.floor(time.time() / DAY) * DAY - 5 * DAY  # day 0 of the history: five UTC days ago
WALLS = {"r1": 100, "r2": 200, "r3": 300, "r4": 400, "r5": 500, "r6": 600, "r7": 700}
# run id -> (start, branch, {test: attempts}): P passed, F failed, S skipped, Q failed while quarantined
RUNS = {
    "r1": (T + 1 * HOUR, "main", {"t.py::a": "P", "t.py::b": "P", "t.py::c": "S", "t.py::q": "Q"}),
    "r2": (T + 2 * HOUR, "main", {"t.py::a": "F", "t.py::b": "FP", "t.py::c": "S"}),
    "r3": (T + 3 * HOUR, "dev", {"t.py::a": "F"}),
    "r4": (T + DAY + 1 * HOUR, "main", {"t.py::a": "F", "t.py::c": "S"}),
    "r5": (T + DAY + 2 * HOUR, "main", {"t.py::a": "P"}),
    # day 2: no runs
    "r6": (T + 3 * DAY + 1 * HOUR, "main", {"t.py::a": "F"}),
    "r7": (T + 3 * DAY + 2 * HOUR, "main", {"t.py::a": "P"}),
}
STREAM = "rtsp://cam/1"


def run_batches(run_id: str, runs: dict | None = None, wall: float | None = None) -> list[list[dict]]:
    """A run (of ``runs``, default RUNS) as a recorder writes it: its start, its tests, then its finish."""
    at, branch, tests = (runs or RUNS)[run_id]
    common = {"vpt.run.id": run_id, "vpt.project": "box"}
    run = {**common, "vpt.run.started_at": at, "vpt.run.exit_status": 0, "vcs.ref.head.revision": "c1",
           "vcs.ref.head.name": branch}
    attempts = []
    for nodeid, letters in tests.items():
        for number, letter in enumerate(letters, start=1):
            final = number == len(letters)
            outcome = {"P": "passed", "S": "skipped"}.get(letter, "failed" if final else "rerun")
            attempts.append(make_event("test", f"{run_id}-{nodeid}-{number}", {
                **common, "test.case.name": nodeid, "vpt.test.attempt": number, "vpt.test.final": final,
                "vpt.test.outcome": outcome, "vpt.test.started_at": at + number, "vpt.test.duration.call": 2.0,
                "vpt.test.quarantined": letter == "Q"}))
    return [[make_event("run", f"{run_id}-started", {**run, "vpt.run.status": "running"})], attempts,
            [make_event("run", f"{run_id}-finished", {**run, "vpt.run.status": "finished",
                                                     "vpt.run.finished_at": at + (wall or WALLS[run_id])})]]


def device_batches() -> list[list[dict]]:
    """stb-1 sampled every minute for an hour of day 1: offline for two samples (120 s, within
    its 120 s grace: no incident), then for five (300 s: an incident)."""
    start = T + DAY
    device = builders.device_event("box", "stb-1", "stb", "tcp", 60.0, 5.0, 120.0, start)
    samples = [builders.device_sample_event("box", "stb-1", start + i * 60, not (10 <= i < 12 or 30 <= i < 35), 60.0)
               for i in range(60)]
    return [[device, *samples[:20]], samples[20:32], samples[32:]]


def video_batches() -> list[list[dict]]:
    """Day 3: two incidents on a stream and one quality score of it."""
    at = T + 3 * DAY + HOUR
    return [[builders.incident_event("box", "freeze", STREAM, at + 10, 5.0, "minor", end=at + 15),
             builders.incident_event("box", "black_screen", STREAM, at + 60, 3.0, "minor", end=at + 63)],
            [builders.metric_event("m1", "box", "video.quality_score", 80.0, "gauge", at + 100, tags={"source": STREAM})]]


def every_batch() -> list[list[dict]]:
    return [batch for run_id in RUNS for batch in run_batches(run_id)] + device_batches() + video_batches()


def write(url: str, batches: list[list[dict]]) -> None:
    with open_store(url) as store:
        for batch in batches:
            store.write(batch)
            after_write(store, batch)


def rollups(url: str) -> dict[str, list[tuple]]:
    with open_store(url) as store:
        return {table: [tuple(row) for row in store.conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2, 3, 4")]
                for table in ("kpi_daily", "kpi_device_daily", "test_episodes")}


def kpis(url: str, **kwargs) -> dict:
    with History.open(url, project="box") as history:
        return history.kpis(T, T + 4 * DAY, **kwargs).to_dict()


def flaky_now(url: str) -> set[str]:
    with History.open(url, project="box") as history:
        return {test.nodeid for test in history.flaky()}


@pytest.fixture
def history_url(store_url) -> str:
    write(store_url, every_batch())
    return store_url


def test_failure_episodes_across_branches(history_url) -> None:
    found = kpis(history_url)
    episodes = found["episodes"]
    # main: a failed in r2 and r4 (r4's skip of c changes nothing), passed in r5: one day, 2 runs;
    # failed again in r6 (two days less an hour after r5), passed in r7: an hour, 1 run.
    # dev: failed in r3 and never ran there again: open, not in MTTR; so is q's on main (its
    # failure while quarantined is a real one). b passed on a retry: no episode.
    assert (episodes["started"], episodes["ended"], episodes["open"]) == (4, 2, 2)
    assert episodes["mttr"] == (DAY + HOUR) / 2 and episodes["mttr_runs"] == 1.5
    assert episodes["mtbf"] == 2 * DAY - HOUR and episodes["gaps"] == 1
    assert episodes["open_episodes"] == [{"nodeid": "t.py::q", "branch": "main", "started_at": T + HOUR, "runs": 1},
                                         {"nodeid": "t.py::a", "branch": "dev", "started_at": T + 3 * HOUR, "runs": 1}]
    with open_store(history_url) as store:
        assert {row[0] for row in store.conn.execute(
            "SELECT c.nodeid FROM test_episodes e JOIN test_cases c ON c.test_id = e.test_id")} == {"t.py::a", "t.py::q"}


def test_tests_speed_and_a_day_without_runs(history_url) -> None:
    found = kpis(history_url)
    tests, speed = found["tests"], found["speed"]
    # final outcomes: passed a,b (r1) b (r2) a (r5) a (r7); failed q (quarantined: left out), a x4
    assert (tests["passed"], tests["failed"], tests["quarantined"]) == (5, 5, 1)
    assert tests["pass_rate"] == 5 / 9
    assert tests["tests_run"] == 3  # a, b, q: c was only skipped
    assert speed["runs"] == 7 and speed["wall_mean"] == 400.0
    assert speed["wall_p50"] == middle(bucket(400.0)) and speed["wall_p95"] == middle(bucket(700.0))
    assert speed["tests"] == 13 and speed["tests_per_hour"] == 13 / (2800 / HOUR)
    assert [t["nodeid"] for t in speed["slowest"]] == ["t.py::a", "t.py::b", "t.py::q"]
    assert speed["slowest"][0]["runs"] == 7 and speed["slowest"][0]["p95"] == middle(bucket(2.0))
    assert [day["day"] for day in found["days"]] == [T, T + DAY, T + 3 * DAY]  # day 2 had nothing
    assert [day["runs"] for day in found["days"]] == [3, 2, 2]


def test_device_availability_an_outage_within_its_grace_is_no_incident(history_url) -> None:
    found = kpis(history_url)
    availability = found["availability"]
    assert (availability["covered"], availability["online"]) == (3600.0, 3180.0)  # 7 offline minutes
    assert availability["uptime"] == 3180 / 3600
    assert (availability["incidents"], availability["repaired"]) == (1, 1)
    assert availability["mttr"] == 300.0 and availability["mtbf"] == 3180.0
    [device, stream] = found["devices"]
    assert (device["device"], device["kind"], device["availability"]) == ("stb-1", "device", availability)
    assert device["quality"]["score"] == pytest.approx(100 * 3180 / 3600)
    assert [p["name"] for p in device["quality"]["parts"] if p["value"] is not None] == ["availability"]
    assert (stream["device"], stream["kind"], stream["video"]["incidents"]) == (STREAM, "stream", 2)


def test_video_qoe_and_the_quality_score_with_its_parts(history_url) -> None:
    found = kpis(history_url)
    video = found["video"]
    covered = 2800 + 3600  # the runs' wall time and the device's covered time
    assert (video["incidents"], video["seconds"], video["covered"]) == (2, 8.0, covered)
    assert video["incidents_per_hour"] == 2 / (covered / HOUR)
    assert (video["scores"], video["score_mean"]) == (1, 80.0)
    assert video["qoe"] == pytest.approx((100 / (1 + 2 / (covered / HOUR)) + 80) / 2)
    flaky = flaky_now(history_url) & {"t.py::a", "t.py::b", "t.py::q"}
    assert found["tests"]["flaky_tests"] == len(flaky) and found["tests"]["flaky_share"] == len(flaky) / 3
    parts = {p["name"]: p for p in found["quality"]["parts"]}
    values = {"pass_rate": 500 / 9, "flaky": 100 * (1 - len(flaky) / 3), "availability": 100 * 3180 / 3600,
              "video": video["qoe"]}
    assert {name: part["value"] for name, part in parts.items()} == pytest.approx(values)
    assert {name: part["used_weight"] for name, part in parts.items()} == {
        "pass_rate": 0.4, "flaky": 0.2, "availability": 0.25, "video": 0.15}
    expected = 0.4 * values["pass_rate"] + 0.2 * values["flaky"] + 0.25 * values["availability"] + 0.15 * values["video"]
    assert found["quality"]["score"] == pytest.approx(expected)
    # day 0 had tests only: pass rate 3 of 5 (q's quarantined failure left out) and flakiness, renormalised
    day0 = found["days"][0]
    assert set(day0["parts"]) == {"pass_rate", "flaky"} and day0["parts"]["pass_rate"] == pytest.approx(60.0)
    assert day0["quality"] == pytest.approx((0.4 * 60 + 0.2 * day0["parts"]["flaky"]) / 0.6)


def test_written_in_batches_the_rollups_equal_a_rebuild(history_url) -> None:
    before = rollups(history_url)
    assert len(before["kpi_daily"]) == 3 and len(before["kpi_device_daily"]) == 2 and len(before["test_episodes"]) == 4
    with History.open(history_url, project=None) as history:
        assert history.rebuild_kpis().days == 3
    assert rollups(history_url) == before


def test_runs_arriving_late_and_twice_give_what_a_rebuild_gives(store_url) -> None:
    batches = [batch for run_id in RUNS for batch in run_batches(run_id)]
    random.Random(7).shuffle(batches)
    write(store_url, batches + [run_batches("r5")[2], run_batches("r2")[2]] + device_batches()[::-1] + video_batches())
    before = rollups(store_url)
    found = kpis(store_url)["episodes"]
    assert (found["started"], found["ended"], found["open"], found["mttr"], found["mtbf"]) == (
        4, 2, 2, (DAY + HOUR) / 2, 2 * DAY - HOUR)
    with History.open(store_url, project=None) as history:
        history.rebuild_kpis()
    assert rollups(store_url) == before


def vpt(url: str, *args: str):
    return CliRunner().invoke(cli, ["--store", url, *args], env={"COLUMNS": "80"})


def test_vpt_kpis_prints_80_columns_and_json(history_url) -> None:
    shown = vpt(history_url, "kpis", "--project", "box", "--since", "10d")
    assert shown.exit_code == 0, shown.output
    lines = shown.output.splitlines()
    assert all(len(line) <= 80 for line in lines), [line for line in lines if len(line) > 80]
    text = shown.output
    assert "quality score" in text and "/ 100, of pass rate, not flaky, availability, video QoE" in text
    assert "pass rate 55.6% of 9 final outcomes (1 quarantined failure left out)" in text
    assert "MTTR 12h 30m (1.5 failing runs)" in text and "MTBF 1d 23h (1 gap); 2 open now (not in MTTR)" in text
    assert "uptime 88.3% of 1h 00m covered; 1 incident, MTBF 53m 00s, MTTR 5m 00s" in text
    assert "stb-1" in text and STREAM in text
    assert "\ncost and coverage\n" in text and "tests run: 13, 20s" in text  # then what vpt costs shows
    data = json.loads(vpt(history_url, "kpis", "--project", "box", "--since", "10d", "--json").output)
    assert data["episodes"]["mttr"] == (DAY + HOUR) / 2 and data["availability"]["uptime"] == 3180 / 3600
    assert data["costs"]["total"]["runs"] == data["speed"]["runs"] == 7
    one = json.loads(vpt(history_url, "kpis", "--project", "box", "--device", "stb-1", "--json").output)
    assert [d["device"] for d in one["devices"]] == ["stb-1"]


def test_vpt_kpis_names_bad_options_and_an_empty_window(history_url) -> None:
    unknown = vpt(history_url, "kpis", "--project", "box", "--device", "stb-9")
    assert unknown.exit_code == 2 and "'--device'" in unknown.output
    assert f"known: {STREAM}, stb-1" in unknown.output
    bad = vpt(history_url, "kpis", "--project", "box", "--since", "lately")
    assert bad.exit_code == 2 and "'--since'" in bad.output
    empty = vpt(history_url, "kpis", "--project", "box", "--since", "1d")
    assert empty.exit_code == 0 and "nothing in the window" in empty.output
    assert json.loads(vpt(history_url, "kpis", "--project", "box", "--since", "1d", "--json").output)["empty"] is True


def test_db_rebuild_rebuilds_the_kpis(history_url) -> None:
    before = rollups(history_url)
    with open_store(history_url) as store:
        store.conn.execute("DELETE FROM kpi_daily")
        store.conn.execute("DELETE FROM test_episodes")
    done = vpt(history_url, "db", "rebuild")
    assert done.exit_code == 0 and "KPIs of 3 project days recomputed" in done.output
    assert rollups(history_url) == before
