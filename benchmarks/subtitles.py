"""Subtitle presence on pixels: per-second recall and false-positive rate.

Encodes (PyAV's libx264) 12 s clips at 30 fps, at 320x240 and 640x360, from
tests/subtitle_clips.py: subtitles in six styles (white outline, yellow outline, soft drop
shadow, semi-opaque box, plain text over a flat picture, two outlined lines) over flat, dark
(night-graded) and busy photographs that pan and cut, with four cues (2.5 s, a 2.5 s one that
follows it at once, 3 s, 1.2 s); and clips without subtitles: a channel logo, a news ticker,
a running timecode (each over three busy and three dark photographs), rolling credits, and
each of the eight photographs still, with cuts. Each clip is analysed with
``SubtitleCheck()`` (the defaults). Also times one look at a 1080p frame's band.

A second is *subtitled* when a cue covers all of it, *clear* when no cue touches it (seconds a
cue starts or ends in are not scored), and *detected* when the reported intervals cover at
least half of it. recall = detected subtitled seconds / subtitled seconds; false_positive_rate
= detected clear seconds / clear seconds. Prints a line per group of clips, the look's cost,
and last ``recall=R false_positive_rate=F`` (goals: recall >= 0.95, false positives <= 0.02).

    python benchmarks/subtitles.py [--sizes 320x240,640x360]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from pytest_vpt.video import SubtitleCheck, analyze  # noqa: E402
from pytest_vpt.video.detectors.subtitles import SubtitleTracker  # noqa: E402
from subtitle_clips import BACKDROPS, STYLES, subtitled, without_subtitles  # noqa: E402
from video_clips import encode  # noqa: E402

FPS, FRAMES = 30, 360
CUES = [(20, 95), (95, 170), (200, 290), (310, 345)]  # frames [a, b): the second follows the first at once


def covered(intervals: list[tuple[float, float | None]], start: float, end: float, until: float) -> float:
    """Seconds of [start, end) the intervals cover (an interval's end None: to ``until``)."""
    return sum(max(0.0, min(end, until if b is None else b) - max(start, a)) for a, b in intervals)


def score(found: list[tuple[float, float | None]], cues: list[tuple[int, int]], seconds: int) -> tuple[int, ...]:
    """(subtitled seconds, of them detected, clear seconds, of them detected)."""
    truth = [(a / FPS, b / FPS) for a, b in cues]
    counts = [0, 0, 0, 0]
    for second in range(seconds):
        shown = covered(truth, second, second + 1, seconds)
        detected = covered(found, second, second + 1, seconds) >= 0.5
        if shown >= 1 - 1e-9:
            counts[0], counts[1] = counts[0] + 1, counts[1] + detected
        elif shown == 0:
            counts[2], counts[3] = counts[2] + 1, counts[3] + detected
    return tuple(counts)


def clips(width: int, height: int) -> list[tuple[str, object, list[tuple[int, int]]]]:
    made = []
    for number, style in enumerate(STYLES):
        for kind in BACKDROPS:
            made.append((f"{style} over {kind}", subtitled(style, kind, CUES, number, width, height), CUES))
    for kind in ("logo", "ticker", "timecode"):
        for seed in range(3):
            for over in ("busy", "dark"):
                made.append((f"{kind} over {over}", without_subtitles(kind, over, seed, width, height), []))
    made.append(("credits", without_subtitles("credits", width=width, height=height), []))
    for seed in range(8):  # every photograph, still, with cuts
        made.append(("stills", without_subtitles("stills", seed=seed, width=width, height=height), []))
    return made


def look_cost(rounds: int = 200) -> float:
    """Milliseconds a look at a 1920x1080 frame's band costs (as analyze takes it: every 2nd pixel)."""
    frame = cv2.cvtColor(subtitled("white_outline", "busy", [(0, 1)], 0, 1920, 1080)(0), cv2.COLOR_RGB2GRAY)
    band = np.ascontiguousarray(frame[810::2, ::2])
    tracker = SubtitleTracker(SubtitleCheck())
    started = time.perf_counter()
    for number in range(rounds):
        tracker.look(band, number * 0.2)
    return 1000 * (time.perf_counter() - started) / rounds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="320x240,640x360", help="clip sizes, WxH, comma-separated")
    args = parser.parse_args()
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    with tempfile.TemporaryDirectory() as folder:
        for size in args.sizes.split(","):
            width, height = (int(part) for part in size.split("x"))
            for name, picture, cues in clips(width, height):
                path = encode(Path(folder) / "clip.mp4", FRAMES, picture, FPS)
                report = analyze(path, checks=[SubtitleCheck()])
                counts = score(report.subtitles.intervals, cues, FRAMES // FPS)
                group = name.split(" over ")[0]
                for at, value in enumerate(counts):
                    totals[f"{group} {size}"][at] += value
                    totals["all"][at] += value
                missed = counts[0] - counts[1]
                if missed or counts[3]:
                    shown = ", ".join(f"{a:.1f}-{'end' if b is None else f'{b:.1f}'}"
                                      for a, b in report.subtitles.intervals)
                    print(f"  {size} {name}: {missed} subtitled s missed, {counts[3]} clear s detected ({shown})")
    for group, (shown, found, clear, false) in totals.items():
        if group != "all":
            recall = f"recall {found}/{shown}" if shown else ""
            wrong = f"false {false}/{clear}" if clear else ""
            print(f"{group:32} {recall:16} {wrong}")
    shown, found, clear, false = totals["all"]
    print(f"one look at a 1080p frame's band: {look_cost():.2f} ms")
    print(f"recall={found / shown:.3f} false_positive_rate={false / clear:.3f}")


if __name__ == "__main__":
    main()
