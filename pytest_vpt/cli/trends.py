"""``vpt trends``: pass rate per day, durations per test, tests per hour, device uptime per
hour; with ``--changes``, where durations and pass rates changed."""

from __future__ import annotations

import shutil
from typing import Any

import click

from ..wording import plural
from . import render
from .context import StoreOption
from .timespec import window_start


_C = render.Column
_DAY, _HOUR = _C("day", key=True), _C("hour", key=True)


def print_trends(found: dict[str, Any], wide: bool = False) -> None:
    """Each trend as its own table (times in UTC, as the rollups count them); an empty one says so."""
    sections = [
        ("pass rate per day (UTC)", [_DAY, *render.numbers("runs", "passed", "failed"), *render.numbers("pass rate", priority=1)],
         [[render.day(r["day"]), r["runs"], r["passed"], r["failed"], render.percent(r["pass_rate"])]
          for r in found["pass_rate_per_day"]]),
        ("duration per test, slowest first",
         [render.nodeid_column(), *render.numbers("runs"), *render.numbers("p50", "p95", priority=1)],
         [[r["nodeid"], r["runs"], render.seconds(r["p50"]), render.seconds(r["p95"])] for r in found["durations"]]),
        ("tests per hour (UTC)", [_HOUR, *render.numbers("runs"), *render.numbers("tests", priority=1)],
         [[render.hour(r["hour"]), r["runs"], r["tests"]] for r in found["tests_per_hour"]]),
        ("device uptime per hour (UTC)", [_C("device", key=True), _HOUR, *render.numbers("uptime", priority=1),
                                          *render.numbers("flaps", "incidents")],
         [[r["device"], render.hour(r["hour"]), render.percent(r["uptime"]), r["flaps"], r["incidents"]]
          for r in found["device_uptime_per_hour"]]),
    ]
    for title, columns, rows in sections:
        if rows:
            click.echo(title)  # not the table's title: that would wrap to the table's width
            render.table(None, columns, rows, wide=wide)
        else:
            click.echo(f"{title}: none in the window")
        click.echo("")


def _ratio(ratio: float | None) -> str:
    return "" if ratio is None else f" (x{ratio:.1f})" if ratio >= 1 else f" (x{ratio:.2f})"


def _origin(change: dict[str, Any], wide: bool) -> str:
    """``run R / commit C``: the run and commit a change started at (8 characters unless wide)."""
    cut = (lambda text: text) if wide else (lambda text: text[:render.RUN_ID_LENGTH])
    commit = f" / commit {cut(change['commit'])}" if change["commit"] else ""
    return f"run {cut(change['run_id'])}{commit}"


def change_line(change: dict[str, Any], wide: bool = False) -> str:
    """One change in words: ``p50 800ms -> 1.90s (x2.4) from run R / commit C on DATE`` or
    ``pass rate 98.0% -> 71.0% from DATE (run R / commit C)``."""
    if change["kind"] == "duration":
        return (f"p50 {render.seconds(change['before'])} -> {render.seconds(change['after'])}{_ratio(change['ratio'])} "
                f"from {_origin(change, wide)} on {render.day(change['at'])}")
    return (f"pass rate {render.percent(change['before'])} -> {render.percent(change['after'])} "
            f"from {render.day(change['at'])} ({_origin(change, wide)})")


def print_changes(found: dict[str, Any], wide: bool = False) -> None:
    """Each change, newest first: its test on a line of its own (shortened to the terminal's
    width unless wide), then what changed; a window without runs, or without changes, says so."""
    if not found["runs"]:
        click.echo("no runs in the window")
        return
    examined = f"{plural(found['runs'], 'run')} read, the durations of {plural(found['tests'], 'test')} examined"
    if not found["changes"]:
        click.echo(f"no changes ({examined})")
        return
    width = max(20, shutil.get_terminal_size((80, 24)).columns)
    for change in found["changes"]:
        if change["nodeid"] is not None:
            click.echo(change["nodeid"] if wide else render.shorten_nodeid(change["nodeid"], width))
        click.echo(("  " if change["nodeid"] is not None else "") + change_line(change, wide))
    click.echo(f"\n({examined})")


@click.command()
@click.option("--since", default="7d", show_default=True, metavar="WHEN",
              help="the window's start (7d, 12h, 2026-11-01), in whole days and hours")
@click.option("--project", help="this project's trends (default: as pytest --vpt would name it)")
@click.option("--test", "nodeid", metavar="NODEID", help="only this test (its pass rate and durations)")
@click.option("--device", metavar="DEVICE", help="only this device's uptime")
@click.option("--changes", "changes", is_flag=True,
              help="where durations and pass rates changed (the run and commit each change started at)")
@render.json_option
@render.wide_option
@click.pass_obj
def trends(store_option: StoreOption, since: str, project: str | None, nodeid: str | None, device: str | None,
           changes: bool, as_json: bool, wide: bool) -> None:
    """Trends read from the store's rollups: pass rate per day, p50/p95 duration per test,
    tests per hour and device uptime per hour. With --changes: the points where a test's
    duration or the pass rate changed, found by change-point detection."""
    start = window_start(since)
    if changes:
        if device is not None:
            raise click.BadParameter("devices have no changes to show: leave --device out", param_hint="'--device'")
        show_changes(store_option, start, project, nodeid, as_json, wide)
        return
    with store_option.history(project or store_option.settings.project) as history:
        found = history.trends(start, nodeid=nodeid, device=device).to_dict()
    if as_json:
        render.emit_json(found)
        return
    click.echo(f"trends of {found['project']} since {render.when(found['since'])}\n")
    print_trends(found, wide)


def show_changes(store_option: StoreOption, start: float, project: str | None, nodeid: str | None, as_json: bool,
                 wide: bool) -> None:
    from ..history.changes import UnknownTest

    with store_option.history(project or store_option.settings.project) as history:
        try:
            found = history.changes(start, nodeid=nodeid).to_dict()
        except UnknownTest as exc:
            raise click.BadParameter(str(exc), param_hint="'--test'") from None
    if as_json:
        render.emit_json(found)
        return
    click.echo(f"changes in {found['project']} since {render.when(found['since'])}\n")
    print_changes(found, wide)
