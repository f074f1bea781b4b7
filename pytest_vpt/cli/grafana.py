"""``vpt grafana provision DIR``: the provisioning tree Grafana starts from (datasource,
dashboard provider, dashboards, the alert rules of vpt.yaml with their contact points);
``vpt grafana dashboards --out DIR``: the dashboards' JSON alone, for Grafana's import."""

from __future__ import annotations

import textwrap
from pathlib import Path

import click

from ..wording import plural
from . import render
from .context import StoreOption

#: what each field of a provisioning error is called on the command line
_OPTIONS = {"store": "--store", "datasource_uid": "--datasource-uid", "grafana_user": "--grafana-user",
            "directory": "DIR", "out": "--out", "dialect": "--dialect", "alerts": "--config"}
_WIDTH = 80


@click.group()
def grafana() -> None:
    """Grafana dashboards and provisioning, built from the panel catalogue."""


@grafana.command()
@click.argument("directory", metavar="DIR", type=click.Path(file_okay=False, path_type=Path))
@click.option("--store", "store_url", metavar="URL", help="the store Grafana reads (default: vpt --store, "
              "VPT_STORE, the ini file's vpt_store, or .vpt/vpt.db)")
@click.option("--datasource-uid", default="pytest-vpt", show_default=True, metavar="UID",
              help="the uid of the provisioned datasource (1 to 40 letters, digits, '-' and '_')")
@click.option("--grafana-user", metavar="NAME", help="the role Grafana logs in as (PostgreSQL; e.g. the one "
              "vpt db init --grafana-role made; default: the store URL's user)")
@click.option("--config", "config", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="the configuration file whose alerts: section is written (default: vpt.yaml in the project)")
@click.option("--rules", "rules_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="a rules file (alerts: [...]) besides vpt.yaml's alerts: section")
@render.json_option
@click.pass_obj
def provision(store_option: StoreOption, directory: Path, store_url: str | None, datasource_uid: str,
              grafana_user: str | None, config: Path | None, rules_file: Path | None, as_json: bool) -> None:
    """Write Grafana's provisioning tree into DIR: datasources/vpt.yaml (the store, its password
    from $VPT_GRAFANA_PASSWORD), dashboards/vpt.yaml (folder pytest-vpt), the dashboards, and
    alerting/vpt.yaml (vpt.yaml's alert rules and their channels as contact points)."""
    api = _api()
    from ..alerts import RulesError, load
    from ..config_file import ConfigFileError
    from ..grafana.provision import FOLDER

    try:
        ruleset = load(store_option.rootdir, config, rules_file)
    except (RulesError, ConfigFileError) as exc:
        raise click.ClickException(str(exc)) from None
    url = (StoreOption(store_url) if store_url else store_option).settings.store
    done = _carried_out(lambda: api.provision(directory, url, datasource_uid=datasource_uid,
                                              grafana_user=grafana_user, ruleset=ruleset))
    if as_json:
        render.emit_json(done.to_dict())
        return
    source = done.datasource
    click.echo(f"wrote {plural(len(done.files), 'file')} in {done.directory}:\n"
               f"  datasources/vpt.yaml  datasource {source['uid']} ({source['location']})\n"
               "  dashboards/vpt.yaml   file provider: folder pytest-vpt, no saving from the UI\n"
               f"  alerting/vpt.yaml     {plural(len(done.alert_rules), 'alert rule')}, "
               f"{plural(len(done.contact_points), 'contact point')}\n"
               f"and {plural(len(done.dashboards), 'dashboard')} in dashboards/{FOLDER}:")
    render.table(None, [render.Column("uid", key=True), render.Column("title", priority=1, fit=render.WRAP)],
                 [[each.uid, each.title] for each in done.dashboards])
    if done.alert_rules:
        click.echo(f"the alert rules (group {FOLDER}) and where they notify:")
        render.table(None, [render.Column("rule", key=True),
                            render.Column("contact point", priority=1, fit=render.WRAP)],
                     [[each.name, each.contact_point or "Grafana's default policy"] for each in done.alert_rules])
    for each in done.left_out:
        click.echo(textwrap.fill(f"{each.name} ({each.condition}): {each.reason}", _WIDTH,
                                 initial_indent="left out: ", subsequent_indent="          "))
    for file in done.removed:
        click.echo(f"removed {file} (no longer in the catalogue)")
    for note in done.notes:
        click.echo(textwrap.fill(note, _WIDTH, initial_indent="note: ", subsequent_indent="      "))
    click.echo("\nstart Grafana on it:\n" + textwrap.indent(done.start.docker, "  "))
    click.echo("or, for a Grafana of your own, in grafana.ini:\n"
               + "".join(f"  {line}\n" for line in done.start.grafana_ini) + "then:")
    for step in done.start.steps:
        click.echo(textwrap.fill(step, _WIDTH, initial_indent="  - ", subsequent_indent="    "))


@grafana.command()
@click.option("--out", required=True, metavar="DIR", type=click.Path(file_okay=False, path_type=Path),
              help="the folder to write the dashboards' JSON files into")
@click.option("--dialect", type=click.Choice(["postgres", "sqlite"]),
              help="the datasource they read: postgres or sqlite (default: the store's engine)")
@render.json_option
@click.pass_obj
def dashboards(store_option: StoreOption, out: Path, dialect: str | None, as_json: bool) -> None:
    """Write every dashboard's JSON into --out, for Grafana's import (each picks its datasource
    from a variable)."""
    api = _api()
    if dialect is None:
        dialect = "sqlite" if store_option.settings.store.scheme == "sqlite" else "postgres"
    written = _carried_out(lambda: api.write_dashboards(out, dialect))
    if as_json:
        render.emit_json({"dialect": dialect, "out": str(out), "dashboards": [each.to_dict() for each in written]})
        return
    click.echo(f"wrote {plural(len(written), 'dashboard')} for {dialect} in {out}, as UID.json:")
    render.table(None, [render.Column("uid", key=True), render.Column("title", priority=1, fit=render.WRAP)],
                 [[each.uid, each.title] for each in written])
    click.echo("import them in Grafana (Dashboards > New > Import); each has a Data source menu")


def _api():
    try:
        from .. import grafana as api
    except ImportError as exc:
        raise click.ClickException(f"vpt grafana needs its extra: pip install 'pytest-vpt[grafana]' ({exc})") from None
    return api


def _carried_out(work):
    """``work()``'s result; a provisioning error names the option it came from."""
    from ..grafana import ProvisionError

    try:
        return work()
    except ProvisionError as exc:
        raise click.BadParameter(str(exc), param_hint=_OPTIONS.get(exc.field, exc.field)) from None
    except ValueError as exc:  # the catalogue itself cannot be built into dashboards
        raise click.ClickException(f"the panel catalogue: {exc}") from None
