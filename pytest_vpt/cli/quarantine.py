"""``vpt quarantine list|add|remove``: the tests whose failures --vpt-quarantine makes non-blocking."""

from __future__ import annotations

import time

import click

from ..history.verdicts import listed_entries
from ..quarantine.listfile import ListFileError, add_to_list, read_list, remove_from_list
from ..wording import plural
from . import nodeids, render
from .context import StoreOption



@click.group()
def quarantine() -> None:
    """Quarantined tests: from flaky verdicts, vpt_quarantine markers and the committed list file."""


@quarantine.command("list")
@click.option("--all", "show_all", is_flag=True, help="also the tests that have left quarantine")
@render.json_option
@render.wide_option
@click.pass_obj
def list_(store_option: StoreOption, show_all: bool, as_json: bool, wide: bool) -> None:
    """The project's quarantine: what is in force, since when, and how close to leaving."""
    settings = store_option.settings
    listed = _read(settings.quarantine_file)
    if store_option.exists():
        with store_option.history(settings.project) as history:
            entries = history.quarantine(listed)
    else:
        entries = listed_entries(settings.project, listed)
    shown = [{**e.to_dict(), "in_force": e.in_force} for e in entries if show_all or e.in_force]
    if as_json:
        render.emit_json({"project": settings.project, "passes_to_leave": settings.policy.passes,
                          "list_file": str(settings.quarantine_file), "tests": shown})
        return
    if not shown:
        click.echo(f"no test is quarantined in project {settings.project!r}")
        return
    render.table(
        f"quarantine of {settings.project} · leaves after {plural(settings.policy.passes, 'clean pass', 'clean passes')} in a row · "
        f"list file {settings.quarantine_file.name}",
        [render.nodeid_column(), render.Column("source", priority=2), render.Column("since", priority=2),
         render.Column("passes", right=True, priority=1), render.Column("reason", priority=1, fit=render.WRAP),
         render.Column("left", priority=3, fit=render.WRAP)],
        [
            [
                e["nodeid"], e["source"], render.when(e["entered_at"]) or "next run",
                f"{e['passes']}/{settings.policy.passes}", e["reason"],
                f"{render.when(e['left_at'])}: {e['left_reason']}" if e["left_at"] else "",
            ]
            for e in shown
        ],
        wide=wide,
    )


@quarantine.command()
@click.argument("nodeid")
@click.option("--reason", default="", help="why (kept in the list file)")
@click.option("--force", is_flag=True, help="add it even if no run of the project has recorded it")
@render.json_option
@click.pass_obj
def add(store_option: StoreOption, nodeid: str, reason: str, force: bool, as_json: bool) -> None:
    """Quarantine NODEID: add it to the list file (commit the file to share it)."""
    settings = store_option.settings
    if not force:
        known = []
        if store_option.exists():
            with store_option.history(settings.project) as history:
                known = history.nodeids()
        if nodeid not in known:
            raise click.ClickException(nodeids.unknown(nodeid, known, f"in project {settings.project!r}")
                                       + "\n(a test not run yet: add it with --force)")
    try:
        changed = add_to_list(settings.quarantine_file, nodeid, reason)
    except (ListFileError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    if store_option.exists():
        with store_option.history(settings.project) as history:
            history.forget_quarantine(nodeid)  # a quarantine that ended may start again
    if as_json:
        render.emit_json({"nodeid": nodeid, "added": changed, "list_file": str(settings.quarantine_file)})
        return
    click.echo(f"{'added' if changed else 'already listed:'} {nodeid} "
               f"{'to' if changed else 'in'} {settings.quarantine_file}; "
               "it is quarantined from the next run (commit the file to share it)")


@quarantine.command()
@click.argument("nodeid")
@render.json_option
@click.pass_obj
def remove(store_option: StoreOption, nodeid: str, as_json: bool) -> None:
    """End NODEID's quarantine: remove it from the list file and end an automatic one."""
    settings = store_option.settings
    try:
        unlisted = remove_from_list(settings.quarantine_file, nodeid)
    except ListFileError as exc:
        raise click.ClickException(str(exc)) from None
    released = False
    if store_option.exists():
        with store_option.history(settings.project) as history:
            released = history.end_quarantine(nodeid, "removed with vpt quarantine remove", time.time())
    if not (unlisted or released):
        raise click.ClickException(f"{nodeid!r} is not quarantined in project {settings.project!r}")
    if as_json:
        render.emit_json({"nodeid": nodeid, "unlisted": bool(unlisted), "released": bool(released)})
        return
    done = [f"removed from {settings.quarantine_file.name}"] * unlisted + ["its quarantine ended"] * released
    click.echo(f"{nodeid}: {', '.join(done)}" + ("; remove its vpt_quarantine marker too, if it has one" if released else ""))


def _read(path) -> dict[str, str]:
    try:
        return read_list(path)
    except ListFileError as exc:
        raise click.ClickException(str(exc)) from None
