"""SLA targets (``sla:`` in vpt.yaml), their compliance per UTC day or ISO week, stored for
dashboards, and the report of a period: met or missed per target with its figure and trend,
and what broke it; e-mailed to its recipients on demand or on schedule.

>>> settings = sla.load(Path("."))
>>> with History.open(project="box") as history:
...     found = sla.report(history, settings, "weekly")
...     print(sla.render(found, "markdown"))
"""

from .compliance import refresh
from .formats import FORMATS, render
from .periods import due
from .report import SlaReport, TargetResult, report
from .schedule import Schedule
from .send import NoChannel, Sent, channels, pick_channel, send_due_reports, send_report
from .targets import MEASURES, SlaConfigError, SlaSettings, Target, load, parse

__all__ = ["FORMATS", "MEASURES", "NoChannel", "Sent", "Schedule", "SlaConfigError", "SlaReport", "SlaSettings", "Target",
           "TargetResult", "channels", "due", "load", "parse", "pick_channel", "refresh", "render", "report",
           "send_due_reports", "send_report"]
