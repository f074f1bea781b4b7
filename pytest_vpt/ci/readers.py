"""The reads a CI report needs, from a local store (:class:`LocalReader`) or from a vpt
server's read endpoints (:class:`ServerReader`): both answer with the history's records."""

from __future__ import annotations

import json
from typing import Any, Protocol, TypeVar
from urllib.parse import quote

import requests

from ..history import FlakyTest, History, Run, TestHistoryEntry, TestResult
from ..history.record import Record
from ..history.verdicts import QuarantineEntry, in_force
from ..redaction import redact_url

#: The largest answer read from a server (a run of 100,000 tests is about 100 MB of JSON).
MAX_ANSWER = 256 * 1024 * 1024
#: How many recent runs are searched for a run id, the base branch's last run or the previous run.
RUNS_SEARCHED = 1000
TIMEOUT = 30.0

_R = TypeVar("_R", bound=Record)


class ReadRefused(Exception):
    """The server refused the token (401, 403): a fork's job has none, or it is revoked."""


class ReadFailed(Exception):
    """The source could not be read (unreachable, a bad answer, no such run); the message says why."""


class HistoryReader(Protocol):
    """What the report reads; every list is the history's records."""

    where: str

    def runs(self, limit: int) -> list[Run]: ...

    def run_tests(self, run_id: str) -> list[TestResult]: ...

    def flaky(self, limit: int) -> list[FlakyTest]: ...

    def quarantined(self, project: str) -> dict[str, str]: ...

    def test_history(self, nodeid: str, limit: int) -> list[TestHistoryEntry]: ...


class LocalReader:
    """The reads, from a :class:`History` (a local store, or any store already open)."""

    def __init__(self, history: History) -> None:
        self.history = history
        self.where = str(history.url.location)

    def runs(self, limit: int) -> list[Run]:
        return self.history.runs(limit)

    def run_tests(self, run_id: str) -> list[TestResult]:
        return self.history.run_tests(run_id)

    def flaky(self, limit: int) -> list[FlakyTest]:
        return self.history.flaky(limit=limit)

    def quarantined(self, project: str) -> dict[str, str]:
        of_project = History(self.history.store, project, self.history.flakiness_settings)
        return of_project.quarantined()

    def test_history(self, nodeid: str, limit: int) -> list[TestHistoryEntry]:
        return self.history.test_history(nodeid, limit)


class ServerReader:
    """The reads, from a vpt server's ``/api/v1`` endpoints with a project's token."""

    def __init__(self, url: str, token: str, session: requests.Session | None = None) -> None:
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"{redact_url(url)!r} is not a server URL (expected http://HOST:PORT)")
        self.url = url.rstrip("/")
        self.where = redact_url(self.url)
        self._token = token
        self._session = session or requests.Session()

    def runs(self, limit: int) -> list[Run]:
        return self._records(Run, "/api/v1/runs", {"limit": min(limit, RUNS_SEARCHED)})

    def run_tests(self, run_id: str) -> list[TestResult]:
        return self._records(TestResult, f"/api/v1/runs/{quote(run_id, safe='')}/tests", {})

    def flaky(self, limit: int) -> list[FlakyTest]:
        return self._records(FlakyTest, "/api/v1/flaky", {"limit": min(limit, 1000)})

    def quarantined(self, project: str) -> dict[str, str]:
        return in_force(self._records(QuarantineEntry, "/api/v1/quarantine", {}))

    def test_history(self, nodeid: str, limit: int) -> list[TestHistoryEntry]:
        return self._records(TestHistoryEntry, "/api/v1/tests/history", {"nodeid": nodeid, "limit": min(limit, 1000)})

    def _records(self, record: type[_R], path: str, params: dict[str, Any]) -> list[_R]:
        rows = self._get(path, params)
        if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
            raise ReadFailed(f"{self.where}{path}: the answer is not a list of records")
        try:
            return [record.from_row(row) for row in rows]
        except TypeError as exc:  # fields of another version of the server
            raise ReadFailed(f"{self.where}{path}: the records do not match this vpt ({exc})") from None

    def _get(self, path: str, params: dict[str, Any]) -> Any:
        headers = {"Authorization": f"Bearer {self._token}", "Accept": "application/json"}
        try:
            with self._session.get(self.url + path, params=params, headers=headers, timeout=TIMEOUT,
                                   stream=True) as answer:
                body = _bounded_body(answer, f"{self.where}{path}")
        except requests.RequestException as exc:
            raise ReadFailed(f"{self.where}: {type(exc).__name__}: cannot reach the server") from None
        if answer.status_code in (401, 403):
            raise ReadRefused(f"{self.where}{path}: HTTP {answer.status_code}: {_error_of(body)}")
        if answer.status_code == 404:
            raise ReadFailed(f"{self.where}{path}: {_error_of(body) or 'not found'}")
        if answer.status_code != 200:
            raise ReadFailed(f"{self.where}{path}: HTTP {answer.status_code}: {_error_of(body)}")
        try:
            return json.loads(body)
        except ValueError:
            raise ReadFailed(f"{self.where}{path}: not a JSON answer") from None


def _bounded_body(answer: requests.Response, where: str) -> bytes:
    chunks, size = [], 0
    for chunk in answer.iter_content(1 << 16):
        size += len(chunk)
        if size > MAX_ANSWER:
            raise ReadFailed(f"{where}: the answer is larger than {MAX_ANSWER} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _error_of(body: bytes) -> str:
    try:
        found = json.loads(body)
    except ValueError:
        return ""
    return str(found.get("error", ""))[:500] if isinstance(found, dict) else ""


def find_run(reader: HistoryReader, run_id: str, ci_run_id: str | None = None) -> Run:
    """The run ``run_id`` names (whole, or the start of one), or for "latest" the newest run of
    the CI build ``ci_run_id`` (else the newest run at all)."""
    runs = reader.runs(RUNS_SEARCHED)
    if run_id == "latest":
        mine = [run for run in runs if ci_run_id and run.ci_run_id == ci_run_id]
        if mine or runs:
            return (mine or runs)[0]
        raise ReadFailed(f"{reader.where}: no run recorded yet")
    exact = [run for run in runs if run.run_id == run_id]
    found = exact or [run for run in runs if run.run_id.startswith(run_id)]
    if len(found) == 1:
        return found[0]
    raise ReadFailed(f"{reader.where}: " + (f"run id {run_id!r} is ambiguous: give more characters" if found
                                             else f"no run {run_id!r} among the {len(runs)} latest"))


__all__ = ["HistoryReader", "LocalReader", "ReadFailed", "ReadRefused", "ServerReader", "find_run"]
