"""The service's pages: the catalogue's dashboards drawn live with the report's renderers, the
runs in progress pushed by server-sent events, behind a sign-in with a token."""

from __future__ import annotations

from fastapi import APIRouter

from . import routes, signin

ROUTERS: tuple[APIRouter, ...] = (signin.router, routes.router)
