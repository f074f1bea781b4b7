"""The report in a terminal (rich), within 80 columns: the pass rate against its target, the
runs' timeline, the top flaky and failing tests, and the last run's failures. Every value
from the store goes in as plain Text, never as markup."""

from __future__ import annotations

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from .kinds.gauge import first_value
from .model import Report
from .values import moment, span

WIDTH = 80
BAR = 30
RUNS_SHOWN = 60
NUMBERS = {"score", "failed", "retried", "failures", "tests"}


def _gauge(report: Report) -> Text:
    shown = report.panel("pass-rate-gauge")
    value = first_value(shown.data) if shown else None
    line = Text("pass rate   ", style="bold")
    if value is None:
        return line.append("no verdict in the range")
    filled = round(BAR * max(0.0, min(value, 100.0)) / 100)
    target = min(BAR - 1, round(BAR * report.target / 100))
    met = value >= report.target
    colour = "green" if met else "orange3" if value >= 90 else "red"
    bar = "".join("█" if i < filled else "░" for i in range(BAR))
    bar = bar[:target] + "|" + bar[target + 1:]
    return line.append(f"{value:5.1f} % ", style=colour).append(bar, style=colour).append(
        f" target {report.target:g} %: " + ("met" if met else "not met"), style="bold" if met else "bold red")


def _timeline(report: Report) -> Text:
    shown = report.panel("execution-timeline")
    runs = [str(row[1]) for q in (shown.data.queries if shown else []) for row in q.rows if len(row) > 1]
    line = Text("runs        ", style="bold")
    if not runs:
        return line.append("no finished run in the range")
    for state in runs[-RUNS_SHOWN:]:
        line.append("■", style="green" if state == "passed" else "red")
    failed = sum(state != "passed" for state in runs)
    return line.append(f" {len(runs)} runs, {failed} failed" + (f" (last {RUNS_SHOWN} shown)" if len(runs) > RUNS_SHOWN else ""))


def _table(title: str, headers: tuple[str, ...], rows: list[list[str]]) -> Table:
    table = Table(title=title, title_justify="left", title_style="bold", expand=False, box=None, padding=(0, 1))
    for index, header in enumerate(headers):
        table.add_column(header, no_wrap=index == 0, overflow="ellipsis", ratio=3 if index == 0 else None,
                         justify="right" if header in NUMBERS else "left")
    for row in rows:
        table.add_row(*(Text(cell) for cell in row))
    return table


def renderables(report: Report) -> Group:
    """The terminal report as one rich Group."""
    parts: list = [Text(f"pytest-vpt report: {report.project}", style="bold"),
                   Text(f"{moment(report.start)} to {moment(report.end)} UTC"), Text(), _gauge(report), _timeline(report),
                   Text()]
    flaky = [[t.nodeid, t.status, f"{t.score:.2f}", str(t.failed_runs), str(t.pass_on_retry)] for t in report.flaky[:10]]
    parts.append(_table("flaky and broken tests", ("test", "status", "score", "failed", "retried"), flaky)
                 if flaky else Text("no flaky or broken test"))
    parts.append(Text())
    groups = [[g.signature, str(g.failures), str(g.tests), g.category] for g in report.failures.groups[:10]]
    parts.append(_table("top failure causes", ("cause", "failures", "tests", "why"), groups)
                 if groups else Text("no failure in the range"))
    last = report.last_run
    if last is not None:
        run = last.run
        parts += [Text(), Text(f"last run {run.run_id[:12]} started {moment(run.started_at)} UTC, "
                               f"{span(run.duration) or 'still running'}: {len(last.tests)} tests, "
                               f"{len(last.failures)} failed, {len(last.reruns)} reruns, "
                               f"{len(last.quarantined)} quarantined", style="bold")]
        if last.failures:
            parts.append(_table("", ("test", "outcome", "error"),
                                [[t.nodeid, t.outcome, t.error_type or ""] for t in last.failures[:15]]))
    return Group(*parts)


def print_report(report: Report, console: Console | None = None) -> None:
    """Print the terminal report, at most 80 columns wide (narrower on a narrower terminal)."""
    console = console or Console()
    console.width = min(console.width, WIDTH)
    console.print(renderables(report))
