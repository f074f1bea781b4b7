"""Output for people (tables) and for programs (``--json``)."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Sequence
from typing import Any

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

OUTCOME_STYLES = {
    "passed": "green", "failed": "red", "error": "red", "skipped": "yellow",
    "xfailed": "yellow", "xpassed": "magenta", "rerun": "yellow",
}
_LONGEST = 1e9  # seconds (31 years): no duration this product records is longer


def emit_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, sort_keys=False))


def table(
    title: str | None, columns: Sequence[str], rows: Sequence[Sequence[Any]],
    right: Sequence[str] = (), wrap: Sequence[str] = (),
) -> None:
    """Print a table; ``right`` names the columns to right-align (numbers), ``wrap`` those that
    may fold when the terminal is narrow (the others keep their width)."""
    console = Console(highlight=False)
    if not console.is_terminal:  # piped: do not squeeze the table into 80 columns
        console = Console(highlight=False, width=200)
    grid = Table(title=title, title_justify="left", header_style="bold", box=None, pad_edge=False)
    for name in columns:
        grid.add_column(name, justify="right" if name in right else "left", overflow="fold", no_wrap=name not in wrap)
    for row in rows:
        grid.add_row(*(cell if isinstance(cell, Text) else Text("" if cell is None else str(cell)) for cell in row))
    console.print(grid)


def outcome(text: str | None) -> Text:
    return Text(text or "", style=OUTCOME_STYLES.get(text or "", ""))


def when(epoch: float | None) -> str:
    """A local time for people; a time no calendar can show (an old store may hold one) as ``?``."""
    if epoch is None:
        return ""
    try:
        return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(epoch))
    except (OverflowError, OSError, ValueError, TypeError):
        return f"? ({_raw(epoch)})"


def _raw(value: object) -> str:
    return f"{value:.6g}" if isinstance(value, (int, float)) else repr(value)


def _absurd(value: object) -> bool:
    """Whether a number of seconds is beyond what a duration can be (or not a number at all)."""
    return not isinstance(value, (int, float)) or not math.isfinite(value) or abs(value) >= _LONGEST


def seconds(value: float | None) -> str:
    if value is None:
        return ""
    if _absurd(value):
        return f"? ({_raw(value)}s)"
    return f"{value * 1000:.0f}ms" if value < 1 else f"{value:.2f}s"


def tenths(value: float | None) -> str:
    """Seconds to a tenth: ``1.3 s``."""
    if value is None:
        return ""
    return f"? ({_raw(value)}s)" if _absurd(value) else f"{value:.1f} s"


def percent(value: float | None) -> str:
    return "" if value is None else f"{value:.1%}"


def span(value: float | None) -> str:
    """A duration for people: ``850ms``, ``42s``, ``12m 05s``, ``3h 20m``, ``2d 04h``."""
    if value is None:
        return ""
    if _absurd(value):
        return f"? ({_raw(value)}s)"
    if value < 1:
        return f"{value * 1000:.0f}ms"
    whole = int(round(value))
    for unit, size, small, small_size in (("d", 86400, "h", 3600), ("h", 3600, "m", 60), ("m", 60, "s", 1)):
        if whole >= size:
            return f"{whole // size}{unit} {whole % size // small_size:02d}{small}"
    return f"{value:.0f}s" if value >= 10 else f"{value:.1f}s"
