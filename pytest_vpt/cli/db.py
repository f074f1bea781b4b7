"""``vpt db init``: create or upgrade the store, and a read-only role for dashboards;
``vpt db rebuild``; ``vpt db status``."""

from __future__ import annotations

import os

import click

from ..store import StoreError, open_store
from ..wording import plural
from . import render
from .context import StoreOption
from .progress import shown as progress_shown


@click.group()
def db() -> None:
    """The store's database."""


@db.command()
@click.option("--grafana-role", metavar="NAME", help="create (or update) a login role that may only read the store "
              "(PostgreSQL), for Grafana's data source")
@click.option("--password-env", metavar="VAR", default="VPT_GRAFANA_PASSWORD", show_default=True,
              help="the environment variable holding that role's password (unset: leave its password as it is)")
@render.json_option
@click.pass_obj
def init(store_option: StoreOption, grafana_role: str | None, password_env: str, as_json: bool) -> None:
    """Create the store or bring its schema up to date (with PostgreSQL, its partitions too)."""
    url = store_option.settings.store
    if grafana_role and url.scheme != "postgresql":
        raise click.ClickException(f"--grafana-role needs a PostgreSQL store, not {url}: Grafana reads SQLite files directly")
    try:
        store = open_store(url)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        done: dict = {"store": str(url), "schema": "up to date"}
        if grafana_role:
            from ..store.access import RoleError, grant_reader

            try:
                created = grant_reader(store, grafana_role, os.environ.get(password_env))
            except (RoleError, StoreError) as exc:
                raise click.ClickException(str(exc)) from None
            done["grafana_role"] = {"name": grafana_role, "created": created}
    finally:
        store.close()
    if as_json:
        render.emit_json(done)
        return
    click.echo(f"{url}: schema up to date")
    if grafana_role:
        click.echo(f"role {grafana_role} {'created' if created else 'updated'}: it may read every table, and nothing else")


@db.command()
@click.option("--project", help="only this project (default: all)")
@render.json_option
@click.pass_obj
def rebuild(store_option: StoreOption, project: str | None, as_json: bool) -> None:
    """Derive the per-test daily rollup (counts and duration buckets) again from all attempts,
    then the KPIs (failure episodes and KPI days) from it."""
    with store_option.history(project) as history:
        with progress_shown("daily rollup", "attempts", quiet=as_json) as bar:
            done = history.rebuild_daily(on_progress=bar.update)
        kpis = history.rebuild_kpis()
    if as_json:
        render.emit_json({**done.to_dict(), "kpi_days": kpis.days})
        return
    click.echo(f"folded {plural(done.attempts, 'attempt')} into the daily rollup again; "
               f"KPIs of {plural(kpis.days, 'project day')} recomputed")
    if done.tests_set_aside:
        click.echo(f"{plural(done.set_aside, 'attempt')} of {plural(done.tests_set_aside, 'test')} "
                   "could not be folded: see vpt db status")


_WHAT = {"daily": "daily rollup: set aside", "duration": "daily rollup: without duration",
         "flakiness": "flakiness verdict"}


@db.command()
@render.json_option
@render.wide_option
@click.pass_obj
def status(store_option: StoreOption, as_json: bool, wide: bool) -> None:
    """The store's engine, schema version, rollup queue, and what its rollups could not fold."""
    with store_option.history() as history:
        found = history.status()
    if as_json:
        render.emit_json(found.to_json())
        return
    latest = found.latest_schema_version
    behind = f" (this pytest-vpt knows {latest})" if found.schema_version != latest else ""
    click.echo(f"store:    {found.url}\nengine:   {found.engine}\nschema:   version {found.schema_version}{behind}\n"
               f"queued:   {plural(found.queued, 'attempt')} waiting for the daily rollup\n"
               f"failures: {len(found.failures) or 'none'}")
    if found.failures:
        render.table(None, [render.Column("rollup", priority=1), render.Column("project", priority=3),
                            render.nodeid_column(), render.Column("count", right=True, priority=1),
                            render.Column("last", priority=2), render.Column("error", priority=1, fit=render.WRAP)], [
            [_WHAT.get(f["what"], f["what"]), f["project"], f["nodeid"] or f"test id {f['test_id']}", f["count"],
             render.when(f["at"]), f["error"] + (f" (run {f['run_id']})" if f["run_id"] else "")]
            for f in found.failures
        ], wide=wide)
        click.echo("fix the cause, then: vpt db rebuild (daily rollup), vpt flaky rebuild (flakiness)")
