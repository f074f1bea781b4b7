"""The service's own figures in Prometheus's format: few labels, never a test or a token."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class ServiceMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.latency = Histogram("vpt_http_request_duration_seconds", "Time to answer a request, by route",
                                 ["method", "route", "status"], registry=self.registry)
        self.events = Counter("vpt_events_ingested", "Events written, by type", ["type"], registry=self.registry)
        self.batch = Histogram("vpt_ingest_batch_events", "Events per accepted batch", registry=self.registry,
                               buckets=(1, 10, 100, 1_000, 5_000, 10_000, 50_000, 100_000))
        self.write = Histogram("vpt_store_write_seconds", "Time to write one batch to the store", registry=self.registry)
        self.refused = Counter("vpt_ingest_refused_batches", "Batches refused, by status", ["status"],
                               registry=self.registry)
        self.database_bytes = Gauge("vpt_store_size_bytes", "Size of the store's database", registry=self.registry)
