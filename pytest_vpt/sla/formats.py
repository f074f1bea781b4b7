"""The SLA report written as text (80 columns), Markdown or HTML (one self-contained page; an
e-mail's HTML part, its styles inline): one table of targets, then what broke the missed ones."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from ..wording import plural
from .report import SlaReport, TargetResult
from .targets import AT_LEAST, PER_HOUR, PERCENT, SECONDS

FORMATS = ("text", "markdown", "html")
_WIDTH = 80


def value(figure: float | None, unit: str) -> str:
    """A figure in its unit: ``99.50%``, ``350 ms``, ``2.0 min``, ``81.3``, ``12.5/h``; ``-`` without one."""
    if figure is None:
        return "-"
    if unit == PERCENT:
        return f"{figure:.2f}%"
    if unit == SECONDS:
        return _span(figure)
    if unit == PER_HOUR:
        return f"{figure:.1f}/h"
    return f"{figure:.1f}"


def _span(seconds: float) -> str:
    size = abs(seconds)
    if size < 1:
        return f"{seconds * 1000:.0f} ms"
    if size < 120:
        return f"{seconds:.1f} s"
    if size < 7200:
        return f"{seconds / 60:.1f} min"
    if size < 172800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"


def _change(result: TargetResult) -> str:
    if result.change is None:
        return "-"
    if result.trend == "steady":
        return "steady"
    sign = "+" if result.change > 0 else "-"
    return f"{result.trend} {sign}{value(abs(result.change), result.unit)}"


def _goal(result: TargetResult, ascii_only: bool = True) -> str:
    mark = (">=" if ascii_only else "\u2265") if result.direction == AT_LEAST else ("<=" if ascii_only else "\u2264")
    return f"{mark} {value(result.goal, result.unit)}"


def _verdict(result: TargetResult) -> str:
    return {True: "met", False: "MISSED", None: "no data"}[result.met]


def _when(moment: float | None) -> str:
    return "-" if moment is None else datetime.fromtimestamp(moment, timezone.utc).strftime("%Y-%m-%d %H:%M")


def headline(report: SlaReport) -> str:
    """``SLA box daily 2026-11-30: 3 of 4 targets met, 1 missed`` (an e-mail's subject)."""
    parts = [f"{report.met} of {plural(len(report.targets), 'target')} met"]
    if report.missed:
        parts.append(f"{report.missed} missed")
    if report.no_data:
        parts.append(f"{report.no_data} without data")
    return f"SLA {report.project} {report.period} {report.label}: " + ", ".join(parts)


def _rows(report: SlaReport) -> list[list[str]]:
    return [[r.target, _goal(r), value(r.figure, r.unit), _change(r), f"{r.met_before}/{r.judged_before}",
             _verdict(r)] for r in report.targets]


_HEADERS = ["target", "goal", "figure", "trend", "before", "verdict"]


def target_line(r: TargetResult) -> str:
    """``device_uptime 98.21% (goal >= 99.50%; worse -1.10%): MISSED``."""
    return f"{r.target} {value(r.figure, r.unit)} (goal {_goal(r)}; trend {_change(r)}): {_verdict(r)}"


def broke_lines(report: SlaReport) -> list[tuple[str, list[str]]]:
    """Each part of what broke the missed targets: its title and its lines (plain text)."""
    broke, parts = report.broke, []
    if broke.get("devices"):
        parts.append(("devices with the least uptime", [
            f"{d['device']}: {value(None if d['uptime'] is None else 100 * d['uptime'], PERCENT)} of "
            f"{_span(d['covered'])} sampled, {plural(d['incidents'], 'incident')}" for d in broke["devices"]]))
    if broke.get("device_incidents"):
        parts.append(("device incidents", [
            f"{i['device']} from {_when(i['started_at'])} for {_span(i['duration'])}"
            + ("" if i["ended_at"] is not None else " (still going on)") + (f": {i['error']}" if i["error"] else "")
            for i in broke["device_incidents"]]))
    if broke.get("failing_tests"):
        parts.append(("tests that failed most", [
            f"{t['nodeid']}: {plural(t['failures'], 'failure')} in {plural(t['runs'], 'run')}"
            for t in broke["failing_tests"]]))
    if broke.get("slowest_tests"):
        parts.append(("slowest tests", [f"{t['nodeid']}: p95 {_span(t['p95'])} in {plural(t['runs'], 'run')}"
                                        for t in broke["slowest_tests"]]))
    if broke.get("video_incidents"):
        parts.append(("video incidents", [
            f"{i['kind']} on {i['source']} at {_when(i['started_at'])}"
            + ("" if i["duration"] is None else f" for {_span(i['duration'])}") for i in broke["video_incidents"]]))
    if "service" in broke:
        parts.append(("the service", [f"{plural(broke['service']['intervals'], 'sampling interval')} with batches "
                                      "ingested (System Performance shows them)"]))
    return parts


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width // 2 - 1] + "..." + text[-(width - width // 2 - 2):]


def text(report: SlaReport) -> str:
    """The report for a terminal or a plain-text e-mail, at most 80 columns wide."""
    rows = [_HEADERS] + [[_cut(cell, 24) if i == 0 else cell for i, cell in enumerate(row)] for row in _rows(report)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(_HEADERS))]
    lines = [_cut(headline(report), _WIDTH),
             f"{_when(report.start)} to {_when(report.end)} UTC",
             (f"trend: against {report.previous_labels[-1]}; before: periods met of those with data since "
              f"{report.previous_labels[0]}" if report.previous_labels else "trend: no earlier period"), ""]
    lines += ["  ".join(cell.ljust(widths[i]) if i < len(row) - 1 else cell for i, cell in enumerate(row)).rstrip()
              for row in rows]
    for title, items in broke_lines(report):
        lines += ["", f"What broke it: {title}"] + [_cut(f"  {item}", _WIDTH) for item in items]
    return "\n".join(lines) + "\n"


