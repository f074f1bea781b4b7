"""Flakiness: scores (flip rate, PFS) and the verdict (stable, flaky, broken, fixed, new)
over a test's runs, given as attempts, whatever produced them."""

from .scores import FAIL, PASS, flip_rate, pfs_score
from .verdict import (
    STATUSES, Assessment, Evidence, FlakinessSettings, TestRun, assess, clean_assessment, window_of,
)

__all__ = [
    "FAIL", "PASS", "STATUSES", "Assessment", "Evidence", "FlakinessSettings", "TestRun", "assess",
    "clean_assessment", "flip_rate", "pfs_score", "window_of",
]
