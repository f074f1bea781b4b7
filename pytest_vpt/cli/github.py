"""``vpt github report``: a recorded run as a GitHub Actions job summary, annotations,
outputs and (optionally) a pull-request comment."""

from __future__ import annotations

import os

import click

from ..ci import FAIL_ON, PublishError, publish
from ..redaction import redact_text
from . import render
from .context import StoreOption


@click.group()
def github() -> None:
    """GitHub Actions: report a run to the workflow."""


@github.command()
@click.option("--run", "run_id", default="latest", show_default=True, metavar="ID|latest",
              help="the run (its id, or the start of it); latest: the newest of this CI build")
@click.option("--fail-on", type=click.Choice(FAIL_ON), default="never", show_default=True, envvar="VPT_FAIL_ON",
              help="exit 1 on any failure, or on regressions only (not quarantined, not failing on the base branch)")
@click.option("--comment", is_flag=True, envvar="VPT_COMMENT",
              help="write (or update) one pull-request comment; GITHUB_TOKEN from the environment")
@click.option("--dashboards", "dashboards_url", metavar="URL", envvar="VPT_DASHBOARDS_URL",
              help="the dashboards, linked from the summary")
@click.option("--project", envvar="VPT_PROJECT", help="the project's runs only, in a store (default: every "
              "project's; a server's token names its project)")
@click.option("--server", metavar="URL", help="read the run from this vpt server (default: VPT_SERVER or "
              "the vpt_server setting; token in VPT_TOKEN); with none, from the store")
@render.json_option
@click.pass_obj
def report(store_option: StoreOption, run_id: str, fail_on: str, comment: bool, dashboards_url: str | None,
           project: str | None, server: str | None, as_json: bool) -> None:
    """Write the run's job summary ($GITHUB_STEP_SUMMARY), outputs ($GITHUB_OUTPUT), annotations
    (workflow commands on stdout) and pull-request comment; exit 1 when --fail-on applies."""
    url = server or store_option.settings.server
    try:
        if url:
            published = publish(url, run_id, os.environ, fail_on=fail_on, comment=comment,
                                dashboards_url=dashboards_url)
        else:
            with store_option.history(project or None) as history:
                published = publish(history, run_id, os.environ, fail_on=fail_on, comment=comment,
                                    dashboards_url=dashboards_url)
    except (PublishError, ValueError) as exc:
        raise click.ClickException(redact_text(str(exc))) from None
    if as_json:
        render.emit_json(published.to_dict())
    elif published.run_id:
        counts = published.counts
        click.echo(f"run {published.run_id}: {counts['tests']} tests, {counts['failed']} failed, "
                   f"{counts['errors']} errors, {counts['new_failures']} new failures; "
                   f"{published.annotations} annotations, {published.summary_bytes} bytes of summary"
                   + (f", comment {published.comment_url}" if published.comment_url else ""))
    raise SystemExit(published.exit_code)
