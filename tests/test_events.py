"""The wire format: what is accepted, and errors that name the field."""

from __future__ import annotations

import re
import sqlite3

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_vpt.cli import cli, render
from pytest_vpt.events import (
    NODE_ID_MAX, SCHEMAS, EventError, cut_text, event_id, fit_node_id, make_event, plainly_valid, validate,
)
from pytest_vpt.server import ingest
from pytest_vpt.server.errors import ApiError
from pytest_vpt.store import open_store

from conftest import run_events


def _test_event(**changes) -> dict:
    event = make_event("test", "id-1", {
        "vpt.run.id": "r", "vpt.project": "p", "test.case.name": "t.py::test_a", "vpt.test.outcome": "passed",
        "vpt.test.attempt": 1, "vpt.test.final": True, "vpt.test.started_at": 1.0,
    })
    event.update(changes)
    return {k: v for k, v in event.items() if v is not None}


def test_a_valid_event_passes() -> None:
    assert validate(_test_event())["type"] == "test"


@pytest.mark.parametrize("changes, message", [
    ({"type": "tset"}, "field 'type': unknown event type 'tset'"),
    ({"schema_version": 9}, "field 'schema_version': expected 1, got 9"),
    ({"id": ""}, "field 'id': a non-empty string is required"),
    ({"vpt.test.outcome": "exploded"}, "field 'vpt.test.outcome': 'exploded' is not one of passed, failed"),
    ({"vpt.test.attempt": "1"}, "field 'vpt.test.attempt': expected int, got str"),
    ({"vpt.test.final": 1}, "field 'vpt.test.final': expected bool, got int"),
    ({"vpt.test.attempt": True}, "field 'vpt.test.attempt': expected int, got bool"),
    ({"test.case.name": None}, "field 'test.case.name': required in a test event"),
    ({"colour": "red"}, "field 'colour': not an attribute of a test event"),
    ({"vpt.test.attempt": 2**40}, r"field 'vpt.test.attempt': 1099511627776 is out of range \(-2147483648 to 2147483647\)"),
])
def test_errors_name_the_field(changes: dict, message: str) -> None:
    with pytest.raises(EventError, match=message):
        validate(_test_event(**changes))


def test_run_counts_are_checked() -> None:
    run = make_event("run", "r", {"vpt.run.id": "r", "vpt.project": "p", "vpt.run.status": "finished",
                                  "vpt.run.started_at": 1.0, "vpt.run.counts": {"passed": 2, "won": 1}})
    with pytest.raises(EventError, match="field 'vpt.run.counts': unknown count 'won'"):
        validate(run)


def test_event_ids_are_stable() -> None:
    assert event_id("run", "t.py::a", 1) == event_id("run", "t.py::a", 1)
    assert event_id("run", "t.py::a", 1) != event_id("run", "t.py::a", 2)


_MUTATIONS = [
    {}, {"type": "tset"}, {"type": None}, {"schema_version": 9}, {"schema_version": True}, {"id": ""}, {"id": 7},
    {"vpt.test.outcome": "exploded"}, {"vpt.test.attempt": "1"}, {"vpt.test.final": 1}, {"vpt.test.attempt": True},
    {"test.case.name": None}, {"colour": "red"}, {"test.case.name": "t.py::a\x00"}, {"vpt.test.markers": ["a\x00"]},
    {"vpt.test.markers": ["slow"]}, {"vpt.test.duration.call": 0.5}, {"vpt.test.duration.call": "0.5"},
    {"vpt.test.quarantined": True}, {"vpt.test.quarantined": 1}, {"code.line.number": 3.5}, {"error.type": None},
    {"vpt.test.attempt": 2**31}, {"vpt.worker.seq": -(2**31) - 1}, {"code.line.number": 2**31 - 1},
    # the limits: times, durations, lengths, nesting, items
    {"vpt.test.duration.call": 1.7e308}, {"vpt.test.duration.setup": -1.0}, {"vpt.test.duration.call": float("nan")},
    {"vpt.test.duration.call": 31622400.0}, {"vpt.test.duration.call": 31622400.5}, {"vpt.test.started_at": -0.1},
    {"vpt.test.started_at": 0}, {"vpt.test.started_at": float("inf")}, {"vpt.test.finished_at": float("nan")},
    {"vpt.test.finished_at": 0.5}, {"vpt.test.finished_at": 1.0}, {"vpt.test.finished_at": 4102444800.0},
    {"vpt.test.finished_at": 4102444801.0}, {"vpt.test.started_at": 5.0, "vpt.test.finished_at": None},
    {"id": "i" * 200}, {"id": "i" * 201}, {"id": "i\x00"}, {"vpt.run.id": "r" * 201}, {"vpt.project": "é" * 200},
    {"test.case.name": "t" * 16384}, {"test.case.name": "t" * 16385}, {"vpt.test.params": "p" * 16385},
    {"exception.message": "m" * 65536}, {"exception.message": "m" * 65537}, {"error.type": "E" * 4097},
    {"vpt.test.markers": ["s"] * 256}, {"vpt.test.markers": ["s"] * 257}, {"vpt.test.markers": ["s" * 4097]},
    {"vpt.test.markers": [[[[[[[["deep"]]]]]]]]}, {"vpt.test.markers": [[[[[[[[["deeper"]]]]]]]]]},
    {"vpt.test.markers": [{"k": float("inf")}]}, {"vpt.test.markers": [{"k\x00": 1}]}, {"vpt.test.markers": [(1, 2)]},
]


