"""``vpt db init``: create or upgrade the store, and a read-only role for dashboards; ``vpt db rebuild``."""

from __future__ import annotations

import os

import click

from ..store import StoreError, open_store
from .context import StoreOption


@click.group()
def db() -> None:
    """The store's database."""


@db.command()
@click.option("--grafana-role", metavar="NAME", help="create (or update) a login role that may only read the store "
              "(PostgreSQL), for Grafana's data source")
@click.option("--password-env", metavar="VAR", default="VPT_GRAFANA_PASSWORD", show_default=True,
              help="the environment variable holding that role's password (unset: leave its password as it is)")
@click.pass_obj
def init(store_option: StoreOption, grafana_role: str | None, password_env: str) -> None:
    """Create the store or bring its schema up to date (with PostgreSQL, its partitions too)."""
    url = store_option.settings.store
    if grafana_role and url.scheme != "postgresql":
        raise click.ClickException(f"--grafana-role needs a PostgreSQL store, not {url}: Grafana reads SQLite files directly")
    try:
        store = open_store(url)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        click.echo(f"{url}: schema up to date")
        if grafana_role:
            from ..store.access import RoleError, grant_reader

            try:
                created = grant_reader(store, grafana_role, os.environ.get(password_env))
            except (RoleError, StoreError) as exc:
                raise click.ClickException(str(exc)) from None
            click.echo(f"role {grafana_role} {'created' if created else 'updated'}: it may read every table, and nothing else")
    finally:
        store.close()


@db.command()
@click.option("--project", help="only this project (default: all)")
@click.pass_obj
def rebuild(store_option: StoreOption, project: str | None) -> None:
    """Derive the per-test daily rollup (counts and duration buckets) again from all attempts."""
    with store_option.open() as store:
        count = store.rebuild_daily(project)
    click.echo(f"folded {count} attempts into the daily rollup again")
