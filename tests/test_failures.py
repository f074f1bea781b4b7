"""Failures by cause on both engines: a hand-written history grouped by signature and category,
flagged with device offline and video incidents, through the API, `vpt failures`, `vpt run`,
the endpoint, and a real `pytest --vpt` run's summary."""

from __future__ import annotations

import json
import time

import pytest
import requests
from click.testing import CliRunner

from pytest_vpt.cli import cli
from pytest_vpt.devices import Sample, parse_devices
from pytest_vpt.devices.events import device_event, sample_event
from pytest_vpt.events import attempt_event, incident_event, run_event
from pytest_vpt.history import FailureReport, History, UnknownCategory
from pytest_vpt.store import open_store

from server_process import Server

T = time.time() // 3600 * 3600 - 2 * 86400  # two days ago, on the hour
PLAY = "tests/test_play.py::test_play"


def _run(run_id: str, at: float, project: str = "lab") -> dict:
    return run_event(run_id, project, "finished", at, finished_at=at + 3000, exit_status=1,
                     counts={"tests": 1, "passed": 0, "failed": 1, "error": 0, "skipped": 0, "xfailed": 0,
                             "xpassed": 0, "rerun": 0})


def _attempt(run_id: str, nodeid: str, at: float, outcome: str, error_type: str | None = None,
             message: str | None = None, attempt: int = 1, project: str = "lab", **more) -> dict:
    return attempt_event(f"{run_id}-{nodeid}-{attempt}", run_id=run_id, project=project, nodeid=nodeid,
                         outcome=outcome, attempt=attempt, final=outcome != "rerun", started_at=at,
                         finished_at=at + 50, error_type=error_type, error_message=message, **more)


def _stb() -> dict:
    entry = {"id": "stb-1", "kind": "set-top-box", "probe": {"type": "tcp", "host": "127.0.0.1", "port": 22},
             "interval": 60, "timeout": 1}
    return parse_devices([entry], "vpt.yaml")[0].describe()


def history_events() -> list[dict]:
    """Run r1 at T and r2 at T + 1 h of project "lab"; the device stb-1 offline from T + 1 h to
    T + 1 h 10 min; an older run and another project's run with the same failure."""
    fps = ("AssertionError", "expected {} fps, got {} at /tmp/{}/clip.ts")
    events = [
        _run("r1", T), _run("r2", T + 3600), _run("r0", T - 10 * 86400), _run("k1", T, project="kitchen"),
        _attempt("r0", f"{PLAY}[ch1]", T - 10 * 86400, "failed", fps[0], fps[1].format(25, 1, "run-0")),
        _attempt("k1", f"{PLAY}[ch1]", T + 5, "failed", fps[0], fps[1].format(25, 2, "k"), project="kitchen"),
        _attempt("r1", f"{PLAY}[ch1]", T + 10, "failed", fps[0], fps[1].format(25, 12, "run-1")),
        _attempt("r1", "tests/test_play.py::test_zap", T + 20, "passed"),
        _attempt("r1", "tests/test_net.py::test_api", T + 30, "rerun", "ConnectionRefusedError",
                 "[Errno 111] Connection refused to 10.0.0.7:554"),
        _attempt("r1", "tests/test_net.py::test_api", T + 35, "passed", attempt=2),
        _attempt("r1", "tests/test_dev.py::test_boot", T + 50, "failed", "TimeoutError", "boot took 31s",
                 device="stb-1", device_offline=True, device_error="connection refused"),
        _attempt("r2", f"{PLAY}[ch2]", T + 3610, "failed", fps[0], fps[1].format(30, 7, "run-2")),
        _attempt("r2", f"{PLAY}[ch1]", T + 3620, "failed", fps[0], fps[1].format(25, 11, "run-2")),
        _attempt("r2", "tests/test_dev.py::test_menu", T + 3700, "failed", "AttributeError",
                 "'NoneType' object has no attribute 'press'", device="stb-1", device_offline=False),
        _attempt("r2", "tests/test_video.py::test_hdmi", T + 4300, "failed", "AssertionError", "black screen for 4.2 s",
                 device="stb-1", device_offline=False),
        incident_event("lab", "black_screen", "hdmi://0", T + 4310, 4.2, "major", end=T + 4314.2, run_id="r2",
                       nodeid="tests/test_video.py::test_hdmi"),
        incident_event("lab", "freeze", "stb-1", T + 55, 3.0, "minor", end=T + 58),  # a stream named after the device
        incident_event("lab", "freeze", "stb-1", T + 200, 3.0, "minor", end=T + 203),  # after every attempt
        device_event(_stb(), "lab", T),
    ]
    pattern = "+" * 60 + "-" * 10 + "+" * 10
    events += [sample_event(Sample("stb-1", T + i * 60, c == "+", 0.01 if c == "+" else None,
                                   None if c == "+" else "connection refused", {}, 60), "lab")
               for i, c in enumerate(pattern)]
    return events


@pytest.fixture
def lab(store_url) -> str:
    with open_store(store_url) as store:
        store.write(history_events())
    return store_url


