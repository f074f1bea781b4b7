"""The history of test runs as a Python API (see :class:`History`)."""

from .api import History
from .alerts import AlertState, Silence
from .changes import BadChangeRead, Change, Changes, UnknownTest
from .correlation import BadCorrelation, Correlation, SeriesRead, UnknownSeries
from .costs import CostDay, Costs, CostTotal, DeviceUse, FlakyCost, MarkerUse
from .errors import HistoryError, NoVerdict, RunIdAmbiguous, RunNotFound, TestInSeveralProjects
from .exports import ExportColumn, ExportRows, UnknownExportQuery
from .failures import FailureGroup, FailureReport, RunCategories, UnknownCategory
from .health import Device, DeviceIncident, DeviceValue, VideoIncident
from .kpis import DeviceKpis, KpiDay, KpiRebuild, Kpis, QualityPart, QualityScore, UnknownDevice
from .live import BadLiveRead, LiveFailure, LiveRun, LiveSlow, LiveView
from .panels import DashboardData, PanelData, QueryData, UnknownPanel
from .runs import DailyRebuild, MetricSample, MetricSummary, Run, RunDetail, TestHistoryEntry, TestResult
from .service import ServiceSample
from .sla import ComplianceRow, DeviceUptime, FailingTest, SlaPeriod
from .trends import Trends
from .verdicts import FlakinessRebuild, FlakyTest, QuarantineEntry, VerdictEvidence

__all__ = [
    "BadChangeRead", "BadCorrelation", "Change", "Changes", "Correlation", "CostDay", "CostTotal", "Costs",
    "DailyRebuild", "DashboardData", "Device", "DeviceIncident", "DeviceKpis", "DeviceUse", "DeviceValue", "FailureGroup",
    "FailureReport", "FlakinessRebuild", "FlakyCost", "FlakyTest", "History", "HistoryError", "KpiDay",
    "KpiRebuild", "Kpis", "MarkerUse", "MetricSample", "MetricSummary", "NoVerdict", "PanelData", "QueryData", "QualityPart",
    "QualityScore", "QuarantineEntry", "Run", "RunCategories", "RunDetail", "RunIdAmbiguous", "RunNotFound",
    "SeriesRead", "ServiceSample", "TestHistoryEntry", "TestInSeveralProjects", "TestResult", "Trends", "UnknownCategory",
    "UnknownDevice", "UnknownPanel", "UnknownSeries", "UnknownTest", "VerdictEvidence", "VideoIncident",
    "ExportColumn", "ExportRows", "UnknownExportQuery",
    "AlertState", "Silence",
    "BadLiveRead", "LiveFailure", "LiveRun", "LiveSlow", "LiveView",
    "ComplianceRow", "DeviceUptime", "FailingTest", "SlaPeriod",
]
