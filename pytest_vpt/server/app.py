"""The HTTP API: ingest batches of events, read runs, tests, flaky tests, devices, metrics and trends.

Every request but /healthz, /metrics, the OpenAPI document and /docs carries
``Authorization: Bearer TOKEN``; a token reads one project, a writer's writes it too. The
pages at / take the cookie of a sign-in with a token as well (they and the reads only).
"""

import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from .. import __version__
from ..alerts.loop import beside_server
from ..analytics.flakiness import STATUSES
from ..history import History, RunIdAmbiguous, RunNotFound
from ..store.after_write import OnWritten
from ..store.base import Store
from .database import Database
from .deadline import ReadDeadline
from .docs import serve_docs
from .errors import ApiError
from .folding import BackgroundFold
from .ingest import JSON_TYPES, LINES_TYPES, check, decode
from .metrics import Measured, ServiceMetrics
from .reads import ERRORS, Project, Window, Writer, as_json
from .pages import ROUTERS as PAGES
from .routes import ROUTERS
from .sampling import BackgroundSampling
from .settings import ServerSettings

_EVENTS_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            **{media: {"schema": {"type": "array", "items": {"type": "object"}}} for media in JSON_TYPES},
            **{media: {"schema": {"type": "string"}} for media in LINES_TYPES},
        },
    },
}


