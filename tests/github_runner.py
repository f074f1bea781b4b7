"""What the GitHub Actions runner gives a step and reads back from it, faked faithfully
enough to test a step end to end: the runner's files, the event payload, the workflow
commands a step prints, the outputs it writes (``name=value`` and ``name<<DELIMITER``), and
the pull-request comments endpoints of the REST API on 127.0.0.1."""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from pytest_vpt.events import attempt_event, run_event
from pytest_vpt.store import open_store
from pytest_vpt.store.after_write import after_write

_COMMAND = re.compile(r"^::(?P<name>[a-z-]+)(?: (?P<properties>[^:]*))?::(?P<message>.*)$")


def _unescape(text: str) -> str:
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%3A", ":").replace("%2C", ",").replace("%25", "%")


@dataclass
class Command:
    name: str
    properties: dict[str, str]
    message: str


def commands(stdout: str) -> list[Command]:
    """The workflow commands among a step's output lines, unescaped as the runner does."""
    found = []
    for line in stdout.splitlines():
        match = _COMMAND.match(line)
        if match:
            properties = dict(part.split("=", 1) for part in (match["properties"] or "").split(",") if part)
            found.append(Command(match["name"], {k: _unescape(v) for k, v in properties.items()},
                                 _unescape(match["message"])))
    return found


def outputs(path: Path) -> dict[str, str]:
    """A ``$GITHUB_OUTPUT`` (or ``$GITHUB_ENV``) file read as the runner reads it."""
    found: dict[str, str] = {}
    lines = iter(path.read_text(encoding="utf-8").splitlines()) if path.exists() else iter(())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            value = []
            for body in lines:
                if body == delimiter:
                    break
                value.append(body)
            else:
                raise AssertionError(f"{path}: no closing delimiter for {name!r}")
            found[name] = "\n".join(value)
        elif "=" in line:
            name, value = line.split("=", 1)
            found[name] = value
        elif line:
            raise AssertionError(f"{path}: not an output line: {line!r}")
    return found


