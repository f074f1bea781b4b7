"""Video analysis throughput against decoding alone, on a 60 s 1080p30 H.264 clip.

Encodes the clip once (PyAV's libx264, preset veryfast: textured content panning, a moving
shape, two black screens and two freezes), then, in rounds that rotate the order, times:
`ffmpeg -i clip -f null -` (decode only: the limit), OpenCV's grab loop (decode, no
conversion), and `analyze()` with black + freeze + frame-drop detection on every frame
and on every third frame. Prints each one's frames per second (median of the rounds) and
its throughput ratio to ffmpeg decode; the last line is the every-frame ratio (goal >= 0.92).

    python benchmarks/video.py [--rounds 3] [--clip PATH]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pytest_vpt.video import BlackCheck, DropsCheck, FreezeCheck, analyze  # noqa: E402

W, H, FPS, SECONDS = 1920, 1080, 30, 60
BLACK = [(300, 360), (1200, 1290)]
FROZEN = [(600, 690), (1500, 1560)]


def make_clip(path: Path) -> None:
    import av

    rng = np.random.default_rng(1)
    texture = np.repeat(np.repeat(rng.integers(30, 225, (H // 8, W // 4, 3), dtype=np.uint8), 8, 0), 8, 1)

    def picture(index: int) -> np.ndarray:
        for a, b in BLACK:
            if a <= index < b:
                return np.zeros((H, W, 3), np.uint8)
        for a, b in FROZEN:
            if a <= index < b:
                index = a
        offset = (3 * index) % W
        image = np.ascontiguousarray(texture[:, offset:offset + W])
        x = (11 * index) % (W - 200)
        image[400:600, x:x + 200] = (240, 200, 40)
        return image

    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=FPS, options={"preset": "veryfast", "crf": "23"})
        stream.width, stream.height, stream.pix_fmt = W, H, "yuv420p"
        for index in range(FPS * SECONDS):
            for packet in stream.encode(av.VideoFrame.from_ndarray(picture(index), format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def ffmpeg_decode(clip: Path) -> float:
    started = time.perf_counter()
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(clip), "-f", "null", "-"], check=True)
    return time.perf_counter() - started


def opencv_grab(clip: Path) -> float:
    import cv2

    started = time.perf_counter()
    capture = cv2.VideoCapture(str(clip))
    while capture.grab():
        pass
    capture.release()
    return time.perf_counter() - started


def analysis(sample_every: int):
    checks = [BlackCheck(min_duration=0.5), FreezeCheck(min_duration=0.5), DropsCheck()]

    def run(clip: Path) -> float:
        started = time.perf_counter()
        report = analyze(clip, checks=checks, sample_every=sample_every)
        elapsed = time.perf_counter() - started
        found = [(i.kind, i.start_frame, i.end_frame) for i in report.incidents]
        expected = sorted([("black_screen", a, b) for a, b in BLACK] + [("freeze", a, b) for a, b in FROZEN],
                          key=lambda item: item[1])
        if sample_every == 1 and found != expected:
            raise SystemExit(f"wrong incidents: {found} (expected {expected})")
        return elapsed

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clip", type=Path, help="use (or make) this clip")
    args = parser.parse_args()
    if shutil.which("ffmpeg") is None:
        raise SystemExit("this benchmark compares with ffmpeg: install it (apt install ffmpeg)")
    folder = Path(tempfile.mkdtemp(prefix="vpt-video-"))
    clip = args.clip or folder / "clip.mp4"
    if not clip.exists():
        started = time.perf_counter()
        make_clip(clip)
        print(f"encoded {clip.name}: {W}x{H} {FPS} fps {SECONDS} s, {clip.stat().st_size / 1e6:.1f} MB "
              f"in {time.perf_counter() - started:.0f} s")
    contenders = {"ffmpeg decode (-f null)": ffmpeg_decode, "OpenCV grab loop": opencv_grab,
                  "analyze, every 3rd frame": analysis(3), "analyze, every frame": analysis(1)}
    times: dict[str, list[float]] = {name: [] for name in contenders}
    names = list(contenders)
    for round_ in range(args.rounds):
        for name in names[round_ % len(names):] + names[:round_ % len(names)]:
            times[name].append(contenders[name](clip))
    if args.clip is None:
        shutil.rmtree(folder)
    frames = FPS * SECONDS
    limit = statistics.median(times[names[0]])
    print(f"{'':28} {'fps':>7} {'ratio to ffmpeg decode':>24}")
    for name in names:
        median = statistics.median(times[name])
        print(f"{name:28} {frames / median:7.1f} {limit / median:24.3f}")
    print(f"every 3rd frame / ffmpeg decode: {limit / statistics.median(times[names[2]]):.3f}")
    print(f"every frame / ffmpeg decode: {limit / statistics.median(times[names[3]]):.3f}")


if __name__ == "__main__":
    main()