@pytest.mark.parametrize("changes", _MUTATIONS)
def test_a_batch_checked_attribute_by_attribute_agrees_with_validate(changes: dict) -> None:
    """plainly_valid (the service's quick check of a batch) accepts exactly what validate accepts."""
    batch = [_test_event(id=f"id-{n}") for n in range(20)]
    batch[13] = _test_event(**{"id": "id-13", **changes})
    try:
        for event in batch:
            validate(event)
        valid = True
    except EventError:
        valid = False
    assert plainly_valid(batch) is valid
    assert plainly_valid([*batch, "not an event"]) is False
    run = make_event("run", "r", {"vpt.run.id": "r", "vpt.project": "p", "vpt.run.status": "finished",
                                  "vpt.run.started_at": 1.0, "vpt.run.counts": {"passed": 2}})
    assert plainly_valid([run, *batch]) is valid
    assert plainly_valid([{**run, "vpt.run.counts": {"won": 1}}, *batch]) is False


# --- limits: every value bounded, every error naming the field and its limit ---

def _nested(depth: int, leaf: object = "x") -> object:
    """``leaf`` inside ``depth`` lists, built without recursion."""
    value = leaf
    for _ in range(depth):
        value = [value]
    return value


_RANGE = r"is out of range \(0 to 31622400 seconds\)"
_WINDOW = r"is out of range \(0 to 4102444800 seconds, 1970-01-01 to 2100-01-01 UTC\)"


@pytest.mark.parametrize("changes, message", [
    ({"vpt.test.duration.call": 1.7e308}, rf"field 'vpt.test.duration.call': 1.7e\+308 {_RANGE}"),
    ({"vpt.test.duration.setup": -0.5}, rf"field 'vpt.test.duration.setup': -0.5 {_RANGE}"),
    ({"vpt.test.duration.teardown": float("nan")}, rf"field 'vpt.test.duration.teardown': nan {_RANGE}"),
    ({"vpt.test.started_at": -1.0}, rf"field 'vpt.test.started_at': -1.0 {_WINDOW}"),
    ({"vpt.test.started_at": float("inf")}, rf"field 'vpt.test.started_at': inf {_WINDOW}"),
    ({"vpt.test.finished_at": 4102444800.5}, rf"field 'vpt.test.finished_at': 4102444800.5 {_WINDOW}"),
    ({"vpt.test.started_at": 100.0, "vpt.test.finished_at": 99.5},
     r"field 'vpt.test.finished_at': 99.5 is before 'vpt.test.started_at' \(100.0\)"),
    ({"id": "i" * 201}, "field 'id': 201 characters, at most 200"),
    ({"id": "a\x00b"}, "field 'id': contains a NUL character"),
    ({"vpt.project": "p" * 201}, "field 'vpt.project': 201 characters, at most 200"),
    ({"vpt.worker.id": "w" * 201}, "field 'vpt.worker.id': 201 characters, at most 200"),
    ({"test.case.name": "t" * 16385}, "field 'test.case.name': 16385 characters, at most 16384"),
    ({"exception.message": "m" * 65537}, "field 'exception.message': 65537 characters, at most 65536"),
    ({"code.file.path": "f" * 4097}, "field 'code.file.path': 4097 characters, at most 4096"),
    ({"vpt.test.markers": ["slow"] * 257}, "field 'vpt.test.markers': a list of 257 items, at most 256"),
    ({"vpt.test.markers": ["m" * 4097]}, "field 'vpt.test.markers': holds a text of 4097 characters, at most 4096"),
    ({"vpt.test.markers": _nested(9)}, "field 'vpt.test.markers': nested more than 8 levels deep"),
    ({"vpt.test.markers": [float("inf")]}, "field 'vpt.test.markers': a number must be a finite number, got inf"),
])
def test_limits_name_the_field_and_the_limit(changes: dict, message: str) -> None:
    with pytest.raises(EventError, match=message):
        validate(_test_event(**changes))


