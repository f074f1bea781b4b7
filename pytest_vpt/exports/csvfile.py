"""CSV (RFC 4180): one query, a header of its column names, CRLF line ends, fields quoted when
they hold a comma, a quote or a line break; UTF-8 with a byte-order mark, so that a
spreadsheet reads the text as UTF-8. Times are ISO 8601 UTC, empty cells are NULLs, and text a
spreadsheet would take for a formula starts with an apostrophe (the store's ``sheet`` style).

On PostgreSQL the server writes the rows itself (COPY ... TO STDOUT, FORMAT csv), and only its
line ends are made CRLF here (those between records: a line break inside a quoted field is
data); on SQLite Python's csv module writes the rows the cursor reads."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import BinaryIO, ClassVar

from .base import Document, OnRows


def crlf_records(chunks: Iterator[bytes]) -> Iterator[tuple[bytes, int]]:
    """CSV chunks with LF line ends as CRLF ones, each with the records it ends: a LF inside a
    quoted field (after an odd number of quotes in its record) is left as it is."""
    inside = False
    for data in chunks:
        if not inside and b'"' not in data:
            yield data.replace(b"\n", b"\r\n"), data.count(b"\n")
            continue
        out, ended = bytearray(), 0
        for number, part in enumerate(data.split(b'"')):
            if number:
                out += b'"'
                inside = not inside
            if inside:
                out += part
            else:
                ended += part.count(b"\n")
                out += part.replace(b"\n", b"\r\n")
        yield bytes(out), ended


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
        chunks = rows.csv_chunks()
        if chunks is not None:
            text.flush()
            step = 0
            for data, ended in crlf_records(chunks):
                out.write(data)
                written += ended
                step += ended
                if step >= 10_000:
                    on_rows(written)
                    step = 0
            on_rows(written)
        else:
            for batch in rows.batches():
                writer.writerows(batch)
                written += len(batch)
                on_rows(written)
            text.flush()
        text.detach()
        return {rows.query: written}