def _groups(report: FailureReport) -> list[tuple]:
    return [(g.failures, g.category, g.signature, g.tests, g.runs, g.device_offline, g.video_incident, g.flaky)
            for g in report.groups]


EXPECTED = [
    (3, "product defect", "AssertionError: expected <n> fps, got <n> at <path>", 2, 2, 0, 0, 0),
    (1, "product defect", "AssertionError: black screen for <n> s", 1, 1, 0, 1, 0),
    (1, "device offline", "AttributeError: <str> object has no attribute <str>", 1, 1, 1, 0, 0),
    (1, "device offline", "TimeoutError: boot took <n>s", 1, 1, 1, 1, 0),
    (1, "flaky", "ConnectionRefusedError: [Errno <n>] Connection refused to <ip>", 1, 1, 0, 0, 1),
]


def test_failures_are_grouped_by_signature_and_category(lab) -> None:
    with History.open(lab, project="lab") as history:
        report = history.failures(T - 3600, T + 86400)
    assert _groups(report) == EXPECTED
    assert (report.failures, report.flaky, report.truncated, report.groups_total) == (7, 1, False, 5)
    assert report.categories == {"product defect": 4, "device offline": 2, "flaky": 1}
    fps = report.groups[0]
    assert fps.nodeids == [f"{PLAY}[ch1]", f"{PLAY}[ch2]"]  # the test it hit most first
    assert (fps.first_seen, fps.last_seen) == (T + 10, T + 3620)
    assert fps.example == "expected 25 fps, got 11 at /tmp/run-2/clip.ts"  # the latest
    assert fps.error_type == "AssertionError" and fps.message == "expected <n> fps, got <n> at <path>"
    assert fps.to_dict()["signature_id"] == fps.signature_id and len(fps.signature_id) == 12


def test_one_test_one_category_and_a_limit(lab) -> None:
    with History.open(lab, project="lab") as history:
        assert _groups(history.failures(T - 3600, T + 86400, nodeid=f"{PLAY}[ch2]")) == [
            (1, "product defect", "AssertionError: expected <n> fps, got <n> at <path>", 1, 1, 0, 0, 0)]
        offline = history.failures(T - 3600, T + 86400, category="device offline")
        assert [g.signature for g in offline.groups] == [EXPECTED[2][2], EXPECTED[3][2]]
        top = history.failures(T - 3600, T + 86400, limit=1)
        assert (len(top.groups), top.groups_total) == (1, 5)
        with pytest.raises(UnknownCategory, match="no category 'infra' \\(known: device offline, flaky, "
                                                  "infrastructure, test defect, product defect, unknown\\)"):
            history.failures(T - 3600, T + 86400, category="infra")
        assert history.failures(T + 86400, T + 2 * 86400).groups == []  # an empty window


def test_the_read_is_capped_and_says_so(lab) -> None:
    from pytest_vpt.analytics.failures import DEFAULT_CATEGORIES
    from pytest_vpt.store import failure_queries

    with open_store(lab) as store:
        found = failure_queries.failures(store.conn, "lab", T - 3600, T + 86400, DEFAULT_CATEGORIES, cap=3)
    assert (found["failures"], found["truncated"], found["read_max"]) == (3, True, 3)
    assert found["categories"] == {"product defect": 2, "device offline": 1}  # the latest three


def test_a_run_s_failures_by_category(lab) -> None:
    with History.open(lab, project="lab") as history:
        found = history.run_categories("r2")
        assert found.line == "4 failures: 3 product defect, 1 device offline"
        assert (found.failures, found.flaky) == (4, 0)
        assert history.run_categories("r1").line == (
            "3 failures (1 flaky rerun): 1 device offline, 1 flaky, 1 product defect")


def vpt(store: str, *args: str, cwd=None) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--store", store, *args], env={"COLUMNS": "80"})
    return result.exit_code, result.output