def test_values_at_the_limits_are_accepted() -> None:
    validate(_test_event(**{
        "id": "i" * 200, "vpt.project": "p" * 200, "test.case.name": "t" * 16384, "exception.message": "m" * 65536,
        "code.file.path": "f" * 4096, "vpt.test.started_at": 0.0, "vpt.test.finished_at": 4102444800.0,
        "vpt.test.duration.call": 31622400.0, "vpt.test.markers": ["slow"] * 256,
    }))
    validate(_test_event(**{"vpt.test.markers": _nested(7)}))  # 8 levels: the list and 7 inside it


def _run(**changes) -> dict:
    run = make_event("run", "r", {"vpt.run.id": "r", "vpt.project": "p", "vpt.run.status": "finished",
                                  "vpt.run.started_at": 1000.0, "vpt.run.finished_at": 1010.0})
    run.update(changes)
    return run


def _metric(**changes) -> dict:
    metric = make_event("metric", "m", {"vpt.project": "p", "vpt.metric.name": "fps", "vpt.metric.value": 25.0,
                                        "vpt.metric.kind": "gauge", "vpt.metric.time": 1000.0})
    metric.update(changes)
    return metric


def _device(**changes) -> dict:
    device = make_event("device", "d", {"vpt.project": "p", "vpt.device.id": "stb-1", "vpt.device.kind": "stb",
                                        "vpt.device.probe": "tcp 10.0.0.2:22", "vpt.device.interval": 60.0,
                                        "vpt.device.timeout": 5.0, "vpt.device.grace": 0.0,
                                        "vpt.device.seen_at": 1000.0})
    device.update(changes)
    return device


def _sample(**changes) -> dict:
    sample = make_event("device_sample", "s", {"vpt.project": "p", "vpt.device.id": "stb-1", "vpt.sample.time": 1000.0,
                                               "vpt.device.online": True, "vpt.device.interval": 60.0})
    sample.update(changes)
    return sample


def _incident(**changes) -> dict:
    incident = make_event("incident", "x", {"vpt.project": "p", "vpt.incident.kind": "freeze",
                                            "vpt.incident.source": "udp://239.0.0.1:1234", "vpt.incident.start": 1000.0,
                                            "vpt.incident.end": 1002.0, "vpt.incident.duration": 2.0,
                                            "vpt.incident.severity": "major"})
    incident.update(changes)
    return incident


_BASES = {"run": _run, "test": _test_event, "metric": _metric, "device": _device, "device_sample": _sample,
          "incident": _incident}


