"""The test process's side: what only the process running a test knows about it.

That is the test's markers and parametrization (from the item) and the metric samples
recorded while it ran. In a single pytest process the recorder asks for them directly;
an xdist worker sends them on ``report.user_properties`` as one ``("vpt", {...})`` entry
of JSON-safe values (the only carrier that survives xdist's serialisation), and the
controller's recorder takes the entry off again.
"""

from __future__ import annotations

from typing import Any

import pytest

from ..metrics import SampleBuffer
from .quarantine import MARKER, marker_reason

KEY = "vpt"
_IMPLIED_MARKERS = frozenset({"parametrize", "usefixtures", "filterwarnings"})
_WORKER_SAMPLES = "vpt_samples"


class ReportAnnotator:
    """Knows the item being run, and drains the samples recorded since the last report."""

    def __init__(self, buffer: SampleBuffer) -> None:
        self.buffer = buffer
        self.item: pytest.Item | None = None
        self._inherited: dict[str, frozenset[str]] = {}  # parent node id -> its markers

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item, nextitem: pytest.Item | None) -> Any:
        """Observe which item runs (all its attempts included); the protocol is not touched."""
        self.item = item
        try:
            return (yield)
        finally:
            self.item = None

    def data_for(self, report: Any) -> dict[str, Any] | None:
        """The test's data for one of its reports: item data on setup, samples when there are any."""
        data = None
        item = self.item
        if report.when == "setup" and item is not None and item.nodeid == report.nodeid:
            markers = self._markers(item)
            data = {"markers": markers}
            if MARKER in markers:
                data["quarantine"] = marker_reason(item)
            callspec = getattr(item, "callspec", None)
            if callspec is not None:
                data["params"] = callspec.id
        if self.buffer.pending:
            data = {**(data or {}), "metrics": self.buffer.drain()}
        return data

    def _markers(self, item: pytest.Item) -> list[str]:
        """The names of the markers that apply to ``item`` (its own and its parents')."""
        parent = item.parent
        inherited = self._inherited.get(parent.nodeid) if parent is not None else frozenset()
        if inherited is None:
            inherited = self._inherited[parent.nodeid] = frozenset(m.name for m in parent.iter_markers())
        own = {mark.name for mark in item.own_markers}
        return sorted((own | inherited) - _IMPLIED_MARKERS) if own or inherited else []


class WorkerAnnotations:
    """In an xdist worker: put the test's data on each report before xdist sends it."""

    def __init__(self, annotator: ReportAnnotator) -> None:
        self.annotator = annotator

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        data = self.annotator.data_for(report)
        if data:
            report.user_properties.append((KEY, data))

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        """Samples recorded after the last test travel with the worker's final output."""
        samples = self.annotator.buffer.drain()
        if samples:
            session.config.workeroutput[_WORKER_SAMPLES] = samples


def take(report: Any) -> dict[str, Any] | None:
    """Remove a worker's entry from ``report.user_properties`` and return it."""
    props = report.user_properties
    for index in range(len(props) - 1, -1, -1):
        entry = props[index]
        if entry[0] == KEY and isinstance(entry[1], dict):
            del props[index]
            return entry[1]
    return None


def worker_samples(node: Any) -> list[dict[str, Any]]:
    """The samples a finished worker sent with its final output."""
    return getattr(node, "workeroutput", {}).get(_WORKER_SAMPLES) or []
