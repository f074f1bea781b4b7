"""``vpt video analyze``: the video checks on a file, stream or capture device."""

from __future__ import annotations

from pathlib import Path

import click

from . import render


@click.group()
def video() -> None:
    """Video checks: black screen, freeze, frame drops, bitrate (needs pytest-vpt[video])."""


@video.command()
@click.argument("source")
@click.option("--seconds", type=click.FloatRange(min=0, min_open=True), help="analyse this much (default: all)")
@click.option("--sample-every", default=1, show_default=True, type=click.IntRange(min=1),
              help="look at every Nth frame's picture (boundaries then move by up to N-1 frames)")
@click.option("--check", "checks", multiple=True, type=click.Choice(["black", "freeze", "drops", "bitrate"]),
              help="a check to run (repeatable; default: all)")
@click.option("--min-duration", type=click.FloatRange(min=0), help="seconds a black screen or freeze lasts before "
              "it is an incident (default: 0.5 black, 1.0 freeze)")
@click.option("--thumbnails", type=click.Path(file_okay=False, path_type=Path), help="save a PNG of each incident here")
@click.option("--timeout", default=10.0, show_default=True, type=click.FloatRange(min=0, min_open=True),
              help="seconds to wait for a stream or device")
@click.option("--json", "as_json", is_flag=True, help="print the report as JSON")
def analyze(source: str, seconds: float | None, sample_every: int, checks: tuple[str, ...], min_duration: float | None,
            thumbnails: Path | None, timeout: float, as_json: bool) -> None:
    """Analyse SOURCE (a file, an rtsp/http/udp URL, /dev/videoN or a device index)."""
    try:
        from ..video import BitrateCheck, BlackCheck, DropsCheck, FreezeCheck, SourceError
        from ..video import analyze as run_analysis
    except ImportError as exc:
        raise click.ClickException(f"vpt video needs its extra: pip install 'pytest-vpt[video]' ({exc})") from None
    durations = {} if min_duration is None else {"min_duration": min_duration}
    chosen = {"black": BlackCheck(**durations), "freeze": FreezeCheck(**durations), "drops": DropsCheck(),
              "bitrate": BitrateCheck()}
    try:
        report = run_analysis(source, [chosen[name] for name in (checks or chosen)], seconds, sample_every,
                              thumbnails, timeout)
    except SourceError as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        render.emit_json(report.to_dict())
        return
    click.echo(f"{report.source}: {report.width}x{report.height}, {report.fps or 0:.2f} fps, {report.frames} frames, "
               f"{report.duration:.1f} s analysed in {report.elapsed:.1f} s; quality score {report.quality_score:g}")
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
                   f"lowest {rate.minimum:.0f}; {len(rate.dips)} dip(s) below {rate.floor:.0f} kbit/s")
