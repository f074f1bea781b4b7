"""The pass rate: one formula for the terminal summary, the history and the rollups' readers."""

from __future__ import annotations

from collections.abc import Mapping

JUDGED = ("passed", "failed", "error", "quarantined")


def judged(counts: Mapping[str, int | None]) -> int:
    """Tests that ran to a verdict: passed, failed, error, and failures a quarantine made
    non-blocking (skips, expected failures and reruns are not verdicts)."""
    return sum(counts.get(key) or 0 for key in JUDGED)


def pass_rate(counts: Mapping[str, int | None]) -> float | None:
    """Passed tests among those that ran to a verdict; None if none did."""
    total = judged(counts)
    return (counts.get("passed") or 0) / total if total else None
