"""The live view on a real ``vpt server``: ``GET /api/v1/live`` and its server-sent events read
by a real HTTP client, a real ``pytest --vpt --vpt-server`` run seen running (with its results
so far, while a test is still going) then finished, a token that sees only its own project,
bad parameters answered 4xx naming them, a bounded number of streams per token, and streams
that end when the client goes away or the service stops."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest
import requests
from click.testing import CliRunner

from pytest_vpt.cli import cli

from server_process import Server
from test_live import attempt, started

WAIT = 30.0  # seconds a test waits at most for what it expects (a loaded machine)


def token_for(store: str, project: str) -> str:
    result = CliRunner().invoke(cli, ["--store", store, "token", "create", "--project", project, "--name", project])
    assert result.exit_code == 0, result.output
    return result.output.strip()


@pytest.fixture
def service(tmp_path):
    store = f"sqlite:///{tmp_path / 'service.db'}"
    CliRunner().invoke(cli, ["--store", store, "db", "init"])
    server = Server(store).start()
    server.token = token_for(store, "box")
    server.auth = {"Authorization": f"Bearer {server.token}"}
    yield server
    server.stop()


def post(service, events: list[dict], auth: dict | None = None) -> None:
    answer = requests.post(f"{service.url}/api/v1/events", data=json.dumps(events).encode(), timeout=WAIT,
                           headers={**(auth or service.auth), "Content-Type": "application/json"})
    assert answer.status_code == 200, answer.text


def get(service, path: str = "/api/v1/live", auth: dict | None = None, **params) -> requests.Response:
    return requests.get(f"{service.url}{path}", params=params, headers=auth or service.auth, timeout=WAIT)


class Events:
    """A real HTTP client reading a text/event-stream: its events (name, id, JSON data) and comments."""

    def __init__(self, service, auth: dict | None = None, reconnect: bool = False, **params) -> None:
        self.url, self.params, self.headers = f"{service.url}/api/v1/live/stream", params, auth or service.auth
        self.reconnect = reconnect  # as EventSource does when a stream ends (at the server's read deadline)
        self.comments: list[str] = []
        self.retry: int | None = None
        self._connect()

    def _connect(self) -> None:
        self.answer = requests.get(self.url, params=self.params, stream=True, timeout=WAIT, headers=self.headers)
        self.lines = self.answer.iter_lines(decode_unicode=True)

    def next(self) -> dict:
        """The next event (a read time-out fails the test)."""
        while True:
            try:
                return self._next()
            except EOFError:
                if not self.reconnect:
                    raise
                self._connect()

    def _next(self) -> dict:
        fields: dict = {}
        for line in self.lines:
            if line == "":
                if "data" in fields:
                    return {"event": fields.get("event"), "id": fields.get("id"), "data": json.loads(fields["data"])}
                continue
            if line.startswith(":"):
                self.comments.append(line[1:].strip())
                continue
            name, _, value = line.partition(": ")
            if name == "retry":
                self.retry = int(value)
            fields[name] = value
        raise EOFError("the stream ended")

    def until(self, wanted) -> dict:
        deadline = time.monotonic() + 2 * WAIT
        while time.monotonic() < deadline:
            found = self.next()
            if wanted(found["data"]):
                return found
        raise AssertionError(f"no event as wanted within {2 * WAIT:g} s; the last: {found['data']}")

    def close(self) -> None:
        self.answer.close()


def test_an_event_arrives_after_a_batch_with_the_run_so_far(service) -> None:
    stream = Events(service, heartbeat=1)
    first = stream.next()
    assert stream.answer.headers["content-type"].startswith("text/event-stream") and stream.retry == 1000
    assert first["event"] == "live" and first["data"]["runs"] == [] and first["data"]["project"] == "box"
    now = time.time()
    post(service, [started("r1", now - 5), attempt("r1", 1, "passed", now - 4, 0.2),
                   attempt("r1", 2, "failed", now - 3, 1.5, message="assert 0")])
    found = stream.until(lambda data: data["runs"])
    [run] = found["data"]["runs"]
    assert int(found["id"]) > int(first["id"])
    assert (run["status"], run["tests"], run["passed"], run["failed"], run["pass_rate"]) == ("running", 2, 1, 1, 0.5)
    assert run["failures"][0]["nodeid"] == "test_m.py::test_2" and run["slowest"][0]["duration"] == 1.5
    time.sleep(2.5)  # nothing changed: heartbeats only, no event
    post(service, [attempt("r1", 3, "passed", now - 1, 0.1)])
    third = stream.until(lambda data: data["runs"][0]["tests"] == 3)
    assert "heartbeat" in stream.comments and third["data"]["runs"][0]["passed"] == 2
    stream.close()
    assert get(service).json()["runs"][0]["tests"] == 3


def test_a_pytest_run_in_progress_is_seen_running_then_finished(service, pytester, monkeypatch) -> None:
    pytester.makepyfile(test_progress="""
        import os, pathlib, time
        import pytest

        @pytest.mark.parametrize("i", range(5))
        def test_quick(i):
            assert i != 1, "broke on one"

        def test_waits():
            go = pathlib.Path(os.environ["GO_FILE"])
            deadline = time.time() + 60
            while not go.exists() and time.time() < deadline:
                time.sleep(0.05)
    """)
    go = pytester.path / "go"
    monkeypatch.setenv("VPT_TOKEN", service.token)
    monkeypatch.setenv("GO_FILE", str(go))
    proc = pytester.popen([sys.executable, "-m", "pytest", "--vpt", "--vpt-server", service.url, "--vpt-project", "box",
                           "-p", "no:cacheprovider", "-p", "no:randomly"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        stream = Events(service, reconnect=True)
        running = stream.until(lambda data: data["runs"] and data["runs"][0]["tests"] == 5)["data"]["runs"][0]
        assert proc.poll() is None  # test_waits is still going: the five before it are seen already
        assert (running["status"], running["passed"], running["failed"]) == ("running", 4, 1)
        assert running["failures"][0]["nodeid"] == "test_progress.py::test_quick[1]"
        assert running["failures"][0]["message"].startswith("broke on one")
        go.write_text("")
        finished = stream.until(lambda data: data["runs"][0]["status"] == "finished")["data"]["runs"][0]
        assert (finished["tests"], finished["passed"], finished["failed"]) == (6, 5, 1)
        stream.close()
    finally:
        go.write_text("")
        proc.wait(WAIT)
    output = (proc.stdout.read() + proc.stderr.read()).decode(errors="replace")
    assert proc.returncode == 1 and "1 failed, 5 passed" in output, output


def test_a_token_sees_only_its_own_projects_live_runs(service) -> None:
    other = {"Authorization": f"Bearer {token_for(service.store, 'kitchen')}"}
    now = time.time()
    post(service, [started("k1", now - 2, "kitchen"), attempt("k1", 1, "passed", now - 1, 0.1, "kitchen")], other)
    post(service, [started("b1", now - 2), attempt("b1", 1, "failed", now - 1, 0.1, message="no")])
    assert [run["run_id"] for run in get(service).json()["runs"]] == ["b1"]
    assert [run["run_id"] for run in get(service, auth=other).json()["runs"]] == ["k1"]
    assert get(service, "/api/v1/live/runs/k1").status_code == 404
    assert get(service, "/api/v1/live/runs/k1", auth=other).json()["tests"] == 1
    stream = Events(service, auth=other)
    assert [run["run_id"] for run in stream.next()["data"]["runs"]] == ["k1"]
    stream.close()
    assert get(service, auth={"Authorization": "Bearer not-a-token"}).status_code == 401
    assert requests.get(f"{service.url}/api/v1/live/stream", timeout=WAIT).status_code == 401


@pytest.mark.parametrize(("path", "params", "field"), [
    ("/api/v1/live", {"window": "0"}, "window"), ("/api/v1/live", {"limit": "1000"}, "limit"),
    ("/api/v1/live", {"failures": "-1"}, "failures"), ("/api/v1/live", {"recent": "nan"}, "recent"),
    ("/api/v1/live/stream", {"heartbeat": "0"}, "heartbeat"), ("/api/v1/live/stream", {"slowest": "x"}, "slowest"),
    ("/api/v1/live/runs/nope", {}, "run_id"),
])
def test_bad_parameters_are_4xx_naming_them(service, path, params, field) -> None:
    answer = get(service, path, **params)
    assert 400 <= answer.status_code < 500 and field in answer.json()["field"], answer.text


def test_streams_are_bounded_per_token_and_freed_when_the_client_goes(service) -> None:
    streams = [Events(service) for _ in range(4)]
    for stream in streams:
        stream.next()
    refused = get(service, "/api/v1/live/stream")
    assert refused.status_code == 429 and refused.json()["field"] == "Authorization"
    other = {"Authorization": f"Bearer {token_for(service.store, 'kitchen')}"}
    elsewhere = Events(service, auth=other)  # another token has slots of its own
    elsewhere.next()
    streams.pop().close()
    deadline = time.monotonic() + WAIT
    while (again := requests.get(f"{service.url}/api/v1/live/stream", headers=service.auth, stream=True,
                                 timeout=WAIT)).status_code == 429 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert again.status_code == 200
    again.close()
    for stream in [*streams, elsewhere]:
        stream.close()


def test_a_stream_ends_cleanly_when_the_service_stops(service) -> None:
    stream = Events(service, heartbeat=1)
    stream.next()
    started_at = time.monotonic()
    service.proc.terminate()
    with pytest.raises(EOFError):
        stream.next()
    service.proc.wait(WAIT)
    took, said = time.monotonic() - started_at, service.stop()
    # uvicorn ends as the signal asked once it has shut down (-15); nothing held it open or broke
    assert service.proc.returncode in (0, -15) and took < 10 and "Traceback" not in said, said


def test_results_go_in_batches_not_one_request_per_test(service, pytester, monkeypatch) -> None:
    pytester.makepyfile(test_many="""
        import pytest

        @pytest.mark.parametrize("i", range(400))
        def test_quick(i):
            pass
    """)
    monkeypatch.setenv("VPT_TOKEN", service.token)
    result = pytester.runpytest_subprocess("--vpt", "--vpt-server", service.url, "--vpt-project", "box",
                                           "-p", "no:cacheprovider")
    result.assert_outcomes(passed=400)
    assert get(service, "/api/v1/live").json()["runs"][0]["tests"] == 400
    metrics = requests.get(f"{service.url}/metrics", timeout=WAIT).text
    [batches] = [float(line.split()[-1]) for line in metrics.splitlines() if line.startswith("vpt_ingest_batch_events_count")]
    assert 1 <= batches <= 40, metrics  # 400 tests (and the run's start and end) in a few batches


def test_a_stream_outlives_the_read_deadline(tmp_path) -> None:
    """The read deadline bounds a request's body, not how long a stream stays open."""
    store = f"sqlite:///{tmp_path / 'service.db'}"
    CliRunner().invoke(cli, ["--store", store, "db", "init"])
    server = Server(store, "--read-timeout", "1").start()
    try:
        server.auth = {"Authorization": f"Bearer {token_for(store, 'box')}"}
        stream = Events(server, heartbeat=1)
        assert stream.next()["event"] == "live"
        started_at = time.monotonic()
        post(server, [started("longrun", time.time())])
        stream.until(lambda view: [run["run_id"] for run in view["runs"]] == ["longrun"])
        heartbeats = 0
        while time.monotonic() - started_at < 3.0:  # three deadlines: heartbeats keep coming on the same stream
            heartbeats += next(stream.lines).startswith(":")
        assert heartbeats >= 2
        stream.close()
    finally:
        server.stop()
