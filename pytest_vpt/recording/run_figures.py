"""The run's own figures, recorded at the end of the session as metrics of the run: the CPU
time pytest took (``vpt.run.cpu_seconds``) and, when pytest-cov ran in the same session, its
total coverage (``vpt.coverage.percent``).

Both are read on the controller's side (pytest itself, or xdist's controller) and travel
the way metric samples recorded outside any test do.
"""

from __future__ import annotations

import math
import os
import time
from typing import Any

from ..analytics.costs import COVERAGE_PERCENT, CPU_SECONDS


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


def run_figures(pluginmanager: Any) -> list[dict[str, Any]]:
    """The run's figures as metric samples (recorded outside any test)."""
    at = time.time()

    def gauge(name: str, value: float, unit: str) -> dict[str, Any]:
        return {"name": name, "value": value, "kind": "gauge", "unit": unit, "tags": {}, "time": at}

    found = [gauge(CPU_SECONDS, round(cpu_seconds(), 6), "s")]
    percent = coverage_percent(pluginmanager)
    if percent is not None:
        found.append(gauge(COVERAGE_PERCENT, percent, "%"))
    return found
