"""JSON: one object with the project, the range, each query's columns (name, kind, unit) and
rows (objects, column name to value), the named figures and the dashboards' panels. Written
as it is read: a row at a time. Times are ISO 8601 UTC text, flags true or false, and a
number that is not finite is null."""

from __future__ import annotations

import io
import json
import math
from datetime import datetime, timezone
from typing import Any, BinaryIO, ClassVar

from .base import Document, OnRows

#: what the file says it is, and the version of its layout
KIND, VERSION = "pytest-vpt export", 1


def iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_finite(item) for item in value]
    return value


def _dumps(value: Any) -> str:
    try:
        return json.dumps(value, allow_nan=False, ensure_ascii=False)
    except ValueError:
        return json.dumps(_finite(value), allow_nan=False, ensure_ascii=False)


def _board(board: Any) -> dict[str, Any]:
    """A dashboard's data as plain values (its rows hold records)."""
    return {"uid": board.uid, "title": board.title, "start": iso(board.start), "end": iso(board.end),
            "interval": board.interval, "variables": board.variables,
            "rows": [{"title": row["title"], "panels": [panel.to_dict() for panel in row["panels"]]} for row in board.rows]}


class JsonExporter:
    format: ClassVar[str] = "json"
    style: ClassVar[str] = "iso"
    holds: ClassVar[frozenset[str]] = frozenset({"queries", "dashboards", "figures"})

    def write(self, document: Document, out: BinaryIO, on_rows: OnRows) -> dict[str, int]:
        text = io.TextIOWrapper(out, encoding="utf-8", newline="\n", write_through=False)
        head = {"kind": KIND, "version": VERSION, "project": document.project, "since": iso(document.since),
                "until": iso(document.until)}
        text.write(_dumps(head)[:-1])
        counts: dict[str, int] = {}
        done = 0
        text.write(', "queries": {')
        for number, rows in enumerate(document.queries):
            columns = [{"name": c.name, "kind": c.kind, "unit": c.unit} for c in rows.columns]
            text.write(f'{", " if number else ""}{_dumps(rows.query)}: {{"columns": {_dumps(columns)}, "rows": [')
            names = rows.names
            flags = [index for index, column in enumerate(rows.columns) if column.kind == "bool"]
            count = 0
            for batch in rows.batches():
                for row in batch:
                    values = dict(zip(names, row))
                    for index in flags:
                        if row[index] is not None:
                            values[names[index]] = bool(row[index])
                    text.write(("\n" if count == 0 else ",\n") + _dumps(values))
                    count += 1
                done += len(batch)
                on_rows(done)
            text.write("]}")
            counts[rows.query] = count
        text.write('}, "metrics": ')
        text.write(_dumps({f.name: {"value": f.value, "unit": f.unit, "description": f.description}
                           for f in document.figures}))
        text.write(', "dashboards": ')
        text.write(_dumps([_board(board) for board in document.dashboards]))
        text.write("}\n")
        text.flush()
        text.detach()
        return counts
