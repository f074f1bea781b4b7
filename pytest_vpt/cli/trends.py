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


def print_trends(found: dict[str, Any]) -> None:
    """Each trend as its own table (times in UTC, as the rollups count them); an empty one says so."""
    sections = [
        ("pass rate per day (UTC)", ["day", "runs", "passed", "failed", "pass rate"],
         [[_day(r["day"]), r["runs"], r["passed"], r["failed"], render.percent(r["pass_rate"])]
          for r in found["pass_rate_per_day"]], ["runs", "passed", "failed", "pass rate"], []),
        ("duration per test, slowest first", ["test", "runs", "p50", "p95"],
         [[r["nodeid"], r["runs"], render.seconds(r["p50"]), render.seconds(r["p95"])] for r in found["durations"]],
         ["runs", "p50", "p95"], ["test"]),
        ("tests per hour (UTC)", ["hour", "runs", "tests"],
         [[_hour(r["hour"]), r["runs"], r["tests"]] for r in found["tests_per_hour"]], ["runs", "tests"], []),
        ("device uptime per hour (UTC)", ["device", "hour", "uptime", "flaps", "incidents"],
         [[r["device"], _hour(r["hour"]), render.percent(r["uptime"]), r["flaps"], r["incidents"]]
          for r in found["device_uptime_per_hour"]], ["uptime", "flaps", "incidents"], []),
    ]
    for title, columns, rows, right, wrap in sections:
        if rows:
            click.echo(title)  # not the table's title: that would wrap to the table's width
            render.table(None, columns, rows, right=right, wrap=wrap)
        else:
            click.echo(f"{title}: none in the window")
        click.echo("")


@click.command()
@click.option("--since", default="7d", show_default=True, metavar="WHEN",
              help="the window's start (7d, 12h, 2026-11-01), in whole days and hours")
@click.option("--project", help="this project's trends (default: as pytest --vpt would name it)")
@click.option("--test", "nodeid", metavar="NODEID", help="only this test (its pass rate and durations)")
@click.option("--device", metavar="DEVICE", help="only this device's uptime")
@click.option("--json", "as_json", is_flag=True, help="print JSON instead of tables")
@click.pass_obj
def trends(store_option: StoreOption, since: str, project: str | None, nodeid: str | None, device: str | None,
           as_json: bool) -> None:
    """Trends read from the store's rollups: pass rate per day, p50/p95 duration per test,
    tests per hour and device uptime per hour."""
    try:
        start = parse_since(since)
    except click.BadParameter as exc:
        exc.param_hint = "'--since'"
        raise
    if start >= time.time():
        raise click.BadParameter(f"{since!r} is in the future", param_hint="'--since'")
    with store_option.open() as store:
        found = store.read("trends", project or store_option.settings.project, start, nodeid=nodeid, device=device)
    if as_json:
        render.emit_json(found)
        return
    click.echo(f"trends of {found['project']} since {render.when(found['since'])}\n")
    print_trends(found)
