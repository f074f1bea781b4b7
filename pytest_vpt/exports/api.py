"""The exports as a Python API: :class:`AnalyticsExporter` writes a store's history (queries'
rows, dashboards' panels, named figures) to CSV, JSON or Excel; the CLI calls it too."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..history import History, UnknownPanel
from ..history.exports import EXPORT_QUERIES
from ..history.panels import find_dashboard
from ..history.record import Record
from . import figures as named
from .base import Document, ExportError, Exporter, check_holds, output_file
from .csvfile import CsvExporter
from .jsonfile import JsonExporter
from .timerange import resolve
from .xlsxfile import XlsxExporter

#: the formats, by name (also the files' suffix)
EXPORTERS: dict[str, Callable[[], Exporter]] = {"csv": CsvExporter, "json": JsonExporter, "xlsx": XlsxExporter}


@dataclass
class ExportSummary(Record):
    """What an export wrote: the file, its format and size, the range, the rows per query, the
    dashboards' titles and the figures' names."""

    format: str
    file: str
    bytes: int
    project: str | None
    since: float
    until: float
    rows: dict[str, int] = field(default_factory=dict)
    dashboards: list[str] = field(default_factory=list)
    metrics: list[str] = field(default_factory=list)


class AnalyticsExporter:
    """Exports of the history in ``store`` (a History, a store URL, or None: the store
    ``pytest --vpt`` writes from here) for ``project`` (None: a given History's project, else
    the one ``pytest --vpt`` names from here; ``all_projects``: every project's rows).

    Each export raises ExportError for a value it cannot take (its ``option`` names which), and
    writes its file whole or not at all."""

    def __init__(self, store: History | str | None = None, project: str | None = None, base_dir: Path | str = ".",
                 all_projects: bool = False) -> None:
        self._history = store if isinstance(store, History) else None
        self._store, self._base_dir = None if isinstance(store, History) else store, base_dir
        self._project, self._all = project, all_projects

    def export(self, format: str, output: Path | str, queries: Iterable[str] = (), dashboards: Iterable[str] = (),
               metrics: Iterable[str] = (), timerange: Any = "30d",
               on_rows: Callable[[int], Any] | None = None) -> ExportSummary:
        """Write ``queries``' rows, ``dashboards``' panels and the figures ``metrics`` over
        ``timerange`` (``30d``, ``12h``, seconds, or (since, until)) to ``output`` in
        ``format`` (csv, json, xlsx). ``on_rows(n)`` hears of the rows written so far."""
        if format not in EXPORTERS:
            raise ExportError("format", f"no export format {format!r}: one of {', '.join(EXPORTERS)}")
        exporter = EXPORTERS[format]()
        chosen = list(dict.fromkeys(queries))
        for name in chosen:
            if name not in EXPORT_QUERIES:
                raise ExportError("query", f"no export query {name!r}: known are {', '.join(EXPORT_QUERIES)}")
        try:
            boards = [find_dashboard(name) for name in dict.fromkeys(dashboards)]
        except UnknownPanel as exc:
            raise ExportError("dashboard", str(exc)) from None
        wanted = named.check_figures(metrics)
        check_holds(exporter, chosen, boards, wanted)
        since, until = resolve(timerange)
        with self._opened() as history:
            if wanted and not history.project:
                raise ExportError("metric", "metrics are a project's: give the exporter a project")
            document = Document(history.project, since, until,
                                [history.export_rows(name, since, until, exporter.style) for name in chosen])
            with output_file(output) as out:
                document.dashboards = [history.dashboard_data(board, since, until) for board in boards]
                document.figures = named.figures(history, wanted, since, until)
                counts = exporter.write(document, out, on_rows or (lambda done: None))
        return ExportSummary(format, str(output), os.path.getsize(output), document.project, since, until, counts,
                             [board.title for board in boards], wanted)

    def export_to_csv(self, query: str, timerange: Any = "30d", *, output: Path | str,
                      on_rows: Callable[[int], Any] | None = None) -> ExportSummary:
        """One query's rows (see EXPORT_QUERIES) over ``timerange`` as a CSV file (RFC 4180)."""
        return self.export("csv", output, [query], timerange=timerange, on_rows=on_rows)

    def export_to_excel(self, dashboards: Iterable[str] = (), *, output: Path | str, queries: Iterable[str] = (),
                        metrics: Iterable[str] = (), timerange: Any = "30d",
                        on_rows: Callable[[int], Any] | None = None) -> ExportSummary:
        """An Excel workbook: a sheet per dashboard (its panels' tables and native charts), a
        sheet per query, the figures ``metrics`` on the ``about`` sheet."""
        return self.export("xlsx", output, queries, dashboards, metrics, timerange, on_rows)

    def export_to_json(self, metrics: Iterable[str] = (), *, output: Path | str, queries: Iterable[str] = (),
                       dashboards: Iterable[str] = (), timerange: Any = "30d",
                       on_rows: Callable[[int], Any] | None = None) -> ExportSummary:
        """A JSON document of the figures ``metrics`` (see FIGURES), queries' rows and dashboards."""
        return self.export("json", output, queries, dashboards, metrics, timerange, on_rows)

    def _opened(self) -> Any:
        from contextlib import contextmanager

        @contextmanager
        def opened():
            if self._history is not None:
                yield self._history
                return
            history = History.open(self._store, self._base_dir)
            try:
                history.project = None if self._all else self._project or _default_project(self._store)
                yield history
            finally:
                history.close()

        return opened()


def _default_project(store: Any) -> str | None:
    from ..config import settings_outside_pytest

    return settings_outside_pytest(store=store if isinstance(store, str) else None)[0].project
