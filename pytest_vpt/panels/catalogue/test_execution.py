"""Test Execution: how the project's tests fare over time: pass rates (overall, per device),
durations, volume, flaky tests, markers, outcomes, runs, failing tests and failure causes."""

from __future__ import annotations

from ..model import Dashboard, Panel, Query, Row, Threshold
from .sources import GROUPS
from .variables import BRANCH, DEVICE, PROJECT

#: Green from this pass rate (percent): the gauge's target.
PASS_RATE_TARGET = 95.0
_RATE_STEPS = (Threshold(None, "red"), Threshold(90.0, "orange"), Threshold(PASS_RATE_TARGET, "green"))
_JUDGED = "passed + failed + error + quarantined"
# the runs in view: the project's finished runs started in the range, on the chosen branches
_RUNS = ("FROM runs WHERE project = $var(project) AND status = 'finished' AND $window(started_at) "
         "AND $in(vcs_branch, branch)")
_DAYS = "FROM test_daily WHERE project = $var(project) AND $window(day)"

PASS_RATE = Panel(
    "pass-rate", "Pass rate over time",
    "Tests passed among those that ran to a verdict (passed, failed, error, failures a quarantine "
    "made non-blocking), from the finished runs' own counts, per interval of at least an hour; "
    "the fail rate is the failed and erroring share.",
    "timeseries",
    (Query("SELECT $bucket(started_at, 3600) AS \"time\", "
           f"100.0 * sum(passed) / nullif(sum({_JUDGED}), 0) AS \"pass rate\", "
           f"100.0 * sum(failed + error) / nullif(sum({_JUDGED}), 0) AS \"fail rate\" "
           f"{_RUNS} GROUP BY 1 ORDER BY 1", "time_series"),),
    unit="percent", minimum=0, maximum=100, thresholds=_RATE_STEPS,
)
PASS_RATE_BY_DEVICE = Panel(
    "pass-rate-by-device", "Pass rate per device",
    "The pass rate of the finished runs' final attempts that ran on each device (a test naming its "
    "device), per interval of at least an hour.",
    "timeseries",
    (Query("SELECT $bucket(hour, 3600) AS \"time\", name AS metric, "
           "100.0 * sum(passed) / nullif(sum(judged), 0) AS \"pass rate\" "
           f"{GROUPS} AND kind = 'device' AND $in(name, device) GROUP BY 1, 2 ORDER BY 1, 2", "time_series"),),
    unit="percent", minimum=0, maximum=100, thresholds=_RATE_STEPS,
)
DURATION_TREND = Panel(
    "duration-trend", "Test duration p50 / p95",
    "Per UTC day, the median and 95th percentile of the final attempts' durations (setup, call "
    "and teardown) of all the project's tests, read from the day's 5 %-wide buckets (within "
    "2.5 %); the mean is their sum over their count.",
    "timeseries",
    (Query("SELECT $bucket(day, 86400) AS \"time\", max(p50_seconds) AS p50, max(p95_seconds) AS p95, "
           "sum(duration_sum) / nullif(sum(duration_count), 0) AS mean "
           "FROM duration_daily WHERE project = $var(project) AND $window(day) GROUP BY 1 ORDER BY 1",
           "time_series"),),
    unit="s", minimum=0,
)
TESTS_PER_HOUR = Panel(
    "tests-per-hour", "Tests per hour",
    "Tests the finished runs ran (final attempts), per hour, averaged over each interval of at least an hour.",
    "timeseries",
    (Query("SELECT $bucket(started_at, 3600) AS \"time\", 3600.0 * sum(tests) / $width(3600) AS tests "
           f"{_RUNS} GROUP BY 1 ORDER BY 1", "time_series"),),
    unit="short", minimum=0,
)
FLAKY_TESTS = Panel(
    "flaky-tests", "Flaky and broken tests",
    "The tests whose verdict is flaky, broken or fixed and that ran in the range, highest score first: "
    "the score (0-1), the flip rate between passing and failing runs, the runs that failed, those that "
    "passed on a retry, and the reason of the verdict.",
    "table",
    (Query("SELECT c.nodeid AS test, f.status, f.score, f.flip_rate AS \"flip rate\", f.runs, "
           "f.failed_runs AS \"failed runs\", f.pass_on_retry AS \"passed on retry\", f.reason AS evidence, "
           "f.last_run_at AS \"last run\" FROM test_flakiness f JOIN test_cases c ON c.test_id = f.test_id "
           "WHERE f.project = $var(project) AND f.status IN ('flaky', 'broken', 'fixed') "
           "AND f.last_run_at >= $from ORDER BY f.score DESC, c.nodeid LIMIT 50"),),
    thresholds=(Threshold(None, "green"), Threshold(0.1, "orange"), Threshold(0.3, "red")),
    width=24, height=10,
)
BY_MARKER = Panel(
    "pass-rate-by-marker", "Success rate by marker",
    "The pass rate of the finished runs' final attempts of the tests carrying each marker, in the range.",
    "bargauge",
    (Query("SELECT name AS marker, 100.0 * sum(passed) / nullif(sum(judged), 0) AS \"pass rate\" "
           f"{GROUPS} AND kind = 'marker' GROUP BY name ORDER BY 2, 1 LIMIT 30"),),
    unit="percent", minimum=0, maximum=100, thresholds=_RATE_STEPS,
)
PASS_RATE_GAUGE = Panel(
    "pass-rate-gauge", "Pass rate against the target",
    f"The range's pass rate (tests passed among those that ran to a verdict, all branches), "
    f"against the target of {PASS_RATE_TARGET:g} %.",
    "gauge",
    (Query(f"SELECT 100.0 * sum(passed) / nullif(sum({_JUDGED}), 0) AS \"pass rate\" "
           "FROM kpi_daily WHERE project = $var(project) AND $window(day)"),),
    unit="percent", minimum=0, maximum=100, thresholds=_RATE_STEPS, width=6,
)
OUTCOMES = Panel(
    "outcomes", "Outcome distribution",
    "Every attempt in the range by its outcome: the final ones (passed, failed, error, skipped, "
    "expected failures and unexpected passes) and the reruns before them.",
    "piechart",
    (Query("SELECT sum(passed) AS passed, sum(failed) AS failed, sum(error) AS error, sum(skipped) AS skipped, "
           f"sum(xfailed) AS xfailed, sum(xpassed) AS xpassed, sum(reruns) AS rerun {_DAYS}"),),
    unit="short", width=6,
)
TIMELINE = Panel(
    "execution-timeline", "Execution timeline",
    "Each finished run at its start: passed when none of its tests failed or erred.",
    "state-timeline",
    (Query("SELECT started_at AS \"time\", CASE WHEN failed + error > 0 THEN 'failed' ELSE 'passed' END AS run "
           f"{_RUNS} ORDER BY 1 LIMIT 5000"),),
    thresholds=(Threshold(None, "green"),), width=24, height=5,
)
FAILURE_HEATMAP = Panel(
    "failure-heatmap", "Failures by test and day",
    "Failed and erroring final attempts per UTC day of the 20 tests that failed most in the range.",
    "heatmap",
    (Query("SELECT d.day AS \"time\", c.nodeid AS metric, d.failed + d.error AS failures "
           "FROM test_daily d JOIN test_cases c ON c.test_id = d.test_id "
           "WHERE d.project = $var(project) AND $window(d.day) AND d.test_id IN ("
           "SELECT test_id FROM test_daily WHERE project = $var(project) AND $window(day) "
           "GROUP BY test_id HAVING sum(failed + error) > 0 ORDER BY sum(failed + error) DESC, test_id LIMIT 20) "
           "ORDER BY 1, 2", "time_series"),),
    unit="short", width=24, height=10, options={"calculate": False},
)
FAILURE_CAUSES = Panel(
    "failure-causes", "Top failure causes",
    "The failed and erroring final attempts of the finished runs in the range by their error type: "
    "how many, the most in one run (a run fails each test once), and when last.",
    "table",
    (Query("SELECT name AS cause, sum(failures) AS failures, max(failures) AS \"most in a run\", "
           f"max(last_failure) AS \"last seen\" {GROUPS} AND kind = 'cause' GROUP BY name ORDER BY 2 DESC, 1 LIMIT 20"),),
    width=24,
)

DASHBOARD = Dashboard(
    "vpt-test-execution", "Test Execution",
    "How the project's tests fare: pass rates, durations, volume, flaky tests and failures.",
    (
        Row("Overview", (PASS_RATE_GAUGE, OUTCOMES, PASS_RATE)),
        Row("Trends", (PASS_RATE_BY_DEVICE, DURATION_TREND, TESTS_PER_HOUR, BY_MARKER)),
        Row("Runs", (TIMELINE,)),
        Row("Failures", (FLAKY_TESTS, FAILURE_HEATMAP, FAILURE_CAUSES)),
    ),
    variables=(PROJECT, BRANCH, DEVICE),
)
