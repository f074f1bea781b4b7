"""What testing costs and covers: ``/api/v1/kpis/costs``."""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from ...history.costs import TOP_MAX
from ..reads import ERRORS, Project, Window, read_history

router = APIRouter()


@router.get("/api/v1/kpis/costs", responses=ERRORS,
            summary="What testing cost and covered: time per day, reruns, flaky tests' cost, device-hours, markers")
async def costs(
    request: Request, project: Project,
    window: Window = 7 * 86400.0,
    top: Annotated[int, Query(ge=1, le=TOP_MAX, description="how many flaky tests the ranking keeps")] = 20,
) -> dict[str, Any]:
    """The window is counted in whole UTC days (``since``: its first day's start), as
    ``vpt costs --json`` prints it."""
    now = time.time()
    return await read_history(request, project, lambda history: history.costs(now - window, now, top))
