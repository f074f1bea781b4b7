"""Device Health: the devices' state now, their uptime, connection quality and errors, their
incidents (MTBF, MTTR), how much of their time tests used, and what their probes reported."""

from __future__ import annotations

from ..model import Dashboard, Panel, Query, Row, Threshold
from .sources import ENDED_GROUPS
from .variables import BRANCH, DEVICE, PROJECT

_UPTIME_STEPS = (Threshold(None, "red"), Threshold(95.0, "orange"), Threshold(99.0, "green"))
_HOURS = "FROM device_health_hourly WHERE project = $var(project) AND $window(hour) AND $in(device_id, device)"
_INCIDENTS = ("FROM device_incidents WHERE project = $var(project) AND $overlaps(started_at, ended_at) "
              "AND $in(device_id, device)")

STATUS = Panel(
    "device-status", "Device status",
    "Each device's state at the range's end: online or offline as its latest probe answered, "
    "stale once nothing sampled it for its interval plus its timeout (and its sampler's flush).",
    "stat",
    (Query("SELECT k.device_id AS device, CASE WHEN s.last_time IS NULL THEN -1 "
           "WHEN $to > s.last_end + coalesce(d.timeout, 0) + coalesce(d.flush, 0) + 1 THEN -1 "
           "ELSE s.last_online END AS state, s.last_response_time AS \"response time\", s.since "
           "FROM (SELECT project, device_id FROM devices UNION SELECT project, device_id FROM device_status) AS k "
           "LEFT JOIN devices d ON d.project = k.project AND d.device_id = k.device_id "
           "LEFT JOIN device_status s ON s.project = k.project AND s.device_id = k.device_id "
           "WHERE k.project = $var(project) AND $in(k.device_id, device) ORDER BY 1"),),
    thresholds=(Threshold(None, "grey"), Threshold(0, "red"), Threshold(1, "green")),
    width=24, height=5,
    options={"reduceOptions": {"values": True, "calcs": ["lastNotNull"], "fields": "/^state$/"},
             "textMode": "name", "colorMode": "background"},
)
UPTIME = Panel(
    "uptime", "Uptime",
    "Seconds online among the seconds the probes covered, per device, per interval of at least an hour.",
    "timeseries",
    (Query("SELECT $bucket(hour, 3600) AS \"time\", device_id AS metric, "
           f"100.0 * sum(online) / nullif(sum(covered), 0) AS uptime {_HOURS} GROUP BY 1, 2 ORDER BY 1, 2",
           "time_series"),),
    unit="percent", minimum=0, maximum=100, thresholds=_UPTIME_STEPS,
)
AVAILABILITY = Panel(
    "availability", "Availability",
    "Over the range: seconds online among the seconds the probes covered, of the chosen devices.",
    "gauge",
    (Query(f"SELECT 100.0 * sum(online) / nullif(sum(covered), 0) AS availability {_HOURS}"),),
    unit="percent", minimum=0, maximum=100, thresholds=_UPTIME_STEPS, width=6,
)
MTBF = Panel(
    "mtbf-mttr", "MTBF and MTTR",
    "Over the range: MTBF, the seconds online per incident that started in it, and MTTR, the mean "
    "length of the incidents that ended in it.",
    "stat",
    (Query(f"SELECT sum(online) / nullif(sum(incidents), 0) AS mtbf {_HOURS}", ref_id="A"),
     Query("SELECT avg(ended_at - started_at) AS mttr FROM device_incidents WHERE project = $var(project) "
           "AND ended_at IS NOT NULL AND $window(ended_at) AND $in(device_id, device)", ref_id="B")),
    unit="s", width=6,
)
RESPONSE = Panel(
    "response-time", "Response time (p95)",
    "The 95th percentile of the probes' response times per device and hour (the worst hour of a "
    "longer interval).",
    "timeseries",
    (Query(f"SELECT $bucket(hour, 3600) AS \"time\", device_id AS metric, max(rt_p95) AS p95 {_HOURS} "
           "AND rt_p95 IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2", "time_series"),),
    unit="s", minimum=0,
)
FLAPS = Panel(
    "flaps", "Connection flaps",
    "Changes between online and offline per device, per interval of at least an hour.",
    "timeseries",
    (Query(f"SELECT $bucket(hour, 3600) AS \"time\", device_id AS metric, sum(flaps) AS flaps {_HOURS} "
           "GROUP BY 1, 2 ORDER BY 1, 2", "time_series"),),
    unit="short", minimum=0,
)
ERRORS = Panel(
    "probe-errors", "Probe error rate",
    "Probes that failed among those taken, per device, per interval of at least an hour.",
    "timeseries",
    (Query(f"SELECT $bucket(hour, 3600) AS \"time\", device_id AS metric, "
           f"100.0 * sum(failed) / nullif(sum(samples), 0) AS \"error rate\" {_HOURS} GROUP BY 1, 2 ORDER BY 1, 2",
           "time_series"),),
    unit="percent", minimum=0, maximum=100,
    thresholds=(Threshold(None, "green"), Threshold(1.0, "orange"), Threshold(5.0, "red")),
)
INCIDENTS = Panel(
    "device-incidents", "Incident history",
    "The outages longer than the device's grace that overlap the range, newest first; one still "
    "going on has no end, and its duration so far (to the range's end).",
    "table",
    (Query("SELECT device_id AS device, started_at AS started, ended_at AS ended, "
           "coalesce(duration, $to - started_at) AS duration, error "
           f"{_INCIDENTS} ORDER BY started_at DESC LIMIT 200"),),
    width=24,
)
UTILISATION = Panel(
    "utilisation", "Utilisation",
    "The share of each interval (at least an hour) that tests ran on each device: the durations of "
    "the ended runs' attempts (reruns included) naming the device, over the interval's length.",
    "timeseries",
    (Query("SELECT $bucket(hour, 3600) AS \"time\", name AS metric, 100.0 * sum(seconds) / $width(3600) AS utilisation "
           f"{ENDED_GROUPS} AND kind = 'device' AND $in(name, device) GROUP BY 1, 2 ORDER BY 1, 2", "time_series"),),
    unit="percent", minimum=0,
)
PROBE_VALUES = Panel(
    "probe-values", "Probe values",
    "The numbers the probes reported (a command probe's temperature, ...), per device and name, "
    "averaged over each interval.",
    "timeseries",
    (Query("SELECT $bucket(s.time) AS \"time\", s.device_id || ' ' || v.key AS metric, "
           "avg(CAST(v.value AS DOUBLE PRECISION)) AS value FROM device_samples s CROSS JOIN $pairs(s.\"values\", v) "
           "WHERE s.project = $var(project) AND $window(s.time) AND $in(s.device_id, device) "
           "AND s.\"values\" <> '{}' GROUP BY 1, 2 ORDER BY 1, 2", "time_series"),),
    width=24,
)

DASHBOARD = Dashboard(
    "vpt-device-health", "Device Health",
    "The devices under test: their state, uptime, connection quality, incidents and use.",
    (
        Row("Now", (STATUS,)),
        Row("Availability", (UPTIME, AVAILABILITY, MTBF, RESPONSE, FLAPS, ERRORS, UTILISATION)),
        Row("Incidents", (INCIDENTS,)),
        Row("Probes", (PROBE_VALUES,), collapsed=True),
    ),
    variables=(PROJECT, BRANCH, DEVICE),
)
