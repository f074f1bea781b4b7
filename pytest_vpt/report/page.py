"""The report as one HTML page: the template (stdlib string.Template), the history's sections
drawn panel by panel, and a Content-Security-Policy that lets the page fetch nothing."""

from __future__ import annotations

import base64
import hashlib
from string import Template

from ..history.changes import Changes
from ..history.failures import FailureReport
from ..history.kpis import Kpis
from ..wording import plural
from .assets import SCRIPT, STYLE
from .kinds import Frame, Mark, render_panel
from .lastrun import last_run_html, tests_json
from .model import Report
from .values import in_unit, moment, span, text

PAGE = Template("""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="$csp">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="pytest-vpt">
<title>$title</title><style>$style</style></head>
<body><header><h1>$title</h1><p class="note">$subtitle</p></header>
<main>$body</main>
<script type="application/json" id="tests-data">$tests</script>
<script>$script</script></body></html>
""")


def csp_hash(source: str) -> str:
    """A CSP source allowing the inline script or style `source` by its SHA-256."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode()).digest()).decode() + "'"


#: nothing is fetched: no connection, font, frame or image but the page's own data: images
CSP = (f"default-src 'none'; script-src {csp_hash(SCRIPT)}; style-src {csp_hash(STYLE)}; img-src data:; "
       "base-uri 'none'; form-action 'none'")


def render_page(report: Report) -> str:
    """The whole page for ``report``."""
    title = f"pytest-vpt report: {report.project}"
    subtitle = (f"{moment(report.start)} to {moment(report.end)} UTC, from the {report.engine} store; "
                f"generated {moment(report.generated_at)} UTC")
    return PAGE.substitute(csp=CSP, title=text(title), subtitle=text(subtitle), style=STYLE, script=SCRIPT,
                           body=body(report), tests=tests_json(report.last_run))


def body(report: Report) -> str:
    parts = [_kpis(report.kpis, report.target)]
    marks = _marks(report.changes)
    for section in report.sections:
        parts.append(f'<h2 id="{_anchor(section.title)}">{text(section.title)}</h2><div class="row">')
        for shown in section.panels:
            wanted = marks.get(shown.spec.key, ())
            parts.append(render_panel(shown.data, shown.spec, Frame(report.start, report.end, wanted)))
        if section.title == "Durations":
            parts.append(_changes(report.changes))
        if section.title == "Failures":
            parts.append(_failure_groups(report.failures))
        if section.title == "Video":
            parts.append(_video(report))
        parts.append("</div>")
    parts.append(last_run_html(report.last_run))
    return "".join(parts)


def _anchor(title: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in title.lower())


def _marks(changes: Changes | None) -> dict[str, tuple[Mark, ...]]:
    """The change points as marks: durations' on the duration trend, pass rates' on the pass rate."""
    if changes is None:
        return {}
    found: dict[str, list[Mark]] = {"duration-trend": [], "pass-rate": []}
    for change in changes.changes:
        label = (f"{change.nodeid or 'the project'}: {change.kind.replace('_', ' ')} "
                 f"{_level(change.kind, change.before)} to {_level(change.kind, change.after)}")
        found["duration-trend" if change.kind == "duration" else "pass-rate"].append(Mark(change.at, label))
    return {key: tuple(marks) for key, marks in found.items()}


def _level(kind: str, value: float) -> str:
    return span(value) if kind == "duration" else in_unit(100 * value, "percent")


def _kpis(kpis: Kpis, target: float) -> str:
    tests, episodes = kpis.tests, kpis.episodes
    rate = None if tests.pass_rate is None else 100 * tests.pass_rate
    met = rate is not None and rate >= target
    tiles = [
        ("quality score", in_unit(kpis.quality.score, None) + " / 100"),
        ("pass rate", in_unit(rate, "percent")),
        ("SLA: pass rate target", f'{in_unit(target, "percent")} <b class="{"good" if met else "bad"}">'
                                  f'{"met" if met else "not met"}</b>'),
        ("flaky tests", f"{tests.flaky_tests} of {tests.tests_run}"),
        ("tests: MTTR", span(episodes.mttr) or "-"), ("tests: MTBF", span(episodes.mtbf) or "-"),
        ("device availability", in_unit(None if kpis.availability.uptime is None else 100 * kpis.availability.uptime,
                                        "percent")),
        ("video QoE", in_unit(kpis.video.qoe, None)),
    ]
    cells = "".join(f'<div class="tile"><b>{value}</b><span>{text(name)}</span></div>' for name, value in tiles)
    return (f'<h2 id="kpis">KPIs</h2><section class="panel w24" id="p-kpis" data-rows="{len(tiles)}">'
            f'<p class="what">Over the whole UTC days of the range (as vpt kpis reads them).</p>'
            f'<div class="tiles">{cells}</div></section>')


def _changes(changes: Changes | None) -> str:
    if changes is None or not changes.changes:
        note = "Too few runs to tell a change." if changes is None else (
            f"No change found in {plural(changes.runs, 'run')} and the durations of {plural(changes.tests, 'test')}.")
        return f'<section class="panel w24" id="p-changes"><h3>Detected changes</h3><p class="note">{note}</p></section>'
    rows = "".join(
        f"<tr><td>{text(c.kind.replace('_', ' '))}</td><td>{text(c.nodeid or '(project)')}</td>"
        f"<td class=n>{_level(c.kind, c.before)}</td><td class=n>{_level(c.kind, c.after)}</td>"
        f"<td>{moment(c.at)}</td><td>{text((c.commit or '')[:12])}</td><td class=n>{c.p_value:.3g}</td></tr>"
        for c in changes.changes[:50])
    return ('<section class="panel w24" id="p-changes" data-rows="{n}"><h3>Detected changes</h3><p class="what">'
            'Where a duration or the pass rate changed level (marked on the charts above), newest first.</p>'
            '<div class="scroll"><table><thead><tr><th>what</th><th>test</th><th>before</th><th>after</th><th>from</th>'
            '<th>commit</th><th>p</th></tr></thead><tbody>{rows}</tbody></table></div></section>'
            ).format(n=len(changes.changes), rows=rows)


def _failure_groups(report: FailureReport) -> str:
    if not report.groups:
        return ""
    rows = "".join(
        f"<tr><td>{text(g.category)}</td><td>{text(g.signature)}<pre>{text(g.example[:2000])}</pre></td>"
        f"<td class=n>{g.failures}</td><td class=n>{g.tests}</td><td class=n>{g.device_offline}</td>"
        f"<td>{moment(g.last_seen)}</td></tr>" for g in report.groups)
    return (f'<section class="panel w24" id="p-failure-groups" data-rows="{len(report.groups)}"><h3>Failures by cause'
            f'</h3><p class="what">{plural(report.failures, "failure")} grouped by signature and category.</p>'
            '<div class="scroll"><table><thead><tr><th>category</th><th>signature</th><th>failures</th><th>tests</th>'
            f'<th>device offline</th><th>last seen</th></tr></thead><tbody>{rows}</tbody></table></div></section>')


def _video(report: Report) -> str:
    if not report.video_incidents:
        return ""
    rows = []
    for index, incident in enumerate(report.video_incidents):
        uri = report.thumbnails.get(index)
        picture = f'<img class="thumb" alt="frame of the incident" src="{uri}">' if uri else ""
        rows.append(f"<tr><td>{text(incident.kind)}</td><td>{text(incident.source)}</td><td>{moment(incident.started_at)}"
                    f"</td><td class=n>{span(incident.duration)}</td><td>{text(incident.severity)}</td>"
                    f"<td>{text(incident.nodeid)}</td><td>{picture}</td></tr>")
    note = (f"{len(report.thumbnails)} with a thumbnail." if report.thumbnails else
            "The store keeps no thumbnail of these incidents (vpt video --thumbnails saves them).")
    return (f'<section class="panel w24" id="p-video-list" data-rows="{len(rows)}"><h3>Video incidents</h3>'
            f'<p class="what">The latest incidents, newest first. {note}</p><div class="scroll"><table><thead><tr>'
            '<th>kind</th><th>stream</th><th>started</th><th>duration</th><th>severity</th><th>test</th>'
            f'<th>thumbnail</th></tr></thead><tbody>{"".join(rows)}</tbody></table></div></section>')
