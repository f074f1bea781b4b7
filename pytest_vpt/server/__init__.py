"""``vpt server``: the ingest and query service in front of a store (FastAPI + uvicorn)."""

from .app import create_app
from .settings import ServerSettings

__all__ = ["ServerSettings", "create_app"]
