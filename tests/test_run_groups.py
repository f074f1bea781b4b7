"""The per-run groups the dashboards read per device, marker and failure cause: equal to what
the ended runs' stored attempts say, kept as runs end and as their tests arrive late, rebuilt
alike, and filled for a store from before them."""

from __future__ import annotations

import math
import time

import pytest

import dashboard_data
from conftest import UNDO_MIGRATIONS_FROM_17
from pytest_vpt.events import builders
from pytest_vpt.store import kpis, open_store
from pytest_vpt.store.after_write import after_write

DAY, HOUR = 86400.0, 3600.0
END = math.floor(time.time() / DAY) * DAY - 6 * HOUR
FIGURES = ("attempts", "seconds", "tests", "test_seconds", "passed", "judged", "failures")
_HOUR = "floor(a.started_at / 3600.0) * 3600"
# the same figures counted from the attempts themselves, per kind
_FROM_ATTEMPTS = {
    "device": ("a.device_id", "", "AND a.device_id IS NOT NULL"),
    "marker": ("m.value", "CROSS JOIN json_each(a.markers) AS m", ""),
    "cause": ("coalesce(a.error_type, '(none)')", "", "AND a.is_final = 1 AND a.outcome IN ('failed', 'error')"),
}


def grouped(store) -> dict:
    rows = store.conn.execute(f"SELECT kind, name, run_id, hour, finished, {', '.join(FIGURES)} FROM run_groups")
    return {tuple(row[:4]): tuple(round(float(v), 6) for v in row[4:]) for row in rows}


def counted(store) -> dict:
    found = {}
    for kind, (name, join, where) in _FROM_ATTEMPTS.items():
        rows = store.conn.execute(
            f"SELECT {name}, a.run_id, {_HOUR}, CASE WHEN r.status = 'finished' THEN 1 ELSE 0 END, count(*), "
            "coalesce(sum(a.duration), 0), sum(a.is_final), "
            "coalesce(sum(CASE WHEN a.is_final = 1 THEN a.duration END), 0), "
            "sum(CASE WHEN a.is_final = 1 AND a.outcome = 'passed' THEN 1 ELSE 0 END), "
            "sum(CASE WHEN a.is_final = 1 AND a.outcome IN ('passed', 'failed', 'error') THEN 1 ELSE 0 END), "
            "sum(CASE WHEN a.is_final = 1 AND a.outcome IN ('failed', 'error') THEN 1 ELSE 0 END) "
            f"FROM test_attempts a JOIN runs r ON r.run_id = a.run_id {join} "
            f"WHERE r.status != 'running' {where} GROUP BY 1, 2, 3, 4")
        for row in rows:
            found[(kind, row[0], row[1], float(row[2]))] = tuple(round(float(v), 6) for v in row[3:])
    return found


@pytest.fixture
def realistic(store_url) -> str:
    dashboard_data.seed(store_url, END, dashboard_data.Scale(days=2, runs_per_day=3, tests=10))
    return store_url


def test_the_groups_are_what_the_ended_runs_attempts_say(realistic) -> None:
    with open_store(realistic) as store:
        found = grouped(store)
        assert {key[0] for key in found} == {"device", "marker", "cause"}
        assert found == {(kind, name, run, float(hour)): figures for (kind, name, run, hour), figures in
                         counted(store).items()}


def test_a_rebuild_and_an_older_store_get_the_same_groups(realistic) -> None:
    with open_store(realistic) as store:
        before = grouped(store)
        store.apply(kpis.rebuild)
        assert grouped(store) == before
        store.conn.execute("DELETE FROM schema_version WHERE version >= 17")
        for statement in UNDO_MIGRATIONS_FROM_17:
            store.conn.execute(statement)
    with open_store(realistic) as store:  # migration 0017 groups every run that ended
        assert grouped(store) == before


def _run(store, run_id: str, at: float, tests: dict[str, str], status: str = "finished") -> None:
    attempts = [builders.attempt_event(f"{run_id}-{name}", run_id=run_id, project="box", nodeid=f"t.py::{name}",
                                       outcome=outcome, attempt=1, final=True, started_at=at + 1,
                                       finished_at=at + 3, call=2.0, markers=["smoke"], device="stb-9",
                                       error_type="Timeout" if outcome == "error" else None)
                for name, outcome in tests.items()]
    for batch in ([builders.run_event(run_id, "box", "running", at)], attempts):
        store.write(batch)
        after_write(store, batch)
    if status:
        ended = [builders.run_event(run_id, "box", status, at, finished_at=at + 60, exit_status=1,
                                    counts={"tests": len(tests)})]
        store.write(ended)
        after_write(store, ended)


def test_a_run_counts_once_it_ends_and_its_late_tests_count_too(store_url) -> None:
    at = END - DAY
    with open_store(store_url) as store:
        _run(store, "live", at, {"a": "passed"}, status="")
        assert grouped(store) == {}  # still running: not in the groups
        _run(store, "done", at, {"a": "passed", "b": "error"})
        _run(store, "cut", at + HOUR, {"a": "failed"}, status="interrupted")
        found = grouped(store)
        hour = math.floor((at + 1) / HOUR) * HOUR
        assert found[("device", "stb-9", "done", hour)] == (1, 2, 4, 2, 4, 1, 2, 1)
        assert found[("cause", "Timeout", "done", hour)][0:1] == (1,)
        assert found[("device", "stb-9", "cut", hour + HOUR)][0] == 0  # interrupted: not finished
        late = [builders.attempt_event("done-c", run_id="done", project="box", nodeid="t.py::c", outcome="passed",
                                       attempt=1, final=True, started_at=at + 5, finished_at=at + 6, call=1.0,
                                       markers=["slow"], device="stb-9")]
        store.write(late)
        after_write(store, late)
        found = grouped(store)
        assert found[("device", "stb-9", "done", hour)] == (1, 3, 5, 3, 5, 2, 3, 1)
        assert found[("marker", "slow", "done", hour)] == (1, 1, 1, 1, 1, 1, 1, 0)
