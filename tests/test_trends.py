"""The dashboards' queries on both engines: read from rollups, equal to counting the attempts."""

from __future__ import annotations

import math
import random

import pytest

from pytest_vpt.events import make_event
from pytest_vpt.store import open_store, queries

from conftest import UNDO_MIGRATIONS_FROM_14

DAY = 86400.0
T0 = 1_800_000_000.0 - 1_800_000_000.0 % DAY  # the start of a day


def run(run_id: str, at: float, outcomes: dict[str, list[tuple[str, float]]]) -> list[dict]:
    """A finished run; each test has its attempts as (outcome, duration)."""
    counts = {"passed": 0, "failed": 0}
    events = []
    for nodeid, attempts in outcomes.items():
        for number, (outcome, duration) in enumerate(attempts, start=1):
            final = number == len(attempts)
            counts[outcome] = counts.get(outcome, 0) + final
            events.append(make_event("test", f"{run_id}-{nodeid}-{number}", {
                "vpt.run.id": run_id, "vpt.project": "box", "test.case.name": nodeid, "vpt.test.attempt": number,
                "vpt.test.final": final, "vpt.test.outcome": outcome if final else "rerun",
                "vpt.test.started_at": at + number, "vpt.test.duration.call": duration,
            }))
    events.append(make_event("run", f"{run_id}-finished", {
        "vpt.run.id": run_id, "vpt.project": "box", "vpt.run.status": "finished", "vpt.run.started_at": at,
        "vpt.run.finished_at": at + 60, "vpt.run.exit_status": 0, "vpt.run.counts": {"tests": len(outcomes), **counts},
    }))
    return events


@pytest.fixture
def store(store_url):
    with open_store(store_url) as opened:
        yield opened


def test_pass_rate_per_day_and_durations(store) -> None:
    store.write(run("r1", T0 + 100, {"a": [("passed", 1.0)], "b": [("failed", 2.0)]}))
    store.write(run("r2", T0 + 200, {"a": [("passed", 1.2)], "b": [("failed", 0.5), ("passed", 3.0)]}))
    store.write(run("r3", T0 + DAY + 50, {"a": [("passed", 1.1)], "b": [("passed", 2.5)]}))
    store.write(run("r2", T0 + 200, {"a": [("passed", 1.2)], "b": [("failed", 0.5), ("passed", 3.0)]}))  # resent
    rates = queries.pass_rate_per_day(store.conn, "box", days=30, now=T0 + DAY + 100)
    assert [(r["day"], r["runs"], r["passed"], r["failed"]) for r in rates] == [(T0, 2, 3, 1), (T0 + DAY, 1, 2, 0)]
    assert rates[0]["pass_rate"] == pytest.approx(0.75)
    slow = queries.duration_p95(store.conn, "box", days=7, now=T0 + DAY + 100)
    assert [(row["nodeid"], row["runs"]) for row in slow] == [("b", 3), ("a", 3)]
    assert slow[0]["p95"] == pytest.approx(3.0, rel=0.03) and slow[1]["p50"] == pytest.approx(1.1, rel=0.03)
    day_row = store.conn.execute("SELECT attempts, runs, passed, failed, reruns FROM test_daily d JOIN test_cases c "
                                 "ON c.test_id = d.test_id WHERE c.nodeid = 'b' AND d.day = ?", (T0,)).fetchone()
    assert tuple(day_row) == (3, 2, 1, 1, 1)  # r1's failure, r2's rerun and pass; the resend counted once


def rollup(store) -> list[tuple]:
    return sorted(tuple(row) for row in store.conn.execute("SELECT * FROM test_daily"))


def test_the_daily_rollup_equals_a_rebuild(store) -> None:
    rng = random.Random(4)
    for index in range(30):
        tests = {f"t{n}": [("failed", rng.random())] * rng.randint(0, 1) + [(rng.choice(["passed", "failed", "skipped"]),
                 rng.random() * 5)] for n in range(20)}
        store.write(run(f"run{index}", T0 + index * 7000.0, tests), fold=index % 3 == 2)  # some folds cover 3 batches
    before = rollup(store)
    assert store.rebuild_daily() == store.conn.execute("SELECT count(*) FROM test_attempts").fetchone()[0]
    after = rollup(store)
    assert len(before) == len(after) > 20
    for a, b in zip(before, after):
        assert all(math.isclose(x, y) if isinstance(x, float) else x == y for x, y in zip(a, b)), (a, b)
    assert not store.conn.execute("SELECT count(*) FROM test_daily_pending").fetchone()[0]


