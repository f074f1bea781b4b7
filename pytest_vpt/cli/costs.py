"""``vpt costs``: what testing cost and covered (time per day, reruns, flaky tests' cost,
device-hours, tests per device and marker)."""

from __future__ import annotations

import time
from typing import Any

import click

from ..history.costs import LONGEST_WINDOW, TOP_MAX
from ..wording import plural
from . import render
from .context import StoreOption
from .timespec import window_start

_C = render.Column


def _coverage(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}%"


def _time(seconds: float) -> str:
    return "-" if seconds == 0 else render.span(seconds)


def _cpu(row: dict[str, Any]) -> str:
    """The CPU seconds of the runs that recorded them (a JUnit push records none)."""
    if not row["cpu_runs"]:
        return "-"
    shown = _time(row["cpu_seconds"])
    return shown if row["cpu_runs"] == row["runs"] else f"{shown} ({row['cpu_runs']}/{row['runs']})"


def summary_lines(found: dict[str, Any]) -> list[str]:
    """The window's totals in a few lines of text."""
    total = found["total"]
    if not total["cpu_runs"]:
        cpu = "not recorded (none from JUnit)"
    elif total["cpu_runs"] < total["runs"]:
        cpu = f"{_time(total['cpu_seconds'])} (recorded by {total['cpu_runs']} of {total['runs']} runs)"
    else:
        cpu = _time(total["cpu_seconds"])
    share = f", {render.percent(total['lost_share'])} of the tests' time" if total["lost_share"] is not None else ""
    coverage = _coverage(total["coverage_percent"]) + " (the latest run's)" if total["coverage_percent"] is not None \
        else "not recorded (run pytest --vpt --cov)"
    return [
        f"runs: {total['runs']}, wall time {_time(total['wall_seconds'])}, CPU {cpu}",
        f"tests run: {total['tests']}, {_time(total['test_seconds'])}",
        f"lost: {_time(total['lost_seconds'])}{share}",
        f"  to reruns: {_time(total['rerun_seconds'])} ({plural(total['reruns'], 'rerun')})",
        f"  to failures of flaky and quarantined tests: {_time(total['failure_seconds'])} "
        f"({plural(total['lost_failures'], 'failure')})",
        f"coverage: {coverage}",
    ]


def print_costs(found: dict[str, Any], wide: bool = False) -> None:
    """What testing cost and covered (``Costs.to_dict()``), for the terminal: the totals, then
    each figure as its own table (days in UTC); an empty window or table says so."""
    if not found["days"] and not found["devices"]:
        click.echo("costs: nothing ran in the window")
        return
    for line in summary_lines(found):
        click.echo(line)
    click.echo("")
    sections = [
        ("time per day (UTC): the runs' wall and CPU time, the tests' time, and the time\n"
         "lost to reruns and to failures of flaky and quarantined tests",
         [_C("day", key=True), *render.numbers("runs", "wall", "cpu", priority=1), *render.numbers("tests", priority=2),
          *render.numbers("reruns", "failures", "coverage", priority=1)],
         [[render.day(r["day"]), r["runs"], _time(r["wall_seconds"]), _cpu(r), _time(r["test_seconds"]),
           _time(r["rerun_seconds"]), _time(r["failure_seconds"]), _coverage(r["coverage_percent"])]
          for r in found["days"]]),
        ("what flakiness cost, dearest first",
         [render.nodeid_column(), *render.numbers("cost", priority=1), *render.numbers("reruns", priority=3),
          *render.numbers("rerun time"), *render.numbers("failures", priority=3), *render.numbers("failure time"), _C("status")],
         [[r["nodeid"], _time(r["cost_seconds"]), r["reruns"], _time(r["rerun_seconds"]), r["failures"],
           _time(r["failure_seconds"]), r["status"] or ""] for r in found["flaky"]]),
        ("device-hours: tests per device",
         [_C("device", key=True), *render.numbers("hours", "time", priority=1), *render.numbers("attempts", "tests", "distinct")],
         [[r["device"], f"{r['hours']:.2f}", _time(r["seconds"]), r["attempts"], r["tests"], r["distinct_tests"]]
          for r in found["devices"]]),
        ("tests per marker",
         [_C("marker", key=True), *render.numbers("tests", priority=1), *render.numbers("distinct", "time")],
         [[r["marker"], r["tests"], r["distinct_tests"], _time(r["seconds"])] for r in found["markers"]]),
    ]
    for title, columns, rows in sections:
        if rows:
            click.echo(title)
            render.table(None, columns, rows, wide=wide)
        else:
            click.echo(f"{title}: none in the window")
        click.echo("")


@click.command()
@click.option("--since", default="7d", show_default=True, metavar="WHEN",
              help="the window's start (7d, 12h, 2026-11-01), in whole UTC days; at most 366 days ago")
@click.option("--project", help="this project's costs (default: as pytest --vpt would name it)")
@click.option("--top", default=20, show_default=True, type=click.IntRange(1, TOP_MAX),
              help="how many flaky tests the ranking shows")
@render.json_option
@render.wide_option
@click.pass_obj
def costs(store_option: StoreOption, since: str, project: str | None, top: int, as_json: bool, wide: bool) -> None:
    """What testing cost and covered, read from the rollups: wall and CPU time per day, time
    lost to reruns and to failures of flaky and quarantined tests, each flaky test's cost,
    device-hours, and tests run per device and per marker."""
    start = window_start(since, longest=LONGEST_WINDOW)
    now = time.time()
    with store_option.history(project or store_option.settings.project) as history:
        found = history.costs(start, now, top=top).to_dict()
    if as_json:
        render.emit_json(found)
        return
    click.echo(f"costs of {found['project']} since {render.day(found['since'])} (whole UTC days)\n")
    print_costs(found, wide)
