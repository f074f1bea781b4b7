"""The sink of `vpt monitor` and `vpt watch`, and what they say of it: "12 events written"
into a store, "12 events sent, 0 spooled" to a server (as the pytest summary does), then
what was not written and why."""

from __future__ import annotations

import re

import click

from ..redaction import redact_text, redact_url
from ..sinks import SinkReport, open_sink
from ..sinks.base import BufferedSink
from ..wording import plural
from .context import StoreOption

#: seconds a producer that runs for days waits after a failed write before it tries again
RETRY_EVERY = 30.0

server_option = click.option(
    "--server", metavar="URL", help="send to this vpt server instead of writing the store (default: VPT_SERVER or "
    "the vpt_server setting; token in VPT_TOKEN); what it cannot take is spooled in .vpt/spool")


def producer_sink(store_option: StoreOption, server: str | None) -> BufferedSink:
    """The sink a producer writes through: ``--server``, else the configured server, else the store."""
    check_server(server)
    settings = store_option.settings
    return open_sink(server or settings.server or settings.store, store_option.rootdir, retry_every=RETRY_EVERY)


def check_server(server: str | None) -> None:
    """Raise a ``--server`` error unless ``server`` is None or an http(s) URL."""
    if server is not None and not re.match(r"https?://[^/\s]+", server.strip()):
        raise click.BadParameter(f"{redact_url(server)!r} is not a server URL (expected http://HOST:PORT)",
                                 param_hint="'--server'")


def to_server(report: SinkReport) -> bool:
    return report.target.startswith(("http://", "https://"))


def target_of(report: SinkReport) -> str:
    """The sink's target as shown: a server without credentials in its URL, or the store."""
    return f"to {redact_url(report.target)}" if to_server(report) else f"into {report.target}"


def sent(report: SinkReport, noun: str | None = "event") -> str:
    """``12 events written`` or ``12 events sent, 3 spooled`` (without ``noun``: ``12 written``)."""
    count = sum(report.written.values())
    written = plural(count, noun) if noun else str(count)
    return f"{written} sent, {sum(report.spooled.values())} spooled" if to_server(report) else f"{written} written"


def problems(report: SinkReport) -> str:
    """What was not written, where it is and why (empty when all was), and what earlier runs
    spooled that was written now: ``, 3 NOT written (spooled): REASON; ...``."""
    server = to_server(report)
    spooled, lost, rejected = sum(report.spooled.values()), sum(report.lost.values()), sum(report.rejected.values())
    parts = [f", {spooled} NOT written (spooled)" if spooled and not server else "",
             f", {plural(rejected, 'event')} REJECTED (kept in {report.rejected_in})" if rejected else "",
             f", {lost} LOST" if lost else ""]
    if failed(report) and report.errors:
        parts.append(f": {redact_text(report.errors[-1])}")
    if spooled:
        parts.append(f"; spooled events are {'sent' if server else 'written'} by the next start or vpt push --spool")
    if report.resent:
        parts.append(f"; and {plural(sum(report.resent.values()), 'event')} spooled earlier "
                     f"{'sent' if server else 'written'}")
    return "".join(parts)


def failed(report: SinkReport) -> bool:
    """Whether anything was not written (spooled, refused or lost): the command exits 1."""
    return bool(report.spooled or report.lost or report.rejected)
