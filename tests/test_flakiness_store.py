"""The flakiness rollup in a real SQLite store: refreshed per run, equal to a full rebuild,
and the quarantine's entries and exits."""

from __future__ import annotations

import random

import pytest

from pytest_vpt.analytics.flakiness import FlakinessSettings
from pytest_vpt.quarantine.rules import Entry, QuarantinePolicy, next_entry
from pytest_vpt.store import flakiness, open_store, queries

from conftest import UNDO_MIGRATIONS_FROM_14, run_events


def histories(runs: int, seed: int = 5) -> list[tuple[str, float, str, dict[str, str]]]:
    rng = random.Random(seed)
    out = []
    for index in range(runs):
        tests = {
            "t.py::test_stable": "P",
            "t.py::test_flaky": "F" if rng.random() < 0.3 else "P",
            "t.py::test_retry": "FP" if rng.random() < 0.2 else "P",
            "t.py::test_broken": "P" if index < runs // 2 else "FF",
        }
        if index % 7:  # a test that does not run every time
            tests["t.py::test_sometimes"] = "P" if rng.random() < 0.9 else "F"
        out.append((f"run{index:03d}", 1.8e9 + index * 600.0, f"{index // 2:040x}", tests))
    return out


@pytest.fixture
def store(store_url):
    with open_store(store_url) as opened:
        yield opened


def table(store) -> list[tuple]:
    return [tuple(row) for row in store.conn.execute("SELECT * FROM test_flakiness ORDER BY test_id")]


def test_refreshing_run_by_run_equals_a_rebuild(store) -> None:
    settings = FlakinessSettings(window_runs=12)  # small: the clean fast path and the window both matter
    for run_id, at, commit, tests in histories(40):
        store.write(run_events(run_id, at, commit, tests))
        store.refresh_flakiness(run_id, settings)
    incremental = table(store)
    assert store.apply(flakiness.rebuild, settings) == 40
    assert table(store) == incremental
    statuses = {row["nodeid"]: row["status"] for row in queries.flaky(store.conn, statuses=[])}
    assert statuses == {"t.py::test_stable": "stable", "t.py::test_flaky": "flaky", "t.py::test_retry": "flaky",
                        "t.py::test_broken": "broken", "t.py::test_sometimes": statuses["t.py::test_sometimes"]}


def test_counts_since_first_seen(store) -> None:
    for run_id, at, commit, tests in histories(10):
        store.write(run_events(run_id, at, commit, tests))
        store.refresh_flakiness(run_id)
    (row,) = queries.flakiness_of(store.conn, "t.py::test_broken")
    assert (row["runs"], row["attempts"], row["failures"], row["failed_runs"]) == (10, 15, 10, 5)
    (stable,) = queries.flakiness_of(store.conn, "t.py::test_stable")
    assert (stable["runs"], stable["consecutive_passes"], stable["score"]) == (10, 10, pytest.approx(1 / 30))


def test_folding_a_run_twice_counts_it_once(store) -> None:
    store.write(run_events("r1", 1.8e9, "a" * 40, {"t.py::test_x": "FP"}))
    store.refresh_flakiness("r1")
    store.refresh_flakiness("r1")
    (row,) = queries.flakiness_of(store.conn, "t.py::test_x")
    assert (row["runs"], row["attempts"], row["pass_on_retry"], row["status"]) == (1, 2, 1, "flaky")


def test_unfinished_runs_do_not_count(store) -> None:
    events = run_events("r1", 1.8e9, "a" * 40, {"t.py::test_x": "F"})
    events[0]["vpt.run.status"] = "interrupted"
    store.write(events)
    assert store.refresh_flakiness("r1").became == []
    assert queries.flakiness_of(store.conn, "t.py::test_x") == []


def test_the_changes_name_tests_that_became_flaky_or_broken(store) -> None:
    for index in range(5):
        store.write(run_events(f"r{index}", 1.8e9 + index, f"{index:040x}", {"t.py::a": "P", "t.py::b": "P"}))
        store.refresh_flakiness(f"r{index}")
    store.write(run_events("r5", 1.8e9 + 5, f"{5:040x}", {"t.py::a": "FP", "t.py::b": "F"}))
    changes = store.refresh_flakiness("r5")
    assert [(nodeid, status) for nodeid, status, _ in changes.became] == [("t.py::a", "flaky"), ("t.py::b", "broken")]
    assert changes.quarantine == [("t.py::a", "entered", changes.became[0][2])]