def runner_files(folder: Path, event: dict | None = None, **env: str) -> dict[str, str]:
    """The variables a runner sets for a step, with empty files to write into."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("output", "summary", "env"):
        (folder / name).write_text("")
    (folder / "event.json").write_text(json.dumps(event or {}))
    (folder / "temp").mkdir(exist_ok=True)
    return {
        "GITHUB_ACTIONS": "true", "CI": "true", "GITHUB_OUTPUT": str(folder / "output"),
        "GITHUB_STEP_SUMMARY": str(folder / "summary"), "GITHUB_ENV": str(folder / "env"),
        "GITHUB_EVENT_PATH": str(folder / "event.json"), "RUNNER_TEMP": str(folder / "temp"),
        "GITHUB_REPOSITORY": "acme/box", "GITHUB_JOB": "test", "GITHUB_RUN_ID": "7001", **env,
    }


def run_with(run_id: str, at: float, tests: dict[str, str], branch: str = "main", project: str = "box",
             quarantine: dict[str, str] | None = None, ci_run_id: str | None = None) -> list[dict]:
    """A finished run's events: each test's attempts as letters, e.g. "FP" (failed, then
    passed on the retry); P passed, F failed, E error, S skipped."""
    names = {"P": "passed", "F": "failed", "E": "error", "S": "skipped"}
    events = [run_event(run_id, project, "finished", at, finished_at=at + 60, exit_status=0,
                        quarantine_requests={test: ["marker", why] for test, why in (quarantine or {}).items()},
                        context={"vcs.ref.head.name": branch, "vcs.ref.head.revision": f"{run_id:0<40}"[:40],
                                 "cicd.pipeline.run.id": ci_run_id})]
    for index, (nodeid, attempts) in enumerate(tests.items()):
        for number, letter in enumerate(attempts, start=1):
            final = number == len(attempts)
            outcome = names[letter] if final or letter == "P" else "rerun"
            failed = outcome in ("failed", "error", "rerun")
            events.append(attempt_event(
                f"{run_id}-{nodeid}-{number}", run_id=run_id, project=project, nodeid=nodeid, outcome=outcome,
                attempt=number, final=final, started_at=at + index + number / 10, call=0.25 + index / 100,
                path=nodeid.split("::")[0], error_type="AssertionError" if failed else None,
                error_message=f"{nodeid} broke: 100% wrong,\nsee: line 2" if failed else None,
            ))
    return events


def record(store_url: str, events: list[dict]) -> None:
    """Write a run into a store, then the after-write step (verdicts, quarantine)."""
    store = open_store(store_url, create=True)
    try:
        store.write(events)
        after_write(store, events)
    finally:
        store.close()


class IssueComments:
    """GitHub's issues-comments endpoints on 127.0.0.1, as the REST API answers them:
    ``GET /repos/O/R/issues/N/comments`` (``per_page``, ``page``, a ``Link`` header with
    ``rel="next"``), ``POST`` to create, ``PATCH /repos/O/R/issues/comments/ID`` to update;
    401 without a token, 403 for a read-only token (a fork's pull request)."""

    def __init__(self, token: str, read_only_token: str = "read-only") -> None:
        self.token, self.read_only = token, read_only_token
        self.comments: list[dict] = []  # every comment of every issue, oldest first
        self.requests: list[tuple[str, str]] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> IssueComments:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def add(self, issue: int, body: str, user: str = "someone") -> dict:
        comment = {"id": 1000 + len(self.comments), "issue": issue, "body": body, "user": {"login": user},
                   "html_url": f"https://github.com/acme/box/pull/{issue}#issuecomment-{1000 + len(self.comments)}"}
        self.comments.append(comment)
        return comment

    def of(self, issue: int) -> list[dict]:
        return [comment for comment in self.comments if comment["issue"] == issue]

    def _handler(self):
        api = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, status: int, body, headers: dict[str, str] | None = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

            def _route(self, method: str) -> None:
                parts = urlsplit(self.path)
                api.requests.append((method, self.path))
                token = self.headers.get("Authorization", "").removeprefix("Bearer ").removeprefix("token ")
                if token not in (api.token, api.read_only):
                    return self._answer(401, {"message": "Bad credentials"})
                if self.headers.get("Accept") != "application/vnd.github+json":
                    return self._answer(415, {"message": "Unsupported 'Accept' header"})
                list_match = re.fullmatch(r"/repos/acme/box/issues/(\d+)/comments", parts.path)
                edit_match = re.fullmatch(r"/repos/acme/box/issues/comments/(\d+)", parts.path)
                if method == "GET" and list_match:
                    return self._list(int(list_match[1]), parse_qs(parts.query), parts.path)
                if method in ("POST", "PATCH") and (list_match or edit_match):
                    if token == api.read_only:
                        return self._answer(403, {"message": "Resource not accessible by integration"})
                    length = int(self.headers.get("Content-Length") or 0)
                    body = json.loads(self.rfile.read(length) or b"{}").get("body")
                    if not isinstance(body, str) or len(body) > 65536:
                        return self._answer(422, {"message": "Validation Failed"})
                    if method == "POST" and list_match:
                        return self._answer(201, api.add(int(list_match[1]), body, "github-actions[bot]"))
                    if method == "PATCH" and edit_match:
                        for comment in api.comments:
                            if comment["id"] == int(edit_match[1]):
                                comment["body"] = body
                                return self._answer(200, comment)
                return self._answer(404, {"message": "Not Found"})

            def _list(self, issue: int, query: dict, path: str) -> None:
                per_page = min(int(query.get("per_page", ["30"])[0]), 100)
                page = int(query.get("page", ["1"])[0])
                found = api.of(issue)
                chunk = found[(page - 1) * per_page: page * per_page]
                headers = {}
                if page * per_page < len(found):
                    headers["Link"] = f'<{api.url}{path}?per_page={per_page}&page={page + 1}>; rel="next"'
                self._answer(200, chunk, headers)

            def do_GET(self) -> None:  # noqa: N802 - the names http.server calls
                self._route("GET")

            def do_POST(self) -> None:  # noqa: N802
                self._route("POST")

            def do_PATCH(self) -> None:  # noqa: N802
                self._route("PATCH")

            def log_message(self, *args: object) -> None:
                pass

        return Handler
