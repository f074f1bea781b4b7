"""System Performance: the service's own figures as ``vpt server`` stores them every
``sample_every`` seconds (table service_samples): ingest latency, requests and errors, batches
and events written, the store's write time and size, the rollup's queue and lag, each server
process's CPU and memory. Not per project: one service serves every project.

At an interval under 5 minutes (ranges up to about 3 days) the panels read the samples
themselves; at 5 minutes or more, the hourly rollup (service_hourly) the samples are added into
as they are written: the same sums and worst values, a point an hour, from a table 240 times
smaller at 15 s samples."""

from __future__ import annotations

from ..model import Dashboard, Panel, Query, Row, Threshold
from .variables import PROJECT

_FIGURES = ("instance, seconds, requests, client_errors, server_errors, batches, events, ingest_p50, ingest_p95, "
            "ingest_p99, write_seconds, write_p95, database_bytes, rollup_queue, rollup_lag, cpu_seconds, rss_bytes")
#: the rows of the range: the samples at an interval under 5 minutes, else the hours; ``time``
#: is a sample's end or an hour's start
_SAMPLES = (f"FROM (SELECT time, {_FIGURES} FROM service_samples WHERE $window(time) AND $width() < 300 "
            f"UNION ALL SELECT hour AS time, {_FIGURES} FROM service_hourly WHERE $window(hour) AND $width() >= 300) "
            "AS s WHERE 1 = 1")
_LATENCY_STEPS = (Threshold(None, "green"), Threshold(0.5, "orange"), Threshold(2.0, "red"))
_ERROR_STEPS = (Threshold(None, "green"), Threshold(1.0, "orange"), Threshold(5.0, "red"))
_WORST = "the worst sample of the interval, of any server process"


def _per_instance(key: str, title: str, description: str, value: str, unit: str, **given: object) -> Panel:
    """A time series of one figure per server process (host:pid)."""
    return Panel(key, title, description, "timeseries",
                 (Query(f"SELECT $bucket(time) AS \"time\", instance AS metric, {value} {_SAMPLES} "
                        "GROUP BY 1, 2 ORDER BY 1, 2", "time_series"),),
                 unit=unit, minimum=0, **given)  # type: ignore[arg-type]


OVERVIEW = Panel(
    "service-overview", "Over the range",
    "Requests the service answered in the range, the batches it accepted and the events it wrote, of "
    "every project and server process.",
    "stat",
    (Query(f"SELECT sum(requests) AS requests, sum(batches) AS batches, sum(events) AS events {_SAMPLES}"),),
    unit="short", width=8, height=5,
)
ERRORS_NOW = Panel(
    "service-errors", "Errors",
    "Over the range: requests answered 5xx (the service's fault: its store unreachable, ...) and 4xx "
    "(refused: a bad token, a malformed or too large batch, ...) among all requests.",
    "stat",
    (Query("SELECT 100.0 * sum(server_errors) / nullif(sum(requests), 0) AS \"5xx\", "
           f"100.0 * sum(client_errors) / nullif(sum(requests), 0) AS \"4xx\" {_SAMPLES}"),),
    unit="percent", thresholds=_ERROR_STEPS, width=6, height=5,
)
INGEST_WORST = Panel(
    "service-ingest-p95", "Ingest p95",
    "The highest p95 of the time to accept a batch (POST /api/v1/events) of any sampling interval in the range.",
    "stat",
    (Query(f"SELECT max(ingest_p95) AS p95 {_SAMPLES} AND batches > 0"),),
    unit="s", thresholds=_LATENCY_STEPS, width=5, height=5,
)
SIZE_NOW = Panel(
    "service-database-size", "Database size",
    "The store's size at the range's last sample (PostgreSQL: the whole database the store is in).",
    "stat",
    (Query("SELECT database_bytes AS size FROM service_samples WHERE $window(time) AND database_bytes IS NOT NULL "
           "ORDER BY time DESC LIMIT 1"),),
    unit="bytes", width=5, height=5,
)
INGEST_LATENCY = Panel(
    "ingest-latency", "Ingest latency",
    "The time to accept a batch (POST /api/v1/events, answered 2xx): p50, p95 and p99 of each sampling "
    f"interval, from the deltas of /metrics' histogram buckets (a bucket's precision), {_WORST}.",
    "timeseries",
    (Query("SELECT $bucket(time) AS \"time\", max(ingest_p50) AS p50, max(ingest_p95) AS p95, "
           f"max(ingest_p99) AS p99 {_SAMPLES} AND batches > 0 GROUP BY 1 ORDER BY 1", "time_series"),),
    unit="s", minimum=0, thresholds=_LATENCY_STEPS,
)
REQUEST_RATE = _per_instance(
    "request-rate", "Request rate",
    "Requests answered a second, of every route and status, per server process (the service's is their sum).",
    "1.0 * sum(requests) / nullif(sum(seconds), 0) AS \"requests/s\"", "reqps")
