"""Every dashboard of the catalogue, one module each, in the order they are listed."""

from __future__ import annotations

from ..model import Dashboard, Panel
from . import device_health, test_execution, video_quality

DASHBOARDS: tuple[Dashboard, ...] = (test_execution.DASHBOARD, device_health.DASHBOARD, video_quality.DASHBOARD)


def panels(dashboard: Dashboard) -> tuple[Panel, ...]:
    """A dashboard's panels, row by row."""
    return tuple(panel for row in dashboard.rows for panel in row.panels)
