"""Any history of runs on two branches, written in any order and in batches (a run's finish
may come before its tests, or twice), leaves the KPI rollups and the failure episodes a
rebuild gives; and the episodes are those of each timeline folded in time order."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_vpt.analytics.kpis import fold_episodes
from pytest_vpt.history import History

from test_kpis import HOUR, T, rollups, run_batches, write

_OUTCOMES = st.sampled_from(["P", "F", "FP", "S"])
_RUN = st.tuples(st.sampled_from(["main", "dev"]),
                 st.dictionaries(st.sampled_from(["t.py::x", "t.py::y"]), _OUTCOMES, min_size=1))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(runs=st.lists(_RUN, min_size=1, max_size=7), data=st.data())
def test_any_order_of_batches_gives_the_rebuild(make_store_url, runs, data) -> None:
    spec = {f"r{i}": (T + (i + 1) * 5 * HOUR, branch, tests) for i, (branch, tests) in enumerate(runs)}
    batches = [batch for run_id in spec for batch in run_batches(run_id, spec, wall=60.0)]
    order = data.draw(st.permutations(batches))
    again = data.draw(st.lists(st.sampled_from(batches), max_size=3))
    url = make_store_url()
    write(url, [*order, *again])
    written = rollups(url)
    with History.open(url, project=None) as history:
        history.rebuild_kpis()
    assert rollups(url) == written
    expected = []
    for nodeid in ("t.py::x", "t.py::y"):
        for branch in ("dev", "main"):
            timeline = [(at, run_id, tests[nodeid][-1] == "F") for run_id, (at, b, tests) in spec.items()
                        if b == branch and tests.get(nodeid, "S") != "S"]
            expected += [(nodeid, branch, e.started_at, e.runs, e.ended_at, e.previous_end)
                         for e in fold_episodes(sorted(timeline))]
    with History.open(url, project=None) as history:
        found = history.store.conn.execute(
            "SELECT c.nodeid, e.branch, e.started_at, e.runs, e.ended_at, e.previous_end FROM test_episodes e "
            "JOIN test_cases c ON c.test_id = e.test_id").fetchall()
    assert sorted(tuple(row) for row in found) == sorted(expected)
