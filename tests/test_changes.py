"""Where durations and pass rates changed: small histories written with the store (both
engines), read through the façade, the CLI and the service, with the changes found by hand."""

from __future__ import annotations

import json
import math
import random
import time

import pytest
from click.testing import CliRunner

from pytest_vpt.cli import cli
from pytest_vpt.events import make_event
from pytest_vpt.history import History
from pytest_vpt.history.changes import BadChangeRead, UnknownTest
from pytest_vpt.store import open_store

HOUR, DAY = 3600.0, 86400.0
NOW = time.time()
T0 = NOW - NOW % DAY - 3 * DAY  # three days ago, at midnight UTC
RUNS = 30
STEP = 15  # the run where test_slow got twice as slow and test_breaks started failing
PATTERN = [1.0, 0.9, 1.1]  # test_slow's durations, over and over: median 1.0 s, then 2.0 s
_NOISE = random.Random(3)
#: test_steady: lognormal noise (sigma 0.25) around 0.5 s, and one run 8x slower (a busy machine)
STEADY = [0.5 * math.exp(_NOISE.gauss(0, 0.25)) * (8 if i == 20 else 1) for i in range(RUNS)]


def run(index: int) -> list[dict]:
    """Run ``r<index>`` on commit ``c<index>...``, an hour after the one before: three tests."""
    run_id, at = f"r{index:02d}", T0 + index * HOUR
    tests = {
        "t.py::test_slow": ("passed", PATTERN[index % 3] * (2 if index >= STEP else 1)),
        "t.py::test_steady": ("passed", STEADY[index]),
        "t.py::test_breaks": ("failed" if index >= STEP else "passed", 0.3 if index >= STEP else 1.0 + index % 2),
    }
    common = {"vpt.run.id": run_id, "vpt.project": "box"}
    events = [make_event("test", f"{run_id}-{nodeid}", {
        **common, "test.case.name": nodeid, "vpt.test.attempt": 1, "vpt.test.final": True, "vpt.test.outcome": outcome,
        "vpt.test.started_at": at + n, "vpt.test.duration.call": duration,
    }) for n, (nodeid, (outcome, duration)) in enumerate(tests.items())]
    failed = sum(outcome == "failed" for outcome, _ in tests.values())
    events.append(make_event("run", f"{run_id}-finished", {
        **common, "vpt.run.status": "finished", "vpt.run.started_at": at, "vpt.run.finished_at": at + 60,
        "vpt.run.exit_status": int(failed > 0), "vcs.ref.head.revision": f"c{index:02d}" + "0" * 37,
        "vpt.run.counts": {"tests": 3, "passed": 3 - failed, "failed": failed},
    }))
    return events


@pytest.fixture
def history_url(store_url) -> str:
    with open_store(store_url, create=True) as store:
        for index in range(RUNS):
            store.write(run(index))
    return store_url


def found(url: str, **kwargs) -> dict:
    with History.open(url, project="box") as history:
        return history.changes(T0 - 1, T0 + RUNS * HOUR, **kwargs).to_dict()


def test_a_test_twice_as_slow_and_the_pass_rate_drop_are_named_with_their_run_and_commit(history_url) -> None:
    report = found(history_url)
    assert (report["runs"], report["tests"]) == (RUNS, 3)  # every test's days spread by 1.25x or more
    changes = [{key: change[key] for key in ("kind", "nodeid", "run_id", "commit", "index", "at")}
               for change in report["changes"]]
    start = {"run_id": "r15", "commit": "c15" + "0" * 37, "index": STEP, "at": T0 + STEP * HOUR}
    assert changes == [{"kind": "duration", "nodeid": "t.py::test_slow", **start},
                       {"kind": "pass_rate", "nodeid": None, **start}]
    slow, rate = report["changes"]
    assert (slow["before"], slow["after"], slow["ratio"]) == (1.0, 2.0, 2.0)  # medians of 1.0/0.9/1.1 s, doubled
    assert (rate["before"], rate["after"]) == (1.0, pytest.approx(2 / 3))  # 3 of 3 passed, then 2 of 3
    assert rate["ratio"] == pytest.approx(2 / 3) and rate["p_value"] < 1e-4


def test_one_test_its_duration_and_its_pass_rate(history_url) -> None:
    assert [(c["kind"], c["index"]) for c in found(history_url, nodeid="t.py::test_slow")["changes"]] == [
        ("duration", STEP)]
    breaks = found(history_url, nodeid="t.py::test_breaks")
    # its failing runs' durations are left out (a failure may stop early): no duration change
    assert [(c["kind"], c["nodeid"], c["before"], c["after"], c["run_id"]) for c in breaks["changes"]] == [
        ("pass_rate", "t.py::test_breaks", 1.0, 0.0, "r15")]
    assert (breaks["runs"], breaks["tests"]) == (RUNS, 1)


