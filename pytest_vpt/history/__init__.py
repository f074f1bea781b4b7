"""The history of test runs as a Python API (see :class:`History`)."""

from .api import History
from .errors import HistoryError, NoVerdict, RunIdAmbiguous, RunNotFound, TestInSeveralProjects
from .health import Device, DeviceIncident, DeviceValue, VideoIncident
from .runs import DailyRebuild, MetricSample, MetricSummary, Run, RunDetail, TestHistoryEntry, TestResult
from .trends import Trends
from .verdicts import FlakinessRebuild, FlakyTest, QuarantineEntry, VerdictEvidence

__all__ = [
    "DailyRebuild", "Device", "DeviceIncident", "DeviceValue", "FlakinessRebuild", "FlakyTest", "History",
    "HistoryError",
    "MetricSample", "MetricSummary", "NoVerdict", "QuarantineEntry", "Run", "RunDetail", "RunIdAmbiguous",
    "RunNotFound", "TestHistoryEntry", "TestInSeveralProjects", "TestResult", "Trends", "VerdictEvidence",
    "VideoIncident",
]
