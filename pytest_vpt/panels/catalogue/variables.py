"""The variables every dashboard shares: the project, its branches, its devices and streams."""

from __future__ import annotations

from ..model import Query, Variable

PROJECT = Variable(
    "project", "Project",
    Query("SELECT project FROM runs GROUP BY project UNION SELECT project FROM devices GROUP BY project ORDER BY 1"),
)
BRANCH = Variable(
    "branch", "Branch",
    Query("SELECT DISTINCT vcs_branch FROM runs WHERE project = $var(project) AND vcs_branch IS NOT NULL "
          "ORDER BY 1"),
    multi=True, include_all=True,
)
DEVICE = Variable(
    "device", "Device or stream",
    Query("SELECT device_id FROM devices WHERE project = $var(project) "
          "UNION SELECT DISTINCT source FROM video_incidents WHERE project = $var(project) ORDER BY 1"),
    multi=True, include_all=True,
)
STREAM = Variable(
    "stream", "Stream",
    Query("SELECT DISTINCT device FROM kpi_device_daily WHERE project = $var(project) AND kind = 'stream' "
          "UNION SELECT DISTINCT source FROM video_incidents WHERE project = $var(project) ORDER BY 1"),
    multi=True, include_all=True,
)
