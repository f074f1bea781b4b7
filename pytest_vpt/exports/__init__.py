"""Exports of the history to CSV, JSON and Excel: one small exporter per format behind one
interface (base.Exporter), registered in EXPORTERS; :class:`AnalyticsExporter` is the API."""

from .api import EXPORTERS, AnalyticsExporter, ExportSummary
from .base import Document, ExportError, Exporter, Figure
from .figures import FIGURES

__all__ = ["EXPORTERS", "FIGURES", "AnalyticsExporter", "Document", "ExportError", "ExportSummary", "Exporter", "Figure"]
