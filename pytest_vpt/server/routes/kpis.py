"""``GET /api/v1/kpis``: the project's KPIs over a window of whole UTC days."""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from ...history import History
from ...history.kpis import SLOWEST_MAX, UnknownDevice
from ..errors import ApiError
from ..reads import ERRORS, Project, Window, read_history

router = APIRouter()


@router.get("/api/v1/kpis", responses=ERRORS,
            summary="KPIs: quality score and its parts, MTBF/MTTR of tests and devices, speed, availability, video")
async def kpis(
    request: Request, project: Project,
    window: Window = 30 * 86400.0,  # in whole UTC days
    device: Annotated[str | None, Query(min_length=1, max_length=256)] = None,
    slowest: Annotated[int, Query(ge=0, le=SLOWEST_MAX, description="how many of the slowest tests")] = 10,
) -> dict[str, Any]:
    now = time.time()

    def work(history: History) -> Any:
        try:
            return history.kpis(now - window, now, device, slowest)
        except UnknownDevice as exc:
            raise ApiError(404, str(exc), "device") from None

    return await read_history(request, project, work)
