"""Custom metrics: any metric the tests or the product recorded, graphed without editing a
dashboard: the names recorded in the range, the chosen metrics' tag keys and values, their mean
and 95th percentile over time, by tag value, and each series' last value.

Every query reads ``metrics`` through its ``(name, time)`` index: the chosen names, the range."""

from __future__ import annotations

from ..model import Dashboard, Panel, Query, Row, Threshold, Variable
from .variables import PROJECT

_CHOSEN = "$in(m.name, metric) AND $window(m.time) AND m.project = $var(project)"
# the chosen metrics' samples in the range; with each of their tags (t.key, t.value); with the chosen tag's value
_SAMPLES = f"FROM metrics m WHERE {_CHOSEN}"
_TAGS = f"FROM metrics m CROSS JOIN $pairs(m.tags, t) WHERE {_CHOSEN}"
_TAGGED = f"{_TAGS} AND t.key = $var(tag)"

METRIC = Variable(
    "metric", "Metric",
    Query("SELECT DISTINCT name FROM metrics WHERE project = $var(project) AND $window(time) ORDER BY 1"),
    multi=True,
)
TAG = Variable(
    "tag", "Tag",
    Query(f"SELECT DISTINCT t.key {_TAGS} ORDER BY 1"),
)
TAG_VALUE = Variable(
    "tag_value", "Tag value",
    Query(f"SELECT DISTINCT t.value {_TAGGED} ORDER BY 1"),
    multi=True, include_all=True,
)

OVER_TIME = Panel(
    "metric-over-time", "Metric over time",
    "Each chosen metric per interval: the mean of its samples, and their 95th percentile (the "
    "smallest sample at or above 95 % of the interval's samples, nearest rank).",
    "timeseries",
    (Query("SELECT b AS \"time\", name AS metric, avg(value) AS mean, "
           "min(CASE WHEN place >= 0.95 * samples THEN value END) AS p95 FROM ("
           "SELECT $bucket(m.time) AS b, m.name, m.value, "
           "row_number() OVER (PARTITION BY $bucket(m.time), m.name ORDER BY m.value) AS place, "
           f"count(*) OVER (PARTITION BY $bucket(m.time), m.name) AS samples {_SAMPLES}) AS s "
           "GROUP BY 1, 2 ORDER BY 1, 2", "time_series"),),
    unit="short", width=24, height=9,
)
BY_TAG = Panel(
    "metric-by-tag", "Metric by tag value",
    "The mean of each chosen metric per interval, a series per value of the chosen tag (only "
    "the samples carrying that tag).",
    "timeseries",
    (Query("SELECT $bucket(m.time) AS \"time\", m.name || ' ' || t.key || '=' || t.value AS metric, "
           f"avg(m.value) AS mean {_TAGGED} AND $in(t.value, tag_value) GROUP BY 1, 2 ORDER BY 1, 2",
           "time_series"),),
    unit="short", width=24, height=9,
)
SUMMARY = Panel(
    "metric-summary", "Over the range",
    "Each chosen metric over the whole range: the mean of its samples, the lowest and the highest.",
    "stat",
    (Query(f"SELECT m.name AS metric, avg(m.value) AS mean, min(m.value) AS minimum, max(m.value) AS maximum "
           f"{_SAMPLES} GROUP BY m.name ORDER BY 1"),),
    unit="short", width=12, height=6,
    options={"reduceOptions": {"values": True, "calcs": ["lastNotNull"], "fields": ""}, "textMode": "value_and_name"},
)
SAMPLES = Panel(
    "metric-samples", "Samples recorded",
    "How many samples of each chosen metric were recorded per interval: a metric that stops "
    "being recorded shows here first.",
    "timeseries",
    (Query(f"SELECT $bucket(m.time) AS \"time\", m.name AS metric, count(*) AS samples {_SAMPLES} "
           "GROUP BY 1, 2 ORDER BY 1, 2", "time_series"),),
    unit="short", minimum=0, width=12, height=6,
)
RANGE_OVER_TIME = Panel(
    "metric-spread", "Lowest and highest",
    "Each chosen metric per interval: its lowest and highest sample, the spread around the mean.",
    "timeseries",
    (Query(f"SELECT $bucket(m.time) AS \"time\", m.name AS metric, min(m.value) AS lowest, "
           f"max(m.value) AS highest {_SAMPLES} GROUP BY 1, 2 ORDER BY 1, 2", "time_series"),),
    unit="short", width=24,
)
LAST_VALUES = Panel(
    "metric-last-values", "Last values",
    "Each series of the chosen metrics (a name and its tags) in the range: its last value and "
    "when, its unit, and its samples' count, mean, minimum and maximum.",
    "table",
    (Query("SELECT s.name AS metric, s.tags, max(m.value) AS \"last value\", max(m.unit) AS unit, "
           "s.last AS \"at\", s.samples, s.mean, s.low AS minimum, s.high AS maximum FROM ("
           "SELECT m.name, m.tags, max(m.time) AS last, count(*) AS samples, avg(m.value) AS mean, "
           f"min(m.value) AS low, max(m.value) AS high {_SAMPLES} GROUP BY m.name, m.tags) AS s "
           "JOIN metrics m ON m.name = s.name AND m.time = s.last AND m.tags = s.tags "
           "WHERE m.project = $var(project) "
           "GROUP BY s.name, s.tags, s.last, s.samples, s.mean, s.low, s.high ORDER BY 1, 2 LIMIT 200"),),
    thresholds=(Threshold(None, "green"),), width=24, height=9,
)

DASHBOARD = Dashboard(
    "vpt-custom-metrics", "Custom metrics",
    "Any metric recorded: choose its name, and a tag to split it by.",
    (
        Row("Summary", (SUMMARY, SAMPLES)),
        Row("Over time", (OVER_TIME, BY_TAG, RANGE_OVER_TIME)),
        Row("Last values", (LAST_VALUES,)),
    ),
    variables=(PROJECT, METRIC, TAG, TAG_VALUE),
)
