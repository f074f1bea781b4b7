"""``GET /api/v1/failures``: a window's failures grouped by cause (the built-in categories)."""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from ...history import History
from ...history.failures import LIMIT_MAX, UnknownCategory
from ..errors import ApiError
from ..reads import ERRORS, Project, Window, read_history

router = APIRouter()


@router.get("/api/v1/failures", responses=ERRORS, summary="Failures grouped by signature and category")
async def failures(
    request: Request, project: Project,
    window: Window = 7 * 86400.0,
    nodeid: Annotated[str | None, Query(min_length=1, max_length=10_000)] = None,
    category: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=LIMIT_MAX)] = 20,
) -> dict[str, Any]:
    """The failures of the runs started in the window: final failures and errors, and reruns
    of tests that passed on a retry (flaky), grouped by signature and category."""
    now = time.time()

    def work(history: History) -> Any:
        try:
            return history.failures(now - window, now, nodeid, category, limit)
        except UnknownCategory as exc:
            raise ApiError(422, str(exc), "category") from None

    return await read_history(request, project, work)