def test_vpt_failures_table_and_json(lab, monkeypatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    code, output = vpt(lab, "failures", "--project", "lab")
    assert code == 0, output
    lines = output.splitlines()
    assert lines[0].startswith("failures by cause in lab since ")
    assert lines[1] == "7 failures (1 flaky rerun): 4 product defect, 2 device offline, 1 flaky"
    assert lines[3].split() == ["failures", "category", "signature", "tests", "runs", "with"]
    assert lines[4].split()[:4] == ["3", "product", "defect", "AssertionError:"]
    withs = [line[line.rindex("  ") + 2:] for line in lines[4:] if line.endswith(("offline", "video", "flaky"))]
    assert withs == ["1 video", "1 offline", "1 offline, 1 video", "1 flaky"]
    assert all(len(line) <= 80 for line in lines)
    assert lines[-1] == "(4 columns hidden: last seen, first seen, tests hit, example; --wide shows all)"
    code, output = vpt(lab, "failures", "--project", "lab", "--json", "--category", "flaky")
    found = json.loads(output)
    assert (found["failures"], found["groups_total"]) == (7, 1)
    assert found["groups"][0]["nodeids"] == ["tests/test_net.py::test_api"]
    assert found["groups"][0]["flaky"] == 1


def test_vpt_failures_names_bad_options(lab, monkeypatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    code, output = vpt(lab, "failures", "--project", "lab", "--category", "infra")
    assert code == 2 and "Invalid value for '--category': no category 'infra' (known: device offline" in output
    code, output = vpt(lab, "failures", "--project", "lab", "--since", "soon")
    assert code == 2 and "Invalid value for '--since': 'soon'" in output
    code, output = vpt(lab, "failures", "--project", "lab", "--limit", "0")
    assert code == 2 and "--limit" in output
    code, output = vpt(lab, "failures", "--project", "lab", "--test", f"{PLAY}[ch9]")
    assert code == 1 and f"no test '{PLAY}[ch9]' recorded in project 'lab'; did you mean" in output
    bad = tmp_path / "cats.yaml"
    bad.write_text("- name: infra\n  message: '(oops'\n")
    code, output = vpt(lab, "failures", "--project", "lab", "--categories", str(bad))
    assert code == 2 and f'Invalid value for \'--categories\': {bad}: category 1 ("infra"): message: invalid regex' \
        in " ".join(output.split())
    code, output = vpt(lab, "failures", "--project", "lab", "--categories", str(tmp_path / "missing.yaml"))
    assert code == 2 and "missing.yaml: cannot be read" in output


def test_vpt_failures_with_a_categories_file(lab, monkeypatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "vpt-categories.yaml").write_text(
        "categories:\n  - name: video\n    message: 'fps|black screen'\n  - name: lab network\n    outcomes: [rerun]\n")
    code, output = vpt(lab, "failures", "--project", "lab", "--json")  # found in the project's folder
    assert code == 0, output
    assert json.loads(output)["categories"] == {"video": 4, "lab network": 1, "unknown": 2}


def test_vpt_run_says_the_failures_by_category(lab, monkeypatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    code, output = vpt(lab, "run", "r2")
    assert code == 0, output
    assert "4 failures: 3 product defect, 1 device offline" in output.splitlines()
    (tmp_path / "vpt-categories.yaml").write_text("- name: video\n  message: 'fps|black screen'\n")
    code, output = vpt(lab, "run", "r2")  # the project's categories file
    assert "4 failures: 3 video, 1 unknown" in output.splitlines()
    with History.open(lab, project="lab") as history:
        assert history.run_categories("r2").to_dict() == {
            "run_id": "r2", "failures": 4, "flaky": 0, "categories": {"product defect": 3, "device offline": 1},
            "line": "4 failures: 3 product defect, 1 device offline"}


def test_the_endpoint(lab) -> None:
    from test_server import token_for

    server = Server(lab).start()
    try:
        auth = {"Authorization": f"Bearer {token_for(lab, 'lab')}"}
        answer = requests.get(f"{server.url}/api/v1/failures", headers=auth, timeout=30)
        assert answer.status_code == 200, answer.text
        found = answer.json()
        assert [(g["failures"], g["category"], g["signature"]) for g in found["groups"]] == [
            (g[0], g[1], g[2]) for g in EXPECTED]
        answer = requests.get(f"{server.url}/api/v1/failures", params={"category": "nope"}, headers=auth, timeout=30)
        assert answer.status_code == 422 and answer.json()["field"] == "category"
        assert "known: device offline" in answer.json()["error"]
        answer = requests.get(f"{server.url}/api/v1/failures", params={"limit": 0}, headers=auth, timeout=30)
        assert answer.status_code == 422 and answer.json()["field"] == "query.limit"
        assert requests.get(f"{server.url}/api/v1/failures", timeout=30).status_code == 401
    finally:
        server.stop()


SUITE = """
import pytest

@pytest.fixture
def tuner():
    raise RuntimeError("no tuner on /dev/dvb0")

def test_channel_list():
    assert 3 == 4

def test_stream():
    raise ConnectionResetError("reset by 10.0.0.7")

def test_tune(tuner):
    pass

def test_ok():
    pass
"""


def test_a_pytest_run_s_summary_says_its_failures_by_category(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_box=SUITE)
    result = pytester.runpytest("--vpt")
    result.stdout.fnmatch_lines(["*= vpt =*", "pass rate *", "3 failures: 1 infrastructure, 1 product defect, "
                                 "1 test defect"])
    pytester.path.joinpath("vpt-categories.yaml").write_text("- name: lab network\n  message: reset by\n")
    result = pytester.runpytest("--vpt")
    result.stdout.fnmatch_lines(["*= vpt =*", "pass rate *", "3 failures: 2 unknown, 1 lab network"])
    pytester.path.joinpath("cats.yaml").write_text("- name: lab\n  flaky: maybe\n")
    result = pytester.runpytest("--vpt", "--vpt-categories", "cats.yaml")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(['*cats.yaml: category 1 ("lab"): flaky: expected true or false, not the text '
                                 "'maybe'"])
