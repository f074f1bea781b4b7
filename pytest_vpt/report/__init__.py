"""``vpt report``: one self-contained HTML file (no server, nothing fetched when opened) with the
dashboards' panels over a range and the last run in detail, and the same in the terminal.

Reading (:mod:`.model`), drawing panels by kind (:mod:`.kinds`), the page (:mod:`.page`) and
the terminal (:mod:`.terminal`) are apart, so the service's pages can draw with the same kinds.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..history import History
from ..history.record import Record
from .kinds import shows_data
from .model import Report, read_report
from .page import render_page


@dataclass
class ReportWritten(Record):
    """What :func:`write_report` wrote: where, how many bytes, of which range and run."""

    path: str
    bytes: int
    project: str
    start: float
    end: float
    panels: int
    panels_with_data: int
    last_run: str | None
    tests: int


def render_report(history: History, since: float, until: float | None = None) -> str:
    """The report's HTML for ``history`` (opened for a project) from ``since`` to ``until`` (now)."""
    return render_page(read_report(history, since, until))


def write_report(history: History, path: Path | str, since: float, until: float | None = None,
                 on_progress: Callable[[int, int], Any] | None = None) -> ReportWritten:
    """Write the report to ``path``; ``on_progress(done, total)`` as :func:`read_report` tells it."""
    return save_report(read_report(history, since, until, on_progress=on_progress), path)


def save_report(report: Report, path: Path | str) -> ReportWritten:
    """Write a report read already to ``path`` (replaced whole: a reader never sees half of it)."""
    html = render_page(report).encode("utf-8")
    target = Path(path)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        partial.write_bytes(html)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    shown = [p for s in report.sections for p in s.panels]
    last = report.last_run
    return ReportWritten(str(target), len(html), report.project, report.start, report.end, len(shown),
                         sum(shows_data(p.data) for p in shown), None if last is None else last.run.run_id,
                         0 if last is None else len(last.tests))


__all__ = ["Report", "ReportWritten", "read_report", "render_report", "save_report", "write_report"]
