"""Output for people (tables that fit the terminal) and for programs (``--json``)."""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import click
from rich.console import Console
from rich.segment import Segment, Segments
from rich.table import Table
from rich.text import Text

from ..wording import duration, plural

OUTCOME_STYLES = {
    "passed": "green", "failed": "red", "error": "red", "skipped": "yellow",
    "xfailed": "yellow", "xpassed": "magenta", "rerun": "yellow",
}
_LONGEST = 1e9  # seconds (31 years): no duration this product records is longer


#: every command's --json
json_option = click.option("--json", "as_json", is_flag=True, help="print JSON instead of text")


def emit_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, sort_keys=False))


@dataclass(frozen=True)
class Column:
    """One column of a table, and how it gives way when the terminal is narrow.

    ``key``: the column identifies the row (node id, run id, device id): never hidden, never
    wrapped. ``priority``: 1 is kept longest; when the columns do not fit, the highest numbers
    are hidden first (rightmost first among equals), and a footer names them. ``fit``: how the
    cells give way: ``KEEP`` (shown in full or not at all), ``NODEID`` (shortened in the middle
    by :func:`shorten_nodeid`), ``MIDDLE`` (an ellipsis in the middle: URLs, paths), ``WRAP``
    (free text, folds onto more lines). ``cut``: cells are
    cut to this many characters unless ``--wide`` (run ids: 8). ``right``: right-aligned (numbers).
    """

    header: str
    key: bool = False
    priority: int = 2
    fit: str = "keep"
    cut: int | None = None
    right: bool = False


KEEP, NODEID, MIDDLE, WRAP = "keep", "nodeid", "middle", "wrap"
_SHORTENED = (NODEID, MIDDLE)
RUN_ID_LENGTH = 8
_GAP = 2  # columns are apart by two spaces
wide_option = click.option("--wide", is_flag=True, help="show every column in full, whatever the terminal's width")


def nodeid_column(header: str = "test") -> Column:
    """The column of a table listing tests: identifies the row, shortened in the middle."""
    return Column(header, key=True, fit=NODEID)


def run_id_column(header: str = "run") -> Column:
    """The column of a table listing runs: identifies the row, 8 characters unless ``--wide``."""
    return Column(header, key=True, cut=RUN_ID_LENGTH)


def table(
    title: str | None, columns: Sequence[Column | str], rows: Sequence[Sequence[Any]], *, wide: bool = False,
    right: Sequence[str] = (), wrap: Sequence[str] = (),
) -> None:
    """Print a table as wide as the terminal (``COLUMNS``; 80 when piped), or with ``wide`` every
    column in full. A plain string is a column of priority 2 (``right`` and ``wrap`` name those of
    them to right-align or let fold)."""
    console = _console()
    laid = layout(title, columns, rows, width=console.width, wide=wide, right=right, wrap=wrap)
    if wide:
        console = _console(max(console.width, laid.width))
    _print_trimmed(console, laid.table)
    if laid.hidden:
        _print_trimmed(console, Text(f"({plural(len(laid.hidden), 'column')} hidden: {', '.join(laid.hidden)}; "
                                     "--wide shows all)", style="dim"))


def _print_trimmed(console: Console, renderable: Table | Text) -> None:
    """Print line by line without the spaces rich pads each line with (a log or a file stays clean)."""
    for line in console.render_lines(renderable, pad=False):
        while line and not line[-1].control and not line[-1].text.strip():
            line.pop()
        if line and not line[-1].control:
            last = line[-1]
            line[-1] = Segment(last.text.rstrip(), last.style)
        console.print(Segments([*line, Segment.line()]))


@dataclass(frozen=True)
class Layout:
    """A table laid out for a width: the rich table, the headers of the columns it hides, and the
    width it takes."""

    table: Table
    hidden: list[str]
    width: int


def layout(
    title: str | None, columns: Sequence[Column | str], rows: Sequence[Sequence[Any]], *, width: int,
    wide: bool = False, right: Sequence[str] = (), wrap: Sequence[str] = (),
) -> Layout:
    """The table :func:`table` prints, laid out for ``width`` columns (for a live view)."""
    specs = [c if isinstance(c, Column) else Column(c, fit=WRAP if c in wrap else KEEP, right=c in right)
             for c in columns]
    cells = [[_cell(value, spec, wide) for value, spec in zip(row, specs)] for row in rows]
    natural = [max([len(spec.header), *(row[i].cell_len for row in cells)]) for i, spec in enumerate(specs)]
    widths = dict(enumerate(natural)) if wide else _fit(specs, natural, width)
    grid = Table(title=title, title_justify="left", header_style="bold", box=None, pad_edge=False)
    for i, size in widths.items():
        spec = specs[i]
        grid.add_column(spec.header, justify="right" if spec.right else "left", width=size,
                        no_wrap=wide or spec.fit != WRAP, overflow="fold")
    for row in cells:
        grid.add_row(*(row[i] if wide else _shorten(row[i], size, specs[i].fit) for i, size in widths.items()))
    hidden = [spec.header for i, spec in enumerate(specs) if i not in widths]
    return Layout(grid, hidden, sum(widths.values()) + _GAP * (len(widths) - 1))


