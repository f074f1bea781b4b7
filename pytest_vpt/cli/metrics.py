"""``vpt metrics``: custom and built-in metrics (``video.*`` too), summed up per name and tag set;
``vpt metrics send``: record samples from a shell (a CI step) through MetricsCollector."""

from __future__ import annotations

from typing import Any

import click

from ..events import EventError
from ..history import RunIdAmbiguous, RunNotFound
from ..metrics import MetricsCollector, check_sample
from ..config import SettingsError
from ..redaction import redact_text, redact_url
from ..wording import plural
from . import render
from .context import StoreOption
from .sink_account import check_server, failed, problems, sent, server_option, target_of, to_server
from .timespec import parse_since

#: exit codes of ``vpt metrics send``, as ``vpt push``'s: bad input, and samples not taken by the backend
BAD_INPUT, NOT_SENT = 3, 4
#: samples one ``vpt metrics send`` takes
SAMPLES_MAX = 1000


def parse_tags(given: tuple[str, ...]) -> dict[str, str]:
    """``--tag k=v`` (repeatable) as a dict; a tag without ``=`` is named in the error."""
    tags = {}
    for text in given:
        key, equals, value = text.partition("=")
        if not equals or not key.strip():
            raise click.BadParameter(f"{text!r}: use key=value, e.g. --tag source=clip.mp4", param_hint="'--tag'")
        tags[key.strip()] = value
    return tags


def number(value: float | None) -> str:
    """A metric's value, in at most 6 significant digits."""
    return "" if value is None else f"{value:.6g}"


_C = render.Column
_COLUMNS = [_C("name", key=True, fit=render.NODEID), _C("tags", priority=1, fit=render.WRAP),
            _C("count", right=True, priority=1), _C("last", right=True, priority=1), _C("mean", right=True),
            _C("p50", right=True), _C("p95", right=True, priority=1), _C("min", right=True, priority=3),
            _C("max", right=True, priority=3), _C("unit", priority=3)]


def print_summary(found: list[dict[str, Any]], wide: bool = False) -> None:
    """The names, then a row per name and tag set."""
    names = sorted({row["name"] for row in found})
    click.echo(f"{plural(len(names), 'metric name')}: {', '.join(names)}")
    render.table(None, _COLUMNS, [
        [row["name"], " ".join(f"{k}={v}" for k, v in sorted(row["tags"].items())), row["count"],
         *(number(row[figure]) for figure in ("last", "mean", "p50", "p95", "min", "max")), row["unit"]]
        for row in found
    ], wide=wide)


@click.group(invoke_without_command=True)
@click.option("--name", help="only this metric")
@click.option("--tag", "tags", multiple=True, metavar="KEY=VALUE", help="only samples with this tag (repeatable)")
@click.option("--run", "run_id", metavar="RUN_ID",
              help="only this run's samples, all of them (the id may be abbreviated)")
@click.option("--test", "nodeid", metavar="NODEID", help="only this test's samples")
@click.option("--since", default="7d", show_default=True, metavar="WHEN",
              help="samples since WHEN (7d, 12h, 2026-11-01)")
@click.option("--project", help="only this project's metrics")
@render.json_option
@render.wide_option
@click.pass_context
def metrics(ctx: click.Context, name: str | None, tags: tuple[str, ...], run_id: str | None,
            nodeid: str | None, since: str, project: str | None, as_json: bool, wide: bool) -> None:
    """Metrics per name and tag set: count, last, mean, p50, p95, min, max (vpt metrics send: record some)."""
    if ctx.invoked_subcommand is not None:
        return
    store_option: StoreOption = ctx.obj
    wanted = parse_tags(tags)
    try:
        start = parse_since(since)
    except click.BadParameter as exc:
        exc.param_hint = "'--since'"
        raise
    with store_option.history(project) as history:
        if run_id is not None:
            try:
                run_id = history.run(run_id).run_id
            except RunNotFound:
                raise click.BadParameter(f"no run {run_id!r}", param_hint="'--run'") from None
            except RunIdAmbiguous:
                raise click.BadParameter(f"{run_id!r} is ambiguous: give more characters", param_hint="'--run'") from None
        found = [m.to_dict() for m in history.metrics(name, wanted, run_id, nodeid, None if run_id else start)]
    if as_json:
        render.emit_json(found)
    elif not found:
        filtered = " matching the filters" if name or wanted or nodeid or project else ""
        click.echo(f"no metrics recorded{f' in run {run_id}' if run_id else f' (--since {since})'}{filtered}")
    else:
        print_summary(found, wide)


def parse_samples(given: tuple[str, ...]) -> dict[str, float]:
    """``NAME=VALUE`` arguments as checked samples; the first bad one is named in the error."""
    if len(given) > SAMPLES_MAX:
        raise click.BadParameter(f"{len(given)} samples, at most {SAMPLES_MAX} in one call", param_hint="NAME=VALUE")
    samples: dict[str, float] = {}
    for text in given:
        name, equals, value = text.partition("=")
        try:
            number = float(value.strip()) if equals else None
        except ValueError:
            number = None
        if number is None:
            raise click.BadParameter(f"{text[:200]!r}: use NAME=NUMBER, e.g. testsFailed=3", param_hint="NAME=VALUE")
        number = int(number) if number.is_integer() and abs(number) < 2**53 else number
        try:
            check_sample(name.strip(), number)
        except EventError as exc:
            raise click.BadParameter(str(exc), param_hint="NAME=VALUE") from None
        samples[name.strip()] = number
    return samples


@metrics.command()
@click.argument("samples", nargs=-1, required=True, metavar="NAME=VALUE...")
@click.option("--tag", "tags", multiple=True, metavar="KEY=VALUE", help="a tag on every sample (repeatable)")
@click.option("--project", help="the project the samples belong to (default: the configured one)")
@server_option
@render.json_option
@click.pass_obj
def send(store_option: StoreOption, samples: tuple[str, ...], tags: tuple[str, ...], project: str | None,
         server: str | None, as_json: bool) -> None:
    """Record gauges NAME=VALUE (testsFailed=3 duration=81.5) into the store or a vpt server.

    Exit 0 when every sample was written, 3 for bad input, 4 when the backend refused or could
    not be reached (the samples are spooled for vpt push --spool)."""
    try:
        checked, tagged = parse_samples(samples), parse_tags(tags)
        check_server(server)
        collector = MetricsCollector(tagged, store_option.url, project, server)
        for name, value in checked.items():
            collector.record(name, value)
    except (click.BadParameter, EventError, SettingsError) as exc:
        message = exc.format_message() if isinstance(exc, click.BadParameter) else redact_text(str(exc))
        click.echo(f"Error: {message}", err=True)
        raise SystemExit(BAD_INPUT) from None
    report = collector.close()
    outcome = {"target": redact_url(report.target) if to_server(report) else report.target,
               "sent": sum(report.written.values()), "spooled": sum(report.spooled.values()),
               "rejected": sum(report.rejected.values()), "lost": sum(report.lost.values()), "metrics": checked,
               "tags": collector.tags, "errors": [redact_text(reason) for reason in report.errors]}
    if as_json:
        render.emit_json(outcome)
    else:
        click.echo(f"{sent(report, 'sample')} {target_of(report)}{problems(report)}")
    if failed(report):
        raise SystemExit(NOT_SENT)
