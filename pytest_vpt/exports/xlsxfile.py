"""Excel (XlsxWriter, constant-memory mode: a row is written, then gone): a sheet ``about`` with
the project, the range and each column's unit and meaning; a sheet per query (continued on
``<query> 2`` ... past Excel's 1,048,576 rows); a sheet per dashboard with its panels' tables
and native charts (see sheets.py). Every cell is typed: text is written as text (never a
formula), times as Excel date-times in UTC, flags as TRUE/FALSE, NULLs as empty cells."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, BinaryIO, ClassVar

from .base import Document, ExportError, OnRows
from .jsonfile import iso

#: the rows of a sheet Excel opens (the header included)
SHEET_ROWS = 1_048_576
#: Excel's serial day of 1970-01-01
EPOCH_DAY = 25569.0
DATE_FORMAT = "yyyy-mm-dd hh:mm:ss"
_WIDTHS = {"text": 18, "time": 20, "json": 24}


def serial(moment: float) -> float:
    """Epoch seconds as an Excel date-time (days since 1899-12-30)."""
    return moment / 86400.0 + EPOCH_DAY


def sheet_name(name: str, taken: set[str]) -> str:
    """``name`` as a sheet may be named (31 characters, none of ``[]:*?/\\``), unique in ``taken``."""
    clean = "".join(" " if ch in "[]:*?/\\" else ch for ch in name).strip("' ") or "sheet"
    base, number = clean[:31], 1
    while base.casefold() in taken:
        number += 1
        suffix = f" {number}"
        base = clean[:31 - len(suffix)] + suffix
    taken.add(base.casefold())
    return base


class XlsxExporter:
    format: ClassVar[str] = "xlsx"
    style: ClassVar[str] = "raw"
    holds: ClassVar[frozenset[str]] = frozenset({"queries", "dashboards", "figures"})

    def write(self, document: Document, out: BinaryIO, on_rows: OnRows) -> dict[str, int]:
        try:
            import xlsxwriter
        except ImportError:
            raise ExportError("format", "Excel export needs XlsxWriter: pip install 'pytest-vpt[export]'") from None
        from .sheets import write_dashboard

        book = xlsxwriter.Workbook(out, {"constant_memory": True, "strings_to_formulas": False,
                                         "strings_to_numbers": False, "strings_to_urls": False})
        formats = {"bold": book.add_format({"bold": True}), "date": book.add_format({"num_format": DATE_FORMAT}),
                   "title": book.add_format({"bold": True, "font_size": 14}),
                   "note": book.add_format({"italic": True, "font_color": "#555555"})}
        taken: set[str] = set()
        _about(book.add_worksheet(sheet_name("about", taken)), document, formats)
        counts: dict[str, int] = {}
        done = 0
        for rows in document.queries:
            counts[rows.query] = 0
            for count in _query_sheets(book, rows, formats, taken):
                counts[rows.query] += count
                done += count
                on_rows(done)
        for board in document.dashboards:
            write_dashboard(book, book.add_worksheet(sheet_name(board.title, taken)), board, formats)
        book.close()
        return counts


def _about(sheet: Any, document: Document, formats: dict[str, Any]) -> None:
    bold = formats["bold"]
    sheet.set_column(0, 0, 22)
    sheet.set_column(1, 3, 16)
    sheet.set_column(4, 4, 60)
    sheet.write_string(0, 0, "pytest-vpt export", formats["title"])
    lines = [("project", document.project or "every project"), ("from (UTC)", iso(document.since)),
             ("until (UTC)", iso(document.until))]
    for number, (label, value) in enumerate(lines, start=1):
        sheet.write_string(number, 0, label, bold)
        sheet.write_string(number, 1, value)
    row = len(lines) + 2
    if document.figures:
        for col, label in enumerate(("metric", "value", "unit", "", "meaning")):
            sheet.write_string(row, col, label, bold)
        for figure in document.figures:
            row += 1
            sheet.write_string(row, 0, figure.name)
            if figure.value is not None:
                sheet.write_number(row, 1, figure.value)
            sheet.write_string(row, 2, figure.unit)
            sheet.write_string(row, 4, figure.description)
        row += 2
    for rows in document.queries:
        sheet.write_string(row, 0, rows.query, bold)
        sheet.write_string(row, 4, rows.description, formats["note"])
        row += 1
        for col, label in enumerate(("column", "kind", "unit", "", "meaning")):
            sheet.write_string(row, col, label, bold)
        for column in rows.columns:
            row += 1
            for col, value in enumerate((column.name, column.kind, column.unit, "", column.description)):
                sheet.write_string(row, col, value)
        row += 2


def _cell_writers(sheet: Any, kinds: list[str], date: Any) -> list[Callable[[int, int, Any], Any]]:
    def as_date(row: int, col: int, value: Any) -> Any:
        return sheet.write_number(row, col, serial(value), date)

    def as_flag(row: int, col: int, value: Any) -> Any:
        return sheet.write_boolean(row, col, bool(value))

    def as_number(row: int, col: int, value: Any) -> Any:
        return sheet.write_number(row, col, float(value))

    chosen = {"time": as_date, "bool": as_flag, "int": as_number, "float": as_number}
    return [chosen.get(kind, sheet.write_string) for kind in kinds]


def _query_sheets(book: Any, rows: Any, formats: dict[str, Any], taken: set[str]):
    """Write the query's rows on as many sheets as they need; yields the rows of each batch."""
    kinds = [column.kind for column in rows.columns]
    sheet, writers, line = None, [], SHEET_ROWS
    for batch in rows.batches():
        for values in batch:
            if line == SHEET_ROWS:
                sheet = book.add_worksheet(sheet_name(rows.query, taken))
                writers = _cell_writers(sheet, kinds, formats["date"])
                for col, column in enumerate(rows.columns):
                    sheet.set_column(col, col, _WIDTHS.get(column.kind, 12))
                    sheet.write_string(0, col, column.name, formats["bold"])
                sheet.freeze_panes(1, 0)
                line = 1
            for col, value in enumerate(values):
                if value is not None:
                    writers[col](line, col, value)
            line += 1
        yield len(batch)
    if sheet is None:  # no rows: the header alone
        sheet = book.add_worksheet(sheet_name(rows.query, taken))
        for col, column in enumerate(rows.columns):
            sheet.write_string(0, col, column.name, formats["bold"])
