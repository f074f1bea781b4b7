"""``vpt push --spool``: send what runs could not send to the server."""

from __future__ import annotations

import os

import click

from .context import StoreOption


@click.command()
@click.option("--spool", "from_spool", is_flag=True, help="send the batches spooled in .vpt/spool")
@click.option("--server", metavar="URL", help="the vpt server (default: VPT_SERVER or the vpt_server setting)")
@click.pass_obj
def push(store_option: StoreOption, from_spool: bool, server: str | None) -> None:
    """Send results to a vpt server (token in VPT_TOKEN)."""
    import requests

    from ..sinks.http import SendError, send
    from ..sinks.spool import SPOOL_DIR, Spool

    if not from_spool:
        raise click.UsageError("say what to push: --spool")
    url = server or store_option.settings.server
    if not url:
        raise click.UsageError("no server: give --server URL or set VPT_SERVER")
    spool = Spool(store_option.rootdir / SPOOL_DIR)
    sent = events = 0
    with requests.Session() as session:
        for path, batch in spool.batches():
            try:
                send(session, url, os.environ.get("VPT_TOKEN"), batch)
            except SendError as exc:
                left = spool.depth()
                raise click.ClickException(f"{exc}\n{sent} batch(es) ({events} events) sent; {left} left in {spool.folder}")
            path.unlink()
            sent, events = sent + 1, events + len(batch)
    click.echo(f"{sent} batch(es) ({events} events) sent to {url}; {spool.depth()} left in {spool.folder}")
