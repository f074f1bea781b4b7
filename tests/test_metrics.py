"""Custom metrics: inside tests (also under xdist), through the fixture, and from scripts."""

from __future__ import annotations

import subprocess
import sys

import pytest

from pytest_vpt import MetricsCollector
from pytest_vpt.events import EventError
from pytest_vpt.store import queries

SUITE = """
import pytest, time
from pytest_vpt import MetricsCollector

metrics = MetricsCollector(tags={"rig": "lab-1"})

def test_launch(vpt_metrics):
    vpt_metrics.record("app_launch_time", 2.3, tags={"app": "netflix"}, unit="s")
    vpt_metrics.increment("content_loaded_successfully", tags={"app": "netflix"})

def test_module_level_collector():
    with metrics.timer("channel_change"):
        time.sleep(0.01)

calls = []

@pytest.mark.flaky(reruns=1)
def test_attempts(vpt_metrics):
    calls.append(1)
    vpt_metrics.record("attempt_seen", len(calls))
    assert len(calls) == 2
"""


@pytest.mark.parametrize("extra", [[], ["-n", "2"]], ids=["plain", "xdist"])
def test_samples_belong_to_their_test_and_attempt(pytester: pytest.Pytester, recorded, extra) -> None:
    pytester.makepyfile(test_metrics=SUITE)
    assert pytester.runpytest_subprocess("--vpt", *extra).parseoutcomes() == {"passed": 3, "rerun": 1}
    samples = {(m["name"], m["attempt"]): m for m in recorded.metrics()}
    assert set(samples) == {
        ("app_launch_time", 1), ("content_loaded_successfully", 1), ("channel_change", 1),
        ("attempt_seen", 1), ("attempt_seen", 2),
    }
    launch = samples["app_launch_time", 1]
    assert (launch["nodeid"], launch["value"], launch["kind"], launch["unit"], launch["tags"]) == (
        "test_metrics.py::test_launch", 2.3, "gauge", "s", {"app": "netflix"})
    assert samples["content_loaded_successfully", 1]["kind"] == "counter"
    assert samples["content_loaded_successfully", 1]["value"] == 1
    timer = samples["channel_change", 1]
    assert timer["kind"] == "timer" and timer["unit"] == "s" and 0.01 <= timer["value"] < 5
    assert timer["tags"] == {"rig": "lab-1"} and timer["nodeid"] == "test_metrics.py::test_module_level_collector"
    assert samples["attempt_seen", 1]["value"] == 1 and samples["attempt_seen", 2]["value"] == 2
    run = recorded.last_run()
    assert {m["run_id"] for m in recorded.metrics()} == {run["run_id"]}


@pytest.mark.parametrize("extra", [[], ["-n", "1"]], ids=["plain", "xdist"])
def test_samples_outside_any_test_belong_to_the_run(pytester: pytest.Pytester, recorded, extra) -> None:
    pytester.makeconftest(
        """
        from pytest_vpt import MetricsCollector
        def pytest_sessionfinish(session):
            where = "worker" if hasattr(session.config, "workerinput") else "main"
            MetricsCollector().record("rig_shutdown_time", 4.0, tags={"process": where})
        """
    )
    pytester.makepyfile("def test_ok(): pass")
    pytester.runpytest_subprocess("--vpt", *extra).assert_outcomes(passed=1)
    samples = recorded.metrics(name="rig_shutdown_time")
    # Under xdist the hook runs in the controller and in the worker: both samples arrive.
    assert sorted(s["tags"]["process"] for s in samples) == (["main", "worker"] if extra else ["main"])
    assert all(s["nodeid"] is None and s["run_id"] == recorded.last_run()["run_id"] for s in samples)


def test_a_script_writes_to_the_configured_store(tmp_path) -> None:
    script = tmp_path / "bench.py"
    script.write_text(
        "from pytest_vpt import MetricsCollector\n"
        "m = MetricsCollector(tags={'device': 'stb-7'})\n"
        "for i in range(3):\n"
        "    m.record('boot_time', 10.0 + i)\n"
        "m.increment('boots', 3)\n"
    )
    env = {"PATH": "/usr/bin:/bin", "VPT_STORE": f"sqlite:///{tmp_path}/metrics.db", "VPT_PROJECT": "bench"}
    subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env, check=True, timeout=60)
    with MetricsCollector(store=f"sqlite:///{tmp_path}/metrics.db", project="bench"):
        pass
    from pytest_vpt.store import open_store

    with open_store(f"sqlite:///{tmp_path}/metrics.db", create=False) as store:
        rows = queries.metrics(store.conn)
    assert [(r["name"], r["value"]) for r in rows] == [
        ("boot_time", 10.0), ("boot_time", 11.0), ("boot_time", 12.0), ("boots", 3)]
    assert {r["project"] for r in rows} == {"bench"}
    assert all(r["run_id"] is None and r["tags"] == {"device": "stb-7"} for r in rows)


def test_a_script_uses_the_projects_ini(tmp_path) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\nvpt_store = sqlite:///data/store.db\nvpt_project = lab\n")
    (tmp_path / "sub").mkdir()
    code = "from pytest_vpt import MetricsCollector; MetricsCollector().record('x', 1)"
    subprocess.run([sys.executable, "-c", code], cwd=tmp_path / "sub", env={"PATH": "/usr/bin:/bin"},
                   check=True, timeout=60)
    from pytest_vpt.store import open_store

    with open_store(f"sqlite:///{tmp_path}/data/store.db", create=False) as store:
        [row] = queries.metrics(store.conn)
    assert (row["project"], row["name"], row["value"]) == ("lab", "x", 1)


@pytest.mark.parametrize("call, message", [
    (lambda m: m.record("bad name", 1), "metric name 'bad name' is invalid"),
    (lambda m: m.record("", 1), "metric name '' is invalid"),
    (lambda m: m.record("9lives", 1), "metric name '9lives' is invalid"),
    (lambda m: m.record("ok", "fast"), "metric 'ok': the value must be a finite number, got 'fast'"),
    (lambda m: m.record("ok", float("nan")), "metric 'ok': the value must be a finite number, got nan"),
    (lambda m: m.record("ok", True), "the value must be a finite number, got True"),
    (lambda m: m.record("ok", 1, tags={"app": 3}), "tag 'app': values are strings, got int"),
    (lambda m: m.record("ok", 1, tags={"bad key": "x"}), "tag key 'bad key' is invalid"),
    (lambda m: m.increment("bad/name"), "metric name 'bad/name' is invalid"),
])
def test_bad_input_is_a_clear_error(call, message: str) -> None:
    with pytest.raises(EventError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call(MetricsCollector(store="sqlite:///unused.db"))


def test_collector_tags_are_validated_at_creation() -> None:
    with pytest.raises(EventError, match="tag 'build': values are strings, got int"):
        MetricsCollector(tags={"build": 7})


def test_metric_events_follow_the_wire_format() -> None:
    from pytest_vpt.events import validate
    from pytest_vpt.metrics import metric_event

    sample = {"name": "bitrate", "value": 4.5, "kind": "gauge", "unit": "Mbit/s", "tags": {"stream": "a"}, "time": 1.0}
    event = validate(metric_event(sample, "demo", "id-1", run_id="r", nodeid="t.py::test_a", attempt=2))
    assert (event["vpt.metric.unit"], event["vpt.test.attempt"]) == ("Mbit/s", 2)
