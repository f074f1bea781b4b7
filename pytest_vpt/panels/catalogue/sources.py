"""The rows several dashboards' panels read, in one place."""

from __future__ import annotations

#: what the project's ended runs (finished or interrupted) on the chosen branches ran per
#: device, marker or failure cause, hour by hour (store/run_groups.py); add ``AND kind = ...``
ENDED_GROUPS = "FROM run_groups WHERE project = $var(project) AND $window(hour) AND $in(branch, branch)"
#: the same, of the finished runs alone
GROUPS = f"{ENDED_GROUPS} AND finished = 1"
