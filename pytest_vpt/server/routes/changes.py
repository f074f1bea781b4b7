"""Where durations and pass rates changed: ``/api/v1/trends/changes``."""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from ...history import History
from ...history.changes import RUNS_MAX, RUNS_MIN, TESTS_MAX, BadChangeRead, UnknownTest
from ..errors import ApiError
from ..reads import ERRORS, Project, Window, read_history

router = APIRouter()


@router.get("/api/v1/trends/changes", responses=ERRORS,
            summary="Where a test's duration or the pass rate changed: the run and commit each change started at")
async def changes(
    request: Request, project: Project,
    window: Window = 7 * 86400.0,
    nodeid: Annotated[str | None, Query(min_length=1, max_length=10_000, description="only this test")] = None,
    max_tests: Annotated[int, Query(ge=1, le=TESTS_MAX, description="tests whose durations are examined")] = 100,
    max_runs: Annotated[int, Query(ge=RUNS_MIN, le=RUNS_MAX, description="the newest runs read per series")] = 200,
) -> dict[str, Any]:
    """The project's changes (or one test's), newest first, as ``vpt trends --changes --json``
    shows them; an unknown test is a 404 naming the closest known ones."""
    now = time.time()

    def work(history: History) -> Any:
        try:
            return history.changes(now - window, now, nodeid, max_tests, max_runs)
        except UnknownTest as exc:
            raise ApiError(404, str(exc), "nodeid") from None
        except BadChangeRead as exc:
            raise ApiError(422, str(exc), exc.field) from None

    return await read_history(request, project, work)
