"""DevOps Monitoring: the infrastructure's health (device status, uptime), performance (suite
wall time, p95 durations, the slowest tests), error tracking (error outcomes, probe errors) and
resource usage (the runs' CPU time)."""

from __future__ import annotations

from ..model import Dashboard, Panel, Query, Row, Threshold
from .device_health import AVAILABILITY, STATUS, UPTIME
from .device_health import ERRORS as PROBE_ERRORS
from .test_execution import DURATION_TREND, FAILURE_CAUSES
from .variables import BRANCH, DEVICE, PROJECT

_RUNS = ("FROM runs WHERE project = $var(project) AND status = 'finished' AND $window(started_at) "
         "AND $in(vcs_branch, branch) AND finished_at IS NOT NULL")
_DAYS = "FROM test_daily WHERE project = $var(project) AND $window(day)"

WALL_TIME = Panel(
    "suite-wall-time", "Suite wall time",
    "How long the finished runs took, start to finish: their mean and longest per interval of at least an hour.",
    "timeseries",
    (Query("SELECT $bucket(started_at, 3600) AS \"time\", avg(finished_at - started_at) AS mean, "
           f"max(finished_at - started_at) AS longest {_RUNS} GROUP BY 1 ORDER BY 1", "time_series"),),
    unit="s", minimum=0,
)
SLOWEST = Panel(
    "slowest-tests", "Slowest tests (p95)",
    "The tests whose 95th percentile duration (setup, call and teardown of their final attempts) "
    "was highest on a UTC day of the range: that worst day's p95, and their mean over the range.",
    "table",
    (Query("SELECT c.nodeid AS test, max(d.p95_seconds) AS p95, "
           "sum(d.duration_sum) / nullif(sum(d.duration_count), 0) AS mean, sum(d.duration_count) AS attempts "
           "FROM test_daily d JOIN test_cases c ON c.test_id = d.test_id "
           "WHERE d.project = $var(project) AND $window(d.day) AND d.p95_seconds IS NOT NULL "
           "GROUP BY c.nodeid ORDER BY 2 DESC, 1 LIMIT 20"),),
    unit="s", thresholds=(Threshold(None, "green"), Threshold(60.0, "orange"), Threshold(300.0, "red")), width=24,
)
ERROR_OUTCOMES = Panel(
    "error-outcomes", "Errors and failures",
    "Final attempts that erred (in setup or teardown, or a crash) and that failed (an assertion), per UTC day.",
    "timeseries",
    (Query(f"SELECT $bucket(day, 86400) AS \"time\", sum(error) AS errors, sum(failed) AS failures {_DAYS} "
           "GROUP BY 1 ORDER BY 1", "time_series"),),
    unit="short", minimum=0,
    thresholds=(Threshold(None, "green"), Threshold(1.0, "orange"), Threshold(10.0, "red")),
)
CPU = Panel(
    "cpu-time", "CPU time",
    "The CPU seconds the finished runs took (pytest's and its children's), per interval of at "
    "least an hour, and the cores they kept busy on average (CPU seconds over wall seconds). "
    "A run pushed from JUnit XML records none.",
    "timeseries",
    (Query("SELECT $bucket(started_at, 3600) AS \"time\", sum(cpu_seconds) AS \"cpu seconds\", "
           "sum(cpu_seconds) / nullif(sum(finished_at - started_at), 0) AS cores "
           f"{_RUNS} AND cpu_seconds IS NOT NULL GROUP BY 1 ORDER BY 1", "time_series"),),
    unit="s", minimum=0,
)
CPU_TOTAL = Panel(
    "cpu-total", "CPU time in the range",
    "The finished runs' CPU time in the range: in all, per run, and how many runs recorded it.",
    "stat",
    (Query("SELECT coalesce(sum(cpu_seconds), 0) AS \"cpu seconds\", avg(cpu_seconds) AS \"per run\", "
           f"count(cpu_seconds) AS runs {_RUNS}"),),
    unit="s", width=12,
)

DASHBOARD = Dashboard(
    "vpt-devops-monitoring", "DevOps Monitoring",
    "The infrastructure under the tests: device health, suite performance, errors and resource use.",
    (
        Row("Infrastructure", (STATUS, AVAILABILITY, UPTIME)),
        Row("Performance", (WALL_TIME, DURATION_TREND, SLOWEST)),
        Row("Errors", (ERROR_OUTCOMES, PROBE_ERRORS, FAILURE_CAUSES)),
        Row("Resources", (CPU, CPU_TOTAL)),
    ),
    variables=(PROJECT, BRANCH, DEVICE),
)
