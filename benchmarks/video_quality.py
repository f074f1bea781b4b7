"""Black screen and freeze detection on broadcast-like clips made from real photographs,
against FFmpeg's blackdetect + freezedetect.

Builds its own set with tests/photo_clips.py (scikit-image's photographs, animated with
pans, zooms, cuts, dissolves, grain, night grading, logo, ticker, timecode and credits;
black screens and freezes of 0.4-6 s at known frames, and hard negatives), analyses each
clip with the real CLI (`vpt video analyze --json --min-duration 0.3`, its overlays passed
as `--ignore` when the CLI has that option) and with the ffmpeg binary
(`blackdetect=d=0.4,freezedetect=n=-50dB:d=0.4`), and prints a table per clip; the last line
is `found=F/T split=S max_err_frames=E false=N ffmpeg_false=M` (goal: F=T, S=0, E<=1, N=0).

    python benchmarks/video_quality.py [--keep FOLDER]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from photo_clips import (FPS, SLOW_ZOOMED, Black, Clip, Credits, Fade, Freeze, Logo, Score, Shot, Ticker,  # noqa: E402
                         Timecode, score)


def clips() -> list[Clip]:
    slow = (1.1, 1.1 * (1 + 0.002 * 250 / FPS))  # 0.2 % a second: edges move 0.04 px a frame
    pan = ((0.4, 0.5), (0.6, 0.5))
    overlays = (Timecode(), Ticker(), Logo())
    return [
        Clip("news", [Shot("astronaut.png", 300, zoom=(1.1, 1.35))], [Freeze(30, 40), Black(80, 90), Freeze(120, 270)],
             [Logo()]),
        Clip("documentary_grain", [Shot("chelsea.png", 300, grain=5, centre=pan)],
             [Freeze(40, 60), Freeze(150, 200), Fade(230, 10, 25, 10), Fade(100, 10, 15, 10, depth=0.5)],
             negatives=[("grain over a pan", 0, 40), ("fade to half, not black", 100, 135)]),
        Clip("night", [Shot("camera.png", 300, night=True, grain=2, centre=pan)],
             [Freeze(50, 100), Black(150, 170), Fade(220, 12, 15, 12)], negatives=[("night scene", 100, 150)]),
        Clip("timecode_ticker", [Shot("rocket.jpg", 300, zoom=(1.1, 1.4))],
             [Freeze(30, 80, output=False), Freeze(150, 250, output=False)], overlays,
             ignore=(Timecode().rect, Ticker().rect)),
        Clip("cuts", [Shot("motorcycle_left.png", 100, centre=pan), Shot("coffee.png", 100, zoom=(1.1, 1.3)),
                      Shot("astronaut.png", 100, centre=((0.5, 0.4), (0.5, 0.6)))],
             [Black(90, 100), Freeze(150, 175), Freeze(250, 262)], [Logo()]),
        Clip("sport", [Shot("motorcycle_left.png", 250, zoom=(1.2, 1.6), centre=((0.3, 0.5), (0.7, 0.5)))],
             [Freeze(25, 35), Freeze(60, 75), Black(120, 130), Freeze(180, 230)], [Logo()]),
        Clip("dissolves", [Shot("hubble_deep_field.jpg", 100, zoom=(1.1, 1.2)),
                           Shot("coins.png", 100, dissolve=30, centre=pan), Shot("retina.jpg", 100, dissolve=30, zoom=(1.1, 1.25))],
             [Freeze(20, 40), Black(200, 215)], negatives=[("a dissolve", 70, 100), ("a dissolve", 140, 170)]),
        *(Clip(f"slow_zoom_{name.split('.')[0]}", [Shot(name, 250, zoom=slow)], negatives=[("slow zoom", 0, 250)])
          for name in (*SLOW_ZOOMED, "moon.png")),
        Clip("still_overlays", [Shot("rocket.jpg", 200)], overlays=overlays,
             negatives=[("ticker and timecode over a still photo", 0, 200)]),
        Clip("grain_still", [Shot("ihc.png", 200, grain=6)], negatives=[("grain over a still photo", 0, 200)]),
        Clip("credits", [Shot("moon.png", 200)], overlays=[Credits()], negatives=[("rolling credits", 0, 200)]),
    ]


def _has_ignore_option() -> bool:
    shown = subprocess.run([sys.executable, "-c", "from pytest_vpt.cli import main; main()", "video", "analyze", "--help"], capture_output=True,
                           text=True, cwd=ROOT)
    return "--ignore" in shown.stdout


def ours(path: Path, clip: Clip, ignore: bool) -> list[tuple[str, int, int | None]]:
    command = [sys.executable, "-c", "from pytest_vpt.cli import main; main()", "video", "analyze", str(path), "--json", "--min-duration", "0.3"]
    if ignore:
        for x, y, w, h in clip.ignore:
            command += ["--ignore", f"{x:.4f},{y:.4f},{w:.4f},{h:.4f}"]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    if done.returncode:
        raise SystemExit(f"vpt video analyze failed on {path.name}: {done.stderr or done.stdout}")
    report = json.loads(done.stdout)
    return [(i["kind"], i["start_frame"], i["end_frame"]) for i in report["incidents"] if i["kind"] in ("black_screen", "freeze")]


def ffmpeg(path: Path, frames: int) -> list[tuple[str, int, int | None]]:
    done = subprocess.run(["ffmpeg", "-hide_banner", "-nostats", "-i", str(path), "-vf",
                           "blackdetect=d=0.4,freezedetect=n=-50dB:d=0.4", "-an", "-f", "null", "-"],
                          capture_output=True, text=True, check=True)
    found: list[tuple[str, int, int | None]] = []
    for start, end in re.findall(r"black_start:([\d.]+) black_end:([\d.]+)", done.stderr):
        found.append(("black_screen", round(float(start) * FPS), round(float(end) * FPS)))
    starts = [round(float(t) * FPS) for t in re.findall(r"freeze_start: ([\d.]+)", done.stderr)]
    ends = [round(float(t) * FPS) for t in re.findall(r"freeze_end: ([\d.]+)", done.stderr)]
    found += [("freeze", start, ends[n] if n < len(ends) else None) for n, start in enumerate(starts)]
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="encode the clips into (and reuse them from) this folder")
    args = parser.parse_args()
    if shutil.which("ffmpeg") is None:
        raise SystemExit("this benchmark compares with ffmpeg: install it (apt install ffmpeg)")
    folder = args.keep or Path(tempfile.mkdtemp(prefix="vpt-video-quality-"))
    folder.mkdir(parents=True, exist_ok=True)
    ignore = _has_ignore_option()
    total, theirs = Score(), Score()
    negatives = sum(len(clip.negatives) for clip in clips())
    print(f"{'clip':20} {'events':>6} {'found':>5} {'split':>5} {'err':>4} {'false':>5}   "
          f"{'ffmpeg found':>12} {'split':>5} {'err':>4} {'false':>5}")
    for clip in clips():
        path = folder / f"{clip.name}.mp4"
        if not path.exists():
            clip.write(folder)
        mine = score(clip.events, ours(path, clip, ignore), clip.frames)
        other = score(clip.events, ffmpeg(path, clip.frames), clip.frames)
        print(f"{clip.name:20} {mine.total:6} {mine.found:5} {mine.split:5} {mine.max_error:4} {mine.false:5}   "
              f"{other.found:12} {other.split:5} {other.max_error:4} {other.false:5}")
        for result, sum_ in ((mine, total), (other, theirs)):
            sum_.found += result.found
            sum_.total += result.total
            sum_.split += result.split
            sum_.max_error = max(sum_.max_error, result.max_error)
            sum_.false += result.false
    if args.keep is None:
        shutil.rmtree(folder)
    print(f"{len(clips())} clips, {total.total} events, {negatives} hard-negative segments; overlays ignored by the "
          f"CLI: {'yes' if ignore else 'no (no --ignore option)'}")
    print(f"ffmpeg: found={theirs.found}/{theirs.total} split={theirs.split} max_err_frames={theirs.max_error}")
    print(f"found={total.found}/{total.total} split={total.split} max_err_frames={total.max_error} "
          f"false={total.false} ffmpeg_false={theirs.false}")


if __name__ == "__main__":
    main()
