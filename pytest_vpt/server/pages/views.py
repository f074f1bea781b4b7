"""What the pages show, as HTML: the dashboards list, a dashboard's bar (its project, the other
dashboards, the time range picker) and its panels drawn by the report's renderers, the live
runs strip (filled by the page's script) and the sign-in form."""

from __future__ import annotations

from ...history.panels import DashboardData
from ...panels.catalogue import DASHBOARDS, panels
from ...panels.model import Dashboard
from ...report.kinds import Frame, render_panel
from ...report.values import moment, text
from ...wording import plural
from .ranges import PRESETS, Range

BOARDS: dict[str, Dashboard] = {board.uid: board for board in DASHBOARDS}
STREAM = "/api/v1/live/stream"


def who(project: str, title: str) -> str:
    """The page's heading, the project it shows and the sign-out button."""
    return (f'<div class="who"><h1>{text(title)}</h1><form method="post" action="/signout">'
            f'<span class="note">project <b id="project">{text(project)}</b></span>'
            '<button type="submit">Sign out</button></form></div>')


def live_strip() -> str:
    return (f'<h2 id="live-title">Runs in progress</h2><section id="live" data-stream="{STREAM}" aria-live="polite">'
            '<p class="note" id="live-state">Connecting\u2026</p><div id="live-runs"></div></section>')


def boards_list() -> str:
    cards = "".join(
        f'<a class="board" href="/d/{text(b.uid)}" data-uid="{text(b.uid)}"><h3>{text(b.title)}</h3>'
        f'<p>{text(b.description)}</p><p>{plural(len(panels(b)), "panel")}</p></a>' for b in DASHBOARDS)
    return f'<h2>Dashboards</h2><nav class="boards" aria-label="dashboards">{cards}</nav>'


def board_bar(board: Dashboard, chosen: Range) -> str:
    """Links to the other dashboards, and the range picker (presets, and a custom UTC range)."""
    others = "".join(f'<a href="/d/{text(b.uid)}">{text(b.title)}</a>' for b in DASHBOARDS if b.uid != board.uid)
    presets = "".join(
        f'<a href="/d/{text(board.uid)}?range={name}&amp;refresh={chosen.refresh}"'
        f'{_current(chosen.name == name)}>{name}</a>' for name in PRESETS)
    start, end = chosen.bounds()
    return (f'<nav class="bar" aria-label="dashboards"><a href="/">All dashboards</a>{others}</nav>'
            f'<nav class="bar" aria-label="time range" id="ranges">{presets}'
            f'<form class="custom" method="get" action="/d/{text(board.uid)}"><input type="hidden" name="range" '
            f'value="custom"><input type="hidden" name="refresh" value="{chosen.refresh}"><label>from '
            f'<input type="datetime-local" name="from" value="{_local(start)}"></label><label>to '
            f'<input type="datetime-local" name="to" value="{_local(end)}"></label>'
            f'<button type="submit"{_current(chosen.name == "custom")}>custom (UTC)'
            '</button></form></nav>')


def _current(chosen: bool) -> str:
    return ' aria-current="true"' if chosen else ""


def _local(epoch: float) -> str:
    return moment(epoch).replace(" ", "T")


def board_panels(board: Dashboard, data: DashboardData, chosen: Range) -> str:
    """The dashboard's rows and panels over the range read (what the page reloads)."""
    how = f"reloaded every {chosen.refresh} s" if chosen.refresh else "not reloaded"
    parts = [f'<p class="note" id="stamp" data-end="{data.end:.0f}">{moment(data.start)} to {moment(data.end)} UTC '
             f'({text(chosen.name)}); the panels are {how}, and when a run ends.</p>']
    frame = Frame(data.start, data.end)
    for row, read in zip(board.rows, data.rows):
        parts.append(f'<h2>{text(row.title)}</h2><div class="row">')
        parts.extend(render_panel(shown, spec, frame) for spec, shown in zip(row.panels, read["panels"]))
        parts.append("</div>")
    return "".join(parts)


def board_body(board: Dashboard, data: DashboardData, chosen: Range) -> str:
    return (live_strip() + f'<div id="board" data-uid="{text(board.uid)}" data-refresh="{chosen.refresh}" '
            f'data-panels="/d/{text(board.uid)}/panels?{text(chosen.query())}">'
            f'{board_panels(board, data, chosen)}</div>')


def signin_form(message: str = "", next_path: str = "/") -> str:
    said = f'<p class="error" id="problem">{text(message)}</p>' if message else ""
    return ('<form class="signin" method="post" action="/signin"><h2>Sign in</h2>'
            '<p class="note">With a token of your project (a viewer token reads only: vpt token create --viewer). '
            'The browser keeps a session cookie, not the token.</p>'
            f'{said}<label for="token">Token</label><input id="token" name="token" type="password" required '
            'autocomplete="current-password" maxlength="256">'
            f'<input type="hidden" name="next" value="{text(next_path)}">'
            '<button type="submit">Sign in</button></form>')
