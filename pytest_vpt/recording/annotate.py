"""The test process's side: attach what only it knows to each report.

Runs wherever tests run (an xdist worker, or the one pytest process). The data rides on
``report.user_properties`` as one ``("vpt", {...})`` entry of JSON-safe values, the only
carrier that survives xdist's serialisation; the recorder takes it off again.
"""

from __future__ import annotations

from typing import Any

import pytest

from ..metrics import SampleBuffer

KEY = "vpt"
_IMPLIED_MARKERS = {"parametrize", "usefixtures", "filterwarnings"}


class ReportAnnotator:
    """Numbers each test in this process's sequence and sends its markers and metric samples."""

    def __init__(self, buffer: SampleBuffer) -> None:
        self.buffer = buffer
        self.seq = 0

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo) -> Any:
        report = yield
        data: dict[str, Any] = {}
        if call.when == "setup":
            self.seq += 1
            data["seq"] = self.seq
            data["markers"] = sorted({mark.name for mark in item.iter_markers()} - _IMPLIED_MARKERS)
            callspec = getattr(item, "callspec", None)
            if callspec is not None:
                data["params"] = callspec.id
        if report.failed and call.excinfo is not None:
            data["error_type"] = exception_name(call.excinfo.type)
        samples = self.buffer.drain()
        if samples:
            data["metrics"] = samples
        if data:
            report.user_properties.append((KEY, data))
        return report


def take(report: Any) -> dict[str, Any] | None:
    """Remove this plugin's entry from ``report.user_properties`` and return it."""
    props = report.user_properties
    for index in range(len(props) - 1, -1, -1):
        entry = props[index]
        if entry[0] == KEY and isinstance(entry[1], dict):
            del props[index]
            return entry[1]
    return None


def exception_name(kind: type) -> str:
    """``ValueError`` for a builtin, ``package.module.Error`` otherwise."""
    module = kind.__module__
    return kind.__qualname__ if module in ("builtins", "__main__") else f"{module}.{kind.__qualname__}"