@pytest.mark.parametrize("event, message", [
    (_metric(**{"vpt.metric.value": 1e16}), r"field 'vpt.metric.value': 1e\+16 is out of range \(-1e\+15 to 1e\+15\)"),
    (_metric(**{"vpt.metric.time": 1e308}), rf"field 'vpt.metric.time': 1e\+308 {_WINDOW}"),
    (_metric(**{"vpt.metric.name": "bad name"}), "field 'vpt.metric.name': metric name 'bad name' is invalid"),
    (_metric(**{"vpt.metric.tags": {"bad key": "x"}}), "field 'vpt.metric.tags': tag key 'bad key' is invalid"),
    (_metric(**{"vpt.metric.tags": {"app": "a" * 4097}}),
     "field 'vpt.metric.tags': holds a text of 4097 characters, at most 4096"),
    (_metric(**{"vpt.metric.tags": {f"k{n}": "v" for n in range(257)}}),
     "field 'vpt.metric.tags': an object of 257 items, at most 256"),
    (_device(**{"vpt.device.tags": {"9": "x"}}), "field 'vpt.device.tags': tag key '9' is invalid"),
    (_device(**{"vpt.device.interval": 0.0}), r"field 'vpt.device.interval': 0.0 is out of range \(above 0 to"),
    (_device(**{"vpt.device.grace": 1e9}), rf"field 'vpt.device.grace': 1000000000.0 {_RANGE}"),
    (_device(**{"vpt.device.seen_at": -5.0}), rf"field 'vpt.device.seen_at': -5.0 {_WINDOW}"),
    (_sample(**{"vpt.device.values": {"temperature": 2e15}}),
     r"field 'vpt.device.values': 'temperature' must be a finite number from -1e\+15 to 1e\+15, got 2000000000000000.0"),
    (_sample(**{"vpt.device.values": {"bad name": 1}}), "field 'vpt.device.values': metric name 'bad name' is invalid"),
    (_sample(**{"vpt.device.response_time": 1e300}), rf"field 'vpt.device.response_time': 1e\+300 {_RANGE}"),
    (_incident(**{"vpt.incident.end": 999.0}), r"field 'vpt.incident.end': 999.0 is before 'vpt.incident.start'"),
    (_incident(**{"vpt.incident.duration": 4e7}), rf"field 'vpt.incident.duration': 40000000.0 {_RANGE}"),
    (_incident(**{"vpt.incident.source": "s" * 4097}), "field 'vpt.incident.source': 4097 characters, at most 4096"),
    (_run(**{"vpt.run.finished_at": 999.0}), r"field 'vpt.run.finished_at': 999.0 is before 'vpt.run.started_at'"),
    (_run(**{"vpt.run.labels": {"a": "b" * 4097}}), "field 'vpt.run.labels': holds a text of 4097 characters"),
    (_run(**{"vpt.run.quarantine_requests": {"t" * 16385: ["list", "x"]}}),
     "field 'vpt.run.quarantine_requests': holds a text of 16385 characters, at most 16384"),
])
def test_every_event_type_is_bounded(event: dict, message: str) -> None:
    with pytest.raises(EventError, match=message):
        validate(event)
    assert plainly_valid([event]) is False


def test_regression_huge_duration_refused() -> None:
    """Reported: durations of 1.7e308 were stored, and froze the daily rollup of every project."""
    event = _test_event(**{"vpt.test.duration.setup": 1.7e308, "vpt.test.duration.call": 1.7e308})
    with pytest.raises(EventError, match=rf"field 'vpt.test.duration.setup': 1.7e\+308 {_RANGE}"):
        validate(event)
    assert plainly_valid([_test_event(id=f"id-{n}") for n in range(100)] + [event]) is False


@pytest.mark.parametrize("field", ["vpt.test.markers", "vpt.run.labels", "vpt.metric.tags", "vpt.device.values"])
@pytest.mark.parametrize("depth", [9, 255, 330, 100_000])
def test_regression_deep_nesting_is_a_clean_error(field: str, depth: int) -> None:
    """Reported: 330 levels gave a RecursionError (500), 255 were stored and broke every read."""
    kind = {"vpt.test.markers": "test", "vpt.run.labels": "run", "vpt.metric.tags": "metric",
            "vpt.device.values": "device_sample"}[field]
    deep = _nested(depth - 1)
    event = _BASES[kind](**{field: {"deep": deep} if field != "vpt.test.markers" else [deep]})
    with pytest.raises(EventError, match=f"field '{field}': nested more than 8 levels deep"):
        validate(event)
    assert plainly_valid([event]) is False


