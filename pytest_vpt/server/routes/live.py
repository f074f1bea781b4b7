"""``GET /api/v1/live``: the project's runs in progress (and just ended), with their tallies so
far; ``GET /api/v1/live/stream``: the same as server-sent events, one whenever it changed;
``GET /api/v1/live/runs/{run_id}``: one run as it is now.

A stream reads the live view again as soon as the service wrote a batch or folded the
rollup (:class:`~pytest_vpt.server.generation.Generation`), and at least every second (a
batch another worker process wrote); it sends an event only when the view changed (the
clock aside), and a heartbeat comment every ``heartbeat`` seconds. Streams of one project
with the same parameters share one read per change.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Path, Query, Request
from fastapi.concurrency import run_in_threadpool

from ...history import BadLiveRead, History, RunIdAmbiguous, RunNotFound
from ...history.live import ITEMS_MAX, RUNS_MAX, WINDOW_MAX
from ..access import credential
from ..errors import ApiError
from ..reads import ERRORS, Project, Window, as_json, read_history
from ..streams import EventStream, Slots, Stopping, event

router = APIRouter()

STREAMS_PER_TOKEN = 4
STREAMS_TOTAL = 256
POLL = 1.0  # seconds between two reads of a stream when nothing was heard of a change

Recent = Annotated[float, Query(ge=0, le=WINDOW_MAX, description="seconds: runs ended this recently are shown too")]
Limit = Annotated[int, Query(ge=1, le=RUNS_MAX, description="runs at most")]
Failures = Annotated[int, Query(ge=0, le=ITEMS_MAX, description="latest failures per run")]
Slowest = Annotated[int, Query(ge=0, le=ITEMS_MAX, description="slowest tests per run")]
_STREAM = {200: {"description": "text/event-stream: `event: live` with the view as JSON, `: heartbeat` comments",
                 "content": {"text/event-stream": {"schema": {"type": "string"}}}},
           429: {"description": "too many live streams open for this token"}}


def _bad(exc: BadLiveRead) -> ApiError:
    return ApiError(422, str(exc), exc.field)


@router.get("/api/v1/live", responses=ERRORS, summary="Runs in progress (and just ended): tallies so far")
async def live(request: Request, project: Project, window: Window = 86400.0, recent: Recent = 300.0,
               limit: Limit = 20, failures: Failures = 10, slowest: Slowest = 5) -> dict[str, Any]:
    """The runs started in the window that are running, or ended ``recent`` seconds ago at most:
    tests, passed and failed so far, the pass rate so far, the latest failures (test, error
    type, the head of its message) and the slowest tests so far."""
    def work(history: History) -> Any:
        try:
            return history.live_runs(window, recent, limit, failures, slowest)
        except BadLiveRead as exc:
            raise _bad(exc) from None

    return await read_history(request, project, work)


@router.get("/api/v1/live/runs/{run_id}", responses=ERRORS, summary="One run as it is now")
async def live_run(request: Request, project: Project, run_id: Annotated[str, Path(min_length=1, max_length=256)],
                   failures: Failures = 10, slowest: Slowest = 5) -> dict[str, Any]:
    def work(history: History) -> Any:
        try:
            return history.live(run_id, failures, slowest)
        except RunNotFound:
            raise ApiError(404, f"no run {run_id!r}", "run_id") from None
        except RunIdAmbiguous:
            raise ApiError(422, f"run id {run_id!r} is ambiguous", "run_id") from None
        except BadLiveRead as exc:
            raise _bad(exc) from None

    return await read_history(request, project, work)


@router.get("/api/v1/live/stream", responses={**ERRORS, **_STREAM}, summary="The live view, pushed as server-sent events", response_model=None)
async def live_stream(request: Request, project: Project, window: Window = 86400.0, recent: Recent = 300.0,
                      limit: Limit = 20, failures: Failures = 10, slowest: Slowest = 5,
                      heartbeat: Annotated[float, Query(ge=1, le=300, description="seconds between heartbeats")] = 15.0,
                      ) -> EventStream:
    """An ``event: live`` with the view (as ``GET /api/v1/live`` answers) at once, then each
    time it changes; its ``id`` is the service's generation. At most four streams per
    token. The stream ends when the service stops and at the request's read deadline; the
    client reconnects (``retry``)."""
    state = request.app.state
    if not hasattr(state, "live"):
        state.live = _Shared()
    shared: _Shared = state.live
    release = shared.slots.take(credential(request))  # the token's, or a signed-in page's session
    generation = state.folding.generation
    key = (project, window, recent, limit, failures, slowest)

    async def view() -> tuple[int, bytes, bytes]:
        """The view at the generation it was read at, as its event's data and its fingerprint."""
        seen = generation.value
        cached = shared.views.get(key)
        if cached is not None and cached[0] == seen and time.monotonic() - cached[1] < POLL:
            return seen, cached[2], cached[3]
        found = await run_in_threadpool(state.database.run, lambda store: as_json(
            History(store, project, state.settings.flakiness).live_runs(window, recent, limit, failures, slowest)))
        data, mark = orjson.dumps(found), _fingerprint(found)
        shared.views[key] = (seen, time.monotonic(), data, mark)
        return seen, data, mark

    async def events(wake: Callable[[float], Any]) -> AsyncIterator[bytes]:
        sent = b""
        while True:
            seen, data, mark = await view()
            if mark != sent:
                sent = mark
                yield event(data, "live", seen)
            if not await wake(POLL, generation.past(seen)):
                return

    return EventStream(events, heartbeat, release, shared.stopping)


class _Shared:
    """What the streams of one service share: their slots, the last view of each read, and
    the notice that the service is stopping."""

    def __init__(self) -> None:
        self.slots = Slots(STREAMS_PER_TOKEN, STREAMS_TOTAL)
        self.views: dict[tuple, tuple[int, float, bytes, bytes]] = {}
        self.stopping = Stopping()


def _fingerprint(view: dict[str, Any]) -> bytes:
    """The view without its clock (when it was read, each run's elapsed time)."""
    runs = [{key: value for key, value in run.items() if key != "elapsed"} for run in view["runs"]]
    return orjson.dumps({**view, "at": None, "runs": runs})
