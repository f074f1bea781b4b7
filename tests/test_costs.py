"""What testing costs and covers, on both engines: small histories whose figures are worked
out by hand, read through the History, the rollup equal to a rebuild, `vpt costs`."""

from __future__ import annotations

import json
import time

import pytest
from click.testing import CliRunner

from conftest import UNDO_MIGRATIONS_FROM_17
from pytest_vpt.cli import cli
from pytest_vpt.events import make_event
from pytest_vpt.history import History
from pytest_vpt.store import open_store
from pytest_vpt.store.after_write import after_write

DAY = 86400.0
T0 = 1_800_000_000.0 - 1_800_000_000.0 % DAY  # the start of a UTC day


def attempts(run_id: str, at: float, nodeid: str, *steps: tuple, **fields) -> list[dict]:
    """A test's attempts in a run: each step (outcome, seconds[, quarantined]); the last is final."""
    found = []
    for number, (outcome, seconds, *quarantined) in enumerate(steps, start=1):
        final = number == len(steps)
        found.append(make_event("test", f"{run_id}-{nodeid}-{number}", {
            "vpt.run.id": run_id, "vpt.project": "box", "test.case.name": nodeid, "vpt.test.attempt": number,
            "vpt.test.final": final, "vpt.test.outcome": outcome if final else "rerun",
            "vpt.test.started_at": at + number, "vpt.test.duration.setup": 0.25,
            "vpt.test.duration.call": seconds - 0.25, "vpt.test.quarantined": bool(quarantined and quarantined[0]),
            **fields,
        }))
    return found


def finished(run_id: str, at: float, wall: float, cpu: float | None = None, commit: str = "c1") -> list[dict]:
    """A run's end (``wall`` seconds after its start) and, recorded by pytest --vpt, its CPU time."""
    return [make_event("run", f"{run_id}-finished", {
        "vpt.run.id": run_id, "vpt.project": "box", "vpt.run.status": "finished", "vpt.run.started_at": at,
        "vpt.run.finished_at": at + wall, "vpt.run.exit_status": 0, "vcs.ref.head.revision": commit,
        "vcs.ref.head.name": "main", "vpt.run.cpu_seconds": cpu,
    })]


def week(store, fold_each: bool = True) -> None:
    """Two days of runs:

    day 0, r1 (60 s, 4.5 s CPU): test_pair passes on its third attempt after 2 reruns of 1.5 s
    (flaky); test_zap passes in 2 s on stb-1; test_boot fails in 0.5 s, quarantined, on stb-1;
    day 0, r2 (30 s, pushed from JUnit: no CPU): test_pair fails in 1 s after a rerun of 1.5 s;
    day 1, r3 (40 s, 2.5 s CPU, a new commit): test_zap passes in 3 s on stb-2, test_boot passes
    in 1 s (its verdict: new, two runs of two commits).
    """
    batches = [
        [*attempts("r1", T0 + 100, "test_box.py::test_pair", ("failed", 1.5), ("failed", 1.5), ("passed", 1.0),
                   **{"vpt.test.markers": ["smoke"]}),
         *attempts("r1", T0 + 110, "test_box.py::test_zap", ("passed", 2.0),
                   **{"vpt.device.id": "stb-1", "vpt.test.markers": ["smoke", "vpt_device"]}),
         *attempts("r1", T0 + 120, "test_box.py::test_boot", ("failed", 0.5, True), **{"vpt.device.id": "stb-1"}),
         *finished("r1", T0 + 100, 60.0, cpu=4.5)],
        [*attempts("r2", T0 + 1000, "test_box.py::test_pair", ("failed", 1.5), ("failed", 1.0),
                   **{"vpt.test.markers": ["smoke"]}),
         *finished("r2", T0 + 1000, 30.0)],
        [*attempts("r3", T0 + DAY + 10, "test_box.py::test_zap", ("passed", 3.0),
                   **{"vpt.device.id": "stb-2", "vpt.test.markers": ["smoke", "vpt_device"]}),
         *attempts("r3", T0 + DAY + 20, "test_box.py::test_boot", ("passed", 1.0)),
         *finished("r3", T0 + DAY + 10, 40.0, cpu=2.5, commit="c2")],
    ]
    for index, batch in enumerate(batches):
        fold = fold_each or index == len(batches) - 1  # else one fold of the three, as the service folds
        store.write(batch, fold=fold)
        after_write(store, batch, fold=fold)


