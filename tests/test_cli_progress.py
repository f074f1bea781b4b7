"""Long work shows its progress on a terminal (a real pseudo-terminal here), and nothing
extra when its output is piped or with --json."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from pytest_vpt.cli import cli
from pytest_vpt.devices import Sample
from pytest_vpt.devices.events import sample_event
from pytest_vpt.store import open_store

from server_process import Server, free_port
from video_clips import encode, moving

VPT = [sys.executable, "-c", "from pytest_vpt.cli import main; main()"]
_ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def on_terminal(cwd: Path, *args: str, columns: int = 150) -> tuple[int, str]:
    """Run ``vpt ARGS`` with stdin, stdout and stderr on a new pseudo-terminal ``columns`` wide;
    its exit code and what the terminal received, without the escape sequences."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen([*VPT, *args], cwd=cwd, stdin=follower, stdout=follower, stderr=follower,
                            env={**os.environ, "TERM": "xterm-256color", "COLUMNS": str(columns)})
    os.close(follower)
    received = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal is closed: the process has ended
            break
        if not chunk:
            break
        received += chunk
    os.close(leader)
    return proc.wait(30), _ESCAPES.sub("", received.decode("utf-8", "replace")).replace("\r\n", "\n")


def piped(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*VPT, *args], cwd=cwd, capture_output=True, text=True, timeout=60)


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    return encode(tmp_path_factory.mktemp("clips") / "thirty.mp4", 900, moving)  # 30 s at 30 fps


def test_video_analyze_shows_seconds_done_of_the_length_rate_and_time_left(clip) -> None:
    code, seen = on_terminal(clip.parent, "video", "analyze", str(clip))
    assert code == 0, seen
    assert f"analysing {clip}" in seen
    assert "30/30 s" in seen  # the container's duration is the length
    assert re.search(r"\d+/30 s [\d.,]+ s/s eta", seen)  # done, rate, time left
    assert f"{clip}: 320x240, 30.00 fps, 900 frames, 30.0 s analysed" in seen
    code, seen = on_terminal(clip.parent, "video", "analyze", str(clip), "--seconds", "10")
    assert code == 0 and "10/10 s" in seen  # the span asked for is the length


def test_video_analyze_prints_nothing_extra_when_piped_or_as_json(clip) -> None:
    done = piped(clip.parent, "video", "analyze", str(clip))
    assert done.returncode == 0 and done.stderr == ""
    assert done.stdout.startswith(f"{clip}: 320x240") and "analysing" not in done.stdout
    code, seen = on_terminal(clip.parent, "video", "analyze", str(clip), "--json")
    assert code == 0 and "analysing" not in seen
    assert json.loads(seen)["frames"] == 900  # the terminal got the JSON and nothing else


@pytest.fixture
def history(pytester: pytest.Pytester) -> Path:
    """A project with three recorded runs and an hour of a device's samples."""
    pytester.makeini("[pytest]\nvpt_project = lab\n")
    pytester.makepyfile(test_box="def test_a(): pass\ndef test_b(): pass\n")
    for _ in range(3):
        pytester.runpytest("--vpt").assert_outcomes(passed=2)
    start = time.time() - 3600
    with open_store(f"sqlite:///{pytester.path / '.vpt' / 'vpt.db'}") as store:
        store.write([sample_event(Sample(device, start + i * 60, True, 0.02, None, {}, 60.0), "lab")
                     for device in ("stb-1", "stb-2") for i in range(60)])
    return pytester.path


@pytest.mark.parametrize(("args", "what", "done", "printed"), [
    (["db", "rebuild"], "daily rollup", "6/6 attempts", "folded 6 attempts into the daily rollup again"),
    (["flaky", "rebuild"], "flakiness verdicts", "3/3 runs", "rebuilt the verdicts of 2 tests from 3 runs"),
    (["devices", "rebuild"], "device health", "2/2 devices", "rebuilt the health of 2 devices"),
])
def test_rebuilds_show_progress_on_a_terminal_only(history, args, what, done, printed) -> None:
    code, seen = on_terminal(history, *args)
    assert code == 0, seen
    assert re.search(f"{what} .*{done} .*eta", seen), seen
    assert printed in seen
    done = piped(history, *args)
    assert done.returncode == 0 and done.stderr == ""
    assert done.stdout.startswith(printed) and len(done.stdout.splitlines()) == 1
    code, seen = on_terminal(history, *args, "--json")
    assert code == 0 and isinstance(json.loads(seen), dict)  # JSON and nothing else


def test_push_spool_shows_the_batches_sent_on_a_terminal_only(pytester: pytest.Pytester, tmp_path,
                                                              monkeypatch) -> None:
    pytester.makeini("[pytest]\nvpt_project = box\n")
    pytester.makepyfile(test_box="import pytest\n@pytest.mark.parametrize('n', range(3))\ndef test_n(n): pass\n")
    down = f"http://127.0.0.1:{free_port()}"

    def spool_two_runs() -> int:
        for _ in range(2):  # the server is not there: the runs are spooled
            pytester.runpytest("--vpt", "--vpt-server", down).assert_outcomes(passed=3)
        return len(list((pytester.path / ".vpt" / "spool").glob("*.jsonl")))

    store = f"sqlite:///{tmp_path / 'server.db'}"
    monkeypatch.setenv("VPT_TOKEN", CliRunner().invoke(cli, ["--store", store, "token", "create", "--project", "box"])
                       .output.strip())
    server = Server(store).start()
    try:
        batches = spool_two_runs()
        code, seen = on_terminal(pytester.path, "push", "--spool", "--server", server.url)
        assert code == 0, seen
        assert f"sending to {server.url}" in seen and f"{batches}/{batches} batches" in seen
        assert f"{batches} batches (" in seen and "sent to" in seen
        batches = spool_two_runs()
        done = piped(pytester.path, "push", "--spool", "--server", server.url)
    finally:
        server.stop()
    assert done.returncode == 0 and done.stderr == ""
    assert done.stdout.startswith(f"{batches} batches (") and len(done.stdout.splitlines()) == 1
