"""``vpt report``: the dashboards' panels and the last run as one HTML file that opens offline
(a CI artifact), or ``--terminal``: the pass rate, the runs and the top flaky and failing tests."""

from __future__ import annotations

from pathlib import Path

import click

from ..history.panels import LONGEST_RANGE
from ..report import read_report, save_report
from ..report.model import as_dict
from ..report.terminal import print_report
from . import progress, render
from .context import StoreOption
from .timespec import window_start


@click.command()
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default="vpt-report.html",
              show_default=True, help="the HTML file to write")
@click.option("--since", default="30d", show_default=True, metavar="WHEN",
              help="the history from then: 7d, 12h, 2w or a date like 2026-11-01")
@click.option("--project", help="this project's report (default: as pytest --vpt would name it)")
@click.option("--terminal", is_flag=True, help="print the report here instead of writing HTML")
@render.json_option
@click.pass_obj
def report(store_option: StoreOption, output: Path, since: str, project: str | None, terminal: bool,
           as_json: bool) -> None:
    """Write one self-contained HTML report of the history and the last run."""
    start = window_start(since, longest=LONGEST_RANGE)
    with store_option.history(project or store_option.settings.project) as history:
        try:
            with progress.shown("reading the history", "reads", quiet=as_json) as bar:
                found = read_report(history, start, on_progress=bar.update)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
    if terminal and as_json:
        render.emit_json(as_dict(found))
        return
    if terminal:
        print_report(found)
        return
    try:
        written = save_report(found, output)
    except OSError as exc:
        raise click.ClickException(f"cannot write {output}: {exc.strerror or exc}") from None
    if as_json:
        render.emit_json(written.to_dict())
        return
    click.echo(f"wrote {written.path} ({written.bytes / 1024:.0f} KiB): {written.panels_with_data} of "
               f"{written.panels} panels with data, " +
               (f"last run {written.last_run[:12]} with {written.tests} tests" if written.last_run else "no run yet"))
