"""``vpt push --spool``: send what runs could not send to the server, or write into the store
what it refused (``vpt --store URL push --spool``, when no server is set)."""

from __future__ import annotations

import os

import click

from ..wording import plural
from .context import StoreOption
from .progress import shown as progress_shown


@click.command()
@click.option("--spool", "from_spool", is_flag=True, help="send the batches spooled in .vpt/spool")
@click.option("--server", metavar="URL", help="the vpt server (default: VPT_SERVER or the vpt_server setting; "
              "with neither, the batches are written into the store)")
@click.pass_obj
def push(store_option: StoreOption, from_spool: bool, server: str | None) -> None:
    """Send results to a vpt server (token in VPT_TOKEN), or write them into the store."""
    import requests

    from ..redaction import redact_url
    from ..sinks.http import resend
    from ..sinks.spool import SPOOL_DIR, Spool

    if not from_spool:
        raise click.UsageError("say what to push: --spool")
    url = server or store_option.settings.server
    spool = Spool(store_option.rootdir / SPOOL_DIR)
    if not url:
        _write_spool(store_option, spool)
        return
    with requests.Session() as session, progress_shown(f"sending to {redact_url(url)}", "batches") as bar:
        done = resend(session, url, os.environ.get("VPT_TOKEN"), spool, on_progress=bar.update)
    click.echo(f"{plural(done.batches, 'batch', 'batches')} ({plural(sum(done.sent.values()), 'event')}) sent to {redact_url(url)}; "
               f"{spool.depth()} left in {spool.folder}")
    problems = []
    if done.rejected_batches:
        problems.append(f"{plural(done.rejected_batches, 'batch', 'batches')} ({plural(sum(done.rejected.values()), 'event')}) REJECTED by the "
                        f"server as invalid, moved to {spool.rejected} (each with a .reason file)")
    if done.stopped:
        problems.append(f"{done.stopped}\nthe {plural(spool.depth(), 'batch', 'batches')} left are sent by the next run or "
                        "vpt push --spool")
    if problems:
        raise click.ClickException("\n".join(problems))


def _write_spool(store_option: StoreOption, spool) -> None:
    """Write the spooled batches into the store, as the next run would."""
    from ..redaction import redact_text
    from ..sinks.store import StoreSink

    sink = StoreSink(store_option.settings.store, spool_dir=spool.folder)
    sink.open()
    report = sink.close()
    click.echo(f"{plural(sum(report.resent.values()), 'event')} written into {report.target}; "
               f"{plural(spool.depth(), 'batch', 'batches')} left in {spool.folder}")
    problems = [redact_text(error) for error in report.errors]
    if report.resent_rejected:
        problems.append(f"{sum(report.resent_rejected.values())} events REJECTED by the store, moved to "
                        f"{spool.rejected} (each with a .reason file)")
    if problems:
        raise click.ClickException("\n".join(problems))
