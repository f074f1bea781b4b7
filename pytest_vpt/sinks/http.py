"""A sink that sends events to a `vpt server`, and spools what it cannot send.

Batches go as gzipped JSON lines with the token from ``VPT_TOKEN``. A batch the server
could not take (it is down, answers 5xx, 401, 403 or 429, or times out) is kept in the spool;
after the first such failure the rest of the run goes straight to the spool, so a server that
is down costs one timeout, not one per batch. Spooled batches are sent again at the start of
the next run, or by ``vpt push --spool`` (both through :func:`.base.resend`).

A batch the server refuses as invalid (400, 409, 413, 422) would be refused again: it goes to
the spool's ``rejected/`` folder with the server's reason, and the rest is sent.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import requests

from ..redaction import redact_url
from ..store.changes import RunChanges
from .base import BufferedSink, Refused, SendError
from .spool import Spool

TIMEOUT = 10.0  # seconds to wait for the server's answer to one batch
INVALID = (400, 409, 413, 422)  # the batch itself is refused: sending it again cannot help


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


class HttpSink(BufferedSink):
    """Sends batches to a server; what is not accepted goes to the spool. Never raises."""

    def __init__(self, url: str, token: str | None, spool_dir: Path, batch_size: int = 2000,
                 max_wait: float = 1.0, retry_every: float | None = None) -> None:
        super().__init__(url, Spool(spool_dir), batch_size, max_wait, retry_every)
        self.url = url
        self.token = token
        self._session = requests.Session()

    def _send(self, batch: list[dict[str, Any]]) -> dict[str, RunChanges]:
        """The server folds finished runs itself, and says in its answer what that changed."""
        answer = send(self._session, self.url, self.token, batch)
        found = {run_id: run_changes(answer, run_id) for run_id in answer.get("changes") or {}}
        return {run_id: changes for run_id, changes in found.items() if changes is not None}

    def _release(self) -> None:
        self._session.close()
