"""What every export format has in common: the one small interface (:class:`Exporter`), what an
export holds (:class:`Document`), the errors that name a bad value, and the file written whole
or not at all (:func:`output_file`)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, ClassVar, Protocol

from ..history import DashboardData, ExportRows

#: hears of the rows written so far (of every query), as they are written
OnRows = Callable[[int], Any]


class ExportError(ValueError):
    """A value an export cannot take; ``option`` names what gave it (query, dashboard, metric,
    timerange, output, format) and the message the value and what would do."""

    def __init__(self, option: str, message: str) -> None:
        super().__init__(message)
        self.option = option


@dataclass
class Figure:
    """A named figure of the range (``export_to_json(metrics=...)``): its value and unit."""

    name: str
    value: float | int | None
    unit: str
    description: str


@dataclass
class Document:
    """What one file holds: the project and range, queries' rows (read as written), dashboards'
    panels, named figures."""

    project: str | None
    since: float
    until: float
    queries: list[ExportRows] = field(default_factory=list)
    dashboards: list[DashboardData] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)


class Exporter(Protocol):
    """One format: ``format`` (its name, also the file suffix), ``style`` (how the store
    formats the rows for it: see pytest_vpt.store.export_queries), ``holds`` (what a document
    of it may have: queries, dashboards, figures), and ``write``, which returns the rows
    written per query."""

    format: ClassVar[str]
    style: ClassVar[str]
    holds: ClassVar[frozenset[str]]

    def write(self, document: Document, out: BinaryIO, on_rows: OnRows) -> dict[str, int]:
        ...


def check_holds(exporter: Exporter, queries: list[str], dashboards: list[Any], figures: list[str]) -> None:
    """An ExportError if an export asks what its format cannot hold (or nothing at all)."""
    given = {name for name, chosen in (("queries", queries), ("dashboards", dashboards), ("figures", figures))
             if chosen}
    if not given:
        raise ExportError("query", f"nothing to export: give a query ({exporter.format} holds "
                                   f"{', '.join(sorted(exporter.holds))})")
    extra = given - exporter.holds
    if extra:
        raise ExportError(_OPTION[sorted(extra)[0]], f"{exporter.format} holds only {', '.join(sorted(exporter.holds))}: "
                                                     f"not {', '.join(sorted(extra))}")
    if exporter.format == "csv" and len(queries) != 1:
        raise ExportError("query", f"a CSV file holds one query, not {len(queries)} ({', '.join(queries)}): "
                                   "export each to its own file, or use json or xlsx")


_OPTION = {"queries": "query", "dashboards": "dashboard", "figures": "metric"}


@contextmanager
def output_file(path: Path | str) -> Iterator[BinaryIO]:
    """A file that becomes ``path`` only when the block ends without an error (a failed export
    leaves no half file, and an existing one as it was). A path that cannot be written raises
    ExportError naming it, before anything is read."""
    target = Path(path)
    if target.is_dir():
        raise ExportError("output", f"cannot write {str(target)!r}: it is a folder")
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent or ".")
    except OSError as exc:
        raise ExportError("output", f"cannot write {str(target)!r}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(handle, "wb") as out:
            yield out
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, target)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise ExportError("output", f"cannot write {str(target)!r}: {exc.strerror or exc}") from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
