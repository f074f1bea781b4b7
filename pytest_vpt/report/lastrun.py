"""The last run's part of the page: its failures with their messages, reruns, quarantined
tests, failures while the device was offline, slowest tests, and the table of all its tests
(embedded as JSON, drawn, searched and sorted by the page's script)."""

from __future__ import annotations

import json

from ..history.runs import TestResult
from ..wording import plural
from .model import LastRun
from .values import moment, span, text

#: the columns of the test table, and which hold numbers (they sort as numbers; 2: seconds)
TEST_COLUMNS = ("test", "outcome", "duration", "attempts", "device", "error")
_NUMERIC = (0, 0, 2, 1, 0, 0)
MESSAGE_MOST = 4000  # characters of a failure's message shown


def tests_json(last: LastRun | None) -> str:
    """The test table's rows as JSON safe inside a <script> element (no ``<`` left in it)."""
    rows = [] if last is None else [
        [t.nodeid, t.outcome, t.duration, t.attempts, t.device_id,
         f"{t.error_type or ''}: {(t.error_message or '').splitlines()[0][:200] if t.error_message else ''}"
         if t.error_type or t.error_message else None] for t in last.tests]
    found = json.dumps({"columns": TEST_COLUMNS, "numeric": _NUMERIC, "rows": rows}, separators=(",", ":"),
                       allow_nan=False, default=str)
    return found.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _table(key: str, title: str, what: str, headers: tuple[str, ...], rows: list[list[str]]) -> str:
    if not rows:
        return (f'<section class="panel w12" id="p-{key}"><h3>{title}</h3><p class="note">None in this run.'
                '</p></section>')
    head = "".join(f"<th>{h}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return (f'<section class="panel w12" id="p-{key}" data-rows="{len(rows)}"><h3>{title}</h3><p class="what">{what}</p>'
            f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div></section>')


def _failure(test: TestResult) -> str:
    message = (test.error_message or "")[:MESSAGE_MOST]
    return (f"<details><summary><b>{text(test.outcome)}</b> {text(test.nodeid)} "
            f"{text(test.error_type or '')}</summary><pre>{text(message) or '(no message)'}</pre></details>")


def last_run_html(last: LastRun | None) -> str:
    if last is None:
        return '<h2 id="last-run">Last run</h2><p class="note">No run recorded yet.</p>'
    run = last.run
    counts = ", ".join(f"{getattr(run, name) or 0} {name}" for name in ("passed", "failed", "error", "skipped", "rerun"))
    where = " ".join(part for part in (f"branch {text(run.vcs_branch)}" if run.vcs_branch else "",
                                       f"commit {text(run.vcs_revision[:12])}" if run.vcs_revision else "") if part)
    failures = "".join(_failure(t) for t in last.failures[:200]) or '<p class="note">No failures.</p>'
    return "".join([
        f'<h2 id="last-run">Last run</h2><p class="note">Run {text(run.run_id)} ({text(run.status)}), started '
        f"{moment(run.started_at)} UTC, {span(run.duration) or 'still running'}; {where}; "
        f"{plural(len(last.tests), 'test')}: {counts}.</p>",
        '<div class="row">',
        f'<section class="panel w24" id="p-run-failures" data-rows="{len(last.failures)}"><h3>Failures</h3>'
        f'<p class="what">{plural(len(last.failures), "test")} failed or erred; open one for its message.</p>'
        f"{failures}</section>",
        _table("run-reruns", "Reruns", "Attempts before a test's final one.", ("test", "attempt", "error"),
               [[text(t.nodeid), str(t.attempt), text(t.error_type or "")] for t in last.reruns[:200]]),
        _table("run-quarantined", "Quarantined", "Tests quarantined now that ran: their failures do not block.",
               ("test", "reason"), [[text(n), text(r)] for n, r in sorted(last.quarantined.items())[:200]]),
        _table("run-offline", "Device offline", "Failures while the test's device was offline.",
               ("test", "device", "error"),
               [[text(t.nodeid), text(t.device_id), text(t.error_type or "")] for t in last.device_offline[:200]]),
        _table("run-slowest", "Slowest tests", "The final attempts that took longest.", ("test", "duration"),
               [[text(t.nodeid), span(t.duration)] for t in last.slowest()]),
        f'<section class="panel w24" id="p-run-tests" data-rows="{len(last.tests)}"><h3>All tests</h3>'
        '<input type="search" id="search" placeholder="Search tests, outcomes, errors" aria-label="search tests">'
        '<p class="note" id="count"></p><div class="scroll"><table id="tests"><thead><tr>'
        + "".join(f"<th>{name}</th>" for name in TEST_COLUMNS)
        + '</tr></thead><tbody></tbody></table></div><button id="more" type="button">Show more</button></section>',
        "</div>",
    ])