def test_a_flaky_test_leaves_quarantine_after_enough_clean_passes(store) -> None:
    policy = QuarantinePolicy(passes=3)
    store.write(run_events("r0", 1.8e9, "a" * 40, {"t.py::a": "FP"}))
    assert store.refresh_flakiness("r0", policy=policy).quarantine[0][:2] == ("t.py::a", "entered")
    left = []
    for index in range(1, 4):
        store.write(run_events(f"r{index}", 1.8e9 + index, f"{index:040x}", {"t.py::a": "P"}))
        left += store.refresh_flakiness(f"r{index}", policy=policy).quarantine
    assert left == [("t.py::a", "left", "passed 3 consecutive runs")]
    (entry,) = queries.quarantine(store.conn, "box")
    assert entry["left_at"] == 1.8e9 + 3 and entry["passes"] == 3


def test_automatic_quarantine_can_be_turned_off(store) -> None:
    store.write(run_events("r0", 1.8e9, "a" * 40, {"t.py::a": "FP"}))
    assert store.refresh_flakiness("r0", policy=QuarantinePolicy(auto=False)).quarantine == []


def rule(entry, clean=True, status="stable", last_flaky_at=None, explicit=None, passes=3, auto=True):
    return next_entry(entry, nodeid="t::a", run_id="r", at=100.0, clean=clean, status=status, reason="why",
                      last_flaky_at=last_flaky_at, explicit=explicit, policy=QuarantinePolicy(auto, passes))


def test_quarantine_rules() -> None:
    active = Entry("t::a", "auto", "flaky", 1.0, passes=1)
    assert rule(None, clean=False, status="flaky", last_flaky_at=100.0) == (
        Entry("t::a", "auto", "why", 100.0, "r", 0), "entered")
    assert rule(active)[0].passes == 2 and rule(active)[1] is None
    assert rule(active, clean=False)[0].passes == 0
    assert rule(Entry("t::a", "auto", "flaky", 1.0, passes=2)) [1] == "left"
    # a broken test leaves an automatic quarantine at once; an explicit one stays
    assert rule(active, clean=False, status="broken")[1] == "left"
    assert rule(Entry("t::a", "list", "x", 1.0), clean=False, status="broken")[1] is None
    # after leaving, new flaky evidence brings it back; old evidence does not
    gone = Entry("t::a", "auto", "flaky", 1.0, passes=3, left_at=50.0, left_reason="passed")
    assert rule(gone, status="flaky", last_flaky_at=40.0)[1] is None
    assert rule(gone, status="flaky", last_flaky_at=90.0)[1] == "entered"
    # a marker or list line that has served its time stays out until `vpt quarantine add`
    expired = Entry("t::a", "marker", "m", 1.0, passes=3, left_at=50.0, left_reason="passed")
    assert rule(expired, explicit=("marker", "m"))[1] is None
    assert rule(gone, explicit=("list", "l"))[0].source == "list"
    assert rule(None, status="flaky", last_flaky_at=100.0, auto=False) == (None, None)


#: what a store saw along the way (when a status changed, the flaky evidence met): these
#: depend on the order runs arrived in; every other column depends only on the runs held
_ALONG_THE_WAY = ("test_id", "previous_status", "status_since", "first_flaky_at", "last_flaky_at")


def by_nodeid(store, drop: tuple[str, ...] = ("test_id",)) -> dict[str, dict]:
    rows = store.conn.execute(
        "SELECT c.nodeid, f.* FROM test_flakiness f JOIN test_cases c ON c.test_id = f.test_id ORDER BY c.nodeid")
    return {row["nodeid"]: {k: row[k] for k in row.keys() if k not in (*drop, "nodeid")} for row in rows}


def test_regression_resent_run_not_counted_twice(store) -> None:
    """Run A pushed, run B, then A's spool pushed again: A is held already, nothing changes."""
    run_a = run_events("A", 1.8e9, "a" * 40, {"t.py::test_x": "FF", "t.py::test_y": "P"})
    store.write(run_a)
    store.refresh_flakiness("A")
    store.write(run_events("B", 1.8e9 + 600, "b" * 40, {"t.py::test_x": "FP", "t.py::test_y": "P"}))
    store.refresh_flakiness("B")
    before = by_nodeid(store)
    store.write(run_a)
    assert store.refresh_flakiness("A").became == []
    assert by_nodeid(store) == before
    x = before["t.py::test_x"]
    assert (x["runs"], x["attempts"], x["failures"], x["last_run_id"]) == (2, 4, 3, "B")
    assert before["t.py::test_y"]["runs"] == 2


