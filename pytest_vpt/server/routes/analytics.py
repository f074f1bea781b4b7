"""Analyses over the project's history: ``/api/v1/analytics/correlate``."""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from ...history import History
from ...history.correlation import NAME_MAX, BadCorrelation, UnknownSeries
from ..errors import ApiError
from ..reads import ERRORS, Project, read_history

router = APIRouter()
_FIELDS = {"metric_a": "a", "metric_b": "b", "timerange": "range", "bucket": "bucket", "device": "device"}
_Name = Annotated[str, Query(min_length=1, max_length=NAME_MAX)]


def _span(**more: Any) -> Any:
    """A span's parameter: a number and a unit."""
    return Query(min_length=2, max_length=16, pattern=r"^\d+(\.\d+)?[smhdw]$", description="30m, 12h, 7d or 2w",
                 **more)



@router.get("/api/v1/analytics/correlate", responses=ERRORS,
            summary="How two series move together: Pearson's and Spearman's coefficients, per device and bucket")
async def correlate(
    request: Request, project: Project, a: _Name, b: _Name,
    timerange: Annotated[str, _span(alias="range")] = "7d",
    device: Annotated[str | None, Query(min_length=1, max_length=NAME_MAX)] = None,
    bucket: Annotated[str | None, _span()] = None,
) -> dict[str, Any]:
    """A series is a built-in (test_failure_rate, pass_rate, test_duration, device_uptime,
    response_time, incidents_per_hour), a probe value (``device.NAME`` or NAME) or a custom
    metric; an unknown one is a 422 naming it and listing the known ones."""
    now = time.time()

    def work(history: History) -> Any:
        try:
            return history.correlate(a, b, timerange, device, bucket, now=now)
        except UnknownSeries as exc:
            raise ApiError(422, str(exc), _FIELDS[exc.which]) from None
        except BadCorrelation as exc:
            raise ApiError(422, str(exc), _FIELDS[exc.field]) from None
        except ImportError as exc:  # the service was installed without the analytics extra
            raise ApiError(503, str(exc)) from None

    return await read_history(request, project, work)
