"""The ``vpt`` command: a thin shell over the history façade (pytest_vpt.history).

Each subcommand's module is imported when that command runs (``vpt --help`` imports them
all, for their summaries), so ``vpt push`` in a CI step loads neither the service nor the
video stack, and starts in a fraction of the time and memory.
"""

from __future__ import annotations

import importlib

import click

from .. import __version__

#: command name -> the module (in this package) and the name of its click command
COMMANDS = {
    "runs": "history:runs", "run": "history:run", "tests": "history:tests", "flaky": "flaky:flaky",
    "metrics": "metrics:metrics", "trends": "trends:trends", "quarantine": "quarantine:quarantine",
    "devices": "devices:devices", "monitor": "devices:monitor", "db": "db:db", "server": "server:server",
    "token": "server:token", "push": "push:push", "github": "github:github", "video": "video:video",
    "watch": "video:watch", "kpis": "kpis:kpis", "costs": "costs:costs",
    "failures": "failures:failures", "export": "export:export", "analytics": "analytics:analytics", "grafana": "grafana:grafana", "live": "live:live",
    "report": "report:report",
    "alerts": "alerts:alerts",
    "sla": "sla:sla",
}


class _Commands(click.Group):
    """A group whose commands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module, command = COMMANDS[name].split(":")
        return getattr(importlib.import_module(f".{module}", __name__), command)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="vpt")
@click.option("--store", metavar="URL", help="store URL (default: VPT_STORE, the ini file's vpt_store, "
              "or .vpt/vpt.db in the project directory)")
@click.pass_context
def cli(ctx: click.Context, store: str | None) -> None:
    """pytest-vpt: the history of your test runs."""
    from .context import StoreOption

    ctx.obj = StoreOption(store)


def main() -> None:
    cli(prog_name="vpt")
