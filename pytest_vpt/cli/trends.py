"""``vpt trends``: pass rate per day, durations per test, tests per hour, device uptime per hour."""

from __future__ import annotations

import time
from typing import Any

import click

from . import render
from .context import StoreOption
from .timespec import parse_since


def _day(epoch: float) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(epoch))


def _hour(epoch: float) -> str:
    return time.strftime("%Y-%m-%d %H:00", time.gmtime(epoch))


_C = render.Column
_DAY, _HOUR = _C("day", key=True), _C("hour", key=True)


def _numbers(*headers: str, priority: int = 2) -> list[render.Column]:
    return [_C(header, right=True, priority=priority) for header in headers]


def print_trends(found: dict[str, Any], wide: bool = False) -> None:
    """Each trend as its own table (times in UTC, as the rollups count them); an empty one says so."""
    sections = [
        ("pass rate per day (UTC)", [_DAY, *_numbers("runs", "passed", "failed"), *_numbers("pass rate", priority=1)],
         [[_day(r["day"]), r["runs"], r["passed"], r["failed"], render.percent(r["pass_rate"])]
          for r in found["pass_rate_per_day"]]),
        ("duration per test, slowest first",
         [render.nodeid_column(), *_numbers("runs"), *_numbers("p50", "p95", priority=1)],
         [[r["nodeid"], r["runs"], render.seconds(r["p50"]), render.seconds(r["p95"])] for r in found["durations"]]),
        ("tests per hour (UTC)", [_HOUR, *_numbers("runs"), *_numbers("tests", priority=1)],
         [[_hour(r["hour"]), r["runs"], r["tests"]] for r in found["tests_per_hour"]]),
        ("device uptime per hour (UTC)", [_C("device", key=True), _HOUR, *_numbers("uptime", priority=1),
                                          *_numbers("flaps", "incidents")],
         [[r["device"], _hour(r["hour"]), render.percent(r["uptime"]), r["flaps"], r["incidents"]]
          for r in found["device_uptime_per_hour"]]),
    ]
    for title, columns, rows in sections:
        if rows:
            click.echo(title)  # not the table's title: that would wrap to the table's width
            render.table(None, columns, rows, wide=wide)
        else:
            click.echo(f"{title}: none in the window")
        click.echo("")


@click.command()
@click.option("--since", default="7d", show_default=True, metavar="WHEN",
              help="the window's start (7d, 12h, 2026-11-01), in whole days and hours")
@click.option("--project", help="this project's trends (default: as pytest --vpt would name it)")
@click.option("--test", "nodeid", metavar="NODEID", help="only this test (its pass rate and durations)")
@click.option("--device", metavar="DEVICE", help="only this device's uptime")
@render.json_option
@render.wide_option
@click.pass_obj
def trends(store_option: StoreOption, since: str, project: str | None, nodeid: str | None, device: str | None,
           as_json: bool, wide: bool) -> None:
    """Trends read from the store's rollups: pass rate per day, p50/p95 duration per test,
    tests per hour and device uptime per hour."""
    try:
        start = parse_since(since)
    except click.BadParameter as exc:
        exc.param_hint = "'--since'"
        raise
    if start >= time.time():
        raise click.BadParameter(f"{since!r} is in the future", param_hint="'--since'")
    with store_option.history(project or store_option.settings.project) as history:
        found = history.trends(start, nodeid=nodeid, device=device).to_dict()
    if as_json:
        render.emit_json(found)
        return
    click.echo(f"trends of {found['project']} since {render.when(found['since'])}\n")
    print_trends(found, wide)
