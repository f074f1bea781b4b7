"""pytest-vpt: every pytest run becomes history — outcomes, durations, flakiness, metrics.

The public API is this short list; everything else is private:

- :class:`MetricsCollector` records metrics from tests and scripts;
- :class:`History` reads the history back (runs, tests, verdicts, quarantine, devices,
  incidents, metrics, trends) and rebuilds its rollups; the records it returns have
  ``to_dict()``; :class:`HistoryError` is what it raises for a run or test it cannot single out;
- :class:`AnalyticsExporter` writes the history to CSV, JSON and Excel (with charts).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

from .metrics import MetricsCollector  # noqa: E402

if TYPE_CHECKING:
    from .exports import AnalyticsExporter
    from .history import History, HistoryError

__all__ = ["AnalyticsExporter", "History", "HistoryError", "MetricsCollector", "__version__"]


def __getattr__(name: str) -> Any:
    """The façade is imported when first asked for: ``import pytest_vpt`` (which loading the
    plugin does) loads no store engine."""
    if name in ("History", "HistoryError"):
        from . import history

        return getattr(history, name)
    if name == "AnalyticsExporter":
        from .exports import AnalyticsExporter

        return AnalyticsExporter
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
