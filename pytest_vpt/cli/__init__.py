"""The ``vpt`` command: a thin shell over the history façade (pytest_vpt.history)."""

from __future__ import annotations

import click

from .. import __version__
from .context import StoreOption
from .db import db
from .push import push
from .server import server, token
from .devices import devices, monitor
from .flaky import flaky
from .github import github
from .history import run, runs, tests
from .metrics import metrics
from .quarantine import quarantine
from .trends import trends
from .video import video, watch


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="vpt")
@click.option("--store", metavar="URL", help="store URL (default: VPT_STORE, the ini file's vpt_store, "
              "or .vpt/vpt.db in the project directory)")
@click.pass_context
def cli(ctx: click.Context, store: str | None) -> None:
    """pytest-vpt: the history of your test runs."""
    ctx.obj = StoreOption(store)


cli.add_command(runs)
cli.add_command(run)
cli.add_command(tests)
cli.add_command(flaky)
cli.add_command(metrics)
cli.add_command(trends)
cli.add_command(quarantine)
cli.add_command(devices)
cli.add_command(monitor)
cli.add_command(db)
cli.add_command(server)
cli.add_command(token)
cli.add_command(push)
cli.add_command(github)
cli.add_command(video)
cli.add_command(watch)


def main() -> None:
    cli(prog_name="vpt")
