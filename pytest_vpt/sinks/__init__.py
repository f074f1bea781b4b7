"""Sinks: where a producer's events go (a store today; an HTTP server with a spool next)."""

from .base import SinkReport
from .store import StoreSink

__all__ = ["SinkReport", "StoreSink"]
