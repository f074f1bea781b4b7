"""Quarantine: failures of known-flaky tests made non-blocking, while they are still measured.

A test enters when its verdict turns flaky (unless automatic quarantine is off), when it is
marked ``@pytest.mark.vpt_quarantine(reason=...)``, or when it is listed in the committed
list file; it leaves after a number of consecutive clean passes. A broken test is never
quarantined automatically. Outcomes change only under ``--vpt-quarantine``.
"""

from .rules import Entry, QuarantinePolicy, next_entry

__all__ = ["Entry", "QuarantinePolicy", "next_entry"]
