"""A state timeline: each row a moment and a state (a run passed or failed), drawn as a strip
of segments, each lasting until the next, coloured by its state."""

from __future__ import annotations

from ...history.panels import PanelData
from ...panels.model import Panel
from ..values import moment, number, text
from .frame import Frame
from .svg import NAMED, Scale, c

W, H = 480, 28
STATE_COLOURS = {"passed": NAMED["green"], "failed": NAMED["red"], "online": NAMED["green"], "offline": NAMED["red"]}


def render(data: PanelData, spec: Panel, frame: Frame) -> str:
    rows = [(number(row[0]), str(row[1])) for query in data.queries[:1] for row in query.rows
            if len(row) > 1 and number(row[0]) is not None]
    x = Scale(frame.start, frame.end, 0, W)
    parts = [f'<svg class="strip" viewBox="0 0 {W} {H}" role="img" aria-label="{text(spec.title)}">']
    gaps = sorted(b[0] - a[0] for a, b in zip(rows, rows[1:]))
    longest = gaps[len(gaps) // 2] if gaps else (frame.end - frame.start) / 50  # the last lasts a usual gap
    for index, (at, state) in enumerate(rows):
        until = rows[index + 1][0] if index + 1 < len(rows) else min(frame.end, at + longest)
        width = max(0.6, x(until) - x(at))
        parts.append(f'<rect x="{c(x(at))}" y="2" width="{c(width)}" height="{H - 4}" '
                     f'fill="{STATE_COLOURS.get(state, NAMED["grey"])}"><title>{moment(at)} {text(state)}</title></rect>')
    counts = {state: sum(1 for _, s in rows if s == state) for state in dict.fromkeys(s for _, s in rows)}
    summary = ", ".join(f"{n} {text(state)}" for state, n in counts.items())
    return "".join(parts) + f'</svg><p class="note">{len(rows)} runs: {summary}</p>'
