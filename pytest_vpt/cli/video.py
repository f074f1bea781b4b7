"""``vpt video analyze``: the video checks on a file, stream or capture device; ``vpt watch``."""

from __future__ import annotations

import signal
import sys
import time
from pathlib import Path
from typing import Any

import click

from ..wording import plural
from . import render
from .context import StoreOption
from .producer_alerts import no_alerts_option, rules_beside, tell
from .progress import shown as progress_shown
from .sink_account import failed, problems, producer_sink, sent, server_option, target_of
from .timespec import parse_span

_C = render.Column


def picture_options(command: Any) -> Any:
    """Where the black and freeze checks look, and how long a black screen or freeze lasts
    before it is an incident (each default: the streams: entry's, else the product's: the video
    package's MIN_DURATIONS, said here without importing it, as the video extra may be missing)."""
    for option in reversed((
        click.option("--region", metavar="X,Y,W,H", help="look only at this rectangle: fractions of the frame "
                     "(0,0.5,1,0.5) or pixels (0,540,1920,540; 10px,... )"),
        click.option("--ignore", multiple=True, metavar="X,Y,W,H", help="leave this rectangle out: a logo, a "
                     "burned-in timecode (repeatable; fractions or pixels)"),
        click.option("--min-black", type=click.FloatRange(min=0), help="seconds a black screen lasts before it is an "
                     "incident (default 0.2)"),
        click.option("--min-freeze", type=click.FloatRange(min=0), help="seconds a freeze lasts before it is an "
                     "incident (default 0.3)"),
        click.option("--min-duration", type=click.FloatRange(min=0), help="--min-black and --min-freeze at once "
                     "(either given wins for its check)"),
    )):
        command = option(command)
    return command


def planned(store_option: StoreOption, source: str, names: tuple[str, ...], default: tuple[str, ...],
            overrides: dict[str, dict[str, Any]], region: str | None, ignore: tuple[str, ...],
            min_black: float | None, min_freeze: float | None, min_duration: float | None) -> tuple[str, list, Any]:
    """The source, checks and area to analyse: those of the streams: entry whose id ``source``
    is (when it is no file or URL), the command line's options winning over it."""
    from ..video.sources import source_kind
    from ..video.streams import Area, Stream, find_stream

    stream = None
    try:
        if source_kind(source) == "file" and not Path(source).exists():
            stream = find_stream(source, store_option.rootdir, store_option.settings.config_file)
        durations = {"black": min_black if min_black is not None else min_duration,
                     "freeze": min_freeze if min_freeze is not None else min_duration}
        for name, seconds in durations.items():
            if seconds is not None:
                overrides = {**overrides, name: {**overrides.get(name, {}), "min_duration": seconds}}
        stream = stream or Stream(source, source)
        area = Area.parse(region, ignore).over(stream.area)
        return stream.source, stream.make_checks(names, default, overrides), area
    except ValueError as exc:  # a bad entry (StreamsError), rectangle (AreaError) or setting: each names itself
        raise click.ClickException(str(exc)) from None


@click.group()
def video() -> None:
    """Video checks: black screen, freeze, frame drops, bitrate (needs pytest-vpt[video])."""


@video.command()
@click.argument("source")
@click.option("--seconds", type=click.FloatRange(min=0, min_open=True), help="analyse this much (default: all)")
@click.option("--sample-every", default=1, show_default=True, type=click.IntRange(min=1),
              help="look at every Nth frame's picture (boundaries then move by up to N-1 frames)")
@click.option("--check", "checks", multiple=True,
              type=click.Choice(["black", "freeze", "drops", "bitrate", "subtitles"]),
              help="a check to run (repeatable; default: all but subtitles)")
@picture_options
@click.option("--thumbnails", type=click.Path(file_okay=False, path_type=Path), help="save a PNG of each incident here")
@click.option("--timeout", default=10.0, show_default=True, type=click.FloatRange(min=0, min_open=True),
              help="seconds to wait for a stream or device")
@click.option("--ocr", is_flag=True, help="read the subtitles' text with Tesseract (runs the subtitles check)")
@click.option("--lang", default="eng", show_default=True, help="Tesseract's language(s) for --ocr (deu, eng+deu); "
              "also picks the container's subtitle stream of that language")
