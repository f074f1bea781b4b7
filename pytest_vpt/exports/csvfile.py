"""CSV (RFC 4180): one query, a header of its column names, CRLF line ends, fields quoted when
they hold a comma, a quote or a line break; UTF-8 with a byte-order mark, so that a
spreadsheet reads the text as UTF-8. Times are ISO 8601 UTC, empty cells are NULLs, and text a
spreadsheet would take for a formula starts with an apostrophe (the store's ``sheet`` style)."""

from __future__ import annotations

import csv
import io
from typing import BinaryIO, ClassVar

from .base import Document, OnRows


class CsvExporter:
    format: ClassVar[str] = "csv"
    style: ClassVar[str] = "sheet"
    holds: ClassVar[frozenset[str]] = frozenset({"queries"})

    def __init__(self, bom: bool = True) -> None:
        self.bom = bom

    def write(self, document: Document, out: BinaryIO, on_rows: OnRows) -> dict[str, int]:
        (rows,) = document.queries
        text = io.TextIOWrapper(out, encoding="utf-8-sig" if self.bom else "utf-8", newline="", write_through=False)
        writer = csv.writer(text, dialect="excel", lineterminator="\r\n")
        writer.writerow(rows.names)
        written = 0
        for batch in rows.batches():
            writer.writerows(batch)
            written += len(batch)
            on_rows(written)
        text.flush()
        text.detach()
        return {rows.query: written}
