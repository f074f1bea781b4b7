"""Event builders: one per event type, plain values in, wire-format events out, one incident id."""

from __future__ import annotations

from pytest_vpt.events import (
    attempt_event, device_event, device_sample_event, incident_event, metric_event, run_event, validate,
)
from pytest_vpt.producers.watcher import incident_event as watcher_incident_event
from pytest_vpt.store import open_store
from pytest_vpt.video import Incident

T0 = 1.8e9


def test_every_builder_gives_a_valid_event_of_its_type() -> None:
    built = {
        "run": run_event("r1", "box", "finished", T0, finished_at=T0 + 5, exit_status=0, counts={"tests": 1},
                         context={"host.name": "ci-7"}),
        "test": attempt_event("r1-gw0-1", run_id="r1", project="box", nodeid="t.py::test_a", outcome="failed",
                              attempt=1, final=True, started_at=T0, finished_at=T0 - 1, path="t.py", line=3,
                              error_type="ValueError", error_message="E" * 100_000),
        "metric": metric_event("m1", "box", "fps", 25.0, "gauge", T0, unit="1/s", tags={"app": "tv"}),
        "device": device_event("box", "stb-1", "stb", "tcp", 60.0, 5.0, 120.0, T0),
        "device_sample": device_sample_event("box", "stb-1", T0, False, 60.0, error="no route\n" * 10_000),
        "incident": incident_event("box", "freeze", "rtsp://stb-1/live", T0, 1.5, "minor", end=T0 + 1.5),
    }
    for kind, event in built.items():
        assert validate(event)["type"] == kind
    test = built["test"]
    assert test["vpt.test.finished_at"] == T0  # a clock stepped back is no end before the start
    assert test["exception.message"].endswith("characters cut]")
    assert built["run"]["id"] == "r1-finished" and built["run"]["host.name"] == "ci-7"
    assert device_sample_event("box", "stb-1", T0, True, 60.0)["id"] == built["device_sample"]["id"]


def test_an_incident_has_one_id_whoever_builds_it() -> None:
    incident = Incident("black_screen", 1.0, 30, 2.0, 60, 1.0, "minor")
    from_watcher = watcher_incident_event(incident, "box", "rtsp://stb-1/live", T0)
    from_a_test = incident_event("box", "black_screen", "rtsp://stb-1/live", T0 + 1.0, 1.0, "minor", end=T0 + 2.0,
                                 run_id="r1", nodeid="t.py::test_tv")
    assert from_watcher["id"] == from_a_test["id"]
    later = incident_event("box", "black_screen", "rtsp://stb-1/live", T0 + 9.0, 1.0, "minor")
    assert later["id"] != from_a_test["id"]


def test_an_incident_found_by_a_test_and_resent_by_the_watcher_is_stored_once(pytester) -> None:
    """The test's run records the incident; the watcher sending the same incident adds nothing."""
    pytester.makeini("[pytest]\nvpt_project = box\n")
    pytester.makepyfile(f"""
        from pytest_vpt.metrics import record_incident
        from pytest_vpt.video import Incident

        def test_tv():
            incident = Incident("black_screen", 1.0, 30, 2.0, 60, 1.0, "minor")
            assert record_incident(incident.event_fields("rtsp://stb-1/live", {T0!r}))
    """)
    pytester.runpytest("--vpt", "-p", "no:randomly").assert_outcomes(passed=1)
    resent = watcher_incident_event(Incident("black_screen", 1.0, 30, 2.0, 60, 1.0, "minor"), "box",
                                    "rtsp://stb-1/live", T0)
    with open_store(f"sqlite:///{pytester.path / '.vpt' / 'vpt.db'}") as store:
        store.write([resent])
        rows = store.conn.execute(
            "SELECT i.kind, i.started_at, c.nodeid FROM video_incidents i LEFT JOIN test_cases c ON c.test_id = i.test_id"
        ).fetchall()
    module = "test_an_incident_found_by_a_test_and_resent_by_the_watcher_is_stored_once.py"
    assert [tuple(row) for row in rows] == [("black_screen", T0 + 1.0, f"{module}::test_tv")]
