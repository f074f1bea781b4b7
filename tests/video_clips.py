"""Real H.264 clips for the video tests, encoded with PyAV, with events at known frames."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import numpy as np

W, H, FPS = 320, 240, 30


def encode(path: Path, count: int, picture: Callable[[int], np.ndarray], fps: int = FPS, gop: int = 30,
           times: Callable[[int], float] | None = None) -> Path:
    """Encode ``count`` frames (``picture(i)``: an H x W x 3 RGB uint8 array); ``times``
    gives each frame's presentation time (default i / fps) to leave gaps."""
    import av

    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps, options={"preset": "ultrafast", "crf": "20", "g": str(gop)})
        first = picture(0)
        stream.width, stream.height, stream.pix_fmt = first.shape[1], first.shape[0], "yuv420p"
        for index in range(count):
            frame = av.VideoFrame.from_ndarray(picture(index), format="rgb24")
            frame.pts = round((times(index) if times else index / fps) * fps)
            frame.time_base = Fraction(1, fps)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def texture(seed: int, h: int = H, w: int = W, low: int = 40, high: int = 220) -> np.ndarray:
    rng = np.random.default_rng(seed)
    small = rng.integers(low, high, (h // 8, w // 8, 3), dtype=np.uint8)
    return np.repeat(np.repeat(small, 8, axis=0), 8, axis=1)


_BASE = texture(1)


def moving(index: int) -> np.ndarray:
    """Ordinary content: a textured picture panning 2 pixels a frame, and a moving square."""
    image = np.roll(_BASE, 2 * index, axis=1).copy()
    x = (5 * index) % (W - 40)
    image[100:140, x:x + 40] = (250, 250, 30)
    return image


BLACK = np.zeros((H, W, 3), np.uint8)


def with_events(black: list[tuple[int, int]] = (), frozen: list[tuple[int, int]] = (),
                content: Callable[[int], np.ndarray] = moving) -> Callable[[int], np.ndarray]:
    """``content`` with black frames in each [a, b) of ``black`` and, in each [a, b) of
    ``frozen``, frame a's picture held."""
    def picture(index: int) -> np.ndarray:
        for a, b in black:
            if a <= index < b:
                return BLACK
        for a, b in frozen:
            if a <= index < b:
                return content(a)
        return content(index)

    return picture


def faststart(path: Path, into: Path) -> Path:
    """``path`` remuxed into an mp4 with its index (moov) first, as streaming services publish them."""
    import av

    with av.open(str(path)) as source, av.open(str(into), "w", options={"movflags": "faststart"}) as target:
        video = source.streams.video[0]
        copy = target.add_stream_from_template(video)
        for packet in source.demux(video):
            if packet.dts is not None:
                packet.stream = copy
                target.mux(packet)
    return into


def cut(path: Path, into: Path, keep: float | int) -> Path:
    """The first ``keep`` of ``path``'s bytes (a fraction, or a count) in ``into``: a file cut short."""
    data = path.read_bytes()
    into.write_bytes(data[:int(len(data) * keep) if isinstance(keep, float) else keep])
    return into
