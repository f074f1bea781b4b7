"""A real `vpt server` process on 127.0.0.1 for the tests, and a client for it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import requests


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_serving(url: str, proc: subprocess.Popen) -> None:
    """Wait (30 s at most) until the server at ``url`` answers /healthz."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"vpt server exited: {proc.stderr.read() if proc.stderr else ''}")
        try:
            requests.get(f"{url}/healthz", timeout=1)
            return
        except (requests.ConnectionError, requests.Timeout):  # a loaded machine: its first answer can be slow
            time.sleep(0.1)
    raise RuntimeError("vpt server did not start within 30 s")


class Server:
    """``vpt --store URL server`` started in a process of its own; ``url`` is its base URL."""

    def __init__(self, store: str, *args: str, port: int | None = None) -> None:
        self.store, self.args = store, args
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> Server:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "pytest_vpt", "--store", self.store, "server", "--port", str(self.port), *self.args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ},
        )
        wait_until_serving(self.url, self.proc)
        return self

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def stop(self) -> str:
        """Stop it; what it printed on stderr."""
        if self.proc is None:
            return ""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        return self.proc.stderr.read()
