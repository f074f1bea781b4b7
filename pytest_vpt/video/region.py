"""The part of a frame a check looks at, sampled on a grid small enough to be cheap."""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

Rect = tuple[float, float, float, float]  # x, y, width, height: fractions of the frame


@dataclass(frozen=True)
class Region:
    """A rectangle in fractions of the frame (x, y, width, height), minus rectangles to
    ignore (a channel logo, a clock)."""

    x: float = 0.0
    y: float = 0.0
    width: float = 1.0
    height: float = 1.0
    ignore: tuple[Rect, ...] = ()

    def __post_init__(self) -> None:
        for name, rect in (("region", (self.x, self.y, self.width, self.height)), *(("ignore", r) for r in self.ignore)):
            x, y, w, h = rect
            if not (0 <= x < 1 and 0 <= y < 1 and 0 < w <= 1 - x + 1e-9 and 0 < h <= 1 - y + 1e-9):
                raise ValueError(f"{name} {rect}: x, y, width, height are fractions of the frame inside it")

    @classmethod
    def bottom(cls, share: float = 0.25) -> Region:
        """The bottom ``share`` of the frame (where subtitles are)."""
        return cls(0.0, 1.0 - share, 1.0, share)


class Grid:
    """Samples a region of frames of one size: every ``step``-th pixel of each
    ``step``-th row, at most about ``budget`` pixels, as a contiguous array (one copy)."""

    def __init__(self, region: Region, height: int, width: int, budget: int = 65_000) -> None:
        top, left = int(region.y * height), int(region.x * width)
        rows, cols = max(1, round(region.height * height)), max(1, round(region.width * width))
        self.step = max(1, math.ceil(math.sqrt(rows * cols / budget)))
        self.rows = slice(top, top + rows, self.step)
        self.cols = slice(left, left + cols, self.step)
        shape = (len(range(top, top + rows, self.step)), len(range(left, left + cols, self.step)))
        self.shape = shape  # rows, columns of a sample
        self.keep: np.ndarray | None = None
        if region.ignore:
            keep = np.ones(shape, bool)
            ys = np.arange(top, top + rows, self.step)[:, None] / height
            xs = np.arange(left, left + cols, self.step)[None, :] / width
            for x, y, w, h in region.ignore:
                keep &= ~((ys >= y) & (ys < y + h) & (xs >= x) & (xs < x + w))
            self.keep = keep
        self.count = int(self.keep.sum()) if self.keep is not None else shape[0] * shape[1]
        if self.count == 0:
            raise ValueError(f"the region {region} ignores all of itself")

    def take(self, luma: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(luma[self.rows, self.cols])


def largest_block_mean(values: np.ndarray, blocks: int = 8) -> float:
    """The largest mean over the cells of a ``blocks`` x ``blocks`` grid of a sample (cropped
    to a whole number of cells: OpenCV's area resize is ten times quicker so)."""
    height, width = values.shape[0] // blocks * blocks, values.shape[1] // blocks * blocks
    if height == 0 or width == 0:
        return float(values.max())
    return float(cv2.resize(values[:height, :width], (blocks, blocks), interpolation=cv2.INTER_AREA).max())