def _md(cell: str) -> str:
    return html.escape(cell, quote=False).replace("|", "\\|").replace("\n", " ")


def markdown(report: SlaReport) -> str:
    """The report as GitHub-flavoured Markdown (a job summary, a wiki page)."""
    lines = [f"## {_md(headline(report))}", "",
             f"{_when(report.start)} to {_when(report.end)} UTC" + (
                 f"; trend against {report.previous_labels[-1]}" if report.previous_labels else ""), "",
             "| " + " | ".join(_HEADERS) + " |", "|" + "|".join(["---"] + ["---:"] * 4 + ["---"]) + "|"]
    lines += ["| " + " | ".join(_md(cell) if i else f"`{_md(cell)}`" for i, cell in enumerate(row)) + " |"
              for row in _rows(report)]
    for title, items in broke_lines(report):
        lines += ["", f"### What broke it: {_md(title)}", ""] + [f"- {_md(item)}" for item in items]
    return "\n".join(lines) + "\n"


_STYLE = ("body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}table{border-collapse:collapse}"
          "th,td{padding:.3em .8em;border-bottom:1px solid #ddd;text-align:left}td.n{text-align:right}"
          ".met{color:#1a7f37}.missed{color:#c62828;font-weight:bold}.none{color:#777}")
#: the same styles written on each element, for a mail (clients drop a <style> element)
_INLINE = {"body": "font-family:system-ui,sans-serif;margin:1.5em;color:#222",
           "table": "border-collapse:collapse", "th": "padding:.3em .8em;border-bottom:1px solid #ddd;text-align:left",
           "td": "padding:.3em .8em;border-bottom:1px solid #ddd;text-align:left",
           "n": "padding:.3em .8em;border-bottom:1px solid #ddd;text-align:right",
           "met": "padding:.3em .8em;border-bottom:1px solid #ddd;color:#1a7f37",
           "missed": "padding:.3em .8em;border-bottom:1px solid #ddd;color:#c62828;font-weight:bold",
           "none": "padding:.3em .8em;border-bottom:1px solid #ddd;color:#777"}


def html_page(report: SlaReport) -> str:
    """The report as one self-contained HTML page (no script, no remote resource)."""
    return _html(report, inline=False)


def html_mail(report: SlaReport) -> str:
    """The report as an e-mail's HTML part: :func:`html_page` with its styles inline."""
    return _html(report, inline=True)


def _html(report: SlaReport, inline: bool) -> str:
    e: Callable[[Any], str] = lambda v: html.escape(str(v))  # noqa: E731

    def look(kind: str, tag: str) -> str:  # a class of the page's style sheet, or the style itself
        if inline:
            return f' style="{_INLINE[kind]}"'
        return f' class="{kind}"' if kind != tag else ""

    cells = []
    for r, row in zip(report.targets, _rows(report)):
        css = {True: "met", False: "missed", None: "none"}[r.met]
        row[1] = _goal(r, ascii_only=False)
        cells.append("<tr>" + "".join(f"<td{look('n', 'td')}>{e(c)}</td>" if 0 < i < 5 else f"<td{look('td', 'td')}>{e(c)}</td>"
                                       for i, c in enumerate(row[:5])) + f"<td{look(css, 'td')}>{e(row[5])}</td></tr>")
    head = f"<title>{e(headline(report))}</title>" + ("" if inline else f"<style>{_STYLE}</style>")
    parts = [f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">{head}</head><body{look('body', 'body')}>",
             f"<h1>{e(headline(report))}</h1>",
             f"<p>{e(_when(report.start))} to {e(_when(report.end))} UTC</p>",
             f"<table{look('table', 'table')}><thead><tr>" + "".join(f"<th{look('th', 'th')}>{e(h)}</th>" for h in _HEADERS)
             + "</tr></thead><tbody>", *cells, "</tbody></table>"]
    for title, items in broke_lines(report):
        parts += [f"<h2>What broke it: {e(title)}</h2><ul>", *(f"<li>{e(item)}</li>" for item in items), "</ul>"]
    return "".join(parts) + "</body></html>\n"


def render(report: SlaReport, form: str) -> str:
    """The report in ``form`` (text, markdown, html)."""
    if form not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {form!r}")
    return {"text": text, "markdown": markdown, "html": html_page}[form](report)
