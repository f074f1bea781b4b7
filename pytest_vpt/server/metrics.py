"""The service's own figures in Prometheus's format: few labels, never a test or a token."""

from __future__ import annotations

import time
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from starlette.responses import JSONResponse


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
        self.connections = Gauge("vpt_store_connections", "Connections to the store open now",
                                 registry=self.registry)
        self.database_bytes = Gauge("vpt_store_size_bytes", "Size of the store's database", registry=self.registry)
        self.rollup_queue = Gauge("vpt_rollup_queue_attempts", "Attempts written but not yet folded into the daily "
                                  "rollup", registry=self.registry)
        self.rollup_failures = Gauge("vpt_rollup_failures", "Tests the rollups could not fold (set aside, by "
                                     "rollup; see vpt db status)", ["what"], registry=self.registry)


class Measured:
    """ASGI middleware: every request's latency by method, route and status; a URL holding a
    NUL character is refused (no store keeps one in text)."""

    def __init__(self, app: Any, metrics: ServiceMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), 500

        async def sending(message: dict) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        url = scope.get("raw_path", b"") + b"?" + scope.get("query_string", b"")
        try:
            if b"%00" in url or b"\x00" in url or "\x00" in scope["path"]:
                refusal = JSONResponse({"error": "the URL contains a NUL character", "field": "url"}, status_code=422)
                await refusal(scope, receive, sending)
            else:
                await self.app(scope, receive, sending)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            self.metrics.latency.labels(scope["method"], route, str(status)).observe(time.perf_counter() - started)
