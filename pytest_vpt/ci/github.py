"""The GitHub mode: a run's job summary, annotations, outputs and pull-request comment, and
the exit code ``fail-on`` asks for (see :func:`publish`)."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..config import SettingsError
from ..history import History, HistoryError
from ..store import StoreError
from . import FAIL_ON
from .annotations import annotate
from .commands import append_summary, command, summary_room, write_env, write_outputs
from .comment import BODY_LIMIT, CommentFailed, marker, upsert
from .findings import Findings, find
from .readers import HistoryReader, LocalReader, ReadFailed, ReadRefused, ServerReader, find_run
from .summary import render

EVENT_MAX = 25 * 1024 * 1024  # GitHub's largest webhook payload
#: Set for the job's later steps once a run is published, so a second publish of it (``vpt
#: github report`` after a ``vpt push`` that published) writes no second summary nor the
#: annotations again: the outputs, the comment and the exit code only.
PUBLISHED = "VPT_PUBLISHED_RUN"


class PublishError(Exception):
    """The run cannot be published (bad input, no such run, a store that cannot be read)."""


@dataclass
class Published:
    """What :func:`publish` did, and the exit code the step should end with."""

    exit_code: int
    run_id: str | None
    counts: dict[str, int] = field(default_factory=dict)
    pass_rate: float | None = None
    annotations: int = 0
    not_annotated: int = 0
    summary_bytes: int = 0
    comment_url: str | None = None
    source: str = ""
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def publish(source: History | str, run_id: str, env: Mapping[str, str], *, fail_on: str = "never",
            comment: bool = False, dashboards_url: str | None = None) -> Published:
    """Publish the run ``run_id`` ("latest": the newest of this CI build) of ``source`` (a
    History, or a vpt server's URL read with ``VPT_TOKEN``) to GitHub Actions.

    Without a token, or with one the server refuses (a fork's pull request), it warns and
    reports from the local store, and the exit code is 0. ``dashboards_url`` defaults to
    ``VPT_DASHBOARDS_URL``.
    """
    dashboards_url = dashboards_url or env.get("VPT_DASHBOARDS_URL") or None
    if not run_id or len(run_id) > 256 or not run_id.isprintable():
        raise PublishError(f"run id {run_id[:80]!r} is not a run id (1 to 256 printable characters) nor latest")
    if fail_on not in FAIL_ON:
        raise PublishError(f"fail-on {fail_on!r} is not one of {', '.join(FAIL_ON)}")
    if dashboards_url and not dashboards_url.startswith(("http://", "https://")):
        raise PublishError(f"dashboards URL {dashboards_url!r} is not an http(s) URL")
    warnings: list[str] = []
    event = _event(env, warnings)
    base_branch = env.get("GITHUB_BASE_REF") or _dig(event, "repository", "default_branch") or None
    findings, where, local = _findings(source, run_id, env, base_branch, warnings)
    if findings is None:
        append_summary(env.get("GITHUB_STEP_SUMMARY"), f"## pytest-vpt\n\nNo results to report: {warnings[-1]}\n")
        return _done(Published(0, None, source=where, warnings=warnings))
    published = Published(0, findings.run.run_id, findings.counts, findings.pass_rate, source=where, warnings=warnings)
    _write_outputs(env, findings)
    if env.get(PUBLISHED) != findings.run.run_id:
        _report(findings, env, published, dashboards_url)
        write_env(env.get("GITHUB_ENV"), PUBLISHED, findings.run.run_id)
    if comment:
        published.comment_url = _comment(findings, env, event, dashboards_url, published.warnings)
    if not local:
        published.exit_code = _exit_code(findings, fail_on)
    return _done(published)


def _findings(source: History | str, run_id: str, env: Mapping[str, str], base_branch: str | None,
              warnings: list[str]) -> tuple[Findings | None, str, bool]:
    """The findings, where they were read, and whether from local data in place of a server."""
    if isinstance(source, History):
        return _read(LocalReader(source), run_id, env, base_branch), str(source.url.location), False
    token = (env.get("VPT_TOKEN") or "").strip()
    if token:
        reader = ServerReader(source, token)
        try:
            return _read(reader, run_id, env, base_branch), reader.where, False
        except ReadRefused as exc:
            warnings.append(f"{exc}: reporting from the local store instead (a fork's pull request has no token)")
        except ReadFailed as exc:
            warnings.append(f"{exc}: reporting from the local store instead")
    else:
        warnings.append("no VPT_TOKEN (a pull request from a fork gets no secrets): "
                        "reporting from the local store instead of the server")
    try:
        with History.open() as history:
            return _read(LocalReader(history), run_id, env, base_branch), str(history.url.location), True
    except (PublishError, SettingsError, StoreError) as exc:
        warnings.append(f"nothing recorded locally either ({exc})")
        return None, "", True


def _read(reader: HistoryReader, run_id: str, env: Mapping[str, str], base_branch: str | None) -> Findings:
    try:
        run = find_run(reader, run_id, env.get("GITHUB_RUN_ID"))
        return find(reader, run, base_branch)
    except HistoryError as exc:
        raise PublishError(str(exc)) from None
    except ReadFailed as exc:
        if isinstance(reader, ServerReader):
            raise
        raise PublishError(str(exc)) from None


def _report(findings: Findings, env: Mapping[str, str], published: Published, dashboards_url: str | None) -> None:
    """The annotations and the job summary."""
    annotations = annotate(findings.failures)
    for line in annotations.lines:
        print(line)
    published.annotations, published.not_annotated = len(annotations.lines), annotations.left
    summary_file = env.get("GITHUB_STEP_SUMMARY")
    text = render(findings, summary_room(summary_file), dashboards_url, annotations.left, published.source)
    append_summary(summary_file, text)
    published.summary_bytes = len(text.encode())


def _comment(findings: Findings, env: Mapping[str, str], event: dict[str, Any], dashboards_url: str | None,
             warnings: list[str]) -> str | None:
    number = _dig(event, "pull_request", "number") or _dig(event, "issue", "number")
    if number is None:
        pulls = _dig(event, "workflow_run", "pull_requests")
        number = _dig(pulls[0], "number") if isinstance(pulls, list) and pulls else None
    token = (env.get("GITHUB_TOKEN") or "").strip()
    if not isinstance(number, int) or isinstance(number, bool) or number < 1:
        warnings.append("not a pull request (no pull request number in GITHUB_EVENT_PATH's payload): no comment")
        return None
    if not token or not env.get("GITHUB_REPOSITORY"):
        warnings.append("no GITHUB_TOKEN or GITHUB_REPOSITORY: no comment")
        return None
    body = render(findings, BODY_LIMIT, dashboards_url)
    try:
        done = upsert(env.get("GITHUB_API_URL") or "https://api.github.com", env["GITHUB_REPOSITORY"], number,
                      token, body, marker(findings.run.project, env.get("GITHUB_JOB")))
    except CommentFailed as exc:
        warnings.append(f"no pull-request comment: {exc}")
        return None
    return done.url


def _write_outputs(env: Mapping[str, str], findings: Findings) -> None:
    counts = findings.counts
    write_outputs(env.get("GITHUB_OUTPUT"), {
        "tests": str(counts["tests"]), "passed": str(counts["passed"]), "failed": str(counts["failed"]),
        "errors": str(counts["errors"]), "skipped": str(counts["skipped"]), "flaky": str(counts["flaky"]),
        "pass-rate": "" if findings.pass_rate is None else f"{findings.pass_rate * 100:.2f}",
        "run-id": findings.run.run_id, "new-failures": str(counts["new_failures"]),
    })


def _exit_code(findings: Findings, fail_on: str) -> int:
    if fail_on == "failures":
        return int(any(failure.kind != "quarantined" for failure in findings.failures))
    if fail_on == "regressions":
        return int(findings.counts["regressions"] > 0)
    return 0


def _done(published: Published) -> Published:
    for warning in published.warnings:
        print(command("warning", warning))
    sys.stdout.flush()
    return published


def _event(env: Mapping[str, str], warnings: list[str]) -> dict[str, Any]:
    """The payload of the event that started the workflow ({} if none or unreadable)."""
    path = env.get("GITHUB_EVENT_PATH")
    if not path:
        return {}
    try:
        with open(path, "rb") as file:
            data = file.read(EVENT_MAX + 1)
        if len(data) > EVENT_MAX:
            raise ValueError(f"larger than {EVENT_MAX} bytes")
        found = json.loads(data)
    except (OSError, ValueError) as exc:
        warnings.append(f"GITHUB_EVENT_PATH {Path(path).name}: {exc}")
        return {}
    return found if isinstance(found, dict) else {}


def _dig(value: Any, *keys: str) -> Any:
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value
