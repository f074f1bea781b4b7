"""`vpt server`: ingest in the wire format, queries, auth, limits, metrics — a real process, real stores."""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
import time

import pytest
import requests
from click.testing import CliRunner

from pytest_vpt.cli import cli
from pytest_vpt.store import open_store, queries

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
    assert answer.status_code == 200
    assert {key: answer.json()[key] for key in ("accepted", "types")} == {"accepted": 4, "types": {"run": 1, "test": 3}}
    [(nodeid, status, _)] = answer.json()["changes"]["run1"]["became"]  # what the finished run changed
    assert (nodeid, status) == ("t.py::test_flaky", "flaky")
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
        assert len(queries.run_tests(store.conn, "run2")) == 50


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
    from pytest_vpt.producers.watcher import incident_event
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
        for _ in range(200):  # folded half a second after the batch
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


def _service_pids(application: str) -> set[int]:
    """The backend pids of the connections a server opened (found by their application_name)."""
    import psycopg

    from conftest import PG_DSN

    with psycopg.connect(PG_DSN, autocommit=True) as admin:
        return {row[0] for row in admin.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name = %s", (application,))}


def test_regression_client_error_is_4xx_and_keeps_connections(postgres_url) -> None:
    """A NUL in an event id was answered 503 "store not available" (while /healthz said ok) and
    cost the service a database connection; now: 4xx, and every connection is still open."""
    application = f"vpt_server_{free_port()}"
    server = Server(f"{postgres_url}&application_name={application}").start()
    try:
        auth = {"Authorization": f"Bearer {token_for(postgres_url, 'box')}", "Content-Type": "application/json"}
        for _ in range(8):  # every slot of the pool connected
            assert requests.get(f"{server.url}/api/v1/runs", headers=auth, timeout=10).status_code == 200
        before = _service_pids(application)
        assert len(before) == 4
        for number in range(20):
            events = run_events(f"bad{number}", 1.8e9, "a" * 40, {"t.py::test_a": "P"})
            events[1]["id"] = f"nul\x00{number}"
            answer = requests.post(f"{server.url}/api/v1/events", data=json.dumps(events), headers=auth, timeout=10)
            assert 400 <= answer.status_code < 500, answer.text
            assert answer.json()["field"].startswith("[1]")
        good = run_events("good", 1.8e9, "a" * 40, {"t.py::test_a": "P"})
        assert requests.post(f"{server.url}/api/v1/events", data=json.dumps(good), headers=auth,
                             timeout=10).status_code == 200
        assert _service_pids(application) == before  # the same connections: none dropped, none added
        assert "vpt_store_connections 4.0" in requests.get(f"{server.url}/metrics", timeout=10).text
        assert requests.get(f"{server.url}/healthz", timeout=10).json()["status"] == "ok"
    finally:
        server.stop()


def _same_token_twice(store) -> None:
    insert = "INSERT INTO api_tokens (token_hash, project, name, created_at) VALUES (?, 'box', '', 0)"
    store.apply(lambda conn: (conn.execute(insert, ("f" * 64,)), conn.execute(insert, ("f" * 64,))))


@pytest.mark.parametrize(("engine", "work", "status", "message"), [
    ("postgresql", lambda store: store.conn.execute("SELECT CAST(? AS integer)", ("twelve",)), 422,
     'invalid input syntax for type integer: "twelve"'),
    ("postgresql", lambda store: store.conn.execute("SELECT ?", ("a\x00b",)), 422, "cannot contain NUL"),
    ("postgresql", _same_token_twice, 409, "duplicate key value"),
    ("sqlite", lambda store: (store.conn.setlimit(0, 100), store.conn.execute("SELECT ?", ("x" * 200,))), 422,
     "string or blob too big"),
    ("sqlite", _same_token_twice, 409, "UNIQUE constraint failed"),
])
def test_a_store_refusing_the_data_is_4xx_and_keeps_its_connection(tmp_path, engine, work, status, message) -> None:
    """What the database refuses for the data's sake (a value it cannot hold, a key stored
    already) would fail on any connection: the client's mistake, not the store unavailable."""
    from conftest import _store_urls
    from pytest_vpt.server.database import Database
    from pytest_vpt.server.errors import ApiError
    from pytest_vpt.store import parse_store_url

    with _store_urls(engine, tmp_path) as make:
        database = Database(parse_store_url(make()), connections=1)
        try:
            database.run(lambda store: store.conn.execute("SELECT 1").fetchone())
            with pytest.raises(ApiError) as refused:
                database.run(work)
            assert refused.value.status == status and message in refused.value.message
            assert "postgresql://" not in refused.value.message  # the reason, not the store's address
            assert database.connected() == 1
            assert database.run(lambda store: store.conn.execute("SELECT 1").fetchone())[0] == 1
            assert database.connected() == 1
        finally:
            database.close()


def _raw_exchange(service, request: bytes, wait: float = 15.0) -> tuple[bytes, float]:
    """Send ``request`` on a socket of its own and read until the server closes it: what it
    answered, and after how many seconds."""
    import socket

    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", service.port), timeout=wait) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer, time.monotonic() - started


@pytest.fixture
def impatient(postgres_url):
    """A server that gives a client one second to send a request."""
    server = Server(postgres_url, "--read-timeout", "1").start()
    server.token = token_for(postgres_url, "box")
    yield server
    server.log = server.stop()


def test_regression_slow_client_answered_in_bounded_time(impatient) -> None:
    """Content-Length: 100 and a 1-byte body kept a connection open for 95 s and more (slowloris)."""
    head = (f"POST /api/v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {impatient.token}\r\n"
            "Content-Type: application/json\r\n").encode()
    answer, took = _raw_exchange(impatient, head + b"Content-Length: 100\r\n\r\n[")
    assert answer.startswith(b"HTTP/1.1 408 ") and b"the request body did not arrive within 1 s" in answer
    assert took < 5
    answer, took = _raw_exchange(impatient, head)  # headers that never end
    assert answer.startswith(b"HTTP/1.1 408 ") and b"headers did not arrive within 1 s" in answer
    assert took < 5
    answer, _ = _raw_exchange(impatient, head + b"X-Padding: " + b"p" * 70_000)
    assert answer.startswith(b"HTTP/1.1 431 ") and b"larger than 65536 bytes" in answer
    assert requests.get(f"{impatient.url}/healthz", timeout=10).json()["status"] == "ok"


def test_client_gone_logs_no_traceback(impatient) -> None:
    """A client that goes away in the middle of its body, or before its answer, costs nothing
    and puts no traceback in the service's log."""
    import socket

    head = (f"POST /api/v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {impatient.token}\r\n"
            "Content-Type: application/json\r\n").encode()
    events = json.dumps(run_events("gone", 1.8e9, "a" * 40, {"t.py::test_a": "P"})).encode()
    for body in (b"[", events):
        with socket.create_connection(("127.0.0.1", impatient.port)) as sock:
            sock.sendall(head + b"Content-Length: %d\r\n\r\n" % (len(events) + 10) + body)
            time.sleep(0.3)
        with socket.create_connection(("127.0.0.1", impatient.port)) as sock:  # gone before the answer
            sock.sendall(head + b"Content-Length: %d\r\n\r\n" % len(events) + events)
    time.sleep(0.5)
    text = requests.get(f"{impatient.url}/metrics", timeout=10).text
    [gone] = re.findall(r'vpt_ingest_refused_batches_total\{status="499"\} (\S+)', text)
    assert float(gone) >= 2  # counted as refused: nobody was there to read the answer
    auth = {"Authorization": f"Bearer {impatient.token}", "Content-Type": "application/json"}
    assert requests.post(f"{impatient.url}/api/v1/events", data=events, headers=auth, timeout=10).status_code == 200
    log = impatient.stop()
    assert "Traceback" not in log and "Exception in ASGI application" not in log, log


def test_gzip_trailing_junk_refused(service) -> None:
    """Data after the gzip stream, or a stream cut short, is refused (400) naming it; a body of
    several gzip members is whole; the size limit holds after decompression."""
    lines = "\n".join(json.dumps(e) for e in run_events("gz", 1.8e9, "a" * 40, {"t.py::test_a": "P"})).encode()
    packed = gzip.compress(lines)
    gzipped = {"Content-Encoding": "gzip"}
    answer = post(service, packed + b"junk", "application/x-ndjson", **gzipped)
    assert answer.status_code == 400 and answer.json() == {
        "error": f"the gzip body has 4 bytes of trailing data after its stream (at byte {len(packed)})",
        "field": "Content-Encoding"}
    answer = post(service, packed[:-6], "application/x-ndjson", **gzipped)
    assert answer.status_code == 400 and "cut short" in answer.json()["error"]
    answer = post(service, b"not gzip at all", "application/x-ndjson", **gzipped)
    assert answer.status_code == 400 and "not valid gzip" in answer.json()["error"]
    assert requests.get(f"{service.url}/api/v1/runs", headers=service.auth, timeout=10).json() == []
    half = len(lines) // 2
    answer = post(service, gzip.compress(lines[:half]) + gzip.compress(lines[half:]), "application/x-ndjson", **gzipped)
    assert answer.status_code == 200 and answer.json()["accepted"] == 2
    members = gzip.compress(b" " * (600 * 1024)) * 2  # each member within the limit, the whole not
    answer = post(service, members, **gzipped)
    assert answer.status_code == 413 and "once decompressed" in answer.json()["error"]


def test_docs_need_no_internet_every_asset_comes_from_the_server(tmp_path) -> None:
    server = Server(f"sqlite:///{tmp_path / 'vpt.db'}").start()
    try:
        page = requests.get(f"{server.url}/docs", timeout=10)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert "http://" not in page.text and "https://" not in page.text and "//cdn" not in page.text
        links = re.findall(r'(?:src|href)="([^"]+)"', page.text) + re.findall(r"url: '([^']+)'", page.text)
        assert {link.rsplit(".", 1)[-1] for link in links} == {"js", "css", "png", "json"}
        kinds = {"js": "javascript", "css": "text/css", "png": "image/png", "json": "application/json"}
        for link in links:
            assert link.startswith("/") and not link.startswith("//"), link
            answer = requests.get(f"{server.url}{link}", timeout=10)
            assert answer.status_code == 200, link
            assert kinds[link.rsplit(".", 1)[-1]] in answer.headers["content-type"], link
        bundle = next(link for link in links if link.endswith(".js"))
        assert len(requests.get(f"{server.url}{bundle}", timeout=10).content) > 100_000  # Swagger UI, not a stub
    finally:
        server.stop()


def test_metrics_trends_and_device_values_are_read_in_the_tokens_project(service) -> None:
    from pytest_vpt.devices import Sample
    from pytest_vpt.devices.events import sample_event
    from pytest_vpt.events import make_event

    now = time.time()
    metrics = [make_event("metric", f"m{i}", {
        "vpt.project": "box", "vpt.metric.name": "boot_time", "vpt.metric.value": value, "vpt.metric.kind": "timer",
        "vpt.metric.unit": "s", "vpt.metric.tags": {"box": "stb-1"}, "vpt.metric.time": now - 60 + i,
    }) for i, value in enumerate([12.0, 14.0, 13.0])]
    samples = [sample_event(Sample("stb", now - 30, True, 0.01, None, {"temperature": 41.5}, 60.0), "box")]
    events = [*run_events("run7", now - 100, "e" * 40, {"t.py::test_a": "P"}), *metrics, *samples]
    assert post(service, json.dumps(events).encode()).status_code == 200

    def get(path: str, auth: dict | None = None, **params) -> requests.Response:
        return requests.get(f"{service.url}{path}", params=params, headers=auth or service.auth, timeout=10)

    [row] = get("/api/v1/metrics", tag="box=stb-1", since=now - 3600).json()
    assert (row["name"], row["count"], row["last"], row["p50"], row["max"]) == ("boot_time", 3, 13.0, 13.0, 14.0)
    trends = get("/api/v1/trends", window=86400).json()
    assert [day["runs"] for day in trends["pass_rate_per_day"]] == [1] and trends["project"] == "box"
    [value] = get("/api/v1/devices/values", device="stb").json()
    assert (value["device"], value["name"], value["value"]) == ("stb", "temperature", 41.5)
    other = {"Authorization": f"Bearer {token_for(service.store, 'kitchen', 'other')}"}
    assert get("/api/v1/metrics", other).json() == [] and get("/api/v1/devices/values", other).json() == []
    assert get("/api/v1/trends", other).json()["pass_rate_per_day"] == []


@pytest.mark.parametrize(("path", "params", "field"), [
    ("/api/v1/metrics", {"tag": "box"}, "tag"), ("/api/v1/metrics", {"since": "-1"}, "since"),
    ("/api/v1/trends", {"window": "0"}, "window"), ("/api/v1/trends", {"window": str(400 * 86400)}, "window"),
    ("/api/v1/devices/values", {"limit": "0"}, "limit"),
])
def test_bad_read_parameters_are_422_naming_them(service, path, params, field) -> None:
    answer = requests.get(f"{service.url}{path}", params=params, headers=service.auth, timeout=10)
    assert answer.status_code == 422 and field in answer.json()["field"], answer.text
