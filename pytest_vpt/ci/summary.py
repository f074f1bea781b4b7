"""The report of one run as Markdown (the job summary, the pull-request comment), within a
size: when the whole does not fit, every table shows fewer rows and says how many it left out."""

from __future__ import annotations

import html
from dataclasses import dataclass
from urllib.parse import quote

from ..wording import plural
from .findings import Failure, Findings

CELL_MAX = 300  # characters of one table cell (an error message, a node id)


@dataclass
class Table:
    title: str
    header: tuple[str, ...]
    rows: list[tuple[str, ...]]
    note: str = ""


def render(findings: Findings, limit: int, dashboards_url: str | None = None,
           annotations_left: int = 0, where: str = "") -> str:
    """The report, at most ``limit`` bytes (UTF-8)."""
    head = _head(findings, dashboards_url, annotations_left, where)
    tables = _tables(findings, dashboards_url)
    most = max((len(table.rows) for table in tables), default=0)
    text = _with_rows(findings, head, tables, most, limit)
    if len(text.encode()) > limit:  # the most rows per table that fit
        fits, too_many = 0, most
        while too_many - fits > 1:
            middle = (fits + too_many) // 2
            if len(_with_rows(findings, head, tables, middle, limit).encode()) <= limit:
                fits = middle
            else:
                too_many = middle
        text = _with_rows(findings, head, tables, fits, limit)
    return _cut(text, limit)


def _with_rows(findings: Findings, head: str, tables: list[Table], shown: int, limit: int) -> str:
    """The report with at most ``shown`` rows per table, saying how many it left out."""
    text = head + "".join(_table(table, shown) for table in tables)
    left_out = sum(max(0, len(table.rows) - shown) for table in tables)
    if left_out:
        text += (f"\n_{plural(left_out, 'row')} left out to keep this report within {limit // 1024} KiB: "
                 f"the whole run is in the history (`vpt run {findings.run.run_id}`)._\n")
    return text


def _head(findings: Findings, dashboards_url: str | None, annotations_left: int, where: str) -> str:
    run, counts = findings.run, findings.counts
    failing = counts["failed"] + counts["errors"]
    mark = "❌" if failing - counts["quarantined"] else "✅"
    rate = "n/a" if findings.pass_rate is None else f"{findings.pass_rate:.1%}"
    lines = [
        f"## {mark} {_text(run.project)}: run <code>{_text(run.run_id)}</code>\n",
        f"**Pass rate {rate}** · {plural(counts['tests'], 'test')} · {counts['passed']} passed · "
        f"{counts['failed']} failed · {plural(counts['errors'], 'error')} · {counts['skipped']} skipped · "
        f"{counts['flaky']} flaky · {counts['quarantined']} quarantined\n",
        _against(findings) + "\n",
    ]
    if annotations_left:
        lines.append(f"{plural(annotations_left, 'failure')} not annotated (GitHub shows 10 annotations "
                     "per level and step): they are listed below.\n")
    if dashboards_url:
        lines.append(f"[Dashboards]({_url(dashboards_url)})\n")
    if where:
        lines.append(f"<sub>read from {_text(where)}</sub>\n")
    return "\n".join(lines)


def _against(findings: Findings) -> str:
    counts = findings.counts
    found = (f"**{plural(counts['new_failures'], 'new failure')}**, "
             f"{plural(counts['regressions'] - counts['new_failures'], 'regression')} still failing, "
             f"{len(findings.fixed)} fixed")
    if findings.base_run is not None:
        base = findings.base_run
        commit = f", commit <code>{_text(base.vcs_revision[:12])}</code>" if base.vcs_revision else ""
        branch = _text(findings.base_branch or "")
        return f"Against <code>{branch}</code> (run <code>{_text(base.run_id)}</code>{commit}): {found}."
    if findings.base_branch:
        return f"No run of the base branch <code>{_text(findings.base_branch)}</code> recorded yet: {found}."
    return f"No base branch known (not a pull request): {found}."


