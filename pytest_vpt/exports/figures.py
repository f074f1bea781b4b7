"""The named figures ``export_to_json(metrics=[...])`` gives: a project's KPIs and costs over
the whole UTC days of a range (History.kpis and History.costs), each with its unit."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ..history import History
from .base import ExportError, Figure


@dataclass(frozen=True)
class _Named:
    unit: str
    description: str
    value: Callable[[Any, Any], Any]  # (Kpis, Costs) -> the figure


def _avg_duration(kpis: Any, costs: Any) -> float | None:
    total = costs.total
    return total.test_seconds / total.tests if total.tests else None


FIGURES: dict[str, _Named] = {
    "pass_rate": _Named("ratio", "final outcomes passed / (passed + failed + error), quarantined failures left out",
                        lambda k, c: k.tests.pass_rate),
    "avg_duration": _Named("s", "mean duration of a test run (its attempts' time / tests run)", _avg_duration),
    "device_uptime": _Named("ratio", "devices' time online / time covered by probes", lambda k, c: k.availability.uptime),
    "flaky_tests": _Named("tests", "tests run whose verdict is flaky", lambda k, c: k.tests.flaky_tests),
    "flaky_share": _Named("ratio", "flaky tests / tests run", lambda k, c: k.tests.flaky_share),
    "mtbf": _Named("s", "tests' mean time between failures (passing gaps before failure episodes)",
                   lambda k, c: k.episodes.mtbf),
    "mttr": _Named("s", "tests' mean time to repair (failure episodes ended)", lambda k, c: k.episodes.mttr),
    "device_mtbf": _Named("s", "devices' mean time online between incidents", lambda k, c: k.availability.mtbf),
    "device_mttr": _Named("s", "devices' mean time to recover from an incident", lambda k, c: k.availability.mttr),
    "device_incidents": _Named("incidents", "device incidents", lambda k, c: k.availability.incidents),
    "quality_score": _Named("score", "the quality score, 0 to 100", lambda k, c: k.quality.score),
    "runs": _Named("runs", "runs finished", lambda k, c: k.tests.runs),
    "tests_run": _Named("tests", "distinct tests run", lambda k, c: k.tests.tests_run),
    "tests_per_hour": _Named("tests/h", "tests per hour of wall time", lambda k, c: k.speed.tests_per_hour),
    "wall_p95": _Named("s", "95th percentile of a run's wall time", lambda k, c: k.speed.wall_p95),
    "video_incidents": _Named("incidents", "video incidents", lambda k, c: k.video.incidents),
    "video_qoe": _Named("score", "video quality of experience, 0 to 100", lambda k, c: k.video.qoe),
    "rerun_seconds": _Named("s", "time spent on reruns", lambda k, c: c.total.rerun_seconds),
    "lost_seconds": _Named("s", "time lost to reruns and failures of flaky and quarantined tests",
                           lambda k, c: c.total.lost_seconds),
}


def check_figures(names: Iterable[str]) -> list[str]:
    """The names, each one FIGURES has (else an ExportError naming it and the known ones)."""
    chosen = list(dict.fromkeys(names))
    for name in chosen:
        if name not in FIGURES:
            raise ExportError("metric", f"no metric {name!r}: known are {', '.join(FIGURES)}")
    return chosen


def figures(history: History, names: list[str], since: float, until: float) -> list[Figure]:
    """The figures ``names`` of the history's project over the whole UTC days of the range."""
    if not names:
        return []
    kpis = history.kpis(since, until)
    costs = history.costs(since, until)
    return [Figure(name, FIGURES[name].value(kpis, costs), FIGURES[name].unit, FIGURES[name].description)
            for name in names]