@pytest.fixture
def history(store_url):
    with open_store(store_url) as store:
        week(store)
    with History.open(store_url, project="box") as opened:
        yield opened


def test_the_time_testing_took_and_lost_per_day(history) -> None:
    found = history.costs(T0, T0 + DAY + 3600)
    assert [t.nodeid for t in history.flaky(statuses=["flaky"])] == ["test_box.py::test_pair"]
    day0, day1 = found.days
    assert (day0.day, day0.runs, day0.wall_seconds, day0.cpu_seconds, day0.cpu_runs) == (T0, 2, 90.0, 4.5, 1)
    assert (day0.tests, day0.test_seconds) == (4, pytest.approx(1.0 + 2.0 + 0.5 + 1.0))
    # reruns: test_pair's 1.5 + 1.5 in r1 and 1.5 in r2
    assert (day0.reruns, day0.rerun_seconds) == (3, pytest.approx(4.5))
    # failures: test_pair is flaky: its failure in r2 (1 s); test_boot's quarantined one (0.5 s)
    assert (day0.lost_failures, day0.failure_seconds) == (2, pytest.approx(1.5))
    assert (day1.day, day1.runs, day1.wall_seconds, day1.cpu_seconds, day1.cpu_runs) == (T0 + DAY, 1, 40.0, 2.5, 1)
    assert (day1.reruns, day1.rerun_seconds, day1.lost_failures, day1.failure_seconds) == (0, 0.0, 0, 0.0)
    total = found.total
    assert (total.runs, total.wall_seconds, total.cpu_seconds, total.cpu_runs) == (3, 130.0, 7.0, 2)
    assert total.lost_seconds == pytest.approx(6.0)
    assert total.lost_share == pytest.approx(6.0 / (4.5 + 4.0 + 4.5))
    assert total.coverage_percent is None and day0.coverage_percent is None


def test_what_each_flaky_test_cost(history) -> None:
    pair, boot = history.costs(T0, T0 + DAY + 3600).flaky
    assert (pair.nodeid, pair.status, pair.runs, pair.reruns, pair.failures) == (
        "test_box.py::test_pair", "flaky", 2, 3, 1)
    assert (pair.rerun_seconds, pair.failure_seconds, pair.cost_seconds) == (
        pytest.approx(4.5), pytest.approx(1.0), pytest.approx(5.5))
    # quarantined, not flaky: its quarantined failure counts
    assert (boot.nodeid, boot.status, boot.quarantined, boot.failures, boot.cost_seconds) == (
        "test_box.py::test_boot", "new", 1, 1, pytest.approx(0.5))


def test_two_reruns_of_a_second_and_a_half_cost_three_seconds(store_url) -> None:
    with open_store(store_url) as store:
        batch = [*attempts("r1", T0 + 100, "test_box.py::test_pair", ("failed", 1.5), ("failed", 1.5), ("passed", 1.0)),
                 *finished("r1", T0 + 100, 10.0)]
        store.write(batch)
        after_write(store, batch)
    with History.open(store_url, project="box") as history:
        (pair,) = history.costs(T0, T0 + 3600).flaky
    assert (pair.status, pair.reruns, pair.rerun_seconds, pair.failures, pair.cost_seconds) == (
        "flaky", 2, pytest.approx(3.0), 0, pytest.approx(3.0))


def test_device_hours_and_tests_per_device_and_marker(history) -> None:
    found = history.costs(T0, T0 + DAY + 3600)
    assert [d.to_dict() for d in found.devices] == [
        {"device": "stb-1", "attempts": 2, "seconds": 2.5, "hours": pytest.approx(2.5 / 3600), "tests": 2,
         "distinct_tests": 2},
        {"device": "stb-2", "attempts": 1, "seconds": 3.0, "hours": pytest.approx(3.0 / 3600), "tests": 1,
         "distinct_tests": 1},
    ]
    assert [m.to_dict() for m in found.markers] == [
        {"marker": "smoke", "tests": 4, "distinct_tests": 2, "seconds": pytest.approx(1.0 + 2.0 + 1.0 + 3.0)},
        {"marker": "vpt_device", "tests": 2, "distinct_tests": 1, "seconds": pytest.approx(5.0)},
    ]


