"""The one place pytest-vpt changes an outcome, and only under ``--vpt-quarantine``: the final
failure of a quarantined test becomes non-blocking.

The report is changed where pytest-rerunfailures has already decided (in
``pytest_runtest_logreport``, before pytest, its terminal, JUnit XML or xdist see it), so a
quarantined test is still rerun first and only its last attempt is concerned. The report
becomes a skip with ``wasxfail`` (what pytest does for an expected failure: not counted as
failed, ``<skipped type="pytest.xfail">`` in JUnit XML), shows as QUARANTINED, and carries
the real outcome and error in ``report.vpt_quarantined`` for the recorder.
"""

from __future__ import annotations

from typing import Any

import pytest

from .phases import category, describe

MARKER = "vpt_quarantine"
ATTRIBUTE = "vpt_quarantined"


def marker_reason(item: Any) -> str | None:
    """The reason of the item's ``vpt_quarantine`` marker ("" without one), or None if unmarked."""
    mark = item.get_closest_marker(MARKER)
    if mark is None:
        return None
    return str(mark.kwargs.get("reason") or (mark.args[0] if mark.args else ""))


class QuarantineHooks:
    """Turns the final failures of quarantined tests into non-blocking results."""

    def __init__(self, annotator: Any, active: dict[str, str], expired: set[str], listed: dict[str, str],
                 list_name: str) -> None:
        self.annotator = annotator  # knows the item being run
        self.active = active
        self.expired = expired
        self.listed = listed
        self.list_name = list_name

    def reason_for(self, nodeid: str, item: Any) -> str | None:
        """Why ``nodeid`` is quarantined now, or None if it is not."""
        if nodeid in self.active:
            return self.active[nodeid]
        if nodeid in self.expired:  # left after its passes; the marker or list line remains
            return None
        if item is not None and item.nodeid == nodeid:
            reason = marker_reason(item)
            if reason is not None:
                return reason or f"marked {MARKER}"
        if nodeid in self.listed:
            return self.listed[nodeid] or f"listed in {self.list_name}"
        return None

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if not report.failed or ATTRIBUTE in report.__dict__:
            return
        reason = self.reason_for(report.nodeid, self.annotator.item)
        if reason is None:
            return
        report.__dict__[ATTRIBUTE] = {"status": category(report), "error": list(describe(report)), "reason": reason}
        report.outcome = "skipped"
        report.wasxfail = f"quarantined: {reason}"


def teststatus(report: Any) -> tuple[str, str, tuple[str, dict]] | None:
    """How pytest's terminal shows a quarantined failure."""
    if ATTRIBUTE in report.__dict__ and report.skipped:
        return "quarantined", "Q", ("QUARANTINED", {"yellow": True})
    return None
