"""``vpt sla report``: each SLA target of vpt.yaml met or missed in a UTC day or ISO week, with
its figure, its trend and what broke it; stored for the dashboards, and sent with ``--send``."""

from __future__ import annotations

from pathlib import Path

import click

from .. import sla as slas
from ..alerts.channels import ChannelConfigError
from ..alerts.notification import DeliveryError
from ..config_file import ConfigFileError
from . import render
from .context import StoreOption
from .timespec import parse_since


@click.group()
def sla() -> None:
    """SLA targets (sla: in vpt.yaml) and their compliance per day or week."""


@sla.command()
@click.option("--period", type=click.Choice(["daily", "weekly"]),
              help="a UTC day or an ISO week (default: sla.reporting.frequency, else daily)")
@click.option("--format", "form", type=click.Choice(slas.FORMATS), default="text", show_default=True,
              help="how the report is written")
@click.option("--date", "at", metavar="WHEN", help="a moment in the period to report (2026-11-30, 3d); "
              "default: the latest period that has ended")
@click.option("--trend", "trend_periods", default=4, show_default=True, type=click.IntRange(0, 52),
              help="the periods before it that its trend is drawn from")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="write the report to this file")
@click.option("--send", is_flag=True, help="send it to sla.reporting.recipients through the alerts e-mail channel")
@click.option("--config", metavar="PATH", help="the file with the sla: section (default: vpt.yaml)")
@click.option("--project", help="this project's SLA (default: as pytest --vpt would name it)")
@render.json_option
@click.pass_obj
def report(store_option: StoreOption, period: str | None, form: str, at: str | None, trend_periods: int,
           output: Path | None, send: bool, config: str | None, project: str | None, as_json: bool) -> None:
    """Each target met or missed in the period, with its figure, its trend against the periods
    before (and how many of them met it), and what broke the missed ones: the devices with the
    least uptime, the tests that failed most, the slowest tests, the incidents. The compliance
    of these periods is stored for the dashboards (table sla_compliance)."""
    path = store_option.settings.config_file if config is None else store_option.rootdir / config
    try:
        settings = slas.load(store_option.rootdir, path)
        channel = slas.pick_channel(slas.channels(store_option.rootdir, path), settings) if send else None
    except (slas.SlaConfigError, ConfigFileError, ChannelConfigError) as exc:
        raise click.ClickException(str(exc)) from None
    moment = None if at is None else parse_since(at)
    with store_option.history(project or store_option.settings.project) as history:
        try:
            found = slas.report(history, settings, period or settings.frequency, moment, trend_periods=trend_periods)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
    sent = None
    if channel is not None:
        try:
            sent = slas.send_report(found, settings, channel)
        except DeliveryError as exc:
            raise click.ClickException(f"the report was not sent: {exc}") from None
    if output is not None:
        output.write_text(slas.render(found, form), encoding="utf-8")
    if as_json:
        render.emit_json({**found.to_dict(), "sent": None if sent is None else vars(sent)})
        return
    if output is None:
        click.echo(slas.render(found, form), nl=False)
    else:
        click.echo(f"{slas.render(found, 'text').splitlines()[0]}\nwritten to {output}")
    if sent is not None:
        click.echo(f"sent through {sent.channel}" + (f" to {sent.recipients} recipients" if sent.recipients else ""))
