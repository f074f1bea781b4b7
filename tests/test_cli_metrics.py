"""vpt metrics (and vpt run's metrics): what tests and the vpt_video fixture recorded, summed up."""

from __future__ import annotations

import json
import time

import pytest
from click.testing import CliRunner

from pytest_vpt.cli import cli
from pytest_vpt.events import make_event
from pytest_vpt.store import open_store

SUITE = """
def test_boot(vpt_metrics):
    for seconds in (12.0, 14.0, 13.0):
        vpt_metrics.record("boot_time", seconds, {"box": "stb-1"}, unit="s")
    vpt_metrics.record("boot_time", 30.0, {"box": "stb-2"}, unit="s")

def test_tune(vpt_metrics):
    vpt_metrics.record("zap_time", 0.8, {"box": "stb-1"}, unit="s")
"""


def vpt(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


@pytest.fixture
def recorded_suite(pytester: pytest.Pytester, monkeypatch) -> pytest.Pytester:
    pytester.makepyfile(test_box=SUITE)
    pytester.runpytest("--vpt").assert_outcomes(passed=2)
    monkeypatch.chdir(pytester.path)
    return pytester


def test_metrics_are_summed_up_per_name_and_tag_set(recorded_suite) -> None:
    code, out = vpt("metrics")
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0] == "2 metric names: boot_time, zap_time"
    stb1 = next(line.split() for line in lines if "box=stb-1" in line and "boot_time" in line)
    # name, tags, count, last, mean, p50, p95, min, max, unit
    assert stb1 == ["boot_time", "box=stb-1", "3", "13", "13", "13", "14", "12", "14", "s"]
    assert any("box=stb-2" in line and " 30 " in line for line in lines)


def test_metrics_json_with_filters(recorded_suite) -> None:
    code, out = vpt("metrics", "--name", "boot_time", "--tag", "box=stb-1", "--json")
    assert code == 0, out
    [row] = json.loads(out)
    assert {k: row[k] for k in ("name", "tags", "count", "last", "mean", "p50", "p95", "min", "max", "unit")} == {
        "name": "boot_time", "tags": {"box": "stb-1"}, "count": 3, "last": 13.0, "mean": 13.0, "p50": 13.0,
        "p95": 14.0, "min": 12.0, "max": 14.0, "unit": "s"}
    by_test = json.loads(vpt("metrics", "--test", "test_box.py::test_tune", "--json")[1])
    assert [row["name"] for row in by_test] == ["zap_time"]
    assert vpt("metrics", "--since", "2020-01-01", "--name", "nothing")[1].startswith("no metrics recorded")


def test_a_run_lists_its_metrics(recorded_suite) -> None:
    run_id = json.loads(vpt("runs", "--json")[1])[0]["run_id"]
    code, out = vpt("run", run_id[:8])
    assert code == 0, out
    assert "2 metric names: boot_time, zap_time" in out and "box=stb-2" in out
    assert [m["name"] for m in json.loads(vpt("run", run_id, "--json")[1])["metrics"]] == [
        "boot_time", "boot_time", "zap_time"]
    assert [m["count"] for m in json.loads(vpt("metrics", "--run", run_id[:8], "--json")[1])] == [3, 1, 1]


@pytest.mark.parametrize(("args", "option"), [
    (["--tag", "box"], "'--tag'"), (["--since", "soon"], "'--since'"), (["--run", "nope"], "'--run'"),
])
def test_bad_filters_name_their_option(recorded_suite, args, option) -> None:
    result = CliRunner().invoke(cli, ["metrics", *args])
    assert result.exit_code == 2 and option in result.output, result.output


def test_video_metrics_show(pytester: pytest.Pytester, monkeypatch) -> None:
    from video_clips import encode, with_events

    encode(pytester.path / "clip.mp4", 90, with_events(black=[(30, 60)]))
    pytester.makepyfile(test_tv="""
def test_clip(vpt_video):
    vpt_video.analyze("clip.mp4")
""")
    pytester.runpytest("--vpt").assert_outcomes(passed=1)
    monkeypatch.chdir(pytester.path)
    found = {row["name"]: row for row in json.loads(vpt("metrics", "--json")[1])}
    assert found["video.black_screen_seconds"]["tags"] == {"source": "clip.mp4"}
    assert found["video.black_screen_seconds"]["last"] == pytest.approx(1.0, abs=0.1)
    assert found["video.incidents"]["last"] == 1


def test_each_engine_reads_the_same_summary(store_url) -> None:
    now = time.time()
    events = [make_event("metric", f"m{i}", {
        "vpt.project": "box", "vpt.metric.name": "temperature", "vpt.metric.value": value, "vpt.metric.kind": "gauge",
        "vpt.metric.unit": "C", "vpt.metric.tags": {"room": "lab"}, "vpt.metric.time": now - 100 + i,
    }) for i, value in enumerate([40.0, 41.0, 39.0, 45.0])]
    with open_store(store_url, create=True) as store:
        store.write(events)
    [row] = json.loads(vpt("--store", store_url, "metrics", "--project", "box", "--json")[1])
    assert (row["count"], row["last"], row["mean"], row["p50"], row["p95"], row["min"], row["max"]) == (
        4, 45.0, 41.25, 40.0, 45.0, 39.0, 45.0)


@pytest.mark.parametrize("width", [80, 200])
def test_the_table_fits_the_terminal_and_keeps_the_name(recorded_suite, width) -> None:
    result = CliRunner().invoke(cli, ["metrics"], env={"COLUMNS": str(width)})
    lines = result.output.splitlines()
    assert all(len(line.rstrip()) <= width for line in lines), result.output
    assert sum(line.startswith("boot_time ") for line in lines) == 2 and "box=stb-2" in result.output
    assert ("hidden" in result.output) is False  # ten short columns fit in 80
