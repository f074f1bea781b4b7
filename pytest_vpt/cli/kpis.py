"""``vpt kpis``: the quality score and its parts, MTBF and MTTR of tests and devices, speed,
availability and video QoE over whole UTC days, read from the KPI rollups."""

from __future__ import annotations

import time
from typing import Any

import click

from ..history.costs import LONGEST_WINDOW
from ..history.kpis import UnknownDevice
from ..wording import plural
from . import render
from .context import StoreOption
from .costs import print_costs
from .timespec import window_start

_C = render.Column
_PART_NAMES = {"pass_rate": "pass rate", "flaky": "not flaky", "availability": "availability", "video": "video QoE"}


def _score(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _or_dash(text: str) -> str:
    return text or "-"


def print_kpis(found: dict[str, Any], wide: bool = False) -> None:
    """The project's KPIs with their parts, then per device and stream; an empty window says so."""
    click.echo(f"KPIs of {found['project']}, {render.day(found['since'])} to {render.day(found['until'] - 86400)} (UTC days)")
    if found["empty"]:
        click.echo("nothing in the window: no finished runs, device samples or video (try a longer --since)")
        return
    quality = found["quality"]
    used = [_PART_NAMES[p["name"]] for p in quality["parts"] if p["value"] is not None]
    click.echo(f"\nquality score {_score(quality['score'])} / 100, "
               + (f"of {', '.join(used)}" if used else "no part has data"))
    _parts(quality["parts"], wide)
    tests, episodes, speed = found["tests"], found["episodes"], found["speed"]
    judged = tests["passed"] + tests["failed"] + tests["error"] - tests["quarantined"]
    click.echo(f"\ntests     pass rate {_or_dash(render.percent(tests['pass_rate']))} of {plural(judged, 'final outcome')}"
               f" ({plural(tests['quarantined'], 'quarantined failure')} left out)")
    click.echo(f"          {tests['flaky_tests']} of {plural(tests['tests_run'], 'test')} flaky "
               f"({_or_dash(render.percent(tests['flaky_share']))})")
    click.echo(f"episodes  {episodes['started']} started, {episodes['ended']} ended: "
               f"MTTR {_or_dash(render.span(episodes['mttr']))}"
               + (f" ({episodes['mttr_runs']:.1f} failing runs)" if episodes["mttr_runs"] is not None else ""))
    click.echo(f"          MTBF {_or_dash(render.span(episodes['mtbf']))} ({plural(episodes['gaps'], 'gap')}); "
               f"{episodes['open']} open now (not in MTTR)")
    click.echo(f"speed     {plural(speed['runs'], 'run')}: wall time mean {_or_dash(render.span(speed['wall_mean']))}, "
               f"p50 {_or_dash(render.span(speed['wall_p50']))}, p95 {_or_dash(render.span(speed['wall_p95']))}")
    per_hour = speed["tests_per_hour"]
    click.echo(f"          {speed['tests']} tests, " + (f"{per_hour:.0f} per hour of wall time" if per_hour is not None
                                                       else "no wall time"))
    click.echo(f"devices   {_availability(found['availability'])}")
    click.echo(f"video     {_video(found['video'])}")
    if episodes["open_episodes"]:
        click.echo("\nopen failure episodes, oldest first")
        render.table(None, [render.nodeid_column(), _C("branch", priority=2), _C("since", priority=1),
                            _C("runs", right=True, priority=1)],
                     [[e["nodeid"], e["branch"] or "", render.when(e["started_at"]), e["runs"]]
                      for e in episodes["open_episodes"]], wide=wide)
    if speed["slowest"]:
        click.echo("\nslowest tests (final attempts)")
        render.table(None, [render.nodeid_column(), _C("runs", right=True, priority=2),
                            _C("p50", right=True, priority=1), _C("p95", right=True, priority=1)],
                     [[t["nodeid"], t["runs"], render.seconds(t["p50"]), render.seconds(t["p95"])]
                      for t in speed["slowest"]], wide=wide)
    _devices(found["devices"], wide)


def _parts(parts: list[dict[str, Any]], wide: bool) -> None:
    render.table(None, [_C("part", key=True), _C("value", right=True, priority=1), _C("weight", right=True, priority=2),
                        _C("used", right=True, priority=1)],
                 [[_PART_NAMES[p["name"]], _score(p["value"]), f"{p['weight']:.2f}",
                   f"{p['used_weight']:.2f}" if p["value"] is not None else "no data"] for p in parts], wide=wide)


def _availability(a: dict[str, Any]) -> str:
    if a["uptime"] is None:
        return "no device sampled"
    return (f"uptime {render.percent(a['uptime'])} of {render.span(a['covered'])} covered; "
            f"{plural(a['incidents'], 'incident')}, MTBF {_or_dash(render.span(a['mtbf']))}, "
            f"MTTR {_or_dash(render.span(a['mttr']))}")


def _video(v: dict[str, Any]) -> str:
    if v["qoe"] is None:
        return "no video incidents or quality scores"
    rate = v["incidents_per_hour"]
    scores = f", score {v['score_mean']:.1f} ({plural(v['scores'], 'analysis', 'analyses')})" \
        if v["score_mean"] is not None else ""
    return (f"{plural(v['incidents'], 'incident')}" + (f" ({rate:.2f}/covered hour)" if rate is not None else "")
            + f"{scores}; QoE {v['qoe']:.1f}")


def _devices(devices: list[dict[str, Any]], wide: bool) -> None:
    if not devices:
        click.echo("\nno device or stream has KPIs in the window")
        return
    click.echo("\nper device and stream")
    render.table(None, [_C("device", key=True), _C("kind", priority=3), _C("quality", right=True, priority=1),
                        _C("uptime", right=True, priority=1), _C("incidents", right=True, priority=2),
                        _C("MTBF", right=True, priority=2), _C("MTTR", right=True, priority=2),
                        _C("video", right=True, priority=3)],
                 [[d["device"], d["kind"], _score(d["quality"]["score"]), render.percent(d["availability"]["uptime"]),
                   d["availability"]["incidents"] if d["kind"] == "device" else d["video"]["incidents"],
                   render.span(d["availability"]["mtbf"]), render.span(d["availability"]["mttr"]),
                   "" if d["video"]["qoe"] is None else f"{d['video']['qoe']:.1f}"] for d in devices], wide=wide)


@click.command()
@click.option("--since", default="30d", show_default=True, metavar="WHEN",
              help="the window's start (30d, 2w, 2026-11-01), in whole UTC days up to today")
@click.option("--project", help="this project's KPIs (default: as pytest --vpt would name it)")
@click.option("--device", metavar="DEVICE", help="only this device's or stream's KPIs besides the project's")
@render.json_option
@render.wide_option
@click.pass_obj
def kpis(store_option: StoreOption, since: str, project: str | None, device: str | None, as_json: bool,
         wide: bool) -> None:
    """KPIs from the store's rollups: the quality score and its parts, MTBF and MTTR of tests
    (failure episodes) and devices, suite speed, device availability and video QoE; then what
    testing cost and covered (as vpt costs shows it)."""
    start = window_start(since)
    if device is not None and not 0 < len(device) <= 256:
        raise click.BadParameter("a device name is 1 to 256 characters", param_hint="'--device'")
    with store_option.history(project or store_option.settings.project) as history:
        try:
            found = history.kpis(start, device=device).to_dict()
        except UnknownDevice as exc:
            raise click.BadParameter(str(exc), param_hint="'--device'") from None
        found["costs"] = history.costs(max(start, time.time() - LONGEST_WINDOW)).to_dict()
    if as_json:
        render.emit_json(found)
        return
    print_kpis(found, wide)
    click.echo("\ncost and coverage")
    print_costs(found["costs"], wide)
