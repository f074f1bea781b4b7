"""Every dashboard of the catalogue, one module each, in the order they are listed; each links
to all the others."""

from __future__ import annotations

from dataclasses import replace

from ..model import Dashboard, Panel
from . import (custom_metrics, device_health, devops_monitoring, executive_summary, qa_operations,
               quality_assurance, system_performance, test_execution, video_quality)


def _linked(boards: tuple[Dashboard, ...]) -> tuple[Dashboard, ...]:
    """``boards``, each linking to every other one, in the catalogue's order."""
    return tuple(replace(board, links=tuple(other.uid for other in boards if other is not board)) for board in boards)


DASHBOARDS: tuple[Dashboard, ...] = _linked((
    test_execution.DASHBOARD, device_health.DASHBOARD, video_quality.DASHBOARD, system_performance.DASHBOARD,
    executive_summary.DASHBOARD, qa_operations.DASHBOARD, devops_monitoring.DASHBOARD, quality_assurance.DASHBOARD,
    custom_metrics.DASHBOARD,
))


def panels(dashboard: Dashboard) -> tuple[Panel, ...]:
    """A dashboard's panels, row by row."""
    return tuple(panel for row in dashboard.rows for panel in row.panels)