def _tables(findings: Findings, dashboards_url: str | None) -> list[Table]:
    base = f"<code>{_text(findings.base_branch or 'the base branch')}</code>"
    failure_header = ("test", "error", "failing for")
    tables = [
        Table(f"New failures ({len(findings.of_kind('new'))})", failure_header, _failures(findings.of_kind("new")),
              f"Not failing on {base}; passed or did not run in this branch's previous run."),
        Table(f"Regressions ({len(findings.of_kind('regression'))})", failure_header,
              _failures(findings.of_kind("regression")),
              f"Not failing on {base}; already failing in this branch's previous run."),
        Table(f"Already failing on {base} ({len(findings.of_kind('on_base'))})", failure_header,
              _failures(findings.of_kind("on_base"))),
        Table(f"Quarantined failures ({len(findings.of_kind('quarantined'))})", failure_header,
              _failures(findings.of_kind("quarantined")), "Non-blocking: they do not fail the job."),
        Table(f"Fixed against {base} ({len(findings.fixed)})", ("test",),
              [(_code(test.nodeid),) for test in findings.fixed]),
        Table(f"Flaky tests ({len(findings.flaky)})", ("test", "score", "evidence"),
              [(_code(test.nodeid), "" if verdict is None else f"{verdict.score:.2f}",
                _evidence(test, verdict, dashboards_url)) for test, verdict in findings.flaky]),
        Table(f"Slowest tests ({len(findings.slowest)})", ("test", "duration"),
              [(_code(test.nodeid), f"{test.duration:.2f} s") for test in findings.slowest]),
    ]
    return [table for table in tables if table.rows]


def _failures(failures: list[Failure]) -> list[tuple[str, ...]]:
    return [(_code(f.test.nodeid), _text(_error(f)), _age(f)) for f in failures]


def _error(failure: Failure) -> str:
    test = failure.test
    offline = f"[device {test.device_id} offline] " if test.device_offline else ""
    return offline + ": ".join(part for part in (test.error_type, test.error_message) if part)


def _age(failure: Failure) -> str:
    """Runs since it last passed ("every run" when it never did in those looked at)."""
    if failure.age is None:
        return ""
    return f"{plural(failure.age, 'run')}, every one" if failure.never_passed else plural(failure.age, "run")


def _evidence(test, verdict, dashboards_url: str | None) -> str:
    parts = []
    if test.outcome == "passed" and test.attempts > 1:
        parts.append(f"passed at attempt {test.attempts} here")
    if verdict is not None:
        parts.append(_text(verdict.reason))
        parts.append(f"{verdict.pass_on_retry} passes on retry, {verdict.failed_runs} of {verdict.runs} runs failed")
    if dashboards_url:
        parts.append(f"[history]({_url(dashboards_url)}{'&' if '?' in dashboards_url else '?'}"
                     f"var-nodeid={quote(test.nodeid, safe='')})")
    return "; ".join(parts)


def _table(table: Table, shown: int) -> str:
    lines = [f"\n### {table.title}\n"]
    if table.note:
        lines.append(f"{table.note}\n")
    if shown:
        lines.append("| " + " | ".join(table.header) + " |")
        lines.append("|" + "---|" * len(table.header))
        lines.extend("| " + " | ".join(row) + " |" for row in table.rows[:shown])
    if len(table.rows) > shown:
        lines.append(f"\n_… and {len(table.rows) - shown} more, left out._")
    return "\n".join(lines) + "\n"


def _text(text: str, most: int = CELL_MAX) -> str:
    """Safe inside a Markdown table cell: no HTML, no pipe, one line, cut."""
    one_line = " ".join(str(text).split())
    if len(one_line) > most:
        one_line = one_line[: most - 1] + "…"
    return html.escape(one_line).replace("|", "&#124;")


def _code(text: str) -> str:
    return f"<code>{_text(text)}</code>"


def _url(url: str) -> str:
    return quote(url, safe=":/?&=#%+@,;~!$'*")


def _cut(text: str, limit: int, ending: str = "\n\n_… cut to fit._\n") -> str:
    data = text.encode()
    if len(data) <= limit:
        return text
    return data[: max(0, limit - len(ending.encode()))].decode(errors="ignore") + ending