def test_regression_absurd_run_time_refused() -> None:
    """Reported: a run started at 1e308 was stored, and then `vpt runs` crashed."""
    with pytest.raises(EventError, match=rf"field 'vpt.run.started_at': 1e\+308 {_WINDOW}"):
        validate(_run(**{"vpt.run.started_at": 1e308, "vpt.run.finished_at": None}))
    with pytest.raises(EventError, match=rf"field 'vpt.run.started_at': -1.0 {_WINDOW}"):
        validate(_run(**{"vpt.run.started_at": -1.0}))


def test_regression_metric_and_tag_errors_name_the_field() -> None:
    """Reported: a bad metric name or tag was reported as `[0]` only."""
    for event, field in ((_metric(**{"vpt.metric.name": "9lives"}), "vpt.metric.name"),
                         (_metric(**{"vpt.metric.tags": {"bad key": "x"}}), "vpt.metric.tags"),
                         (_metric(**{"vpt.metric.tags": {"app": 3}}), "vpt.metric.tags")):
        with pytest.raises(EventError, match=f"^field '{field}': "):
            validate(event)
        with pytest.raises(ApiError) as refused:  # the service's answer: 422 naming the event and field
            ingest.check([_metric(), event], "p", 100)
        assert (refused.value.status, refused.value.field) == (422, f"[1].{field}")


def test_an_unknown_attribute_is_named_within_bounds() -> None:
    with pytest.raises(EventError, match=r"^field 'x{200}\.\.\.': not an attribute of a test event$"):
        validate(_test_event(**{"x" * 100_000: 1}))


# --- generated events: validate answers or raises EventError, and the batch check agrees ---

_EDGES = (0.0, -0.0, 1.0, -1.0, 4102444800.0, 4102444800.5, 31622400.0, 31622400.5, 1e15, 1e16, 1.7e308,
          float("inf"), float("-inf"), float("nan"), 2**31 - 1, 2**31, -(2**31) - 1)
_LENGTHS = (0, 1, 200, 201, 4096, 4097, 16384, 16385, 65536, 65537)


@st.composite
def _deep(draw: st.DrawFn) -> object:
    return _nested(draw(st.integers(0, 12)), draw(st.sampled_from(["x", 1, None, float("nan")])))


_SCALARS = (st.none() | st.booleans() | st.integers() | st.floats() | st.sampled_from(_EDGES)
            | st.text(max_size=8) | st.sampled_from(_LENGTHS).map(lambda n: "é" * n) | st.just("a\x00b"))
_VALUES = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
    st.text(max_size=6) | st.sampled_from(["passed", "won", "9", "ok.name"]), inner, max_size=4), max_leaves=12)
_HOSTILE = (_VALUES | _deep() | st.sampled_from([["s"] * 256, ["s"] * 257, {f"k{n}": "v" for n in range(257)}])
            | st.sampled_from(_EDGES))


@st.composite
def _mutated(draw: st.DrawFn) -> dict:
    """A valid event of any type with a few attributes (or the envelope) set to anything at all."""
    kind = draw(st.sampled_from(sorted(_BASES)))
    event = _BASES[kind](id=f"gen-{draw(st.integers(0, 3))}")
    names = st.sampled_from(sorted(SCHEMAS[kind]) + ["id", "type", "schema_version", "colour"])
    for name in draw(st.lists(names, max_size=3)):
        event[name] = draw(_HOSTILE)
    return event


def _valid(event: object) -> bool:
    try:
        validate(event)
    except EventError:
        return False
    return True


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(_mutated(), min_size=1, max_size=4))
def test_generated_events_validate_or_raise_event_error_and_the_batch_check_agrees(events: list[dict]) -> None:
    verdicts = [_valid(event) for event in events]  # anything but EventError fails the test
    padding = [_test_event(id=f"pad-{n}") for n in range(5)]
    assert plainly_valid([*padding, *events]) is all(verdicts)


# --- the producer cuts what pytest gives beyond the limits; it is never refused ---

_LONG_SUITE = """
import pytest

@pytest.mark.parametrize("channel", ["{long}"])
def test_tune(channel):
    raise ValueError("no signal " * 20000)
"""


