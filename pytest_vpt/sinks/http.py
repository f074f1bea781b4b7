"""A sink that sends events to a `vpt server`, and spools what it cannot send.

Batches go as gzipped JSON lines with the token from ``VPT_TOKEN``. A batch the server
does not accept (it is down, answers 5xx or 503, times out, or refuses the batch) is kept in
the spool; after the first failure the rest of the run goes straight to the spool, so a
server that is down costs one timeout, not one per batch. Spooled batches are sent again at
the start of the next run, or by ``vpt push --spool``.
"""

from __future__ import annotations

import gzip
import json
import time
from pathlib import Path
from typing import Any

import requests

from ..store.changes import RunChanges
from .base import SinkReport
from .spool import Spool

TIMEOUT = 10.0  # seconds to wait for the server's answer to one batch


class SendError(Exception):
    """A batch was not accepted; the message says why (never the token)."""


def send(session: requests.Session, url: str, token: str | None, events: list[dict[str, Any]]) -> None:
    """POST one batch; raise SendError unless the server accepted it."""
    body = gzip.compress("\n".join(json.dumps(e, separators=(",", ":")) for e in events).encode(), compresslevel=1)
    headers = {"Content-Type": "application/x-ndjson", "Content-Encoding": "gzip"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        answer = session.post(f"{url.rstrip('/')}/api/v1/events", data=body, headers=headers, timeout=TIMEOUT)
    except requests.RequestException as exc:
        raise SendError(f"{url}: {type(exc).__name__}: cannot reach the server") from None
    if answer.status_code != 200:
        try:
            detail = answer.json().get("error", "")
        except ValueError:
            detail = answer.text[:200]
        raise SendError(f"{url}: HTTP {answer.status_code}: {detail}".rstrip(": "))


def fetch(url: str, token: str | None, path: str, timeout: float = 5.0) -> Any:
    """GET one of the server's JSON answers; raise SendError unless it gave one."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        answer = requests.get(f"{url.rstrip('/')}{path}", headers=headers, timeout=timeout)
    except requests.RequestException as exc:
        raise SendError(f"{url}: {type(exc).__name__}: cannot reach the server") from None
    try:
        body = answer.json()
    except ValueError:
        raise SendError(f"{url}: HTTP {answer.status_code}: not a JSON answer") from None
    if answer.status_code != 200:
        raise SendError(f"{url}: HTTP {answer.status_code}: {body.get('error', '') if isinstance(body, dict) else ''}")
    return body


class HttpSink:
    """Sends batches to a server; what is not accepted goes to the spool. Never raises."""

    def __init__(self, url: str, token: str | None, spool_dir: Path, batch_size: int = 2000,
                 max_wait: float = 1.0) -> None:
        self.url = url
        self.token = token
        self.batch_size = batch_size
        self.max_wait = max_wait  # seconds an event waits at most before its batch goes
        self.spool = Spool(spool_dir)
        self.report = SinkReport(target=url)
        self._buffer: list[dict[str, Any]] = []
        self._session = requests.Session()
        self._down = False
        self._due = time.monotonic() + max_wait

    def open(self) -> bool:
        """Send what earlier runs spooled (stopping at the first failure)."""
        for path, events in self.spool.batches():
            try:
                send(self._session, self.url, self.token, events)
            except SendError as exc:
                self.report.note(f"{exc} (earlier runs' results stay in {self.spool.folder})")
                self._down = True
                break
            path.unlink()
            self.report.count(events, self.report.resent)
        return True

    def emit(self, event: dict[str, Any]) -> None:
        self._buffer.append(event)
        if len(self._buffer) >= self.batch_size or time.monotonic() >= self._due:
            self.flush()

    def flush(self) -> None:
        self._due = time.monotonic() + self.max_wait
        batch, self._buffer = self._buffer, []
        if batch:
            self.write(batch)

    def write(self, batch: list[dict[str, Any]]) -> None:
        if not self._down:
            try:
                send(self._session, self.url, self.token, batch)
            except SendError as exc:
                self._down = True
                self.report.note(str(exc))
            else:
                self.report.count(batch, self.report.written)
                return
        try:
            self.spool.put(batch)
        except OSError as exc:
            self.report.fail(batch, f"{self.spool.folder}: cannot spool: {exc.strerror or exc}")
        else:
            self.report.count(batch, self.report.spooled)

    def close_run(self, run_id: str, analysis: dict[str, Any], explicit: dict[str, tuple[str, str]]) -> RunChanges:
        """The server folds finished runs into the verdicts itself."""
        self.flush()
        return RunChanges()

    def close(self) -> SinkReport:
        self.flush()
        self._session.close()
        return self.report
