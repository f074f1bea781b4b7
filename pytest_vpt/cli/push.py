"""``vpt push --spool``: send what runs could not send to the server, or write into the store
what it refused (``vpt --store URL push --spool``, when no server is set)."""

from __future__ import annotations

import os
from typing import Any

import click

from ..sinks.spool import SPOOL_DIR, Spool
from ..wording import plural
from . import render
from .context import StoreOption
from .progress import shown as progress_shown


@click.command()
@click.option("--spool", "from_spool", is_flag=True, help="send the batches spooled in .vpt/spool")
@click.option("--server", metavar="URL", help="the vpt server (default: VPT_SERVER or the vpt_server setting; "
              "with neither, the batches are written into the store)")
@click.option("--json", "as_json", is_flag=True, help="print what was pushed as JSON (exit 1 still says a problem)")
@click.pass_obj
def push(store_option: StoreOption, from_spool: bool, server: str | None, as_json: bool) -> None:
    """Send results to a vpt server (token in VPT_TOKEN), or write them into the store."""
    if not from_spool:
        raise click.UsageError("say what to push: --spool")
    url = server or store_option.settings.server
    spool = Spool(store_option.rootdir / SPOOL_DIR)
    outcome = _send_spool(url, spool) if url else _write_spool(store_option, spool)
    if as_json:
        render.emit_json(outcome)
    else:
        click.echo(f"{plural(outcome['batches'], 'batch', 'batches')} ({plural(outcome['events'], 'event')}) "
                   f"{'sent to' if url else 'written into'} {outcome['target']}; "
                   f"{plural(outcome['left'], 'batch', 'batches')} left in {spool.folder}")
    if outcome["problems"]:
        if as_json:
            raise SystemExit(1)
        raise click.ClickException("\n".join(outcome["problems"]))


def _outcome(target: str, spool: Spool, batches: int, events: int, rejected: int, problems: list[str]) -> dict[str, Any]:
    return {"target": target, "batches": batches, "events": events, "rejected_events": rejected,
            "rejected_in": str(spool.rejected) if rejected else None, "left": spool.depth(), "problems": problems}


def _send_spool(url: str, spool: Spool) -> dict[str, Any]:
    """Send the spooled batches to the server, oldest first (see sinks.http.resend)."""
    import requests

    from ..redaction import redact_url
    from ..sinks.http import resend

    with requests.Session() as session, progress_shown(f"sending to {redact_url(url)}", "batches") as bar:
        done = resend(session, url, os.environ.get("VPT_TOKEN"), spool, on_progress=bar.update)
    problems = []
    if done.rejected_batches:
        problems.append(f"{plural(done.rejected_batches, 'batch', 'batches')} ({plural(sum(done.rejected.values()), 'event')}) "
                        f"REJECTED by the server as invalid, moved to {spool.rejected} (each with a .reason file)")
    if done.stopped:
        problems.append(f"{done.stopped}\nthe {plural(spool.depth(), 'batch', 'batches')} left are sent by the next run or "
                        "vpt push --spool")
    return _outcome(redact_url(url), spool, done.batches, sum(done.sent.values()), sum(done.rejected.values()), problems)


def _write_spool(store_option: StoreOption, spool: Spool) -> dict[str, Any]:
    """Write the spooled batches into the store, as the next run would."""
    from ..redaction import redact_text
    from ..sinks.store import StoreSink

    waiting, refused = spool.depth(), _rejected(spool)
    sink = StoreSink(store_option.settings.store, spool_dir=spool.folder)
    sink.open()
    report = sink.close()
    refused = _rejected(spool) - refused
    problems = [redact_text(error) for error in report.errors]
    if report.resent_rejected:
        problems.append(f"{plural(sum(report.resent_rejected.values()), 'event')} REJECTED by the store, moved to "
                        f"{spool.rejected} (each with a .reason file)")
    return _outcome(report.target, spool, waiting - spool.depth() - refused, sum(report.resent.values()),
                    sum(report.resent_rejected.values()), problems)


def _rejected(spool: Spool) -> int:
    """How many batches lie in the spool's ``rejected/``."""
    return len(list(spool.rejected.glob("*.jsonl"))) if spool.rejected.is_dir() else 0
