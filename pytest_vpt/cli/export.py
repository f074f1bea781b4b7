"""``vpt export csv|json|xlsx``: queries' rows, dashboards' panels (with native Excel charts)
and named figures written to a file, streamed, through pytest_vpt.exports.AnalyticsExporter."""

from __future__ import annotations

import click

from ..exports import EXPORTERS, FIGURES, AnalyticsExporter, ExportError
from ..history.exports import EXPORT_QUERIES
from . import render
from .context import StoreOption
from .progress import shown

#: the option each of the exporter's errors is about
_OPTIONS = {"query": "--query", "dashboard": "--dashboard", "metric": "--metric", "timerange": "--range",
            "output": "--output", "format": "FORMAT"}


def print_summary(found: dict) -> None:
    click.echo(f"wrote {found['file']} ({found['format']}, {found['bytes']:,} bytes)")
    for query, rows in found["rows"].items():
        click.echo(f"  {query}: {rows:,} rows")
    for title in found["dashboards"]:
        click.echo(f"  dashboard {title}")
    if found["metrics"]:
        click.echo(f"  metrics: {', '.join(found['metrics'])}")


@click.command()
@click.argument("format", type=click.Choice(list(EXPORTERS)))
@click.option("--query", "-q", "queries", multiple=True, metavar="QUERY",
              help=f"rows to export (repeatable): {', '.join(EXPORT_QUERIES)}")
@click.option("--dashboard", "dashboards", multiple=True, metavar="NAME",
              help="a dashboard's panels, its title or uid (repeatable; xlsx and json)")
@click.option("--metric", "metrics", multiple=True, metavar="NAME",
              help=f"a named figure (repeatable; json and xlsx): {', '.join(FIGURES)}")
@click.option("--range", "timerange", default="30d", show_default=True, metavar="SPAN",
              help="up to now: 90m, 24h, 30d, 2w (at most 366 days)")
@click.option("--output", "-o", required=True, metavar="FILE", help="the file to write (replaced whole when done)")
@click.option("--project", help="this project's history (default: as pytest --vpt would name it)")
@click.option("--all-projects", is_flag=True, help="every project's rows (queries only)")
@render.json_option
@click.pass_obj
def export(store_option: StoreOption, format: str, queries: tuple[str, ...], dashboards: tuple[str, ...],
           metrics: tuple[str, ...], timerange: str, output: str, project: str | None, all_projects: bool,
           as_json: bool) -> None:
    """Export the history to CSV, JSON or Excel: rows of QUERY (test_executions, runs, tests,
    devices, incidents, metrics, kpis) over --range, dashboards' panels as tables with native
    charts (xlsx), named figures (--metric). Streamed: any number of rows in bounded memory."""
    with store_option.history(None if all_projects else project or store_option.settings.project) as history:
        exporter = AnalyticsExporter(history)
        with shown(f"exporting to {output}", "rows", quiet=as_json) as bar:
            try:
                found = exporter.export(format, output, queries, dashboards, metrics, timerange,
                                        on_rows=bar.update).to_dict()
            except ExportError as exc:
                raise click.BadParameter(str(exc), param_hint=f"'{_OPTIONS.get(exc.option, exc.option)}'") from None
    if as_json:
        render.emit_json(found)
        return
    print_summary(found)
