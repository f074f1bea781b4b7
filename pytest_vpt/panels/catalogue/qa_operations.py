"""QA Operations: what ran (runs, volume, outcomes, durations), how the devices were used, why
tests failed, and what the tests cover: code coverage where recorded, tests per device and per
marker."""

from __future__ import annotations

from ...analytics.costs import COVERAGE_PERCENT
from ..model import Dashboard, Panel, Query, Row, Threshold
from .device_health import UTILISATION
from .test_execution import (DURATION_TREND, FAILURE_CAUSES, FAILURE_HEATMAP, OUTCOMES, TESTS_PER_HOUR,
                             TIMELINE)
from .sources import GROUPS
from .variables import BRANCH, DEVICE, PROJECT

_COVERAGE_STEPS = (Threshold(None, "red"), Threshold(60.0, "orange"), Threshold(80.0, "green"))
# the coverage each run recorded (its own, not a test's), through the metrics' (name, time) index
_COVERAGE = (f"FROM metrics m JOIN runs r ON r.run_id = m.run_id WHERE m.name = '{COVERAGE_PERCENT}' "
             "AND $window(m.time) AND m.project = $var(project) AND m.test_id IS NULL AND $in(r.vcs_branch, branch)")

RUNS = Panel(
    "recent-runs", "Recent runs",
    "The finished runs started in the range, newest first: their branch, tests and outcomes, "
    "reruns, wall time (start to finish) and CPU time.",
    "table",
    (Query("SELECT started_at AS started, vcs_branch AS branch, tests, passed, failed, error, skipped, "
           "rerun AS reruns, finished_at - started_at AS \"wall seconds\", cpu_seconds AS \"cpu seconds\" "
           "FROM runs WHERE project = $var(project) AND status = 'finished' AND $window(started_at) "
           "AND $in(vcs_branch, branch) ORDER BY started_at DESC LIMIT 100"),),
    thresholds=(Threshold(None, "green"),), width=24, height=9,
)
COVERAGE = Panel(
    "coverage", "Code coverage",
    f"The code coverage the runs recorded (the {COVERAGE_PERCENT} metric, pytest-cov's total), "
    "averaged over each interval; the latest run's beside it.",
    "timeseries",
    (Query(f"SELECT $bucket(m.time) AS \"time\", avg(m.value) AS coverage {_COVERAGE} GROUP BY 1 ORDER BY 1",
           "time_series"),),
    unit="percent", minimum=0, maximum=100, thresholds=_COVERAGE_STEPS, width=16,
)
COVERAGE_NOW = Panel(
    "coverage-latest", "Coverage, latest run",
    f"The code coverage of the latest run in the range that recorded it ({COVERAGE_PERCENT}).",
    "stat",
    (Query(f"SELECT m.value AS coverage {_COVERAGE} ORDER BY m.time DESC LIMIT 1"),),
    unit="percent", minimum=0, maximum=100, thresholds=_COVERAGE_STEPS, width=8,
)
TESTS_PER_DEVICE = Panel(
    "tests-per-device", "Tests per device",
    "The finished runs' final attempts that ran on each device in the range, the most in one run "
    "(each runs a test once), and their hours.",
    "table",
    (Query("SELECT name AS device, sum(tests) AS tests, max(tests) AS \"most in a run\", "
           f"sum(test_seconds) / 3600.0 AS hours {GROUPS} AND kind = 'device' AND $in(name, device) "
           "GROUP BY name ORDER BY 2 DESC, 1"),),
    width=12,
)
TESTS_PER_MARKER = Panel(
    "tests-per-marker", "Tests per marker",
    "The finished runs' final attempts of the tests carrying each marker (smoke, regression, ...) in "
    "the range, and the most in one run; most run first.",
    "bargauge",
    (Query("SELECT name AS marker, sum(tests) AS tests, max(tests) AS \"most in a run\" "
           f"{GROUPS} AND kind = 'marker' GROUP BY name ORDER BY 2 DESC, 1 LIMIT 30"),),
    unit="short", minimum=0, width=12,
)

DASHBOARD = Dashboard(
    "vpt-qa-operations", "QA Operations",
    "What ran and how: runs and their outcomes, device utilisation, failure causes, coverage.",
    (
        Row("Execution", (OUTCOMES, TESTS_PER_HOUR, DURATION_TREND, TIMELINE, RUNS)),
        Row("Devices", (UTILISATION, TESTS_PER_DEVICE)),
        Row("Failures", (FAILURE_CAUSES, FAILURE_HEATMAP)),
        Row("Coverage", (COVERAGE, COVERAGE_NOW, TESTS_PER_MARKER)),
    ),
    variables=(PROJECT, BRANCH, DEVICE),
)
