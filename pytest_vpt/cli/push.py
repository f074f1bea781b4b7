"""``vpt push --spool``: send what runs could not send to the server, or write into the store
what it refused (``vpt --store URL push --spool``, when no server is set)."""

from __future__ import annotations

from typing import Any

import click

from ..redaction import redact_text, redact_url
from ..sinks import open_sink
from ..store.after_write import Analysis
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
    outcome, spool = _resend(store_option, url)
    if as_json:
        render.emit_json(outcome)
    else:
        click.echo(f"{plural(outcome['batches'], 'batch', 'batches')} ({plural(outcome['events'], 'event')}) "
                   f"{'sent to' if url else 'written into'} {outcome['target']}; "
                   f"{plural(outcome['left'], 'batch', 'batches')} left in {spool}")
    if outcome["problems"]:
        if as_json:
            raise SystemExit(1)
        raise click.ClickException("\n".join(outcome["problems"]))


def _resend(store_option: StoreOption, server: str | None) -> tuple[dict[str, Any], str]:
    """Send the spooled batches, oldest first, through the sink the next run would use; what
    was pushed, and the spool's folder."""
    settings = store_option.settings
    sink = open_sink(server or settings.store, store_option.rootdir, Analysis(settings.flakiness, settings.policy))
    target = redact_url(server) if server else sink.report.target
    with progress_shown(f"sending to {target}" if server else f"writing into {target}", "batches") as bar:
        done = sink.resend(on_progress=bar.update)
    sink.close()
    spool = sink.spool
    problems = []
    if done.rejected_batches:
        refuser = "the server as invalid" if server else "the store"
        problems.append(f"{plural(done.rejected_batches, 'batch', 'batches')} ({plural(sum(done.rejected.values()), 'event')}) "
                        f"REJECTED by {refuser}, moved to {spool.rejected} (each with a .reason file)")
    if done.stopped:
        problems.append(f"{redact_text(done.stopped)}\nthe {plural(spool.depth(), 'batch', 'batches')} left are sent by "
                        "the next run or vpt push --spool")
    rejected = sum(done.rejected.values())
    return {"target": target, "batches": done.batches, "events": sum(done.sent.values()), "rejected_events": rejected,
            "rejected_in": str(spool.rejected) if rejected else None, "left": spool.depth(),
            "problems": problems}, str(spool.folder)
