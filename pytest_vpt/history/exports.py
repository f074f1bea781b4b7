"""The rows an export writes, read as they are iterated: :meth:`ExportReads.export_rows` (a
mixin of :class:`pytest_vpt.history.History`). The queries are the store's
(pytest_vpt.store.export_queries); a batch at a time is in memory, never the whole range."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..store import StoreError, export_queries
from ..store.export_queries import QUERIES, UnknownExportQuery
from .record import Record
from .window import check_window

#: the longest range an export reads (as costs are read for: a year and a day)
LONGEST_EXPORT = 366 * 86400.0

__all__ = ["ExportColumn", "ExportReads", "ExportRows", "LONGEST_EXPORT", "UnknownExportQuery", "export_columns"]


@dataclass
class ExportColumn(Record):
    """A column of an export: its name, kind (text, int, float, time, bool, json), unit, meaning."""

    name: str
    kind: str
    unit: str
    description: str


def export_columns(query: str) -> list[ExportColumn]:
    """The columns of export query ``query`` (UnknownExportQuery names the known ones)."""
    return [ExportColumn(c.name, c.kind, c.unit, c.description) for c in export_queries.find(query).columns]


class ExportRows:
    """One query's columns and rows over a range; the rows are read (once) as they are iterated,
    in batches of plain tuples, in the column order."""

    def __init__(self, query: str, description: str, columns: list[ExportColumn], since: float, until: float,
                 batches: Iterator[list[tuple[Any, ...]]], csv: Iterator[bytes] | None = None) -> None:
        self.query, self.description, self.columns = query, description, columns
        self.since, self.until = since, until
        self._batches, self._csv = batches, csv

    def csv_chunks(self) -> Iterator[bytes] | None:
        """The same rows as CSV the database writes itself (PostgreSQL's COPY, ``sheet`` style
        only: no header, LF line ends), read as iterated; None where it cannot."""
        return self._csv

    @property
    def names(self) -> list[str]:
        return [column.name for column in self.columns]

    def batches(self) -> Iterator[list[tuple[Any, ...]]]:
        return self._batches

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        for batch in self._batches:
            yield from batch


class ExportReads:
    """The export reads of :class:`pytest_vpt.history.History`."""

    def export_rows(self, query: str, since: float, until: float, style: str = "raw") -> ExportRows:
        """The rows of export query ``query`` (one of :data:`EXPORT_QUERIES`) of the history's
        project (None: every project's) from ``since`` up to ``until`` (epoch seconds), read
        when iterated. ``style``: ``raw`` (as stored), ``iso`` (times as ISO 8601 UTC text) or
        ``sheet`` (``iso``, and text a spreadsheet would take for a formula made text)."""
        found = export_queries.find(query)
        check_window(since, until, LONGEST_EXPORT)
        if style not in export_queries.STYLES:
            raise ValueError(f"no export style {style!r}: one of {', '.join(export_queries.STYLES)}")
        conn = self.store.conn  # type: ignore[attr-defined]
        batches = export_queries.stream(conn, query, self.project, since, until, style)  # type: ignore[attr-defined]
        copied = export_queries.copy_csv(conn, query, self.project, since, until) if style == "sheet" else None  # type: ignore[attr-defined]
        return ExportRows(query, found.description, export_columns(query), since, until, self._guarded(batches),
                          None if copied is None else self._guarded(copied))

    def _guarded(self, batches: Iterator[Any]) -> Iterator[Any]:
        store = self.store  # type: ignore[attr-defined]
        try:
            yield from batches
        except store.errors as exc:
            raise StoreError(f"{store.url}: {store.reason(exc)}") from exc


#: the export queries, by name: what each holds
EXPORT_QUERIES = {name: query.description for name, query in QUERIES.items()}