def test_regression_long_node_id_and_message_are_cut_not_refused(pytester: pytest.Pytester, recorded) -> None:
    """A parametrization id beyond NODE_ID_MAX keeps one stable id (head and hash); a long
    message keeps its head and says how much was cut."""
    pytester.makepyfile(test_long=_LONG_SUITE.format(long="p" * 20_000))
    for _ in range(2):
        assert pytester.runpytest("--vpt", "-p", "no:cacheprovider").ret == 1
    runs = recorded.runs()
    assert [run["status"] for run in runs] == ["finished", "finished"]
    (first,), (second,) = (recorded.tests(run["run_id"]) for run in runs)
    assert first["nodeid"] == second["nodeid"]
    assert len(first["nodeid"]) == 16_384 and first["nodeid"].startswith("test_long.py::test_tune[ppp")
    assert re.search(r"\.\.\. \[20025 characters, sha256 [0-9a-f]{16}\]$", first["nodeid"])
    assert first["error_type"] == "ValueError" and first["error_message"].startswith("no signal no signal")
    assert re.search(r"\.\.\. \[\d+ characters cut\]$", first["error_message"])


def test_a_cut_text_keeps_its_head_within_the_limit() -> None:
    assert cut_text("short", 10) == "short" and cut_text(None, 10) is None
    cut = cut_text("x" * 100_000, 1000)
    assert len(cut) <= 1000 and cut.endswith(f"... [{100_000 - cut.index('.')} characters cut]")
    assert fit_node_id("t.py::a") == "t.py::a"
    long = "t.py::a[" + "p" * 20_000 + "]"
    assert fit_node_id(long) == fit_node_id(long) != fit_node_id(long.replace("pp]", "qp]"))
    assert len(fit_node_id(long)) == NODE_ID_MAX


# --- what a store already holds (an older version accepted anything) is shown, never a crash ---

def test_render_survives_absurd_times(tmp_path) -> None:
    """Reported: `vpt runs`, `vpt tests` and `vpt video incidents` crashed with
    "OverflowError: timestamp out of range" on a time of 1e308."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    with open_store(url) as store:
        store.write(run_events("r1", 1000.0, "abc", {"t.py::test_a": "P"}) + [_incident()])
    with sqlite3.connect(tmp_path / "old.db") as db:
        db.execute("UPDATE runs SET started_at = 1e308, finished_at = -1e308")
        db.execute("UPDATE test_attempts SET started_at = -1e308, duration = 1.7e308, call_duration = 1.7e308")
        db.execute("UPDATE video_incidents SET started_at = 1e308, ended_at = -5, duration = 1.7e308")
    for args in (["runs"], ["run", "r1"], ["tests", "t.py::test_a"], ["video", "incidents"]):
        result = CliRunner().invoke(cli, ["--store", url, *args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        assert "?" in result.output, result.output
    assert "? (1e+308)" in CliRunner().invoke(cli, ["--store", url, "runs"]).output


@pytest.mark.parametrize("value", [1e308, -1e308, float("nan"), float("inf"), "1000"])
def test_absurd_numbers_are_shown_as_a_question_mark(value) -> None:
    for shown in (render.when(value), render.seconds(value), render.span(value), render.tenths(value)):
        assert shown.startswith("? (")
    assert render.when(1000.0).startswith("1970-01-01") and render.span(750.0) == "12m 30s"


def test_a_metric_beyond_the_limit_is_refused_when_recorded(tmp_path) -> None:
    """Refused in the test that records it, not later with the run's whole batch."""
    from pytest_vpt.metrics import MetricsCollector

    collector = MetricsCollector(store=f"sqlite:///{tmp_path / 'vpt.db'}")
    with pytest.raises(EventError, match=r"metric 'bitrate': the value 1e\+16 is out of range \(-1e\+15 to 1e\+15\)"):
        collector.record("bitrate", 1e16)
    with pytest.raises(EventError, match="257 tags, at most 256"):
        collector.record("bitrate", 1, tags={f"k{n}": "v" for n in range(257)})


def test_a_long_probe_error_is_cut_not_refused() -> None:
    from pytest_vpt.devices.events import sample_event
    from pytest_vpt.devices.sampler import Sample

    event = sample_event(Sample("stb-1", 1000.0, False, None, "E" * 60_000, {}, 60.0), "lab")
    assert validate(event)["vpt.device.error"].endswith("characters cut]")
