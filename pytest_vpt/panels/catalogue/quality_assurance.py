"""Quality Assurance: what the viewer sees (video quality scores, content validation: incidents
by kind), the streams' QoE, and compliance with the SLAs (pass rate and availability against
their targets, the days that met them, each target of vpt.yaml as vpt sla report judged it)."""

from __future__ import annotations

from ..model import Dashboard, Panel, Query, Row, Threshold
from .device_health import AVAILABILITY
from .test_execution import PASS_RATE_GAUGE, PASS_RATE_TARGET
from .variables import DEVICE, PROJECT, STREAM
from .video_quality import INCIDENT_COUNTS, INCIDENTS_OVER_TIME, SCORE, STREAM_HEALTH

_SCORE_STEPS = (Threshold(None, "red"), Threshold(60.0, "orange"), Threshold(80.0, "green"))
_JUDGED = "passed + failed + error + quarantined"

BY_KIND = Panel(
    "video-incidents-by-kind", "Incidents by kind",
    "The video incidents that started in the range by kind (black screen, freeze, ...): how many, "
    "their seconds in all, the longest, of how many streams.",
    "table",
    (Query("SELECT kind, count(*) AS incidents, coalesce(sum(duration), 0) AS seconds, max(duration) AS longest, "
           "count(DISTINCT source) AS streams FROM video_incidents WHERE project = $var(project) "
           "AND $window(started_at) AND $in(source, stream) GROUP BY kind ORDER BY 2 DESC, 1"),),
    thresholds=(Threshold(None, "green"), Threshold(1, "orange")), width=12,
)
QOE = Panel(
    "stream-qoe", "QoE per stream",
    "Each stream's quality of experience per UTC day (0-100): its quality score lowered by its "
    "incidents per hour observed, as vpt kpis computes it.",
    "timeseries",
    (Query("SELECT $bucket(day, 86400) AS \"time\", device AS metric, "
           "avg(CAST($field(parts, video) AS DOUBLE PRECISION)) AS qoe FROM kpi_device_daily "
           "WHERE project = $var(project) AND kind = 'stream' AND $window(day) AND $in(device, stream) "
           "GROUP BY 1, 2 ORDER BY 1, 2", "time_series"),),
    unit="none", minimum=0, maximum=100, thresholds=_SCORE_STEPS,
)
SLA_DAYS = Panel(
    "sla-days", "Days within the SLA",
    f"Of the range's UTC days on which tests ran to a verdict, the share whose pass rate met the "
    f"target of {PASS_RATE_TARGET:g} %.",
    "stat",
    (Query(f"SELECT 100.0 * sum(CASE WHEN 100.0 * passed >= {PASS_RATE_TARGET} * ({_JUDGED}) THEN 1 ELSE 0 END) "
           f"/ nullif(count(*), 0) AS \"days within\" "
           f"FROM kpi_daily WHERE project = $var(project) AND $window(day) AND {_JUDGED} > 0"),),
    unit="percent", minimum=0, maximum=100,
    thresholds=(Threshold(None, "red"), Threshold(80.0, "orange"), Threshold(95.0, "green")), width=12,
)
SLA_TARGETS = Panel(
    "sla-targets", "SLA targets",
    "Each SLA target of vpt.yaml over the range's UTC days, as vpt sla report judged and stored "
    "them: its goal, its mean figure, and the share of the days with data that met it.",
    "table",
    (Query("SELECT target, unit, direction, max(goal) AS goal, avg(figure) AS \"mean figure\", "
           "100.0 * sum(met) / nullif(count(met), 0) AS \"days met\", count(met) AS days FROM sla_compliance "
           "WHERE project = $var(project) AND period = 'daily' AND $window(start) "
           "GROUP BY target, unit, direction ORDER BY target"),),
    unit="none", width=24,
)

DASHBOARD = Dashboard(
    "vpt-quality-assurance", "Quality Assurance",
    "What the viewer gets: video quality, content validation, QoE, and compliance with the SLAs.",
    (
        Row("Video quality", (INCIDENT_COUNTS, SCORE, STREAM_HEALTH)),
        Row("Content validation", (BY_KIND, INCIDENTS_OVER_TIME)),
        Row("QoE", (QOE,)),
        Row("SLA compliance", (PASS_RATE_GAUGE, AVAILABILITY, SLA_DAYS, SLA_TARGETS)),
    ),
    variables=(PROJECT, DEVICE, STREAM),
)
