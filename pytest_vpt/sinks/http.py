"""A sink that sends events to a `vpt server`, and spools what it cannot send.

Batches go as gzipped JSON lines with the token from ``VPT_TOKEN``. A batch the server
could not take (it is down, answers 5xx, 401, 403 or 429, or times out) is kept in the spool;
after the first such failure the rest of the run goes straight to the spool, so a server that
is down costs one timeout, not one per batch. Spooled batches are sent again at the start of
the next run, or by ``vpt push --spool`` (both through :func:`resend`).

A batch the server refuses as invalid (400, 409, 413, 422) would be refused again: it goes to
the spool's ``rejected/`` folder with the server's reason, and the rest is sent.
"""

from __future__ import annotations

import gzip
import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from ..redaction import redact_url
from ..store.changes import RunChanges
from .base import SinkReport
from .spool import Spool

TIMEOUT = 10.0  # seconds to wait for the server's answer to one batch
INVALID = (400, 409, 413, 422)  # the batch itself is refused: sending it again cannot help


class SendError(Exception):
    """A batch was not accepted; the message says why (never the token)."""


class Refused(SendError):
    """The server refused the batch as invalid (one of :data:`INVALID`): never send it again."""


def send(session: requests.Session, url: str, token: str | None, events: list[dict[str, Any]]) -> dict[str, Any]:
    """POST one batch; the server's answer (see :func:`run_changes`). SendError unless it was accepted."""
    body = gzip.compress("\n".join(json.dumps(e, separators=(",", ":")) for e in events).encode(), compresslevel=1)
    headers = {"Content-Type": "application/x-ndjson", "Content-Encoding": "gzip"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        answer = session.post(f"{url.rstrip('/')}/api/v1/events", data=body, headers=headers, timeout=TIMEOUT)
    except requests.RequestException as exc:
        raise SendError(f"{redact_url(url)}: {type(exc).__name__}: cannot reach the server") from None
    if answer.status_code != 200:
        try:
            detail = answer.json().get("error", "")
        except ValueError:
            detail = answer.text[:200]
        problem = Refused if answer.status_code in INVALID else SendError
        raise problem(f"{redact_url(url)}: HTTP {answer.status_code}: {detail}".rstrip(": "))
    try:
        body = answer.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def run_changes(answer: dict[str, Any], run_id: str) -> RunChanges | None:
    """What folding the finished run ``run_id`` changed, from the server's answer to the batch
    holding it (``{"changes": {run_id: {"became": [...], "quarantine": [...]}}}``); None if absent."""
    found = (answer.get("changes") or {}).get(run_id)
    try:
        return RunChanges.from_json(found) if found else None
    except (KeyError, TypeError, ValueError):
        return None


@dataclass
class Resent:
    """What :func:`resend` did with the spool: batches sent, refused, left for later."""

    sent: Counter = field(default_factory=Counter)  # events by type
    batches: int = 0
    rejected: Counter = field(default_factory=Counter)
    rejected_batches: int = 0
    stopped: str = ""  # why the rest was left in the spool (the server could not take it)


def resend(session: requests.Session, url: str, token: str | None, spool: Spool,
           on_progress: Callable[[int, int], Any] | None = None) -> Resent:
    """Send the spooled batches, oldest first. One the server refuses as invalid moves to
    ``rejected/`` (its reason beside it) and the next is sent; at the first other failure the
    rest stays in the spool for later. ``on_progress(done, total)`` hears of each batch."""
    done = Resent()
    total = spool.depth()
    for handled, (path, events) in enumerate(spool.batches()):
        if on_progress is not None:
            on_progress(handled, total)
        try:
            send(session, url, token, events)
        except Refused as exc:
            try:
                spool.reject(path, str(exc))
            except OSError as error:
                done.stopped = f"{exc}; cannot move it to {spool.rejected}: {error.strerror or error}"
                break
            done.rejected.update(event["type"] for event in events)
            done.rejected_batches += 1
            continue
        except SendError as exc:
            done.stopped = str(exc)
            break
        path.unlink()
        done.sent.update(event["type"] for event in events)
        done.batches += 1
    if on_progress is not None and not done.stopped:
        on_progress(total, total)
    return done


def fetch(url: str, token: str | None, path: str, timeout: float = 5.0) -> Any:
    """GET one of the server's JSON answers; raise SendError unless it gave one."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        answer = requests.get(f"{url.rstrip('/')}{path}", headers=headers, timeout=timeout)
    except requests.RequestException as exc:
        raise SendError(f"{redact_url(url)}: {type(exc).__name__}: cannot reach the server") from None
    try:
        body = answer.json()
    except ValueError:
        raise SendError(f"{redact_url(url)}: HTTP {answer.status_code}: not a JSON answer") from None
    if answer.status_code != 200:
        raise SendError(f"{redact_url(url)}: HTTP {answer.status_code}: {body.get('error', '') if isinstance(body, dict) else ''}")
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
        self._answers: list[dict[str, Any]] = []  # the server's answers that carry run changes

    def open(self) -> bool:
        """Send what earlier runs spooled (see :func:`resend`)."""
        done = resend(self._session, self.url, self.token, self.spool)
        self.report.resent.update(done.sent)
        if done.rejected:
            self.report.resent_rejected.update(done.rejected)
            self.report.rejected_in = str(self.spool.rejected)
        if done.stopped:
            self.report.note(f"{done.stopped} (earlier runs' results stay in {self.spool.folder})")
            self._down = True
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
                answer = send(self._session, self.url, self.token, batch)
            except Refused as exc:
                self._reject(batch, str(exc))
                return
            except SendError as exc:
                self._down = True
                self.report.note(str(exc))
            else:
                self.report.count(batch, self.report.written)
                if answer.get("changes"):
                    self._answers.append(answer)
                return
        self.spool.keep(batch, self.report)

    def _reject(self, batch: list[dict[str, Any]], reason: str) -> None:
        """Keep a batch the server refused in ``rejected/``, with the reason."""
        self.report.note(reason)
        try:
            self.spool.reject(batch, reason)
        except OSError as exc:
            self.report.fail(batch, f"{self.spool.rejected}: cannot keep a refused batch: {exc.strerror or exc}")
        else:
            self.report.count(batch, self.report.rejected)
            self.report.rejected_in = str(self.spool.rejected)

    def close_run(self, run_id: str, analysis: dict[str, Any], explicit: dict[str, tuple[str, str]]) -> RunChanges:
        """The server folds finished runs into the verdicts itself, and says what that changed."""
        self.flush()
        found = (run_changes(answer, run_id) for answer in reversed(self._answers))
        return next((changes for changes in found if changes is not None), RunChanges())

    def close(self) -> SinkReport:
        self.flush()
        self._session.close()
        return self.report
