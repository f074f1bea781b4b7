"""vpt trends: pass rate per day, durations per test, tests per hour, device uptime per hour, read from rollups."""

from __future__ import annotations

import json
import time

import pytest
from click.testing import CliRunner

from pytest_vpt.cli import cli
from pytest_vpt.devices import Sample
from pytest_vpt.devices.events import sample_event
from pytest_vpt.store import open_store
from test_trends import DAY, run

NOW = time.time()
TODAY = NOW - NOW % DAY
HOUR = NOW - NOW % 3600


def vpt(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


@pytest.fixture
def history(store_url) -> str:
    """Two days of runs of project "box" and two hours of minute samples of device "stb"."""
    pattern = "+" * 45 + "-" * 15 + "+" * 60
    with open_store(store_url, create=True) as store:
        store.write(run("old", TODAY - 2 * DAY + 100, {"a": [("passed", 1.0)], "b": [("failed", 2.0)]}))
        store.write(run("new", NOW - 120, {"a": [("passed", 1.2)], "b": [("failed", 0.5), ("passed", 3.0)]}))
        store.write([sample_event(Sample("stb", HOUR - 7200 + i * 60, c == "+", 0.01, None, {}, 60.0), "box")
                     for i, c in enumerate(pattern)])
        store.write([sample_event(Sample("tv", HOUR - 3600 + i * 60, True, 0.01, None, {}, 60.0), "box")
                     for i in range(30)])
        store.apply(lambda conn: conn.execute("DELETE FROM test_attempts"))  # trends come from the rollups
    return store_url


def test_trends_json_holds_every_trend(history) -> None:
    code, out = vpt("--store", history, "trends", "--project", "box", "--since", "7d", "--json")
    assert code == 0, out
    found = json.loads(out)
    assert [(r["day"], r["runs"], r["passed"], r["failed"]) for r in found["pass_rate_per_day"]] == [
        (TODAY - 2 * DAY, 1, 1, 1), (TODAY, 1, 2, 0)]
    assert [(r["nodeid"], r["runs"]) for r in found["durations"]] == [("b", 2), ("a", 2)]  # final attempts
    assert found["durations"][0]["p95"] == pytest.approx(3.0, rel=0.03)
    assert [(r["hour"], r["tests"]) for r in found["tests_per_hour"]] == [
        (TODAY - 2 * DAY, 2), (NOW - 120 - (NOW - 120) % 3600, 2)]
    stb = [(r["hour"], r["uptime"]) for r in found["device_uptime_per_hour"] if r["device"] == "stb"]
    assert stb == [(HOUR - 7200, 0.75), (HOUR - 3600, 1.0)]


def test_a_narrow_window_and_filters(history) -> None:
    found = json.loads(vpt("--store", history, "trends", "--project", "box", "--since", "1d", "--test", "b",
                           "--device", "tv", "--json")[1])
    assert [(r["runs"], r["passed"], r["failed"]) for r in found["pass_rate_per_day"]] == [(1, 1, 0)]
    assert [r["nodeid"] for r in found["durations"]] == ["b"] and found["tests_per_hour"] == []
    assert {r["device"] for r in found["device_uptime_per_hour"]} == {"tv"}


def test_trends_tables(history) -> None:
    code, out = vpt("--store", history, "trends", "--project", "box")
    assert code == 0, out
    for title in ("pass rate per day (UTC)", "duration per test, slowest first", "tests per hour (UTC)",
                  "device uptime per hour (UTC)"):
        assert title in out
    assert "75.0%" in out and time.strftime("%Y-%m-%d", time.gmtime(NOW)) in out
    code, out = vpt("--store", history, "trends", "--project", "nobody")
    assert code == 0 and out.count("none in the window") == 4


@pytest.mark.parametrize("since", ["soon", "2999-01-01"])
def test_a_bad_window_names_the_option(history, since) -> None:
    code, out = vpt("--store", history, "trends", "--since", since)
    assert code == 2 and "'--since'" in out, out
