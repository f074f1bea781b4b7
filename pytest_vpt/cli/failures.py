"""``vpt failures``: the failures of a window grouped by cause (signature and category)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ..analytics.failures import category_names, describe
from ..config import SettingsError, load_categories
from ..history.failures import LIMIT_MAX
from ..redaction import redact_text
from ..wording import plural
from . import nodeids, render
from .context import StoreOption
from .timespec import window_start

_C = render.Column
PATH_MAX = 4096


def categories_for(store_option: StoreOption, given: str | None) -> tuple:
    """The categories of ``--categories FILE`` (relative to here), else of the project's
    settings (``VPT_CATEGORIES``, ini ``vpt_categories``, ``vpt-categories.yaml``), else the
    built-in ones; a bad file is a usage error naming it, the category and the key."""
    if given is not None:
        if not given.strip() or len(given) > PATH_MAX:
            raise click.BadParameter("give the path of a categories file", param_hint="'--categories'")
        try:
            return load_categories(Path(given))
        except SettingsError as exc:
            raise click.BadParameter(redact_text(str(exc)), param_hint="'--categories'") from None
    try:
        return load_categories(store_option.settings.categories_file)
    except SettingsError as exc:
        raise click.ClickException(redact_text(str(exc))) from None


def _flags(group: dict[str, Any]) -> str:
    """How many of the group's failures were flaky reruns, while the device was offline, and
    with a video incident."""
    flags = []
    if group["flaky"]:
        flags.append(f"{group['flaky']} flaky")
    if group["device_offline"]:
        flags.append(f"{group['device_offline']} offline")
    if group["video_incident"]:
        flags.append(f"{group['video_incident']} video")
    return ", ".join(flags)


def print_report(found: dict[str, Any], wide: bool = False) -> None:
    """The groups as a table (the largest first), then what each category took."""
    groups = found["groups"]
    render.table(
        None,
        [_C("failures", right=True, priority=1), _C("category", priority=1), _C("signature", key=True, fit=render.WRAP),
         _C("tests", right=True, priority=2), _C("runs", right=True, priority=2), _C("with", priority=2, fit=render.WRAP),
         _C("last seen", priority=3), _C("first seen", priority=4),
         _C("tests hit", priority=4, fit=render.WRAP), _C("example", priority=4, fit=render.WRAP)],
        [[g["failures"], g["category"], g["signature"], g["tests"], g["runs"], _flags(g), render.when(g["last_seen"]),
          render.when(g["first_seen"]), ", ".join(g["nodeids"]), g["example"]] for g in groups],
        wide=wide,
    )
    if found["groups_total"] > len(groups):
        click.echo(f"the {len(groups)} largest of {plural(found['groups_total'], 'group')} (--limit shows more)")


@click.command()
@click.option("--since", default="7d", show_default=True, metavar="WHEN",
              help="failures of the runs started since WHEN (7d, 12h, 2026-11-01)")
@click.option("--project", help="this project's failures (default: as pytest --vpt would name it)")
@click.option("-n", "--limit", default=20, show_default=True, type=click.IntRange(1, LIMIT_MAX),
              help="how many groups, the largest first")
@click.option("--test", "nodeid", metavar="NODEID", help="only this test's failures")
@click.option("--category", metavar="NAME", help="only the groups of this category")
@click.option("--categories", "categories_file", metavar="FILE",
              help="the categories file (default: VPT_CATEGORIES, ini vpt_categories, vpt-categories.yaml "
                   "in the project's folder, else the built-in categories)")
@render.json_option
@render.wide_option
@click.pass_obj
def failures(store_option: StoreOption, since: str, project: str | None, limit: int, nodeid: str | None,
             category: str | None, categories_file: str | None, as_json: bool, wide: bool) -> None:
    """Failures grouped by cause: each group shares an error type and a message once numbers,
    ids, paths, addresses and quoted values are taken out, and a category."""
    start = window_start(since)
    categories = categories_for(store_option, categories_file)
    known = category_names(categories)
    if category is not None and category not in known:
        raise click.BadParameter(f"no category {category!r} (known: {', '.join(known)})", param_hint="'--category'")
    with store_option.history(project or store_option.settings.project) as history:
        found = history.failures(start, nodeid=nodeid, category=category, limit=limit, categories=categories).to_dict()
        recorded = history.nodeids() if nodeid is not None and not found["failures"] else None
    if recorded is not None and nodeid not in recorded:
        raise click.ClickException(nodeids.unknown(nodeid, recorded, f"in project {found['project']!r}"))
    if as_json:
        render.emit_json(found)
        return
    what = f" of {nodeid}" if nodeid else ""
    window = f"in {found['project']} since {render.when(found['since'])}"
    if not found["failures"]:
        click.echo(f"no failures{what} {window}")
        return
    click.echo(f"failures{what} by cause {window}")
    click.echo(click.wrap_text(describe(found["categories"], found["flaky"]), 80, subsequent_indent="  "))
    if found["truncated"]:
        click.echo(f"(only the latest {found['read_max']:,} failures were read: narrow the window with --since or --test)")
    click.echo("")
    if not found["groups"]:
        click.echo(f"no failures of category {category!r}")
        return
    print_report(found, wide)
