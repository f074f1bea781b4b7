"""What the report shows, read from the history: the catalogue's panels (as Grafana shows
them), the KPIs, the detected changes, flaky tests, failure causes, video incidents and the
last run. :func:`read_report` reads it; the page and the terminal only draw it."""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Callable
from typing import Any

from ..history import History, HistoryError
from ..history.changes import Changes
from ..history.failures import FailureReport
from ..history.health import VideoIncident
from ..history.kpis import Kpis
from ..history.panels import PanelData
from ..history.runs import Run, TestResult
from ..history.verdicts import FlakyTest
from ..panels.catalogue import DASHBOARDS, panels
from ..panels.catalogue.test_execution import PASS_RATE_TARGET
from ..panels.model import Panel
from .values import plain

#: the report's sections: a title and the catalogue panels it shows, in order
SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("KPIs and SLA", ("pass-rate-gauge", "sla-days", "quality-score-now", "test-mtbf-mttr", "cost-lost", "outcomes")),
    ("Pass and fail over time", ("pass-rate", "execution-timeline")),
    ("Durations", ("duration-trend", "tests-per-hour")),
    ("Flaky tests", ("flaky-tests",)),
    ("Failures", ("failure-causes", "failure-heatmap")),
    ("Devices", ("device-status", "availability", "uptime", "device-incidents")),
    ("Video", ("video-incident-counts", "video-incidents-by-kind", "quality-score")),
)
CATALOGUE: dict[str, Panel] = {p.key: p for board in DASHBOARDS for p in panels(board)}
#: a thumbnail is embedded when it is a PNG or JPEG of at most this many bytes
THUMBNAIL_MAX = 256 * 1024
_IMAGE_TYPES = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"))


@dataclass
class ShownPanel:
    """A catalogue panel (its definition) and what it shows over the report's range."""

    spec: Panel
    data: PanelData


@dataclass
class Section:
    title: str
    panels: list[ShownPanel]


@dataclass
class LastRun:
    """The newest run: its final tests, the reruns before them, its quarantined tests (node id
    -> reason), and the tests whose device was offline when they failed."""

    run: Run
    tests: list[TestResult]
    reruns: list[TestResult]
    quarantined: dict[str, str]

    @property
    def failures(self) -> list[TestResult]:
        return [t for t in self.tests if t.outcome in ("failed", "error")]

    @property
    def device_offline(self) -> list[TestResult]:
        return [t for t in self.failures if t.device_offline]

    def slowest(self, count: int = 10) -> list[TestResult]:
        return sorted((t for t in self.tests if t.duration is not None), key=lambda t: -(t.duration or 0))[:count]


@dataclass
class Report:
    """Everything a report shows for ``project`` from ``start`` to ``end``."""

    project: str
    start: float
    end: float
    generated_at: float
    engine: str
    target: float
    sections: list[Section]
    kpis: Kpis
    changes: Changes | None
    flaky: list[FlakyTest]
    failures: FailureReport
    video_incidents: list[VideoIncident]
    thumbnails: dict[int, str] = field(default_factory=dict)  # incident index -> data: URI
    last_run: LastRun | None = None

    def panel(self, key: str) -> ShownPanel | None:
        return next((p for s in self.sections for p in s.panels if p.spec.key == key), None)


def read_report(history: History, since: float, until: float | None = None, flaky_limit: int = 20,
                on_progress: Callable[[int, int], Any] | None = None) -> Report:
    """The report of ``history`` (opened for a project) from ``since`` to ``until`` (now);
    ``on_progress(done, total)`` is told of each read as it ends."""
    if not history.project:
        raise ValueError("a report is a project's: open the history with project=...")
    end = time.time() if until is None else until
    keys = [key for _, keys in SECTIONS for key in keys]
    total, done = len(keys) + len(_READS), 0

    def step(value: Any) -> Any:
        nonlocal done
        done += 1
        if on_progress is not None:
            on_progress(done, total)
        return value

    shown = {key: step(ShownPanel(CATALOGUE[key], history.panel_data(key, since, end))) for key in keys}
    sections = [Section(title, [shown[key] for key in keys]) for title, keys in SECTIONS]
    try:
        changes = step(history.changes(since, end))
    except (HistoryError, ValueError):
        changes = step(None)  # too few runs to tell a change
    incidents = step(history.video_incidents(since=since, limit=50))
    return Report(
        history.project, since, end, time.time(), history.store.engine, PASS_RATE_TARGET, sections,
        step(history.kpis(since, end)), changes,
        step(history.flaky(statuses=("flaky", "broken"), since=since, limit=flaky_limit)),
        step(history.failures(since, end, limit=10)), incidents,
        {i: uri for i, incident in enumerate(incidents) if (uri := thumbnail_uri(incident.thumbnail))},
        step(_last_run(history)))


#: the reads besides the panels (for the progress's total)
_READS = ("changes", "video incidents", "kpis", "flaky", "failures", "last run")


def _last_run(history: History) -> LastRun | None:
    runs = history.runs(limit=1)
    if not runs:
        return None
    run = runs[0]
    attempts = history.run_tests(run.run_id, all_attempts=True)
    final = [t for t in attempts if t.is_final]
    quarantined = history.quarantined()
    ran = {t.nodeid for t in final}
    return LastRun(run, final, [t for t in attempts if not t.is_final],
                   {nodeid: reason for nodeid, reason in quarantined.items() if nodeid in ran})


def thumbnail_uri(path: str | None) -> str | None:
    """The incident's thumbnail as a data: URI when the file is there and is a small PNG or JPEG."""
    if not path:
        return None
    try:
        found = Path(path)
        if not found.is_file() or found.stat().st_size > THUMBNAIL_MAX:
            return None
        content = found.read_bytes()
    except (OSError, ValueError):
        return None
    kind = next((mime for magic, mime in _IMAGE_TYPES if content.startswith(magic)), None)
    return None if kind is None else f"data:{kind};base64,{base64.b64encode(content).decode()}"


def as_dict(report: Report) -> dict[str, Any]:
    """What the report shows, as plain values (``vpt report --json`` prints a summary of it)."""
    shown = {p.spec.key: {**p.data.to_dict(), "queries": [
        {**q.to_dict(), "rows": [[plain(v) for v in row] for row in q.rows]} for q in p.data.queries]}
        for s in report.sections for p in s.panels}
    last = report.last_run
    return {"project": report.project, "start": report.start, "end": report.end, "panels": shown,
            "kpis": report.kpis.to_dict(), "flaky": [t.to_dict() for t in report.flaky],
            "last_run": None if last is None else {"run": last.run.to_dict(), "tests": len(last.tests),
                                                   "failures": len(last.failures), "reruns": len(last.reruns),
                                                   "quarantined": len(last.quarantined)}}
