"""``vpt metrics``: custom and built-in metrics (``video.*`` too), summed up per name and tag set."""

from __future__ import annotations

from typing import Any

import click

from ..history import RunIdAmbiguous, RunNotFound
from ..wording import plural
from . import render
from .context import StoreOption
from .timespec import parse_since


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


@click.command()
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
@click.pass_obj
def metrics(store_option: StoreOption, name: str | None, tags: tuple[str, ...], run_id: str | None,
            nodeid: str | None, since: str, project: str | None, as_json: bool, wide: bool) -> None:
    """Metrics per name and tag set: count, last, mean, p50, p95, min, max."""
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
