"""``vpt analytics``: analyses over the history; ``correlate`` says how two series move together."""

from __future__ import annotations

import textwrap
from typing import Any

import click

from ..analytics.correlation import span_text
from . import render
from .context import StoreOption
from .timespec import parse_span

_OPTIONS = {"timerange": "'--range'", "bucket": "'--bucket'", "device": "'--device'", "metric_a": "'A'",
            "metric_b": "'B'"}
_C = render.Column


@click.group()
def analytics() -> None:
    """Analyses over the history: correlations between series."""


def _span(text: str | None, option: str) -> float | None:
    if text is None:
        return None
    try:
        return parse_span(text)
    except click.BadParameter as exc:
        exc.param_hint = option
        raise


def _coefficient(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _p(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3g}"


def print_correlation(found: dict[str, Any], wide: bool = False) -> None:
    """The coefficients, the series and how each was read, the pairs, and the warnings."""
    a, b = found["a"], found["b"]
    of_device = f", device {found['device']}" if found["device"] else ""
    click.echo(textwrap.fill(f"{a['name']} and {b['name']} in {found['project']}{of_device}", 80))
    click.echo(f"from {render.when(found['since'])} to {render.when(found['until'])}, "
               f"buckets of {span_text(found['bucket'])}")
    click.echo(f"{found['pairs']} pairs ({found['pairing']})\n")
    render.table(None, [_C("coefficient", key=True), _C("value", right=True, priority=1), _C("p-value", right=True)],
                 [["pearson", _coefficient(found["pearson"]), _p(found["pearson_p"])],
                  ["spearman", _coefficient(found["spearman"]), _p(found["spearman_p"])]], wide=wide)
    click.echo("")
    render.table(None, [_C("series", key=True, fit=render.MIDDLE), _C("kind"), *(_C(h, right=True) for h in ("buckets", "devices",
                                                                                           "unpaired"))],
                 [[s["name"], s["kind"], s["buckets"], s["devices"], s["unpaired"]] for s in (a, b)], wide=wide)
    click.echo("")
    for each in (a, b):
        source = f" ({each['source']})" if each["source"] != each["name"] else ""
        click.echo(textwrap.fill(f"{each['name']}{source}: {each['read']}", 80, subsequent_indent="  "))
    if found["warnings"]:
        click.echo("\nwarnings:")
        for warning in found["warnings"]:
            click.echo(textwrap.fill(warning, 80, initial_indent="- ", subsequent_indent="  "))


@analytics.command()
@click.argument("a")
@click.argument("b")
@click.option("--range", "timerange", default="7d", show_default=True, metavar="SPAN",
              help="how far back from now (30m, 12h, 7d, 2w)")
@click.option("--bucket", metavar="SPAN", help="the buckets' size, 1m to 7d (default: 1h up to a 7d range, else 1d)")
@click.option("--device", metavar="DEVICE", help="only this device's buckets")
@click.option("--project", help="this project's series (default: as pytest --vpt would name it)")
@render.json_option
@render.wide_option
@click.pass_obj
def correlate(store_option: StoreOption, a: str, b: str, timerange: str, bucket: str | None, device: str | None,
              project: str | None, as_json: bool, wide: bool) -> None:
    """How series A and B move together: Pearson's and Spearman's coefficients over the range's
    buckets, paired per device, with their p-values.

    A series is a built-in (test_failure_rate, pass_rate, test_duration, device_uptime,
    response_time, incidents_per_hour), a probe value (device.NAME or NAME) or a custom metric.
    """
    from ..history.correlation import BadCorrelation, UnknownSeries

    span, size = _span(timerange, "'--range'"), _span(bucket, "'--bucket'")
    with store_option.history(project or store_option.settings.project) as history:
        try:
            found = history.correlate(a, b, span, device, size).to_dict()
        except UnknownSeries as exc:
            raise click.BadParameter(str(exc), param_hint=_OPTIONS[exc.which]) from None
        except BadCorrelation as exc:
            raise click.BadParameter(str(exc), param_hint=_OPTIONS[exc.field]) from None
        except ImportError as exc:  # no SciPy: the message says what to install
            raise click.ClickException(str(exc)) from None
    if as_json:
        render.emit_json(found)
        return
    print_correlation(found, wide)
