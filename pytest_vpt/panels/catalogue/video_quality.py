"""Video Quality: black screens, freezes and lost streams (how many, how long), the quality
score over time and by hour, and each stream's health."""

from __future__ import annotations

from ..model import Dashboard, Panel, Query, Row, Threshold
from .variables import PROJECT, STREAM

#: the metric the video watcher records (store/kpis.py reads the same one)
QUALITY_METRIC = "video.quality_score"
_SCORE_STEPS = (Threshold(None, "red"), Threshold(60.0, "orange"), Threshold(80.0, "green"))
_INCIDENTS = "FROM video_incidents WHERE project = $var(project) AND $window(started_at) AND $in(source, stream)"
_SCORES = (f"FROM metrics WHERE name = '{QUALITY_METRIC}' AND project = $var(project) AND $window(time) "
           "AND $in($field(tags, source), stream)")

INCIDENT_COUNTS = Panel(
    "video-incident-counts", "Incidents in the range",
    "Video incidents that started in the range, by kind (black screen, freeze, ...).",
    "stat",
    (Query("SELECT sum(CASE WHEN kind = 'black_screen' THEN 1 ELSE 0 END) AS \"black screens\", "
           "sum(CASE WHEN kind = 'freeze' THEN 1 ELSE 0 END) AS freezes, count(*) AS \"all incidents\", "
           f"coalesce(sum(duration), 0) AS seconds {_INCIDENTS}"),),
    unit="short", thresholds=(Threshold(None, "green"), Threshold(1, "orange")), width=12, height=5,
)
INCIDENTS_OVER_TIME = Panel(
    "video-incidents", "Incidents over time",
    "Video incidents by kind, per interval of at least an hour, at their start.",
    "timeseries",
    (Query("SELECT $bucket(started_at, 3600) AS \"time\", kind AS metric, count(*) AS incidents "
           f"{_INCIDENTS} GROUP BY 1, 2 ORDER BY 1, 2", "time_series"),),
    unit="short", minimum=0,
)
INCIDENT_SECONDS = Panel(
    "video-incident-seconds", "Incident duration",
    "Seconds of black screen, freeze, ... per interval of at least an hour (an incident counts at its start).",
    "timeseries",
    (Query("SELECT $bucket(started_at, 3600) AS \"time\", kind AS metric, sum(duration) AS seconds "
           f"{_INCIDENTS} GROUP BY 1, 2 ORDER BY 1, 2", "time_series"),),
    unit="s", minimum=0,
)
SCORE = Panel(
    "quality-score", "Quality score",
    f"The streams' quality score (0-100, the {QUALITY_METRIC} metric), averaged per stream over each interval.",
    "timeseries",
    (Query(f"SELECT $bucket(time) AS \"time\", $field(tags, source) AS metric, avg(value) AS score {_SCORES} "
           "GROUP BY 1, 2 ORDER BY 1, 2", "time_series"),),
    unit="none", minimum=0, maximum=100, thresholds=_SCORE_STEPS,
)
SCORE_BY_HOUR = Panel(
    "quality-heatmap", "Quality score by hour",
    "The mean quality score of each stream, hour by hour.",
    "heatmap",
    (Query(f"SELECT $bucket(time, 3600) AS \"time\", $field(tags, source) AS metric, avg(value) AS score "
           f"{_SCORES} GROUP BY 1, 2 ORDER BY 1, 2", "time_series"),),
    unit="none", minimum=0, maximum=100, width=24, options={"calculate": False},
)
STREAM_HEALTH = Panel(
    "stream-health", "Stream health",
    "Each stream over the range's UTC days: its incidents, their seconds, its mean quality score, "
    "and the day's quality (0-100, the score and incident seconds together).",
    "table",
    (Query("SELECT device AS stream, sum(video_incidents) AS incidents, sum(video_seconds) AS \"incident seconds\", "
           "sum(video_score_sum) / nullif(sum(video_score_count), 0) AS score, avg(quality) AS quality "
           "FROM kpi_device_daily WHERE project = $var(project) AND kind = 'stream' AND $window(day) "
           "AND $in(device, stream) GROUP BY device ORDER BY 1"),),
    thresholds=_SCORE_STEPS, width=24,
)

DASHBOARD = Dashboard(
    "vpt-video-quality", "Video Quality",
    "What the video watcher saw: black screens, freezes, the quality score, each stream's health.",
    (
        Row("Incidents", (INCIDENT_COUNTS, INCIDENTS_OVER_TIME, INCIDENT_SECONDS)),
        Row("Quality", (SCORE, SCORE_BY_HOUR, STREAM_HEALTH)),
    ),
    variables=(PROJECT, STREAM),
)
