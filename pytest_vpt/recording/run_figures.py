"""The run's own figures, read at the end of the session on the controller's side (pytest
itself, or xdist's controller): the CPU time pytest took, which the run event carries
(``vpt.run.cpu_seconds``), and, when pytest-cov ran in the same session, its total coverage,
recorded as a metric of the run (``vpt.coverage.percent``) the way samples recorded outside
any test travel.
"""

from __future__ import annotations

import math
import os
import time
from typing import Any

from ..analytics.costs import COVERAGE_PERCENT


def cpu_seconds() -> float:
    """This process's CPU time so far, user and system, with its children's that have ended
    (xdist's workers, shut down before this is read; not the recorder, which still runs)."""
    used = os.times()
    return used.user + used.system + used.children_user + used.children_system


def coverage_percent(pluginmanager: Any) -> float | None:
    """pytest-cov's total (its ``_cov`` plugin's ``cov_total``, set once its report is made,
    after the test loop); None when pytest-cov did not run or made no report."""
    plugin = pluginmanager.get_plugin("_cov")
    total = getattr(plugin, "cov_total", None)
    if isinstance(total, bool) or not isinstance(total, (int, float)) or not math.isfinite(total):
        return None
    return float(total) if 0 <= total <= 100 else None


def coverage_samples(pluginmanager: Any) -> list[dict[str, Any]]:
    """pytest-cov's total as a metric sample of the run (recorded outside any test), or none."""
    percent = coverage_percent(pluginmanager)
    if percent is None:
        return []
    return [{"name": COVERAGE_PERCENT, "value": percent, "kind": "gauge", "unit": "%", "tags": {},
             "time": time.time()}]