def create_app(settings: ServerSettings) -> FastAPI:
    database = Database(settings.store)
    folding = BackgroundFold(database)
    metrics = ServiceMetrics()
    sampling = BackgroundSampling(database, metrics, settings.sample_every, settings.sample_days)
    alerting = beside_server(settings.store, *(settings.alerts_from or ()))  # the rules of vpt.yaml's alerts:
    on_written = alerting.landed if alerting.enabled else None  # what lands rings the loop

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        folding.start()
        sampling.start()
        alerting.start()
        yield
        await run_in_threadpool(alerting.stop)
        await sampling.stop()
        await folding.stop()
        database.close()

    app = FastAPI(title="pytest-vpt", version=__version__, description=__doc__, lifespan=lifespan,
                  docs_url=None, redoc_url=None)  # /docs from the package, not a CDN (docs.py)
    serve_docs(app)
    app.state.database, app.state.metrics, app.state.settings = database, metrics, settings
    app.state.folding = folding  # its generation: what the live streams wait on (routes/live.py)
    app.state.alerting = alerting

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        headers = {401: {"WWW-Authenticate": "Bearer"}, 408: {"Connection": "close"}}.get(exc.status)
        return JSONResponse(exc.body(), status_code=exc.status, headers=headers)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"error": str(exc.detail)}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def bad_parameters(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        field = ".".join(str(part) for part in first.get("loc", ()))
        return JSONResponse({"error": f"{field}: {first.get('msg')}", "field": field}, status_code=422)

    app.add_middleware(Measured, metrics=metrics)
    app.add_middleware(ReadDeadline, timeout=settings.read_timeout)

    async def read(work: Any) -> Any:
        return await run_in_threadpool(database.run, work)

    async def read_history(project: str, work: Any) -> Any:
        """``work(history)`` on the project's history, its records as the JSON they answer with."""
        return await read(lambda store: as_json(work(History(store, project, settings.flakiness))))

    @app.post("/api/v1/events", openapi_extra=_EVENTS_BODY, responses=ERRORS, summary="Ingest a batch of events")
    async def ingest(request: Request, project: Writer) -> dict[str, Any]:
        """A batch is written whole or not at all; an event already stored (same id) is not stored again."""
        try:
            body = await _body(request, settings.max_body)
            events = check(decode(body, request.headers.get("content-type"), request.headers.get("content-encoding"),
                                  settings.max_body), project, settings.max_events)
        except ApiError as exc:
            metrics.refused.labels(str(exc.status)).inc()
            raise
        started = time.perf_counter()
        changes = await run_in_threadpool(database.run, lambda store: _write(store, events, settings, on_written))
        metrics.write.observe(time.perf_counter() - started)
        folding.written()
        metrics.batch.observe(len(events))
        kinds = Counter(event["type"] for event in events)
        for kind, count in kinds.items():
            metrics.events.labels(kind).inc(count)
        answer: dict[str, Any] = {"accepted": len(events), "types": dict(kinds)}
        if changes:  # what each finished run changed, for its summary (as a local store's run shows)
            answer["changes"] = changes
        return answer

    @app.get("/api/v1/runs", responses=ERRORS, summary="Recent runs, newest first")
    async def runs(project: Project, limit: Annotated[int, Query(ge=1, le=1000)] = 20) -> list[dict[str, Any]]:
        return await read_history(project, lambda history: history.runs(limit))

    @app.get("/api/v1/runs/{run_id}/tests", responses=ERRORS, summary="The tests of one run")
    async def run_tests(project: Project, run_id: str, attempts: bool = False) -> list[dict[str, Any]]:
        def work(history: History) -> list[Any]:
            try:
                return history.run_tests(run_id, all_attempts=attempts)
            except RunNotFound:
                raise ApiError(404, f"no run {run_id!r}", "run_id") from None
            except RunIdAmbiguous:
                raise ApiError(422, f"run id {run_id!r} is ambiguous", "run_id") from None

        return await read_history(project, work)

    @app.get("/api/v1/tests/history", responses=ERRORS, summary="One test's history, newest first")
    async def history(project: Project, nodeid: Annotated[str, Query(min_length=1)],
                      limit: Annotated[int, Query(ge=1, le=1000)] = 50) -> list[dict[str, Any]]:
        return await read_history(project, lambda history: history.test_history(nodeid, limit))

    @app.get("/api/v1/flaky", responses=ERRORS, summary="Tests by flakiness score")
    async def flaky(project: Project, status: Annotated[list[str] | None, Query()] = None,
                    limit: Annotated[int, Query(ge=1, le=1000)] = 50) -> list[dict[str, Any]]:
        wanted = status or ["flaky"]
        unknown = [s for s in wanted if s not in STATUSES]
        if unknown:
            raise ApiError(422, f"status {unknown[0]!r} is not one of {', '.join(STATUSES)}", "status")
        return await read_history(project, lambda history: history.flaky(wanted, limit=limit))

    @app.get("/api/v1/quarantine", responses=ERRORS, summary="The quarantine: each test's latest, in force first")
    async def quarantine(project: Project) -> list[dict[str, Any]]:
        return await read_history(project, lambda history: history.quarantine())

    @app.get("/api/v1/incidents", responses=ERRORS, summary="Video incidents, newest first")
    async def incidents(project: Project, since: Annotated[float | None, Query(ge=0)] = None,
                        limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[dict[str, Any]]:
        return await read_history(project, lambda history: history.video_incidents(since, limit))

    @app.get("/api/v1/devices", responses=ERRORS, summary="Devices: state and health over a window")
    async def devices(project: Project,
                      window: Window = 86400.0) -> list[dict[str, Any]]:
        return await read_history(project, lambda history: history.devices(window))

    @app.get("/api/v1/metrics", responses=ERRORS, summary="Metrics per name and tag set: count, last, mean, p50, p95")
    async def metric_summary(
        project: Project, name: Annotated[str | None, Query(min_length=1, max_length=256)] = None,
        tag: Annotated[list[str] | None, Query(description="key=value, repeatable")] = None,
        run_id: Annotated[str | None, Query(min_length=1, max_length=256)] = None,
        nodeid: Annotated[str | None, Query(min_length=1, max_length=10_000)] = None,
        since: Annotated[float | None, Query(ge=0, le=1e11)] = None,
    ) -> list[dict[str, Any]]:
        tags = {}
        for text in tag or []:
            key, equals, value = text.partition("=")
            if not equals or not key:
                raise ApiError(422, f"tag {text!r}: use key=value", "tag")
            tags[key] = value
        return await read_history(project, lambda history: history.metrics(name, tags, run_id, nodeid, since))

    @app.get("/api/v1/trends", responses=ERRORS,
             summary="Pass rate per day, durations per test, tests per hour, device uptime per hour")
    async def trends(
        project: Project, window: Window = 7 * 86400.0,
        nodeid: Annotated[str | None, Query(min_length=1, max_length=10_000)] = None,
        device: Annotated[str | None, Query(min_length=1, max_length=256)] = None,
    ) -> dict[str, Any]:
        now = time.time()
        return await read_history(project, lambda history: history.trends(now - window, now, nodeid, device))

    @app.get("/api/v1/devices/values", responses=ERRORS, summary="The numbers device probes reported, newest first")
    async def device_values(
        project: Project, device: Annotated[str | None, Query(min_length=1, max_length=256)] = None,
        since: Annotated[float | None, Query(ge=0, le=1e11)] = None,
        limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
    ) -> list[dict[str, Any]]:
        return await read_history(project, lambda history: history.device_values(device, since, limit))

    @app.get("/healthz", summary="Whether the service can reach its store")
    async def healthz() -> JSONResponse:
        try:
            await read(lambda store: store.conn.execute("SELECT 1").fetchone())
        except ApiError as exc:
            # unauthenticated: the store named by its location only, never by its URL
            error = exc.message.replace(str(settings.store), settings.store.location)
            return JSONResponse({"status": "unavailable", "error": error}, status_code=503)
        return JSONResponse({"status": "ok", "store": settings.store.location})

    @app.get("/metrics", summary="The service's metrics, Prometheus text format")
    async def prometheus() -> Response:
        metrics.connections.set(database.connected())
        try:
            size, queued, failures = await read(_gauges)
            metrics.database_bytes.set(size)
            metrics.rollup_queue.set(queued)
            for what, count in failures.items():
                metrics.rollup_failures.labels(what).set(count)
        except ApiError:
            pass
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    for router in (*ROUTERS, *PAGES):
        app.include_router(router)
    return app


async def _body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise ApiError(413, f"the body is larger than {limit} bytes", "body")
    chunks, size = [], 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise ApiError(413, f"the body is larger than {limit} bytes", "body")
            chunks.append(chunk)
    except ClientDisconnect:  # nobody reads the answer: counted, not logged
        raise ApiError(499, "the client went away before sending the whole body", "body") from None
    return b"".join(chunks)


def _write(store: Store, events: list[dict[str, Any]], settings: ServerSettings,
           on_written: OnWritten | None = None) -> dict[str, Any]:
    """Write the batch, then the after-write step (the daily rollup is folded in the
    background; ``on_written``: the alert loop, told what landed). What that changed, by run id."""
    from ..store.after_write import Analysis, after_write

    store.write(events, fold=False, checked=True)  # ingest.check validated the batch
    changes = after_write(store, events, Analysis(settings.flakiness, settings.policy), fold=False,
                          on_written=on_written)
    return {run_id: folded.to_json() for run_id, folded in changes.items()}


def _gauges(store: Store) -> tuple[float, int, dict[str, int]]:
    """The database's size in bytes, how many attempts wait to be folded into the rollup, and
    how many tests each rollup set aside."""
    history = History(store)
    queued, failures = history.status().queued, history.set_aside()
    if store.engine == "postgresql":
        return float(store.conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]), queued, failures
    return float(store.url.path.stat().st_size), queued, failures
