"""`vpt watch`: a real HTTP stream that drops and comes back, incidents written as they end."""

from __future__ import annotations

import http.server
import os
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from pytest_vpt.store import open_store, parse_store_url

from video_clips import cut, encode, faststart, moving, with_events


class StreamServer:
    """Serves an MPEG-TS clip over HTTP at about its own pace, or 503 while ``down``."""

    def __init__(self, clip: bytes, seconds: float) -> None:
        self.clip, self.pace, self.down = clip, len(clip) / seconds, False
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the http.server name
                if outer.down:
                    self.send_error(503)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "video/mp2t")
                self.send_header("Content-Length", str(len(outer.clip)))
                self.end_headers()
                chunk = max(188, int(outer.pace / 20) // 188 * 188)
                try:
                    for offset in range(0, len(outer.clip), chunk):
                        self.wfile.write(outer.clip[offset:offset + chunk])
                        time.sleep(chunk / outer.pace)
                except OSError:
                    pass

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/live.ts"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()


@pytest.fixture
def stream(tmp_path):
    clip = encode(tmp_path / "live.ts", 90, with_events(black=[(30, 60)]))  # 3 s, black from 1 to 2 s
    server = StreamServer(clip.read_bytes(), 3.0)
    yield server
    server.close()


def incidents(url: str) -> list[dict]:
    with open_store(url) as store:
        return [dict(row) for row in store.conn.execute(
            "SELECT kind, started_at, ended_at, duration, start_frame, end_frame, source FROM video_incidents "
            "ORDER BY started_at")]


def test_incidents_are_written_as_they_end_and_an_outage_is_one(stream, tmp_path) -> None:
    from pytest_vpt.producers.watcher import Watcher
    from pytest_vpt.video import BlackCheck, FreezeCheck

    url = f"sqlite:///{tmp_path / 'vpt.db'}"
    watcher = Watcher(stream.url, parse_store_url(url), "lab", [BlackCheck(), FreezeCheck()], timeout=3)
    thread = threading.Thread(target=watcher.run, daemon=True)
    started = time.time()
    thread.start()
    deadline = time.time() + 40
    while not any(i["kind"] == "black_screen" for i in incidents(url)) and time.time() < deadline:
        time.sleep(0.1)
    [black] = [i for i in incidents(url) if i["kind"] == "black_screen"]
    assert (black["start_frame"], black["end_frame"], black["source"]) == (30, 60, stream.url)
    assert black["duration"] == pytest.approx(1.0) and black["started_at"] == pytest.approx(started + 1.0, abs=1.0)
    stream.down = True  # the clip ends, and the server refuses until it is back
    while not any(i["kind"] == "stream_lost" for i in incidents(url)) and time.time() < deadline:
        time.sleep(0.1)
    [lost] = [i for i in incidents(url) if i["kind"] == "stream_lost"]
    assert lost["ended_at"] is None  # written open as soon as the stream went
    time.sleep(2.5)
    stream.down = False
    while [i["kind"] for i in incidents(url)].count("black_screen") < 2 and time.time() < deadline:
        time.sleep(0.1)  # connected again: the outage has ended, and the stream is analysed again
    watcher.stop.set()
    thread.join(20)
    assert not thread.is_alive()
    kinds = [i["kind"] for i in incidents(url)]
    assert kinds[:3] == ["black_screen", "stream_lost", "black_screen"]
    lost = incidents(url)[1]
    assert 2.5 <= lost["duration"] <= 12 and lost["ended_at"] == pytest.approx(lost["started_at"] + lost["duration"])


def test_vpt_watch_stops_cleanly_on_sigterm(stream, tmp_path) -> None:
    env = {**os.environ, "VPT_STORE": f"sqlite:///{tmp_path / 'vpt.db'}"}
    proc = subprocess.Popen([sys.executable, "-m", "pytest_vpt", "watch", stream.url, "--project", "lab"],
                            cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True)
    first = proc.stderr.readline()  # once it says so, it is watching (its imports can take seconds)
    time.sleep(3)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    err = first + err
    assert proc.returncode == 0, err
    assert f"watching {stream.url}" in err and "stopped: " in err and "NOT written" not in err
    assert any(i["kind"] == "black_screen" for i in incidents(env["VPT_STORE"]))


def test_vpt_watch_names_a_stream_it_cannot_reach(tmp_path) -> None:
    env = {**os.environ, "VPT_STORE": f"sqlite:///{tmp_path / 'vpt.db'}"}
    result = subprocess.run([sys.executable, "-m", "pytest_vpt", "watch", "http://127.0.0.1:9/none.ts", "--for", "3s",
                             "--timeout", "1"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    assert "NOT connected (http://127.0.0.1:9/none.ts: cannot be opened" in result.stderr
    assert "; attempt 1 failed, next in 2 s" in result.stderr  # a stream is tried again, and each failure said
    assert "; attempt 2 failed, next in 4 s" in result.stderr
    [lost] = incidents(env["VPT_STORE"])
    assert lost["kind"] == "stream_lost" and lost["ended_at"] is not None


def test_vpt_video_incidents_lists_what_was_recorded(stream, tmp_path) -> None:
    from click.testing import CliRunner

    from pytest_vpt.cli import cli

    url = f"sqlite:///{tmp_path / 'vpt.db'}"
    result = subprocess.run([sys.executable, "-m", "pytest_vpt", "--store", url, "watch", stream.url, "--for", "4s"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    listed = CliRunner().invoke(cli, ["--store", url, "video", "incidents", "--json"])
    found = __import__("json").loads(listed.output)
    assert [(i["kind"], i["source"], i["severity"]) for i in found][-1] == ("black_screen", stream.url, "minor")
    table = CliRunner().invoke(cli, ["--store", url, "video", "incidents"]).output
    assert "black_screen" in table and "1.0 s" in table


def test_a_stream_that_answers_but_sends_nothing_is_given_up_on_in_time(tmp_path) -> None:
    """A server that accepts the request and then stays silent: the source's timeout bounds the wait."""
    from pytest_vpt.video import SourceError, analyze

    class Silent(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "video/mp2t")
            self.end_headers()
            time.sleep(30)

        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Silent)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}/live.ts"
    started = time.monotonic()
    try:
        with pytest.raises(SourceError, match=url):
            analyze(url, timeout=2)
    finally:
        httpd.shutdown()
    assert time.monotonic() - started < 12


def watch(tmp_path, source, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "VPT_STORE": f"sqlite:///{tmp_path / 'vpt.db'}"}
    return subprocess.run([sys.executable, "-m", "pytest_vpt", "watch", str(source), *args], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(("make", "reason"), [
    (lambda path: path.write_bytes(b""), "cannot be opened: Invalid data found when processing input"),
    (lambda path: path.write_text("this is a list of channels, not a video\n" * 40),
     "cannot be opened: Invalid data found when processing input"),
    (lambda path: path.write_bytes(np.random.default_rng(7).bytes(64_000)),
     "cannot be opened: Invalid data found when processing input"),
    (lambda path: cut(encode(path.with_suffix(".ts"), 60, moving), path, 1000),
     "cannot be decoded after 0 frames: Invalid data found when processing input"),
], ids=["zero-byte", "text", "random", "truncated-header"])
def test_regression_watch_undecodable_file_fails(tmp_path, make, reason) -> None:
    """`vpt watch` on these exited 0 with "stopped: 0 incident(s)"; now as `vpt video analyze` does."""
    from click.testing import CliRunner

    from pytest_vpt.cli import cli

    source = tmp_path / "recording.ts"
    make(source)
    started = time.monotonic()
    result = watch(tmp_path, source)
    assert time.monotonic() - started < 30  # given up at once, not retried
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == f"Error: {source}: {reason}"
    assert "stopped:" not in result.stderr and "Traceback" not in result.stderr
    analyzed = CliRunner().invoke(cli, ["video", "analyze", str(source)])
    assert (analyzed.exit_code, analyzed.output.strip()) == (1, f"Error: {source}: {reason}")


def test_vpt_watch_says_a_file_ended_early(tmp_path) -> None:
    whole = faststart(encode(tmp_path / "clip.mp4", 180, with_events(black=[(30, 60)])), tmp_path / "fast.mp4")
    half = cut(whole, tmp_path / "half.mp4", 0.5)
    result = watch(tmp_path, half)
    assert result.returncode == 0, result.stderr
    last = result.stderr.splitlines()[-1]
    assert last.startswith(f"stopped: 1 incident, 1 written; {half} ended early: ") and " s of 6.0 s analysed (" in last
    result = watch(tmp_path, whole)
    assert result.returncode == 0 and result.stderr.splitlines()[-1] == "stopped: 1 incident, 1 written"


def test_vpt_watch_looks_where_it_is_told_and_reports_short_stalls(tmp_path) -> None:
    """A black screen under a bright logo is one once the logo is ignored (in pixels); a 0.3 s
    freeze is an incident by default; a minimum given for one check leaves the other's alone."""
    def picture(index: int) -> np.ndarray:
        image = with_events(black=[(30, 60)], frozen=[(90, 99)])(index).copy()
        image[8:56, 240:312] = 255  # a logo over everything
        return image

    clip = encode(tmp_path / "logo.mp4", 150, picture)
    result = watch(tmp_path, clip, "--ignore", "240,0,80,60", "--no-alerts")
    assert result.returncode == 0 and result.stderr.splitlines()[-1] == "stopped: 2 incidents, 2 written"
    kinds = [(i["kind"], i["start_frame"], i["end_frame"]) for i in incidents(f"sqlite:///{tmp_path / 'vpt.db'}")]
    assert kinds == [("black_screen", 30, 60), ("freeze", 90, 99)]
    result = watch(tmp_path, clip, "--ignore", "240,0,80,60", "--no-alerts", "--min-black", "2")
    assert result.returncode == 0 and result.stderr.splitlines()[-1] == "stopped: 1 incident, 1 written"
