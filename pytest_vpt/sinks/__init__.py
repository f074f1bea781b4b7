"""Sinks: where a producer's events go: a store (store.py), or a vpt server with a spool for
what it does not accept (http.py, imported where it is used: it needs requests)."""

from .base import SinkReport
from .store import StoreSink

__all__ = ["SinkReport", "StoreSink"]
