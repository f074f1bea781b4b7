"""Subtitle presence without OCR: text-like lines in a band of the frame (the bottom quarter
by default). Text is strokes of high contrast: the horizontal gradient is strong, strokes
closed horizontally make a line-shaped blob (wide, not tall, with space above and below).
Checked a few times a second; a line that stays ``min_duration`` makes a subtitle interval.
With ``ocr=True`` and Tesseract installed, the band of each interval's first frame is read."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field

import cv2
import numpy as np

from ..region import Region


@dataclass(frozen=True)
class SubtitleCheck:
    region: Region = field(default_factory=Region.bottom)
    every: float = 0.2  # seconds between looks
    min_duration: float = 0.4  # seconds a line stays to count as a subtitle
    contrast: int = 60  # luma levels across a stroke's edge
    ocr: bool = False  # read the text with Tesseract (must be installed)

    def __post_init__(self) -> None:
        if self.every <= 0 or self.min_duration < 0 or not 0 < self.contrast < 256:
            raise ValueError("subtitles: every > 0, min_duration >= 0, contrast in 1-255")
        if self.ocr and shutil.which("tesseract") is None:
            raise ValueError("subtitles: ocr=True needs Tesseract (apt install tesseract-ocr)")


def text_lines(band: np.ndarray, contrast: int) -> list[tuple[int, int, int, int]]:
    """The text-like lines of a gray band: (x, y, width, height) each."""
    height, width = band.shape
    gradient = cv2.morphologyEx(band, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8))
    strokes = (gradient >= contrast).astype(np.uint8)
    join = max(3, width // 60)
    closed = cv2.morphologyEx(strokes, cv2.MORPH_CLOSE, np.ones((3, join), np.uint8))
    count, _, stats, _ = cv2.connectedComponentsWithStats(closed, connectivity=8)
    lines = []
    for x, y, w, h, area in stats[1:count]:
        if not (0.08 * height <= h <= 0.6 * height and w >= 4 * h and w >= 0.1 * width):
            continue
        fill = strokes[y:y + h, x:x + w].mean()
        margin = max(2, h // 3)  # a line of text has calm rows above and below it
        above = strokes[max(0, y - margin):y, x:x + w]
        below = strokes[y + h:y + h + margin, x:x + w]
        calm = all(part.size == 0 or part.mean() < fill / 3 for part in (above, below))
        if 0.12 <= fill <= 0.75 and area >= 0.5 * w * h and calm:
            lines.append((int(x), int(y), int(w), int(h)))
    return lines


def read_text(band: np.ndarray) -> str:
    """The band's text as Tesseract reads it (upsampled 3x, one block of text)."""
    large = cv2.resize(band, None, fx=3, fy=3, interpolation=cv2.INTER_LINEAR)
    ok, png = cv2.imencode(".png", large)
    result = subprocess.run(["tesseract", "stdin", "stdout", "--psm", "6"], input=png.tobytes(),
                            capture_output=True, timeout=30)
    return result.stdout.decode("utf-8", "replace").strip()
