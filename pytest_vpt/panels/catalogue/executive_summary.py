"""Executive Summary: the project at a glance: its quality score and trend, its success rate
and SLA compliance, how long its tests and devices stay up and take to repair, and what
testing costs (time lost to reruns and to failures of flaky and quarantined tests, device-hours)."""

from __future__ import annotations

from ..model import Dashboard, Panel, Query, Row, Threshold
from .device_health import MTBF as DEVICE_MTBF
from .sources import ENDED_GROUPS
from .test_execution import PASS_RATE, PASS_RATE_GAUGE
from .variables import BRANCH, DEVICE, PROJECT

_SCORE_STEPS = (Threshold(None, "red"), Threshold(60.0, "orange"), Threshold(80.0, "green"))
_KPI_DAYS = "FROM kpi_daily WHERE project = $var(project) AND $window(day)"
# what a test's failures cost (analytics.costs.lost_to_failures): all of a flaky test's, else its quarantined ones
_LOST_TO_FAILURES = ("CASE WHEN f.status = 'flaky' THEN d.failed_duration_sum ELSE d.quarantined_duration_sum END")
_TEST_DAYS = ("FROM test_daily d LEFT JOIN test_flakiness f ON f.test_id = d.test_id "
              "WHERE d.project = $var(project) AND $window(d.day)")

QUALITY = Panel(
    "quality-score-now", "Quality score",
    "The mean of the range's UTC days' quality scores (0-100: pass rate, flaky share, device "
    "availability and video QoE together, as vpt kpis weighs them).",
    "stat",
    (Query(f"SELECT avg(quality) AS \"quality score\" {_KPI_DAYS} AND quality IS NOT NULL"),),
    unit="none", minimum=0, maximum=100, thresholds=_SCORE_STEPS, width=6, height=6,
)
QUALITY_TREND = Panel(
    "quality-score-trend", "Quality score over time",
    "Each UTC day's quality score (0-100) and the parts it is made of: pass rate, the share of "
    "tests that are not flaky, device availability, video QoE.",
    "timeseries",
    (Query("SELECT $bucket(day, 86400) AS \"time\", avg(quality) AS quality, "
           "avg(CAST($field(parts, pass_rate) AS DOUBLE PRECISION)) AS \"pass rate\", "
           "avg(CAST($field(parts, flaky) AS DOUBLE PRECISION)) AS \"not flaky\", "
           "avg(CAST($field(parts, availability) AS DOUBLE PRECISION)) AS availability, "
           "avg(CAST($field(parts, video) AS DOUBLE PRECISION)) AS video "
           f"{_KPI_DAYS} GROUP BY 1 ORDER BY 1", "time_series"),),
    unit="none", minimum=0, maximum=100, thresholds=_SCORE_STEPS, width=18, height=6,
)
TEST_MTBF = Panel(
    "test-mtbf-mttr", "Tests: MTBF and MTTR",
    "Over the range's UTC days: MTBF, the mean time a test passed between two failure episodes "
    "(from an episode's end to the next one's start), and MTTR, the mean time from a test's first "
    "failing run to its next passing run, of the episodes that ended.",
    "stat",
    (Query(f"SELECT sum(up_sum) / nullif(sum(up_count), 0) AS mtbf, "
           f"sum(repair_sum) / nullif(sum(episodes_ended), 0) AS mttr {_KPI_DAYS}"),),
    unit="s", width=6,
)
COST = Panel(
    "cost-lost", "Time lost",
    "Over the range's UTC days: the seconds reruns took (attempts that were not a test's final "
    "one) and those of the failures of flaky tests (all their failing final attempts) and of "
    "quarantined ones (their quarantined attempts), which bought no verdict.",
    "stat",
    (Query(f"SELECT coalesce(sum(d.rerun_duration_sum), 0) AS reruns, "
           f"coalesce(sum({_LOST_TO_FAILURES}), 0) AS \"flaky and quarantined failures\", "
           f"coalesce(sum(d.rerun_duration_sum + {_LOST_TO_FAILURES}), 0) AS \"all lost\" {_TEST_DAYS}"),),
    unit="s", thresholds=(Threshold(None, "green"), Threshold(600.0, "orange"), Threshold(3600.0, "red")), width=6,
)
COST_TREND = Panel(
    "cost-lost-trend", "Time lost per day",
    "Per UTC day, the seconds lost to reruns and to the failures of flaky and quarantined tests, "
    "as a share of the seconds all the day's attempts took.",
    "timeseries",
    (Query(f"SELECT $bucket(d.day, 86400) AS \"time\", "
           f"100.0 * sum(d.rerun_duration_sum + {_LOST_TO_FAILURES}) / "
           f"nullif(sum(d.duration_sum + d.rerun_duration_sum), 0) AS \"time lost\" {_TEST_DAYS} "
           "GROUP BY 1 ORDER BY 1", "time_series"),),
    unit="percent", minimum=0,
    thresholds=(Threshold(None, "green"), Threshold(5.0, "orange"), Threshold(15.0, "red")),
)
DEVICE_HOURS = Panel(
    "device-hours", "Device-hours",
    "Hours of testing each device carried in the range: the durations of the ended runs' attempts "
    "(reruns included) naming it.",
    "bargauge",
    (Query("SELECT name AS device, sum(seconds) / 3600.0 AS hours "
           f"{ENDED_GROUPS} AND kind = 'device' AND $in(name, device) GROUP BY name ORDER BY 1 LIMIT 50"),),
    unit="h", minimum=0, width=12,
)

DASHBOARD = Dashboard(
    "vpt-executive-summary", "Executive Summary",
    "The project at a glance: its quality score, success rate, SLA compliance, reliability and "
    "what testing costs.",
    (
        Row("Quality", (QUALITY, QUALITY_TREND)),
        Row("Success and SLA", (PASS_RATE_GAUGE, TEST_MTBF, PASS_RATE)),
        Row("Reliability", (DEVICE_MTBF,)),
        Row("Cost", (COST, COST_TREND, DEVICE_HOURS)),
    ),
    variables=(PROJECT, BRANCH, DEVICE),
)
