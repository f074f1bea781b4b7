"""vpt metrics send: samples from a shell (a CI step) into the store or a real vpt server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from server_process import Server


def vpt(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest_vpt", *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, **env}, timeout=120)


def recorded(store: str, cwd: Path) -> dict[str, dict]:
    """The samples in ``store``, by metric name."""
    done = vpt("--store", store, "metrics", "--json", cwd=cwd)
    assert done.returncode == 0, done.stderr
    return {row["name"]: row for row in json.loads(done.stdout)}


@pytest.fixture
def server(tmp_path):
    """A real vpt server on 127.0.0.1 writing a SQLite store, and a token it knows."""
    store = f"sqlite:///{tmp_path / 'server.db'}"
    token = vpt("--store", store, "token", "create", "--project", "box", cwd=tmp_path).stdout.strip()
    running = Server(store).start()
    yield running, token
    running.stop()


def test_samples_are_sent_to_the_server_with_their_tags(server, tmp_path) -> None:
    running, token = server
    done = vpt("metrics", "send", "testsPassed=97", "testsFailed=3", "duration=81.5", "--tag", "job=nightly",
               "--project", "box", "--server", running.url, "--json", cwd=tmp_path, VPT_TOKEN=token)
    assert done.returncode == 0, done.stderr
    outcome = json.loads(done.stdout)
    assert (outcome["sent"], outcome["spooled"], outcome["target"]) == (3, 0, running.url)
    assert outcome["metrics"] == {"testsPassed": 97, "testsFailed": 3, "duration": 81.5}
    found = recorded(running.store, tmp_path)
    assert {name: (row["last"], row["tags"], row["project"]) for name, row in found.items()} == {
        "testsPassed": (97, {"job": "nightly"}, "box"), "testsFailed": (3, {"job": "nightly"}, "box"),
        "duration": (81.5, {"job": "nightly"}, "box")}


def test_a_token_the_server_refuses_exits_4_and_spools_without_printing_it(server, tmp_path) -> None:
    running, _ = server
    secret = "vpt_not-a-token-of-this-server"
    done = vpt("metrics", "send", "testsFailed=3", "--server", running.url, "--json", cwd=tmp_path, VPT_TOKEN=secret)
    assert done.returncode == 4, done.stderr
    outcome = json.loads(done.stdout)
    assert (outcome["sent"], outcome["spooled"]) == (0, 1)
    assert "401" in outcome["errors"][0]
    assert secret not in done.stdout + done.stderr
    assert list((tmp_path / ".vpt" / "spool").glob("*.jsonl"))


@pytest.mark.parametrize("bad, named", [
    ("testsFailed", "'testsFailed': use NAME=NUMBER"),
    ("testsFailed=three", "'testsFailed=three': use NAME=NUMBER"),
    ("tests failed=3", "metric name 'tests failed' is invalid"),
    ("duration=1e400", "the value must be a finite number"),
    ("duration=2e15", "out of range"),
])
def test_bad_input_exits_3_naming_it_and_writes_nothing(bad, named, tmp_path) -> None:
    done = vpt("metrics", "send", "testsPassed=1", bad, cwd=tmp_path)
    assert done.returncode == 3
    assert named in done.stderr
    assert not (tmp_path / ".vpt").exists()


def test_a_bad_tag_or_server_url_is_bad_input(tmp_path) -> None:
    tag = vpt("metrics", "send", "a=1", "--tag", "nightly", cwd=tmp_path)
    assert (tag.returncode, "'nightly': use key=value" in tag.stderr) == (3, True)
    url = vpt("metrics", "send", "a=1", "--server", "ftp://box", cwd=tmp_path)
    assert (url.returncode, "'ftp://box' is not a server URL" in url.stderr) == (3, True)


def test_without_a_server_the_samples_are_written_into_the_store(tmp_path) -> None:
    store = f"sqlite:///{tmp_path / 'local.db'}"
    done = vpt("--store", store, "metrics", "send", "buildNumber=42", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("1 sample written into ")
    assert recorded(store, tmp_path)["buildNumber"]["last"] == 42