def test_an_older_store_gets_its_daily_rollup_again(tmp_path) -> None:
    """Migration 0007 changed how durations are kept: it queues every stored attempt again."""
    with open_store(f"sqlite:///{tmp_path / 'vpt.db'}") as store:
        store.write(run("r1", T0 + 100, {"a": [("passed", 1.0)], "b": [("failed", 0.5), ("passed", 3.0)]}))
        expected = rollup(store)
        assert expected[0][0] == 1 and expected[0][3:5] == (1, 1)  # a: 1 attempt, 1 run
        store.conn.execute("DELETE FROM schema_version WHERE version >= 7")
        for statement in ("DROP TABLE test_daily_pending", "DROP TABLE video_incidents",
                          "DROP TABLE rollup_failures", "DROP TABLE test_flakiness_runs",
                          "ALTER TABLE devices DROP COLUMN flush", *UNDO_MIGRATIONS_FROM_14, "UPDATE test_daily SET duration_hist = '{\"1\": 1}'",
                          *(f"ALTER TABLE test_daily ADD COLUMN {c}" for c in ("duration_p50", "duration_p95"))):
            store.conn.execute(statement)
    with open_store(f"sqlite:///{tmp_path / 'vpt.db'}") as store:
        store.write(run("r2", T0 + 200, {"a": [("passed", 1.2)]}))
        store.write(run("r1", T0 + 100, {"a": [("passed", 1.0)]}))  # resent: counted once
        durations = queries.duration_p95(store.conn, "box", days=1, now=T0 + 300)
        again = rollup(store)
        store.rebuild_daily()
        assert again == rollup(store)
    assert [(row["nodeid"], row["runs"]) for row in durations] == [("b", 1), ("a", 2)]
    assert len(again) == len(expected)
    assert [row for row in expected if row not in again] == [expected[0]]  # a's day: now 2 runs, b's as before


def test_device_uptime_per_hour(store) -> None:
    from pytest_vpt.devices import Sample
    from pytest_vpt.devices.events import sample_event

    hour = T0 + 3600 * 5
    pattern = "+" * 45 + "-" * 15 + "+" * 60  # two hours of minute samples: down for a quarter of the first
    store.write([sample_event(Sample("stb", hour + i * 60, c == "+", 0.01, None, {}, 60.0), "box")
                 for i, c in enumerate(pattern)])
    found = queries.device_uptime_per_hour(store.conn, "box", hours=3, now=hour + 7200)
    assert [(row["device"], row["hour"], row["uptime"]) for row in found] == [("stb", hour, 0.75), ("stb", hour + 3600, 1.0)]
    assert found[0]["flaps"] == 1 and found[0]["incidents"] == 1


def test_vpt_db_rebuild_derives_the_daily_rollup_again(store, store_url) -> None:
    from click.testing import CliRunner

    from pytest_vpt.cli import cli

    store.write(run("r1", T0 + 100, {"a": [("passed", 1.0)], "b": [("failed", 0.5), ("passed", 3.0)]}))
    expected = rollup(store)
    store.conn.execute("UPDATE test_daily SET runs = 0, duration_hist = ''")
    result = CliRunner().invoke(cli, ["--store", store_url, "db", "rebuild"])
    assert result.exit_code == 0
    assert result.output == "folded 3 attempts into the daily rollup again; KPIs of 1 project day recomputed\n"
    assert rollup(store) == expected


@pytest.mark.parametrize(("a", "b"), [("-3 2 5 1", "5 4 -10 1"), ("", ""), (None, "7 1"), ("7 1", None), ("0 3", "0 4")])
def test_histograms_merge_alike_in_sql_and_python(store, a, b) -> None:
    from pytest_vpt.store.daily import merge_hist

    assert store.conn.execute("SELECT vpt_merge_hist(?, ?)", (a, b)).fetchone()[0] == merge_hist(a, b)
