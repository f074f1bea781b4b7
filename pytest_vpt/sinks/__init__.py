"""Sinks: where a producer's events go, through one interface (base.Sink): a store
(store.py), a vpt server with a spool for what it does not accept (http.py, imported only
when a server is asked for: it needs requests), or a result file sent on later (file.py).
:func:`open_sink` picks one from settings."""

from __future__ import annotations

import os
from pathlib import Path

from ..store import StoreURL, parse_store_url
from ..store.after_write import Analysis
from .base import BufferedSink, Sink, SinkReport
from .file import FileSink, target_path
from .spool import SPOOL_DIR
from .store import StoreSink

__all__ = ["FileSink", "Sink", "SinkReport", "StoreSink", "open_sink"]


def open_sink(target: StoreURL | str, base_dir: Path, analysis: Analysis | None = None,
              retry_every: float | None = None, **batching: float) -> BufferedSink:
    """The sink for ``target``: a server URL (``http(s)://``; the token is read from
    ``VPT_TOKEN``, never kept anywhere else), a result file (``file:PATH``, see file.py) or a
    store URL (relative to ``base_dir``).
    What it cannot write is spooled in ``base_dir/.vpt/spool``. ``analysis``: the settings
    finished runs are folded with (a server uses its own). ``retry_every``: seconds after a
    failure before the target is tried again (default: not again, for a run that ends soon).
    Not opened yet: call :meth:`~.base.Sink.open`."""
    spool = base_dir / SPOOL_DIR
    if isinstance(target, str) and target.strip().lower().startswith(("http://", "https://")):
        from .http import HttpSink

        return HttpSink(target.strip(), os.environ.get("VPT_TOKEN"), spool, retry_every=retry_every, **batching)
    if isinstance(target, str) and target_path(target) is not None:
        return FileSink(base_dir / target_path(target))
    url = target if isinstance(target, StoreURL) else parse_store_url(target, base_dir)
    return StoreSink(url, spool_dir=spool, analysis=analysis, retry_every=retry_every, **batching)
