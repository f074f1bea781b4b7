"""`vpt server`: ingest in the wire format, queries, auth, limits, metrics — a real process, real stores."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import time

import pytest
import requests
from click.testing import CliRunner

from pytest_vpt.cli import cli
from pytest_vpt.store import open_store

from conftest import run_events
from server_process import Server, free_port, wait_until_serving


def token_for(store: str, project: str, name: str = "ci") -> str:
    result = CliRunner().invoke(cli, ["--store", store, "token", "create", "--project", project, "--name", name])
    assert result.exit_code == 0, result.output
    return result.output.strip()


@pytest.fixture
def service(store_url):
    """A server on a fresh store of each engine, and a token for project "box"."""
    server = Server(store_url, "--max-body", "1").start()
    server.token = token_for(store_url, "box")
    server.auth = {"Authorization": f"Bearer {server.token}"}
    yield server
    server.log = server.stop()


def post(service, body: bytes, content_type: str = "application/json", **headers: str) -> requests.Response:
    return requests.post(f"{service.url}/api/v1/events", data=body, timeout=30,
                         headers={**service.auth, "Content-Type": content_type, **headers})


def test_a_batch_is_written_and_read_back(service) -> None:
    events = run_events("run1", 1.8e9, "a" * 40, {"t.py::test_ok": "P", "t.py::test_flaky": "FP"})
    answer = post(service, json.dumps(events).encode())
    assert answer.status_code == 200 and answer.json() == {"accepted": 4, "types": {"run": 1, "test": 3}}
    [run] = requests.get(f"{service.url}/api/v1/runs", headers=service.auth, timeout=10).json()
    assert run["run_id"] == "run1" and run["project"] == "box"
    tests = requests.get(f"{service.url}/api/v1/runs/run1/tests", params={"attempts": "true"}, headers=service.auth,
                         timeout=10).json()
    assert [(t["nodeid"], t["outcome"]) for t in tests] == [
        ("t.py::test_flaky", "rerun"), ("t.py::test_ok", "passed"), ("t.py::test_flaky", "passed")]
    flaky = requests.get(f"{service.url}/api/v1/flaky", headers=service.auth, timeout=10).json()
    assert [f["nodeid"] for f in flaky] == ["t.py::test_flaky"]  # the finished run was folded into the verdicts
    history = requests.get(f"{service.url}/api/v1/tests/history", params={"nodeid": "t.py::test_ok"},
                           headers=service.auth, timeout=10).json()
    assert [h["run_id"] for h in history] == ["run1"]
    assert requests.get(f"{service.url}/api/v1/devices", headers=service.auth, timeout=10).json() == []


def test_json_lines_and_gzip_are_accepted_and_a_resent_batch_is_stored_once(service) -> None:
    events = run_events("run2", 1.8e9, "b" * 40, {f"t.py::test_{i}": "P" for i in range(50)})
    lines = "\n".join(json.dumps(event) for event in events).encode()
    for _ in range(2):
        answer = post(service, gzip.compress(lines), "application/x-ndjson", **{"Content-Encoding": "gzip"})
        assert answer.status_code == 200 and answer.json()["accepted"] == 51
    with open_store(service.store) as store:
        assert len(store.read("run_tests", "run2")) == 50


@pytest.mark.parametrize(("make", "status", "message", "field"), [
    (lambda s: {"Authorization": ""}, 401, "send a token: Authorization: Bearer TOKEN", "Authorization"),
    (lambda s: {"Authorization": "Bearer vpt_not-a-real-one"}, 401, "the token is not valid", "Authorization"),
    (lambda s: {"Content-Type": "text/plain"}, 415, "content type 'text/plain' is not accepted", "Content-Type"),
    (lambda s: {"Content-Encoding": "br"}, 415, "content encoding 'br' is not accepted", "Content-Encoding"),
])
def test_requests_refused_by_their_headers(service, make, status, message, field) -> None:
    headers = {**service.auth, "Content-Type": "application/json", **make(service)}
    answer = requests.post(f"{service.url}/api/v1/events", data=b"[]", headers=headers, timeout=10)
    assert answer.status_code == status
    assert message in answer.json()["error"] and answer.json()["field"] == field
    if status == 401:
        assert answer.headers["WWW-Authenticate"] == "Bearer"
        assert "vpt_not-a-real-one" not in answer.text


def test_an_invalid_event_refuses_the_whole_batch_naming_the_field(service) -> None:
    events = run_events("run3", 1.8e9, "c" * 40, {"t.py::test_a": "P", "t.py::test_b": "P"})
    events[2]["vpt.test.outcome"] = "exploded"
    answer = post(service, json.dumps(events).encode())
    assert answer.status_code == 422
    assert answer.json() == {"error": "event 2: field 'vpt.test.outcome': 'exploded' is not one of passed, failed, "
                                      "error, skipped, xfailed, xpassed, rerun", "field": "[2].vpt.test.outcome"}
    assert requests.get(f"{service.url}/api/v1/runs", headers=service.auth, timeout=10).json() == []
    answer = post(service, b'[{"type": "run",')
    assert answer.status_code == 422 and answer.json()["field"] == "body"


def test_a_number_too_large_to_store_is_refused_not_cut(service) -> None:
    events = run_events("run3b", 1.8e9, "c" * 40, {f"t.py::test_{n}": "P" for n in range(60)})  # the bulk path
    events[7]["vpt.test.attempt"] = 2**40
    answer = post(service, json.dumps(events).encode())
    assert answer.status_code == 422 and answer.json()["field"] == "[7].vpt.test.attempt"
    assert "1099511627776 is out of range" in answer.json()["error"]
    assert requests.get(f"{service.url}/api/v1/runs", headers=service.auth, timeout=10).json() == []


def test_video_incidents_are_ingested_and_listed(service) -> None:
    from pytest_vpt.recording.watcher import incident_event
    from pytest_vpt.video import Incident

    still = Incident("freeze", 3.0, 90, None, None, 2.0, "major")
    event = incident_event(still, "box", "rtsp://stb-1/live", 1.8e9)
    assert post(service, json.dumps([event]).encode()).status_code == 200
    ended = Incident("freeze", 3.0, 90, 6.5, 195, 3.5, "major")
    assert post(service, json.dumps([incident_event(ended, "box", "rtsp://stb-1/live", 1.8e9)]).encode()).status_code == 200
    [found] = requests.get(f"{service.url}/api/v1/incidents", headers=service.auth, timeout=10).json()
    assert (found["kind"], found["started_at"], found["ended_at"], found["duration"], found["end_frame"]) == (
        "freeze", 1.8e9 + 3.0, 1.8e9 + 6.5, 3.5, 195)  # the open incident, ended by the second event


def test_a_token_writes_only_its_project(service) -> None:
    events = run_events("run4", 1.8e9, "d" * 40, {"t.py::test_a": "P"})
    other = token_for(service.store, "kitchen", "other")
    answer = post(service, json.dumps(events).encode(), Authorization=f"Bearer {other}")
    assert answer.status_code == 403
    assert answer.json()["error"] == "event 0: this token may write project 'kitchen', not 'box'"
    assert requests.get(f"{service.url}/api/v1/runs", headers={"Authorization": f"Bearer {other}"},
                        timeout=10).json() == []


def test_a_body_over_the_limit_is_413(service) -> None:
    big = b"[" + b" " * (1024 * 1024 + 10) + b"]"
    assert post(service, big).status_code == 413
    bomb = gzip.compress(b"[" + b" " * (4 * 1024 * 1024) + b"]")  # small on the wire, too large inside
    answer = post(service, bomb, **{"Content-Encoding": "gzip"})
    assert answer.status_code == 413 and "once decompressed" in answer.json()["error"]


def test_tokens_are_stored_as_hashes_and_never_logged(service) -> None:
    with open_store(service.store) as store:
        stored = [row[0] for row in store.conn.execute("SELECT token_hash FROM api_tokens")]
    assert len(stored) == 1 and service.token not in stored and len(stored[0]) == 64
    post(service, b"[]")
    requests.get(f"{service.url}/api/v1/runs", headers={"Authorization": "Bearer vpt_wrong-secret"}, timeout=10)
    log = service.stop()
    assert service.token not in log and "vpt_wrong-secret" not in log


def test_health_and_metrics(service) -> None:
    assert requests.get(f"{service.url}/healthz", timeout=10).json()["status"] == "ok"
    post(service, json.dumps(run_events("run5", 1.8e9, "e" * 40, {"t.py::test_a": "P"})).encode())
    post(service, b"not json")
    text = requests.get(f"{service.url}/metrics", timeout=10).text
    assert 'vpt_events_ingested_total{type="test"} 1.0' in text
    assert 'vpt_ingest_refused_batches_total{status="422"} 1.0' in text
    assert 'vpt_http_request_duration_seconds_count{method="POST",route="/api/v1/events",status="200"} 1.0' in text
    assert "vpt_store_size_bytes" in text
    document = requests.get(f"{service.url}/openapi.json", timeout=10).json()
    assert "/api/v1/events" in document["paths"]


def test_the_daily_rollup_is_folded_in_the_background(service) -> None:
    """Batches are written without folding; the service folds them soon after, and at its stop."""
    def daily_runs(store) -> list[tuple]:
        return sorted(tuple(row) for row in store.conn.execute(
            "SELECT c.nodeid, d.runs, d.reruns FROM test_daily d JOIN test_cases c ON c.test_id = d.test_id"))

    post(service, json.dumps(run_events("run6", 1.8e9, "f" * 40, {"t.py::test_a": "P", "t.py::test_b": "FF"})).encode())
    with open_store(service.store) as store:
        for _ in range(200):  # folded five seconds after the batch
            if daily_runs(store):
                break
            time.sleep(0.1)
        assert daily_runs(store) == [("t.py::test_a", 1, 0), ("t.py::test_b", 1, 1)]
        assert "vpt_rollup_queue_attempts 0.0" in requests.get(f"{service.url}/metrics", timeout=10).text
        post(service, json.dumps(run_events("run7", 1.8e9 + 10, "g" * 40, {"t.py::test_a": "P"})).encode())
        service.stop()
        assert daily_runs(store) == [("t.py::test_a", 2, 0), ("t.py::test_b", 1, 1)]


def test_settings_come_from_vpt_yaml_unless_given(tmp_path) -> None:
    """vpt.yaml's server section sets the store, port and limits; the command line wins."""
    port = free_port()
    (tmp_path / "vpt.yaml").write_text(f"server:\n  store: sqlite:///shared.db\n  port: {port}\n  max_events: 5\n")
    token = token_for(f"sqlite:///{tmp_path / 'shared.db'}", "box")
    proc = subprocess.Popen([sys.executable, "-m", "pytest_vpt", "server", "--max-events", "6"], cwd=tmp_path,
                            stderr=subprocess.PIPE, text=True)
    try:
        wait_until_serving(f"http://127.0.0.1:{port}", proc)
        events = run_events("run8", 1.8e9, "h" * 40, {f"t.py::test_{n}": "P" for n in range(6)})
        answer = requests.post(f"http://127.0.0.1:{port}/api/v1/events", data=json.dumps(events), timeout=10,
                               headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        assert answer.status_code == 413 and answer.json()["error"] == "7 events in one batch; at most 6"
        answer = requests.post(f"http://127.0.0.1:{port}/api/v1/events", data=json.dumps(events[:6]), timeout=10,
                               headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        assert answer.status_code == 200
    finally:
        proc.terminate()
        proc.wait(10)
    assert "shared.db" in proc.stderr.read()


@pytest.mark.parametrize(("section", "message"), [
    ("  port: eighty\n", "vpt.yaml: server: field 'port': expected an integer from 1 to 65535, got 'eighty'"),
    ("  colour: red\n", "vpt.yaml: server: unknown field 'colour'"),
    ("  store: mysql://db\n", "vpt.yaml: server: field 'store': 'mysql://db': unsupported scheme 'mysql'"),
])
def test_a_bad_server_section_is_named(tmp_path, section, message) -> None:
    (tmp_path / "vpt.yaml").write_text("server:\n" + section)
    result = subprocess.run([sys.executable, "-m", "pytest_vpt", "server"], cwd=tmp_path, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 1 and message in result.stderr
