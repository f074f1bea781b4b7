"""The alert rules beside ``vpt monitor`` and ``vpt watch``: evaluated here while the producer
writes a local store and the project's configuration has an ``alerts:`` section (``--no-alerts``:
not), left to the server's own loop when it sends to a vpt server; said once on the terminal."""

from __future__ import annotations

from pathlib import Path

import click

from ..alerts.beside import RulesBeside, has_rules
from ..sinks import SinkReport
from .context import StoreOption
from .sink_account import to_server

no_alerts_option = click.option("--no-alerts", "no_alerts", is_flag=True,
                                help="do not evaluate the rules of the alerts: section beside it")


def rules_beside(store_option: StoreOption, report: SinkReport, config: Path | None,
                 off: bool) -> tuple[RulesBeside | None, str | None]:
    """The rules to run beside a producer writing through a sink with ``report`` (None: none
    here), and what to say of them once (None: nothing)."""
    if off:
        return None, None
    rootdir = store_option.rootdir
    if to_server(report):
        return None, ("alert rules: evaluated by the server's own loop (its alerts: section), not here"
                      if has_rules(rootdir, config) else None)
    beside = RulesBeside(store_option.settings.store, rootdir, config)
    if not beside.enabled:
        return None, None
    return beside, f"alert rules: evaluated every {beside.every:g} s beside it (--no-alerts: not)"


def tell(note: str | None) -> None:
    if note:
        click.echo(note, err=True)