def test_a_run_of_known_new_and_skipped_tests_folds_each_once(store) -> None:
    """Known clean passes, a new clean pass, a new failure and a test only skipped, in one run:
    each test with a verdict gets its row and holds the run, the skipped one neither."""
    for index in range(3):
        store.write(run_events(f"r{index}", 1.8e9 + index * 600, f"{index:040x}",
                               {"t.py::known": "P", "t.py::recovering": "FP" if index == 0 else "P"}))
        store.refresh_flakiness(f"r{index}")
    events = run_events("r3", 1.8e9 + 1800, f"{3:040x}", {
        "t.py::known": "P", "t.py::recovering": "P", "t.py::new": "P", "t.py::new_fails": "F", "t.py::skipped": "P"})
    for event in events:
        if event.get("test.case.name") == "t.py::skipped":
            event["vpt.test.outcome"] = "skipped"
    store.write(events)
    changes = store.refresh_flakiness("r3")
    assert changes.became == []  # one failure is not enough to tell
    rows = by_nodeid(store)
    assert {nodeid: (row["runs"], row["last_run_id"]) for nodeid, row in rows.items()} == {
        "t.py::known": (4, "r3"), "t.py::recovering": (4, "r3"), "t.py::new": (1, "r3"), "t.py::new_fails": (1, "r3")}
    held = {row[0] for row in store.conn.execute(
        "SELECT c.nodeid FROM test_flakiness_runs h JOIN test_cases c ON c.test_id = h.test_id WHERE h.run_id = 'r3'")}
    assert held == set(rows)
    assert store.refresh_flakiness("r3").became == [] and by_nodeid(store) == rows
    store.apply(flakiness.rebuild)
    assert by_nodeid(store) == rows


def test_a_late_older_run_is_folded_once(store) -> None:
    for run_id, at in (("r1", 1.8e9), ("r3", 1.8e9 + 1200)):
        store.write(run_events(run_id, at, f"{run_id:0>40}", {"t.py::test_x": "P"}))
        store.refresh_flakiness(run_id)
    store.write(run_events("r2", 1.8e9 + 600, f"{'r2':0>40}", {"t.py::test_x": "F"}))
    store.refresh_flakiness("r2")
    store.refresh_flakiness("r2")
    late = by_nodeid(store)["t.py::test_x"]
    assert (late["runs"], late["failures"], late["last_run_id"], late["consecutive_passes"]) == (3, 1, "r3", 1)
    assert late["last_unclean_at"] == 1.8e9 + 600
    store.apply(flakiness.rebuild)
    assert by_nodeid(store, _ALONG_THE_WAY) == {"t.py::test_x": {
        k: v for k, v in late.items() if k not in _ALONG_THE_WAY}}


def test_folding_in_any_order_with_resends_equals_a_rebuild(make_store_url) -> None:
    """In order, shuffled with runs sent again, and rebuilt: the same rollup (what a store saw
    along the way aside, when runs came out of order)."""
    settings = FlakinessSettings(window_runs=12)
    runs = histories(30, seed=11)
    shuffled = random.Random(2).sample(runs, len(runs))
    shuffled[5:5] = shuffled[:3]  # three runs sent again, later
    shuffled += random.Random(4).sample(runs, 4)
    with open_store(make_store_url()) as in_order, open_store(make_store_url()) as mixed:
        for store, sequence in ((in_order, runs), (mixed, shuffled)):
            for run_id, at, commit, tests in sequence:
                store.write(run_events(run_id, at, commit, tests))
                store.refresh_flakiness(run_id, settings)
        expected = by_nodeid(in_order)
        assert by_nodeid(mixed, _ALONG_THE_WAY) == by_nodeid(in_order, _ALONG_THE_WAY)
        for store in (in_order, mixed):
            assert store.apply(flakiness.rebuild, settings) == 30
            assert by_nodeid(store) == expected


def test_an_older_store_holds_the_runs_it_folded(store_url) -> None:
    """A store from before migration 10: its rows are taken to hold their finished runs, so a
    run sent again after the upgrade is not counted twice."""
    run_a = run_events("A", 1.8e9, "a" * 40, {"t.py::test_x": "F"})
    with open_store(store_url) as store:
        store.write(run_a)
        store.refresh_flakiness("A")
        store.write(run_events("B", 1.8e9 + 600, "b" * 40, {"t.py::test_x": "P"}))
        store.refresh_flakiness("B")
        before = by_nodeid(store)
        for statement in ("DELETE FROM schema_version WHERE version >= 10", "DROP TABLE test_flakiness_runs",
                          "DROP TABLE rollup_failures", "ALTER TABLE devices DROP COLUMN flush",
                          "ALTER TABLE video_incidents DROP COLUMN position", *UNDO_MIGRATIONS_FROM_14):
            store.conn.execute(statement)
    with open_store(store_url) as store:
        store.write(run_a)
        store.refresh_flakiness("A")
        assert by_nodeid(store) == before
        assert before["t.py::test_x"]["runs"] == 2
