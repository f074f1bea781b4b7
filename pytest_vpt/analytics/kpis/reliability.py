"""The small formulas the KPIs share: means, shares and rates that say None without data.

- MTTR = seconds to repair, summed / episodes (incidents) that ended;
- MTBF of a test = passing seconds between its episodes, summed / gaps;
- MTBF of a device = seconds online / incidents that started (as analytics.devices does);
- tests per hour = tests run / hours the runs took (their wall time).
"""

from __future__ import annotations

HOUR = 3600.0


def mean(total: float, count: int) -> float | None:
    return total / count if count else None


def share(part: float, whole: float) -> float | None:
    """``part / whole``; None when the whole is (next to) nothing."""
    return part / whole if whole > 1e-9 else None


def per_hour(count: float, seconds: float) -> float | None:
    """``count`` per hour of ``seconds``."""
    return count / (seconds / HOUR) if seconds > 1e-9 else None