@click.option("--json", "as_json", is_flag=True, help="print the report as JSON")
@click.pass_obj
def analyze(store_option: StoreOption, source: str, seconds: float | None, sample_every: int, checks: tuple[str, ...],
            thumbnails: Path | None, timeout: float, ocr: bool, lang: str, as_json: bool, **picture: Any) -> None:
    """Analyse SOURCE (a file, an rtsp/http/udp URL, /dev/videoN or a device index), or the
    source of the vpt.yaml streams: entry with that id (its region and checks)."""
    try:
        from ..video import SourceError
        from ..video import analyze as run_analysis
        from ..video import open_source
        from ..video.streams import AreaError
    except ImportError as exc:
        raise click.ClickException(f"vpt video needs its extra: pip install 'pytest-vpt[video]' ({exc})") from None
    given = click.get_current_context().get_parameter_source("lang") == click.core.ParameterSource.COMMANDLINE
    subtitles = {**({"ocr": True} if ocr else {}), **({"lang": lang} if given else {})}
    if ocr and "subtitles" not in checks:  # --ocr reads the subtitles: their check runs
        checks = (checks or ("black", "freeze", "drops", "bitrate")) + ("subtitles",)
    source, chosen, area = planned(store_option, source, checks, ("black", "freeze", "drops", "bitrate"),
                                   {"subtitles": subtitles}, **picture)
    try:
        opened = open_source(source, timeout)  # opened first: a file's container tells how long it is
        length = min(filter(None, (seconds, opened.declared_duration)), default=None)
        with progress_shown(f"analysing {opened.name}", "s", length, quiet=as_json) as bar:
            report = run_analysis(opened, chosen, seconds, sample_every, thumbnails, timeout,
                                  on_progress=lambda at, frames, ongoing: bar.update(at), area=area)
            bar.update(report.duration, report.duration)
    except (SourceError, AreaError) as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        render.emit_json(report.to_dict())
        return
    click.echo(f"{report.source}: {report.width}x{report.height}, {report.fps or 0:.2f} fps, {report.frames} frames, "
               f"{report.duration:.1f} s analysed in {report.elapsed:.1f} s; quality score {report.quality_score:g}")
    if report.ended_early:
        click.echo(f"{report.source} {report.shortfall()}")
    if report.incidents:
        render.table("incidents", ["kind", "start", "end", "frames", "duration", "severity"], [
            [i.kind, f"{i.start:.2f} s", "open" if i.open else f"{i.end:.2f} s",
             f"{i.start_frame}-{'' if i.open else i.end_frame}", f"{i.duration:.2f} s", i.severity]
            for i in report.incidents
        ], right=["start", "end", "duration"])
    else:
        click.echo("no incidents")
    if report.drops is not None:
        click.echo(f"frame drops: {report.drops.dropped} dropped, {report.drops.duplicated} repeated, "
                   f"{report.drops.rate_per_minute:.1f} per minute")
    if report.bitrate is not None:
        rate = report.bitrate
        click.echo(f"bitrate: mean {rate.mean:.0f} kbit/s, deviation {rate.deviation:.0f}, variation {rate.variation:.2f}, "
                   f"lowest {rate.minimum:.0f}; {plural(len(rate.dips), 'dip')} below {rate.floor:.0f} kbit/s")
    if report.subtitles is not None:
        shown = report.subtitles
        spans = ", ".join(f"{start:.1f}-{'end' if end is None else f'{end:.1f}'} s" for start, end in shown.intervals[:10])
        said = shown.language or "no language"
        origin = f" from its {shown.codec} stream ({said})" if shown.origin == "stream" else ""
        click.echo(f"subtitles{origin}: shown {shown.share:.0%} of the time" + (f" ({spans})" if spans else ""))
        for (start, _), text in list(zip(shown.intervals, shown.texts))[:10]:
            said = f"  {start:.1f} s: "
            click.echo(said + text.replace("\n", "\n" + " " * len(said)))  # a cue's later lines under its first
        for warning in shown.warnings:  # a subtitle rendition or segment that could not be read
            click.echo(f"  warning: {warning}", err=True)



@video.command()
@click.option("--project", help="only this project's incidents")
@click.option("--since", metavar="SPAN", default="24h", show_default=True, help="how far back (30m, 24h, 7d)")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(min=1))
@render.json_option
@render.wide_option
@click.pass_obj
def incidents(store_option: StoreOption, project: str | None, since: str, limit: int, as_json: bool,
              wide: bool) -> None:
    """Video incidents recorded by vpt watch (and other producers), newest first."""
    with store_option.history(project) as history:
        found = [i.to_dict() for i in history.video_incidents(time.time() - parse_span(since), limit)]
    if as_json:
        render.emit_json(found)
        return
    if not found:
        click.echo(f"no video incidents since {since} ago" + (f" for project {project!r}" if project else ""))
        return
    render.table(None, [_C("started", priority=1), _C("source", key=True, fit=render.MIDDLE), _C("kind", priority=1),
                        _C("duration", right=True, priority=1), _C("position", right=True, priority=1),
                        _C("severity", priority=2), _C("end", priority=3), _C("test", priority=2, fit=render.NODEID)], [
        [render.when(i["started_at"]), i["source"], i["kind"], render.tenths(i["duration"]), _position(i), i["severity"],
         "open" if i["ended_at"] is None else render.when(i["ended_at"]), i["nodeid"]] for i in found
    ], wide=wide)


