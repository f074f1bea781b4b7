"""The ``vpt_video`` fixture: analyse a source inside a test, assert on what was found, and
record each analysis's figures as the test's metrics (``video.*``, tagged with the source)
and its incidents as the test's incident events.

A source that is the id of an entry of vpt.yaml's ``streams:`` section (and no file) is that
entry's source, analysed with its region, ignored rectangles, checks and their settings; what
the test passes wins over the entry. Minimum durations default to the product's (black
0.2 s, freeze 0.3 s: see ``pytest_vpt.video.incidents.MIN_DURATIONS``)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from ..metrics import MetricsCollector, record_incident
from ..wording import plural


class VideoChecks:
    """What ``vpt_video`` gives a test. Each ``assert_*`` takes a source (analysed with the
    checks it needs) or a :class:`~pytest_vpt.video.VideoReport` already made."""

    def __init__(self, metrics: MetricsCollector, rootdir: Path | None = None, config: Path | None = None) -> None:
        self.metrics = metrics
        self.rootdir, self.config = rootdir, config  # where vpt.yaml's streams: are (None: as the CLI finds them)

    def analyze(self, source: Any, **options: Any) -> Any:
        """:func:`pytest_vpt.video.analyze` (of a ``streams:`` entry when ``source`` is its id),
        its figures recorded as the test's metrics."""
        from ..video import analyze
        from ..video.analysis import DEFAULT_CHECKS
        from ..video.streams import make_checks

        stream = self.stream(source)
        if stream is not None:
            source = stream.source
            options.setdefault("area", stream.area)
        if "checks" not in options:
            options["checks"] = stream.make_checks(default=DEFAULT_CHECKS) if stream else make_checks(DEFAULT_CHECKS)
        started = time.time()
        report = analyze(source, **options)
        self._record(report, started)
        return report

    def assert_no_black_screen(self, source: Any, **settings: Any) -> Any:
        """Fail if the source shows a black screen (``settings``: :class:`BlackCheck`'s)."""
        report = self._report(source, ("black",), {"black": settings})
        _fail_on(report.of_kind("black_screen"), "black screen", report.source)
        return report

    def assert_no_freeze(self, source: Any, **settings: Any) -> Any:
        """Fail if the picture freezes (``settings``: :class:`FreezeCheck`'s); black is not a freeze."""
        report = self._report(source, ("black", "freeze"), {"freeze": settings})
        _fail_on(report.of_kind("freeze"), "freeze", report.source)
        return report

    def assert_frame_drop_rate_below(self, per_minute: float, source: Any) -> Any:
        """Fail unless fewer than ``per_minute`` frames a minute were dropped or repeated."""
        report = self._report(source, ("freeze", "drops"))
        drops = report.drops
        if drops.rate_per_minute >= per_minute:
            where = ", ".join(f"{missing} at {time:.2f} s" for time, missing in drops.gaps[:10])
            raise AssertionError(
                f"{report.source}: {drops.rate_per_minute:.1f} frames a minute dropped or repeated (limit {per_minute:g}): "
                f"{drops.dropped} dropped{' (' + where + ')' if where else ''}, {drops.duplicated} repeated")
        return report

    def assert_subtitles_present(self, source: Any, min_share: float = 0.0, **settings: Any) -> Any:
        """Fail unless subtitles show (for more than ``min_share`` of the time, if given)."""
        report = self._report(source, ("subtitles",), {"subtitles": settings})
        shown = report.subtitles
        if not shown.intervals or shown.share < min_share:
            raise AssertionError(f"{report.source}: subtitles shown {shown.share:.0%} of {report.duration:.1f} s"
                                 + (f" (wanted at least {min_share:.0%})" if min_share else ": none found"))
        return report

    def stream(self, source: Any) -> Any:
        """The ``streams:`` entry whose id ``source`` is, or None (a file by that name comes first)."""
        from ..video.sources import source_kind
        from ..video.streams import find_stream

        if not isinstance(source, str) or source_kind(source) != "file" or Path(source).exists():
            return None
        rootdir, config = self.rootdir, self.config
        if rootdir is None:
            from ..config import settings_outside_pytest

            settings, rootdir = settings_outside_pytest()
            config = settings.config_file
        return find_stream(source, rootdir, config)

    def _report(self, source: Any, names: tuple[str, ...], settings: dict[str, Any] | None = None) -> Any:
        """The report given, or an analysis with the checks named (an entry's settings, then ``settings``)."""
        from ..video import VideoReport
        from ..video.streams import Stream

        if isinstance(source, VideoReport):
            return source
        stream = self.stream(source) or Stream(str(source), source)
        return self.analyze(stream.source, checks=stream.make_checks(names, (), settings), area=stream.area)

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