def test_one_day_of_the_window(history) -> None:
    """A window is whole UTC days: from day 1's noon, day 1 alone."""
    found = history.costs(T0 + DAY + 43200, T0 + DAY + 50000)
    assert [day.day for day in found.days] == [T0 + DAY]
    assert [d.device for d in found.devices] == ["stb-2"]
    assert found.flaky == []  # test_pair did not run that day, test_boot is neither flaky nor quarantined


def test_an_empty_range_says_so(history, store_url) -> None:
    found = history.costs(T0 - 30 * DAY, T0 - 20 * DAY)
    assert found.empty and found.days == [] and found.flaky == [] and found.total.runs == 0
    assert found.total.lost_share is None
    result = CliRunner().invoke(cli, ["--store", store_url, "costs", "--project", "nobody"])
    assert result.exit_code == 0, result.output
    assert "costs: nothing ran in the window" in result.output


@pytest.mark.parametrize("fold_each", [True, False], ids=["folded-per-batch", "folded-once"])
def test_the_rollup_equals_a_rebuild(store_url, fold_each) -> None:
    with open_store(store_url) as store:
        week(store, fold_each)
        columns = "d.day, c.nodeid, d.reruns, d.rerun_duration_sum, d.failed_duration_sum, d.quarantined_duration_sum"
        query = (f"SELECT {columns} FROM test_daily d JOIN test_cases c ON c.test_id = d.test_id "
                 "ORDER BY d.day, c.nodeid")
        before = [tuple(row) for row in store.conn.execute(query)]
        store.rebuild_daily()
        after = [tuple(row) for row in store.conn.execute(query)]
    assert before == after
    assert before == [
        (T0, "test_box.py::test_boot", 0, 0.0, 0.5, 0.5), (T0, "test_box.py::test_pair", 3, 4.5, 1.0, 0.0),
        (T0, "test_box.py::test_zap", 0, 0.0, 0.0, 0.0),
        (T0 + DAY, "test_box.py::test_boot", 0, 0.0, 0.0, 0.0), (T0 + DAY, "test_box.py::test_zap", 0, 0.0, 0.0, 0.0),
    ]


def test_a_store_from_before_the_costs_gets_them_from_its_attempts(store_url) -> None:
    """Migration 0015 adds the sums (and the runs' CPU time) and folds every stored attempt again, once."""
    with open_store(store_url) as store:
        week(store)
        width = len(store.conn.execute("SELECT * FROM test_daily").fetchone())
        store.conn.execute("DELETE FROM schema_version WHERE version >= 15")
        for statement in UNDO_MIGRATIONS_FROM_17:
            store.conn.execute(statement)
        for column in ("rerun_duration_sum", "failed_duration_sum", "quarantined_duration_sum"):
            store.conn.execute(f"ALTER TABLE test_daily DROP COLUMN {column}")
        store.conn.execute("ALTER TABLE runs DROP COLUMN cpu_seconds")
        assert len(store.conn.execute("SELECT * FROM test_daily").fetchone()) == width - 3
    with open_store(store_url) as store:
        store.write(finished("r1", T0 + 100, 60.0, cpu=4.5))  # resent: nothing new, the queue is folded
    with History.open(store_url, project="box") as history:
        found = history.costs(T0, T0 + DAY + 3600)
    assert (found.total.rerun_seconds, found.total.failure_seconds) == (pytest.approx(4.5), pytest.approx(1.5))
    assert [(t.nodeid, t.cost_seconds) for t in found.flaky] == [
        ("test_box.py::test_pair", pytest.approx(5.5)), ("test_box.py::test_boot", pytest.approx(0.5))]