ERROR_RATE = Panel(
    "error-rate", "Error rate",
    "Requests answered 5xx and 4xx among all requests answered, per interval, of every server process.",
    "timeseries",
    (Query("SELECT $bucket(time) AS \"time\", 100.0 * sum(server_errors) / nullif(sum(requests), 0) AS \"5xx\", "
           f"100.0 * sum(client_errors) / nullif(sum(requests), 0) AS \"4xx\" {_SAMPLES} AND requests > 0 "
           "GROUP BY 1 ORDER BY 1", "time_series"),),
    unit="percent", minimum=0, thresholds=_ERROR_STEPS,
)
EVENTS_WRITTEN = _per_instance(
    "events-written", "Events written",
    "Events written a second (attempts, runs, metrics, device samples, ...), per server process (the service's "
    "is their sum). Batches still in the clients' spools are on the clients' machines, out of the "
    "service's sight: `vpt push --from-spool` there sends them.",
    "1.0 * sum(events) / nullif(sum(seconds), 0) AS \"events/s\"", "short")
WRITE_TIME = Panel(
    "store-write-time", "Store write time",
    f"The time to write a batch to the store: the mean of the interval's batches and the p95 of {_WORST}.",
    "timeseries",
    (Query("SELECT $bucket(time) AS \"time\", sum(write_seconds) / nullif(sum(batches), 0) AS mean, "
           f"max(write_p95) AS p95 {_SAMPLES} AND batches > 0 GROUP BY 1 ORDER BY 1", "time_series"),),
    unit="s", minimum=0, thresholds=_LATENCY_STEPS,
)
DATABASE_SIZE = Panel(
    "database-size", "Database size",
    "The store's size in bytes (PostgreSQL: the whole database the store is in), the largest of the interval.",
    "timeseries",
    (Query(f"SELECT $bucket(time) AS \"time\", max(database_bytes) AS size {_SAMPLES} "
           "AND database_bytes IS NOT NULL GROUP BY 1 ORDER BY 1", "time_series"),),
    unit="bytes", minimum=0,
)
ROLLUP_QUEUE = Panel(
    "rollup-queue", "Rollup queue",
    "Attempts written but not yet folded into the daily rollup (the service folds them a few seconds "
    "after a batch), the most of the interval.",
    "timeseries",
    (Query(f"SELECT $bucket(time) AS \"time\", max(rollup_queue) AS queued {_SAMPLES} "
           "AND rollup_queue IS NOT NULL GROUP BY 1 ORDER BY 1", "time_series"),),
    unit="short", minimum=0,
)
ROLLUP_LAG = Panel(
    "rollup-lag", "Rollup lag",
    "How long the rollup queue has held attempts without being seen empty (to a sampling interval; 0 when "
    "empty): a lag that grows means the folds fall behind, or fail (see vpt db status).",
    "timeseries",
    (Query(f"SELECT $bucket(time) AS \"time\", max(rollup_lag) AS lag {_SAMPLES} "
           "AND rollup_lag IS NOT NULL GROUP BY 1 ORDER BY 1", "time_series"),),
    unit="s", minimum=0, thresholds=(Threshold(None, "green"), Threshold(60.0, "orange"), Threshold(600.0, "red")),
)
CPU = _per_instance(
    "service-cpu", "CPU",
    "Each server process's CPU time (user and system) over the interval's length: 100 % is one core.",
    "100.0 * sum(cpu_seconds) / nullif(sum(seconds), 0) AS cpu", "percent",
    thresholds=(Threshold(None, "green"), Threshold(80.0, "orange"), Threshold(95.0, "red")))
MEMORY = _per_instance(
    "service-memory", "Memory",
    "Each server process's resident memory (RSS), the largest of the interval.",
    "max(rss_bytes) AS rss", "bytes")

DASHBOARD = Dashboard(
    "vpt-system-performance", "System Performance",
    "The service (vpt server) itself, from the figures each of its processes stores every sample_every "
    "seconds (Prometheus users scrape the same at /metrics). They are the whole service's, of every "
    "project: the project chosen is kept only for the links to the other dashboards.",
    (
        Row("Over the range", (OVERVIEW, ERRORS_NOW, INGEST_WORST, SIZE_NOW)),
        Row("Ingest", (INGEST_LATENCY, REQUEST_RATE, ERROR_RATE, EVENTS_WRITTEN)),
        Row("Store", (WRITE_TIME, DATABASE_SIZE, ROLLUP_QUEUE, ROLLUP_LAG)),
        Row("Process", (CPU, MEMORY)),
    ),
    variables=(PROJECT,),
    time_from="now-24h",
)
