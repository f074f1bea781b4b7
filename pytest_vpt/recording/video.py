"""The ``vpt_video`` fixture: analyse a source inside a test, assert on what was found, and
record each analysis's figures as the test's metrics (``video.*``, tagged with the source)
and its incidents as the test's incident events."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from ..metrics import MetricsCollector, record_incident
from ..wording import plural


class VideoChecks:
    """What ``vpt_video`` gives a test. Each ``assert_*`` takes a source (analysed with the
    checks it needs) or a :class:`~pytest_vpt.video.VideoReport` already made."""

    def __init__(self, metrics: MetricsCollector) -> None:
        self.metrics = metrics

    def analyze(self, source: Any, **options: Any) -> Any:
        """:func:`pytest_vpt.video.analyze`, its figures recorded as the test's metrics."""
        from ..video import analyze

        started = time.time()
        report = analyze(source, **options)
        self._record(report, started)
        return report

    def assert_no_black_screen(self, source: Any, **settings: Any) -> Any:
        """Fail if the source shows a black screen (``settings``: :class:`BlackCheck`'s)."""
        from ..video import BlackCheck

        report = self._report(source, BlackCheck(**settings))
        _fail_on(report.of_kind("black_screen"), "black screen", report.source)
        return report

    def assert_no_freeze(self, source: Any, **settings: Any) -> Any:
        """Fail if the picture freezes (``settings``: :class:`FreezeCheck`'s); black is not a freeze."""
        from ..video import BlackCheck, FreezeCheck

        report = self._report(source, BlackCheck(), FreezeCheck(**settings))
        _fail_on(report.of_kind("freeze"), "freeze", report.source)
        return report

    def assert_frame_drop_rate_below(self, per_minute: float, source: Any) -> Any:
        """Fail unless fewer than ``per_minute`` frames a minute were dropped or repeated."""
        from ..video import DropsCheck, FreezeCheck

        report = self._report(source, FreezeCheck(), DropsCheck())
        drops = report.drops
        if drops.rate_per_minute >= per_minute:
            where = ", ".join(f"{missing} at {time:.2f} s" for time, missing in drops.gaps[:10])
            raise AssertionError(
                f"{report.source}: {drops.rate_per_minute:.1f} frames a minute dropped or repeated (limit {per_minute:g}): "
                f"{drops.dropped} dropped{' (' + where + ')' if where else ''}, {drops.duplicated} repeated")
        return report

    def assert_subtitles_present(self, source: Any, min_share: float = 0.0, **settings: Any) -> Any:
        """Fail unless subtitles show (for more than ``min_share`` of the time, if given)."""
        from ..video import SubtitleCheck

        report = self._report(source, SubtitleCheck(**settings))
        shown = report.subtitles
        if not shown.intervals or shown.share < min_share:
            raise AssertionError(f"{report.source}: subtitles shown {shown.share:.0%} of {report.duration:.1f} s"
                                 + (f" (wanted at least {min_share:.0%})" if min_share else ": none found"))
        return report

    def _report(self, source: Any, *checks: Any) -> Any:
        from ..video import VideoReport

        if isinstance(source, VideoReport):
            return source
        return self.analyze(source, checks=checks)

    def _record(self, report: Any, started: float) -> None:
        for incident in report.incidents:
            record_incident(incident.event_fields(report.source, started))
        tags = {"source": _short(report.source)}
        record = self.metrics.record
        record("video.quality_score", report.quality_score, tags)
        for kind in ("black_screen", "freeze"):
            record(f"video.{kind}_seconds", sum(i.duration for i in report.of_kind(kind)), tags, unit="s")
        record("video.incidents", len(report.incidents), tags)
        if report.drops is not None:
            record("video.frame_drops_per_minute", report.drops.rate_per_minute, tags)
        if report.bitrate is not None:
            record("video.bitrate_kbps", report.bitrate.mean, tags, unit="kbit/s")
            record("video.bitrate_variation", report.bitrate.variation, tags)
        if report.subtitles is not None:
            record("video.subtitles_share", report.subtitles.share, tags)


def _fail_on(incidents: list, what: str, source: str) -> None:
    if incidents:
        listed = "; ".join(incident.describe() for incident in incidents[:5])
        more = f" (and {len(incidents) - 5} more)" if len(incidents) > 5 else ""
        raise AssertionError(f"{source}: {plural(len(incidents), what + ' incident')}: {listed}{more}")


def _short(source: str) -> str:
    """A tag value for a source: a file's name, a URL as it is."""
    return Path(source).name if "://" not in source else source