def test_vpt_costs_prints_it_at_80_columns_and_as_json(history, store_url, monkeypatch) -> None:
    monkeypatch.setattr("time.time", lambda: T0 + DAY + 3600)
    runner = CliRunner()
    result = runner.invoke(cli, ["--store", store_url, "costs", "--project", "box", "--since", "3d"],
                           env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert lines[0].startswith("costs of box since ")
    assert "runs: 3, wall time 2m 10s, CPU 7.0s (recorded by 2 of 3 runs)" in lines
    assert "  to reruns: 4.5s (3 reruns)" in lines
    assert any(line.startswith("test_box.py::test_pair") and "5.5s" in line for line in lines)
    assert any(line.startswith("stb-1") for line in lines)
    assert "coverage: not recorded (run pytest --vpt --cov)" in result.output
    found = json.loads(runner.invoke(cli, ["--store", store_url, "costs", "--project", "box", "--json"]).output)
    assert found == json.loads(json.dumps(history.costs(T0 + DAY + 3600 - 7 * DAY, T0 + DAY + 3600).to_dict()))
    assert [row["nodeid"] for row in found["flaky"]] == ["test_box.py::test_pair", "test_box.py::test_boot"]


@pytest.mark.parametrize(("args", "message"), [
    (["--since", "tomorrow"], "'--since'"),
    (["--since", "400d"], "more than 366 days ago"),
    (["--top", "0"], "'--top'"),
])
def test_vpt_costs_refuses_a_bad_option_naming_it(store_url, args, message) -> None:
    open_store(store_url).close()
    result = CliRunner().invoke(cli, ["--store", store_url, "costs", "--project", "box", *args])
    assert result.exit_code == 2 and message in result.output, result.output


def test_a_bad_window_is_refused_naming_it(history) -> None:
    with pytest.raises(ValueError, match="since .* must be before until"):
        history.costs(T0 + 10, T0)
    with pytest.raises(ValueError, match="at most 366"):
        history.costs(T0 - 400 * DAY, T0)
    with pytest.raises(ValueError, match="since must be a moment"):
        history.costs(float("nan"), T0)
    with pytest.raises(ValueError, match="top must be"):
        history.costs(T0, T0 + 10, top=0)


def test_the_service_answers_the_costs_and_refuses_a_bad_window(store_url) -> None:
    import requests

    from server_process import Server
    from test_server import token_for

    at = time.time() - 3600
    batch = [*attempts("r1", at, "test_box.py::test_pair", ("failed", 1.5), ("failed", 1.5), ("passed", 1.0),
                       **{"vpt.device.id": "stb-1"}),
             *finished("r1", at, 10.0, cpu=2.0)]
    with open_store(store_url) as store:
        store.write(batch)
        after_write(store, batch)
    server = Server(store_url).start()
    try:
        auth = {"Authorization": f"Bearer {token_for(store_url, 'box')}"}
        answer = requests.get(f"{server.url}/api/v1/kpis/costs", params={"window": 86400}, headers=auth, timeout=30)
        assert answer.status_code == 200, answer.text
        found = answer.json()
        assert (found["project"], found["total"]["rerun_seconds"], found["total"]["cpu_seconds"]) == ("box", 3.0, 2.0)
        assert [(t["nodeid"], t["cost_seconds"]) for t in found["flaky"]] == [("test_box.py::test_pair", 3.0)]
        assert [(d["device"], d["attempts"], d["seconds"]) for d in found["devices"]] == [("stb-1", 3, 4.0)]
        for params, field in (({"window": 400 * 86400}, "query.window"), ({"window": "soon"}, "query.window"),
                              ({"window": "nan"}, "query.window"), ({"window": "inf"}, "query.window"),
                              ({"top": 0}, "query.top")):
            refused = requests.get(f"{server.url}/api/v1/kpis/costs", params=params, headers=auth, timeout=30)
            assert (refused.status_code, refused.json()["field"]) == (422, field), refused.text
        assert requests.get(f"{server.url}/api/v1/kpis/costs", timeout=30).status_code == 401
    finally:
        server.stop()


def test_a_run_at_the_first_moment_the_wire_format_allows(store_url) -> None:
    """A start of 5e-324 s (PostgreSQL's division of it underflows) is day 0."""
    with open_store(store_url) as store:
        store.write([*attempts("r0", 5e-324, "test_box.py::test_pair", ("passed", 1.0)), *finished("r0", 5e-324, 2.0)])
    with History.open(store_url, project="box") as history:
        (day,) = history.costs(0.0, 3600.0).days
    assert (day.day, day.runs, day.wall_seconds, day.tests) == (0.0, 1, 2.0, 1)
