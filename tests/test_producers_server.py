"""`vpt monitor`, `vpt watch` and MetricsCollector sending to a real `vpt server` that is killed
while they run: what it did not take is spooled, resent after it is back, and stored once."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from pytest_vpt.cli import cli
from pytest_vpt.store import open_store

from endpoints import TcpListener, up_and_down_registry
from server_process import Server
from test_video_watch import StreamServer
from video_clips import encode, with_events


@pytest.fixture
def server(tmp_path, monkeypatch):
    """A server (started) writing a SQLite store, the project's token in VPT_TOKEN, and the
    project's folder as the working directory."""
    store = f"sqlite:///{tmp_path / 'server.db'}"
    token = CliRunner().invoke(cli, ["--store", store, "token", "create", "--project", "lab"]).output.strip()
    monkeypatch.setenv("VPT_TOKEN", token)
    project = tmp_path / "project"
    project.mkdir()
    monkeypatch.chdir(project)
    running = Server(store).start()
    yield running
    running.stop()


def count(server: Server, sql: str) -> int:
    with open_store(server.store, create=False) as store:
        return store.conn.execute(sql).fetchone()[0]


def wait_for(condition, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "not seen in time"
        time.sleep(0.1)


def restart(server: Server) -> Server:
    return Server(server.store, port=server.port).start()


def spooled(folder) -> int:
    return len(list((folder / ".vpt" / "spool").glob("*.jsonl")))


def producer(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "pytest_vpt", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ})


def test_vpt_monitor_spools_while_the_server_is_killed_and_its_next_start_sends_it(server, tmp_path) -> None:
    listener = TcpListener()
    (tmp_path / "project" / "vpt.yaml").write_text(up_and_down_registry(listener.port))
    try:
        proc = producer("monitor", "--flush", "0.2", "--server", server.url, "--project", "lab")
        wait_for(lambda: count(server, "SELECT count(*) FROM device_samples") > 0)
        server.kill()  # in the middle of the run
        time.sleep(1.5)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
        assert proc.returncode == 1, err  # not everything was sent
        stopped = re.search(r"stopped: (\d+) samples, (\d+) events? sent, (\d+) spooled", err)
        samples, sent, kept = map(int, stopped.groups())
        assert kept > 0 and sent + kept == samples + 2  # the samples and the two devices
        assert "spooled events are sent by the next start or vpt push --spool" in err
        assert spooled(tmp_path / "project") > 0

        server = restart(server)
        again = producer("monitor", "--flush", "0.2", "--for", "1s", "--server", server.url, "--project", "lab")
        _, err = again.communicate(timeout=30)
        assert again.returncode == 0, err
        more = int(re.search(r"stopped: (\d+) samples, \d+ events sent, 0 spooled", err).group(1))
        assert f"and {kept} events spooled earlier sent" in err
    finally:
        listener.stop()
        server.stop()
    assert spooled(tmp_path / "project") == 0
    assert count(server, "SELECT count(*) FROM device_samples") == samples + more  # each exactly once
    assert count(server, "SELECT count(*) FROM devices") == 2


def test_vpt_watch_spools_while_the_server_is_killed_and_vpt_push_sends_it(server, tmp_path) -> None:
    clip = encode(tmp_path / "live.ts", 90, with_events(black=[(30, 60)]))  # 3 s, black from 1 to 2 s
    stream = StreamServer(clip.read_bytes(), 3.0)  # each connection plays it once: a black screen, then an outage
    incidents = "SELECT count(*) FROM video_incidents"
    try:
        proc = producer("watch", stream.url, "--server", server.url, "--project", "lab", "--timeout", "3")
        wait_for(lambda: count(server, incidents) > 0)
        server.kill()
        time.sleep(5)  # the stream ends, comes back, shows its black screen again: not sent
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    finally:
        stream.close()
    assert proc.returncode == 1, err
    found, sent, kept = map(int, re.search(r"stopped: (\d+) incidents?, (\d+) sent, (\d+) spooled", err).groups())
    assert kept > 0 and found >= 2
    assert re.search(r"incidents? \(\d+ sent, [1-9]\d* spooled\)", err)  # the status line said so as it went
    server = restart(server)
    try:
        pushed = CliRunner().invoke(cli, ["push", "--spool", "--server", server.url])
    finally:
        server.stop()
    assert pushed.exit_code == 0, pushed.output
    assert spooled(tmp_path / "project") == 0
    assert count(server, incidents) == found  # each incident once, an outage written open and closed too
    assert count(server, "SELECT count(*) FROM video_incidents WHERE ended_at IS NULL") == 0


COLLECTOR = """
from pytest_vpt import MetricsCollector

collector = MetricsCollector(project="lab")
collector.record("boot_time", 2.5, tags={"box": "stb-1"})
report = collector.close()
print(f"sent {sum(report.written.values())}, spooled {sum(report.spooled.values())}")
"""


def test_metrics_collector_outside_pytest_sends_to_the_server(server, tmp_path) -> None:
    env = {**os.environ, "VPT_SERVER": server.url}
    sent = subprocess.run([sys.executable, "-c", COLLECTOR], env=env, capture_output=True, text=True, timeout=60)
    assert (sent.stdout.strip(), sent.stderr) == ("sent 1, spooled 0", "")
    assert count(server, "SELECT count(*) FROM metrics WHERE name = 'boot_time'") == 1
    server.kill()
    kept = subprocess.run([sys.executable, "-c", COLLECTOR], env=env, capture_output=True, text=True, timeout=60)
    assert kept.stdout.strip() == "sent 0, spooled 1"
    assert "vpt: MetricsCollector could not write to the server: " in kept.stderr
    assert "1 sample spooled to " in kept.stderr and "the next run or vpt push --spool sends them" in kept.stderr
    server = restart(server)
    try:
        assert CliRunner().invoke(cli, ["push", "--spool", "--server", server.url]).exit_code == 0
    finally:
        server.stop()
    assert count(server, "SELECT count(*) FROM metrics WHERE name = 'boot_time'") == 2


def test_a_producer_that_runs_for_days_tries_again_and_writes_its_spool_first(tmp_path) -> None:
    from pytest_vpt.devices import Sample
    from pytest_vpt.devices.events import sample_event
    from pytest_vpt.sinks import open_sink

    (tmp_path / "data").write_text("a file where the store's folder should be")
    url = f"sqlite:///{tmp_path / 'data' / 'vpt.db'}"
    sink = open_sink(url, tmp_path, retry_every=0.2)
    assert not sink.open()
    sample = lambda at: sample_event(Sample("stb-1", at, True, 0.02, None, {}, 1.0), "lab")  # noqa: E731
    sink.write([sample(1.8e9)])
    assert sink.report.spooled == {"device_sample": 1} and spooled(tmp_path) == 1
    (tmp_path / "data").unlink()  # the store can be written again
    time.sleep(0.3)
    sink.write([sample(1.8e9 + 1)])
    report = sink.close()
    assert report.resent == {"device_sample": 1} and report.written == {"device_sample": 1}
    assert spooled(tmp_path) == 0
    with open_store(url, create=False) as store:
        assert store.conn.execute("SELECT count(*) FROM device_samples").fetchone()[0] == 2