def _position(incident: dict[str, Any]) -> str:
    """Where in the file or stream: seconds from its start, then the first frame to the first
    frame without it (counted from the start)."""
    at = "" if incident["position"] is None else f"{render.tenths(incident['position'])} "
    if incident["start_frame"] is None:
        return at.strip()
    return f"{at}f{incident['start_frame']}-{'' if incident['end_frame'] is None else incident['end_frame']}"


@click.command()
@click.argument("source")
@click.option("--project", help="record under this project (default: as pytest --vpt would)")
@click.option("--for", "span", metavar="SPAN", help="stop after this span (30m, 24h); default: until Ctrl-C")
@picture_options
@click.option("--timeout", default=10.0, show_default=True, type=click.FloatRange(min=0, min_open=True),
              help="seconds to wait for the stream or device")
@server_option
@no_alerts_option
@click.pass_obj
def watch(store_option: StoreOption, source: str, project: str | None, span: str | None, timeout: float,
          server: str | None, no_alerts: bool, **picture: Any) -> None:
    """Watch a stream or capture device (SOURCE, or the source of the vpt.yaml streams: entry
    with that id) for black screens, freezes, frame drops and outages until stopped (Ctrl-C or
    SIGTERM), writing each incident to the store (or sending it to a vpt server) as it ends;
    the rules of the alerts: section are evaluated beside it while it writes a local store."""
    try:
        from ..producers.watcher import WATCHED, Watcher
    except ImportError as exc:
        raise click.ClickException(f"vpt watch needs the video extra: pip install 'pytest-vpt[video]' ({exc})") from None
    settings = store_option.settings
    seconds = parse_span(span) if span else None  # a bad --for is refused before anything starts
    source, checks, area = planned(store_option, source, (), WATCHED, {}, **picture)
    line = _StatusLine(sys.stderr.isatty(), Watcher.retry_in)
    sink = producer_sink(store_option, server)
    beside, note = rules_beside(store_option, sink.report, settings.config_file, no_alerts)
    watcher = Watcher(source, sink, project or settings.project, checks, timeout, line.show, beside, area)
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: watcher.stop.set())
    click.echo(f"watching {watcher.name} {target_of(sink.report)}; Ctrl-C stops", err=True)
    tell(note)
    status = watcher.run(time.time() + seconds if seconds else None)
    line.end()
    if status.failed:  # a file that cannot be decoded, as vpt video analyze says it
        raise click.ClickException(status.error)
    early = f"; {status.source} {status.ended_early}" if status.ended_early else ""
    alerts = f"; {status.beside}" if status.beside else ""
    click.echo(f"stopped: {plural(status.incidents, 'incident')}, {sent(sink.report, None)}{problems(sink.report)}"
               f"{early}{alerts}", err=True)
    if failed(sink.report):
        sys.exit(1)


class _StatusLine:
    """On a terminal one line rewritten in place; otherwise a line when something changes."""

    def __init__(self, live: bool, retry_in: Any) -> None:
        self.live, self.retry_in, self.last = live, retry_in, None

    def show(self, status: Any) -> None:
        state = "connected" if status.connected else f"NOT connected ({status.error})"
        if not status.connected and status.failures:  # each failed attempt is said, with when the next is
            state += f"; attempt {status.failures} failed, next in {self.retry_in(status.failures):g} s"
        ongoing = f"; now: {', '.join(status.ongoing)}" if status.ongoing else ""
        alerts = f"; {status.beside}" if status.beside else ""
        text = (f"{status.source}: {state}, {status.seconds:.0f} s watched, {plural(status.incidents, 'incident')} "
                f"({sent(status.sink, None)}){ongoing}{alerts}")
        seen = (status.connected, status.failures, status.incidents, tuple(status.ongoing),
                sum(status.sink.spooled.values()), status.beside)
        if self.live:
            click.echo(f"\r{text[:160]:160}", nl=False, err=True)
        elif seen != self.last:
            click.echo(text, err=True)
        self.last = seen

    def end(self) -> None:
        if self.live:
            click.echo("", err=True)