def _cell(value: Any, spec: Column, wide: bool) -> Text:
    text = value.copy() if isinstance(value, Text) else Text("" if value is None else str(value))
    if spec.cut and not wide:
        text.truncate(spec.cut)
    return text


def _console(width: int | None = None) -> Console:
    console = Console(highlight=False, width=width)
    if width is None and not console.is_terminal and not os.environ.get("COLUMNS", "").isdigit():
        return Console(highlight=False, width=80)  # piped: the width a reader of the file expects
    return console


def _fit(specs: Sequence[Column], natural: Sequence[int], width: int) -> dict[int, int]:
    """Each shown column's width: the least important columns hidden until the smallest
    widths fit, then the space left shared by the shortened columns (the row's key twice as much)."""
    least = [_least(spec, full, width) for spec, full in zip(specs, natural)]
    shown = list(range(len(specs)))
    expendable = sorted((i for i, spec in enumerate(specs) if not spec.key),
                        key=lambda i: (specs[i].priority, i), reverse=True)

    def needed() -> int:
        return sum(least[i] for i in shown) + _GAP * (len(shown) - 1)

    while needed() > width and expendable:
        shown.remove(expendable.pop(0))
    widths = {i: least[i] for i in shown}
    spare = max(0, width - needed())
    wants = {i: (natural[i] - least[i]) * (2 if specs[i].key else 1) for i in shown}
    total = sum(wants.values())
    for i in sorted(shown, key=lambda i: (not specs[i].key, i)):  # shares of the space; what rounding leaves, key first
        extra = min(natural[i] - widths[i], spare * wants[i] // total if total else 0)
        widths[i] += extra
    left = width - sum(widths.values()) - _GAP * (len(shown) - 1)
    for i in sorted(shown, key=lambda i: (not specs[i].key, i)):
        extra = max(0, min(left, natural[i] - widths[i]))
        widths[i] += extra
        left -= extra
    return widths


def _least(spec: Column, natural: int, width: int) -> int:
    """The narrowest a column may be: a shortened one two fifths of the line, free text 20
    characters, the rest in full; never narrower than its header."""
    if spec.fit in _SHORTENED:
        return min(natural, max(len(spec.header), width * 2 // 5))
    if spec.fit == WRAP:
        return min(natural, max(len(spec.header), 20))
    return natural


def _shorten(text: Text, width: int, fit: str) -> Text:
    """A cell of a ``NODEID`` or ``MIDDLE`` column cut to ``width``, in the same style."""
    plain = text.plain
    if fit not in _SHORTENED or len(plain) <= width:
        return text
    return Text(shorten_nodeid(plain, width) if fit == NODEID else shorten_middle(plain, width), style=text.style)


def shorten_middle(value: str, width: int) -> str:
    """``value`` in at most ``width`` characters: its start and its end, an ellipsis between."""
    if len(value) <= width:
        return value
    if width < 3:
        return value[:width]
    start = (width - 1) // 2
    return value[:start] + "…" + value[len(value) - (width - 1 - start):]


def shorten_nodeid(nodeid: str, width: int) -> str:
    """``nodeid`` in at most ``width`` characters, the ellipsis in the middle: the folders give way
    first, then the start of the test's name; the file and the end of the name stay (when the file
    alone is too long: the file's start and the name's end).
    ``tests/a/b/test_x.py::test_long_name[p]`` -> ``tests/…/test_x.py::test_long_name[p]``."""
    if len(nodeid) <= width:
        return nodeid
    path, sep, name = nodeid.partition("::")
    folder, _, file = path.rpartition("/")
    tail = file + sep + name
    if len(tail) + 2 <= width:
        return folder[: width - len(tail) - 2] + "…/" + tail
    room = width - len(file + sep) - 1
    if room >= 12:
        return file + sep + "…" + name[-room:]
    return shorten_middle(tail, width)  # the file's start, the name's end


def outcome(text: str | None) -> Text:
    return Text(text or "", style=OUTCOME_STYLES.get(text or "", ""))


def day(epoch: float) -> str:
    """A UTC day, as the rollups count days."""
    return time.strftime("%Y-%m-%d", time.gmtime(epoch))


def hour(epoch: float) -> str:
    """A UTC hour, as the rollups count hours."""
    return time.strftime("%Y-%m-%d %H:00", time.gmtime(epoch))


def numbers(*headers: str, priority: int = 2) -> list[Column]:
    """Right-aligned columns of numbers."""
    return [Column(header, right=True, priority=priority) for header in headers]


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
    return duration(value)