def test_a_steady_noisy_test_has_no_change(history_url) -> None:
    steady = found(history_url, nodeid="t.py::test_steady")
    assert steady["changes"] == [] and steady["runs"] == RUNS


def test_a_range_without_runs_says_so(history_url) -> None:
    with History.open(history_url, project="box") as history:
        empty = history.changes(T0 - 10 * DAY, T0 - 5 * DAY)
    assert (empty.runs, empty.tests, empty.changes) == (0, 0, [])
    code, out = vpt("--store", history_url, "trends", "--changes", "--project", "box", "--since", "30d")
    assert code == 0 and "changes in box since" in out
    code, out = vpt("--store", history_url, "trends", "--changes", "--project", "nobody")
    assert code == 0 and out.endswith("\nno runs in the window\n"), out


def test_an_unknown_test_and_bad_bounds_say_so(history_url) -> None:
    with History.open(history_url, project="box") as history:
        with pytest.raises(UnknownTest) as unknown:
            history.changes(T0, nodeid="t.py::test_slwo")
        assert str(unknown.value) == ("no test 't.py::test_slwo' in the project: "
                                      "known: t.py::test_slow, t.py::test_steady, t.py::test_breaks")
        with pytest.raises(BadChangeRead, match="max_runs 5: use 10 to 5000"):
            history.changes(T0, max_runs=5)
        with pytest.raises(BadChangeRead, match="since must come first"):
            history.changes(T0, T0 - 1)
    code, out = vpt("--store", history_url, "trends", "--changes", "--project", "box", "--test", "t.py::nope")
    assert code == 2 and "'--test'" in out and "no test 't.py::nope'" in out, out
    code, out = vpt("--store", history_url, "trends", "--changes", "--device", "stb")
    assert code == 2 and "'--device'" in out, out


def vpt(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def test_vpt_trends_changes_in_words_and_json(history_url) -> None:
    code, out = vpt("--store", history_url, "trends", "--changes", "--project", "box", "--since", "5d")
    assert code == 0, out
    day = time.strftime("%Y-%m-%d", time.gmtime(T0 + STEP * HOUR))
    lines = out.splitlines()
    assert lines[2:] == [
        "t.py::test_slow",
        f"  p50 1.00s -> 2.00s (x2.0) from run r15 / commit c1500000 on {day}",
        f"pass rate 100.0% -> 66.7% from {day} (run r15 / commit c1500000)",
        "", f"({RUNS} runs read, the durations of 3 tests examined)",
    ]
    code, out = vpt("--store", history_url, "trends", "--changes", "--project", "box", "--since", "5d", "--json")
    report = json.loads(out)
    assert code == 0 and [c["kind"] for c in report["changes"]] == ["duration", "pass_rate"]
    assert report["changes"][0]["commit"] == "c15" + "0" * 37 and report["project"] == "box"
    code, out = vpt("--store", history_url, "trends", "--changes", "--project", "box", "--test", "t.py::test_steady")
    assert code == 0 and out.splitlines()[2:] == [
        f"no changes ({RUNS} runs read, the durations of 1 test examined)"]


def test_the_service_answers_the_changes_of_the_tokens_project(history_url) -> None:
    import requests

    from server_process import Server
    from test_server import token_for

    server = Server(history_url).start()
    try:
        auth = {"Authorization": f"Bearer {token_for(history_url, 'box')}"}

        def get(**params) -> requests.Response:
            return requests.get(f"{server.url}/api/v1/trends/changes", params=params, headers=auth, timeout=30)

        report = get(window=7 * DAY).json()
        assert [(c["kind"], c["nodeid"], c["run_id"], c["ratio"]) for c in report["changes"]] == [
            ("duration", "t.py::test_slow", "r15", 2.0), ("pass_rate", None, "r15", pytest.approx(2 / 3))]
        assert report["changes"][0]["commit"] == "c15" + "0" * 37 and report["runs"] == RUNS
        [one] = get(nodeid="t.py::test_breaks").json()["changes"]
        assert (one["kind"], one["before"], one["after"]) == ("pass_rate", 1.0, 0.0)
        assert get(window=3600).json()["runs"] == 0  # the last hour: no runs
        unknown = get(nodeid="t.py::nope")
        assert unknown.status_code == 404 and unknown.json()["field"] == "nodeid", unknown.text
        for params, field in (({"window": 0}, "window"), ({"window": 400 * DAY}, "window"),
                              ({"max_runs": 5}, "max_runs"), ({"max_tests": 0}, "max_tests")):
            answer = get(**params)
            assert answer.status_code == 422 and field in answer.json()["field"], answer.text
        other = {"Authorization": f"Bearer {token_for(history_url, 'kitchen', 'other')}"}
        assert requests.get(f"{server.url}/api/v1/trends/changes", headers=other, timeout=30).json()["runs"] == 0
    finally:
        server.stop()
