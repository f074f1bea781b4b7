"""Read endpoints grouped by concept, each module one ``APIRouter`` (``router``) over the
façade; :func:`pytest_vpt.server.app.create_app` includes every router of :data:`ROUTERS`."""

from __future__ import annotations

from fastapi import APIRouter

from . import analytics, changes, costs, failures, kpis, live

ROUTERS: tuple[APIRouter, ...] = (analytics.router, changes.router, costs.router, failures.router, kpis.router, live.router)
