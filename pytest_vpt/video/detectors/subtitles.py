"""Subtitle presence without OCR: still, bright text lines that appear abruptly in a band of
the frame (the bottom quarter by default).

Each look (every ``every`` seconds) takes the band's luma (at most ~960 pixels wide) and:

1. Strokes: pixels at least ``bright`` (white and yellow text both are, in luma) and at least
   ``contrast`` levels above the band's morphological opening (a white top-hat a tenth of the
   band's height wide). A stroke is thin and brighter than what borders it: an outline, a
   drop shadow, the semi-opaque box under the text (the contrast is to the box), or a dark or
   flat picture. Wide bright areas (sky, a lit wall) are not strokes.
2. Lines: the strokes closed horizontally (about a word's gap) into blobs; each run of a
   blob's rows dense with strokes is a candidate (two lines over a busy picture that joins
   them are two; a detail of the picture touching a line is cut off). A line is 8-60 % of the
   band high, at least 2.5 times as wide as high and an eighth of the frame wide, clear of
   the frame's left and right edges and centred (or half the frame wide): a channel logo or a
   clock in a corner, a ticker running off both edges are not. Its strokes fill 12-65 % of
   it, cross its middle rows often (a stroke at least every 1.7 times its height across),
   are even in width (the runs' spread at most 0.85 of their mean), and their median is
   1.6 x ``contrast`` above the darker quarter of the pixels bordering them: the bright
   details of a photograph (gravel, grass, a reflection) seldom are all of these.
3. Time: each line is followed from look to look by how many of its strokes are still there
   (grown by a pixel, against the look before, refined as it goes). It stays *still* (80 % of
   the whole and 70 % of every cell of its height), or it *switches* (under half left: a new
   line began), or it changes in place (a timecode's counting digits, rolling credits, a
   ticker): what follows a change in place is never a subtitle. A cell lost while 90 % of the
   whole stays is a detail of the picture leaving the line; forgiven now and then, not at two
   looks in a row (a running timecode changes at every look). A subtitle is a line that
   appeared abruptly (from nothing, or as a switch) and stayed still from ``min_duration`` to
   ``max_duration`` (7 s is the usual longest subtitle; a logo or a lower third stays longer).

Intervals are the union of the subtitle lines' times (two lines shown together are one
interval; a switch starts a new one), from the first look that saw them to the first that did
not: each boundary is late by up to one look. Known misses: a subtitle shorter than an eighth
of the frame's width ("No."), dark text, text that runs off the frame's edges. A look costs
one top-hat, one closing and a labelling of a small band: about 2 ms at 1080p. With
``ocr=True``, each interval's strokes (dark on white, the picture behind them left out,
upsampled 3x) are read by Tesseract in ``lang``.
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
from dataclasses import dataclass, field

import cv2
import numpy as np

from ..region import Region

_LANG = re.compile(r"^[A-Za-z0-9_]{2,20}(\+[A-Za-z0-9_]{2,20}){0,4}$")


@dataclass(frozen=True)
class SubtitleCheck:
    region: Region = field(default_factory=Region.bottom)
    every: float = 0.2  # seconds between looks
    min_duration: float = 0.5  # seconds a line stays still to count as a subtitle
    max_duration: float = 10.0  # seconds: a line still for longer is a logo or a caption, not a subtitle
    contrast: int = 60  # luma levels a stroke is above what borders it
    bright: int = 150  # luma a stroke reaches (white ~235, yellow ~210 in video range)
    ocr: bool = False  # read the text with Tesseract (must be installed)
    lang: str = "eng"  # Tesseract's language(s) for ocr: eng, deu, eng+deu
    stream: bool = True  # report a subtitle stream of the container when there is one (False: the pixels)

    def __post_init__(self) -> None:
        if self.every <= 0 or self.min_duration < 0 or not 0 < self.contrast < 256 or not 0 <= self.bright < 256:
            raise ValueError("subtitles: every > 0, min_duration >= 0, contrast in 1-255, bright in 0-255")
        if self.max_duration <= self.min_duration:
            raise ValueError(f"subtitles: max_duration {self.max_duration} must be above "
                             f"min_duration {self.min_duration}")
        if not isinstance(self.lang, str) or not _LANG.match(self.lang):
            raise ValueError(f"subtitles: lang {self.lang!r} is not a Tesseract language (eng, deu, eng+deu)")
        if self.ocr:
            if shutil.which("tesseract") is None:
                raise ValueError("subtitles: ocr=True needs Tesseract (apt install tesseract-ocr)")
            there = tesseract_languages()
            missing = [name for name in self.lang.split("+") if name not in there]
            if missing:
                raise ValueError(f"subtitles: Tesseract has no language {', '.join(missing)} "
                                 f"(it has: {', '.join(there) or 'none'})")


@functools.lru_cache(maxsize=4)
def _languages(program: str) -> tuple[str, ...]:
    result = subprocess.run([program, "--list-langs"], capture_output=True, timeout=30)
    lines = result.stdout.decode("utf-8", "replace").splitlines()
    return tuple(sorted(line.strip() for line in lines[1:] if line.strip() and line.strip() != "osd"))


def tesseract_languages() -> tuple[str, ...]:
    """The languages the Tesseract on PATH can read (without ``osd``)."""
    program = shutil.which("tesseract")
    return _languages(program) if program else ()


@dataclass
class Line:
    x: int
    y: int
    w: int
    h: int
    strokes: np.ndarray  # the line's stroke mask (bool, h x w)

    def overlap(self, other: Line) -> float:
        """Intersection over union of the two boxes."""
        w = min(self.x + self.w, other.x + other.w) - max(self.x, other.x)
        h = min(self.y + self.h, other.y + other.h) - max(self.y, other.y)
        if w <= 0 or h <= 0:
            return 0.0
        return w * h / (self.w * self.h + other.w * other.h - w * h)


def stroke_mask(band: np.ndarray, contrast: int, bright: int) -> np.ndarray:
    """Thin bright strokes of a gray band: bright, and ``contrast`` above the band's opening."""
    size = max(5, band.shape[0] // 10) | 1
    tophat = cv2.morphologyEx(band, cv2.MORPH_TOPHAT, cv2.getStructuringElement(cv2.MORPH_RECT, (size, size)))
    return (tophat >= contrast) & (band >= bright)


def text_lines(band: np.ndarray, contrast: int, bright: int = 150, strokes: np.ndarray | None = None) -> list[Line]:
    """The text-like lines of a gray band (see the module's docstring, step 2); ``strokes``:
    its stroke mask, when already made."""
    height, width = band.shape
    strokes = stroke_mask(band, contrast, bright) if strokes is None else strokes
    join = max(3, height // 6)  # about a word's gap
    closed = cv2.morphologyEx(strokes.view(np.uint8), cv2.MORPH_CLOSE, np.ones((1, join), np.uint8))
    count, _, stats, _ = cv2.connectedComponentsWithStats(closed, connectivity=4)
    lines = []
    for x, y, w, h, _area in stats[1:count]:
        if h < 0.08 * height or w < 0.12 * width:
            continue
        for top, rows in _dense_rows(strokes[y:y + h, x:x + w], round(0.08 * height)):
            line = _line(band, strokes, x, y + top, w, rows, contrast)
            if line is not None:
                lines.append(line)
    return lines


def _dense_rows(mask: np.ndarray, least: int) -> list[tuple[int, int]]:
    """The runs of rows of a blob where its strokes are dense (0.3 of the densest row's or
    more), at least ``least`` rows each: its lines of text, without the details of the
    picture that touch them (first row, count)."""
    counts = mask.sum(axis=1)
    dense = np.concatenate(([False], counts >= 0.3 * counts.max(), [False]))
    edges = np.flatnonzero(dense[1:] != dense[:-1])
    return [(int(a), int(b - a)) for a, b in zip(edges[::2], edges[1::2]) if b - a >= max(1, least)]


def _line(band: np.ndarray, strokes: np.ndarray, x: int, y: int, w: int, h: int, contrast: int) -> Line | None:
    """The rows ``y``, ``h`` of a blob as a line of text, or None if they do not look like one."""
    height, width = band.shape
    columns = np.flatnonzero(strokes[y:y + h, x:x + w].any(axis=0))
    x, w = int(x) + int(columns[0]), int(columns[-1] - columns[0] + 1)
    if not (0.08 * height <= h <= 0.6 * height and w >= 2.5 * h and w >= 0.12 * width):
        return None
    if x <= 0.02 * width or x + w >= 0.98 * width:  # runs off an edge: a ticker
        return None
    if abs(x + w / 2 - width / 2) > 0.2 * width and w < 0.5 * width:  # off centre: a logo, a clock
        return None
    mask = strokes[y:y + h, x:x + w]
    if not 0.12 <= mask.mean() <= 0.65:
        return None
    middle = mask[h // 4: h - h // 4 or 1]
    crossings = np.count_nonzero(middle[:, 1:] & ~middle[:, :-1]) / max(1, len(middle))
    if crossings < 0.6 * w / h:  # text has a stroke at least every 1.7 times its height across
        return None
    if not _one_colour_on_dark(band, strokes, x, y, w, h, contrast):
        return None
    return Line(x, int(y), w, int(h), mask.copy())


def _one_colour_on_dark(band: np.ndarray, strokes: np.ndarray, x: int, y: int, w: int, h: int, contrast: int) -> bool:
    """A line's strokes are even in width and stand well above what borders them (an
    outline, a shadow, a box, a dark picture): a photograph's bright details seldom are."""
    rows, cols = slice(max(0, y - 1), y + h + 1), slice(max(0, x - 1), x + w + 1)
    mask = strokes[rows, cols].view(np.uint8)
    ring = cv2.dilate(mask, np.ones((3, 3), np.uint8)).view(bool) & ~mask.view(bool)
    area = band[rows, cols]
    if not ring.any() or _quantile(area[mask.view(bool)], 0.5) - _quantile(area[ring], 0.25) < 1.6 * contrast:
        return False
    edges = np.diff(np.pad(mask, ((0, 0), (1, 1))).astype(np.int8), axis=1)
    widths = np.flatnonzero(edges == -1) - np.flatnonzero(edges == 1)  # horizontal runs of stroke, row by row
    return widths.size > 0 and widths.std() <= 0.85 * widths.mean()


def _quantile(values: np.ndarray, share: float) -> int:
    """The value ``share`` of the way up ``values`` (uint8): a histogram's, quicker than a sort."""
    counts = np.cumsum(np.bincount(values, minlength=256))
    return int(np.searchsorted(counts, share * counts[-1]))


def persistence(before: Line, strokes: np.ndarray, near: np.ndarray) -> tuple[float, float]:
    """How much of ``before``'s strokes are still there: the share over the whole line in
    ``strokes`` (the band's now), and the least share over cells of the line's height in
    ``near`` (those grown by a pixel: where a timecode's digits count, or a ticker slid,
    little is left)."""
    box = slice(before.y, before.y + before.h), slice(before.x, before.x + before.w)
    whole = (before.strokes & strokes[box]).sum() / max(1, before.strokes.sum())
    kept = before.strokes & near[box]
    cell = max(4, before.h)
    inked = np.add.reduceat(before.strokes.sum(axis=0), np.arange(0, before.w, cell))
    left = np.add.reduceat(kept.sum(axis=0), np.arange(0, before.w, cell))
    counted = inked >= 0.5 * inked.mean()  # a cell of a few stray strokes (the picture's) does not count
    least = (left[counted] / inked[counted]).min() if counted.any() else 1.0
    return float(whole), float(least)


@dataclass
class _Track:
    line: Line
    start: float
    abrupt: bool  # appeared from nothing or as a switch
    band: np.ndarray | None = None  # the band where it began (kept for OCR until it ends)
    struck: float | None = None  # when it last lost a cell's strokes (but hardly any of the whole)


@dataclass
class Shown:
    """A subtitle line that was shown: from ``start`` to ``end`` seconds (None: to the end)."""

    start: float
    end: float | None
    top: int  # its row in the band (for the order of two lines)
    text: str = ""  # with ocr: as Tesseract read it


class SubtitleTracker:
    """Follows the text lines of the looks at a band and tells the subtitles' intervals; only
    the lines that were subtitles are kept (and, with OCR, read as they end)."""

    STILL_WHOLE = 0.8  # at least this share of the line's strokes still there, and
    STILL = 0.7  # at least this share of every cell's: the same line
    ONE_DETAIL = 0.9  # a cell's strokes gone, this share of the whole there: a detail of the picture went
    IN_PLACE = 0.5  # at least this share of the whole line's strokes still there, but not still: changed in place

    def __init__(self, check: SubtitleCheck) -> None:
        self.check = check
        self.live: list[_Track] = []
        self.shown: list[Shown] = []

    def look(self, band: np.ndarray, time: float) -> bool:
        """The band at ``time``; true if a line that may be a subtitle shows."""
        check = self.check
        strokes = stroke_mask(band, check.contrast, check.bright)
        near = cv2.dilate(strokes.view(np.uint8), np.ones((3, 3), np.uint8)).view(bool)
        found = text_lines(band, check.contrast, check.bright, strokes)
        kept: list[_Track] = []
        claimed: set[int] = set()
        for track in self.live:
            whole, least = persistence(track.line, strokes, near)
            at = [i for i, line in enumerate(found) if i not in claimed and _covers(track.line, line)]
            still = whole >= self.STILL_WHOLE and least >= self.STILL
            lately = track.struck is not None and time - track.struck < 2.5 * check.every  # at one of the last 2 looks
            if still or (whole >= self.ONE_DETAIL and not lately):
                if not still:  # a detail of the picture beside it went (now and then): the line as it is now
                    track.struck = time
                    track.line = found[at[0]] if at else track.line
                line = track.line
                line.strokes &= near[line.y:line.y + line.h, line.x:line.x + line.w]  # the picture's strays drop out
                kept.append(track)
                claimed.update(at)
                continue
            self._end(track, time, time)
            if whole >= self.IN_PLACE and at:  # changed in place: what follows is no new line
                kept.append(_Track(found[at[0]], time, False))
                claimed.update(at)
        for index, line in enumerate(found):
            if index not in claimed:
                kept.append(_Track(line, time, True, band.copy() if check.ocr else None))
        self.live = kept
        return any(track.abrupt for track in kept)

    def _end(self, track: _Track, until: float, end: float | None) -> None:
        """``track`` is over (at ``until``; ``end`` None: still shown when the source ended)."""
        if track.abrupt and self.check.min_duration <= until - track.start <= self.check.max_duration:
            text = read_line(track, self.check) if self.check.ocr else ""
            self.shown.append(Shown(track.start, end, track.line.y, text))

    def intervals(self, end: float) -> list[tuple[float, float | None, str]]:
        """The subtitles' intervals once the source ended at ``end`` (an interval's end None:
        still shown at the end), each with its text (with ocr: its lines, top first)."""
        for track in self.live:
            self._end(track, end, None)
        self.live = []
        merged: list[tuple[float, float | None, list[Shown]]] = []
        for line in sorted(self.shown, key=lambda line: line.start):
            if merged and line.start < (end if merged[-1][1] is None else merged[-1][1]) - 1e-9:
                start, last, lines = merged[-1]
                later = None if last is None or line.end is None else max(last, line.end)
                merged[-1] = (start, later, lines + [line])
            else:
                merged.append((line.start, line.end, [line]))
        return [(start, last, " ".join(line.text for line in sorted(lines, key=lambda line: line.top) if line.text))
                for start, last, lines in merged]


def _covers(line: Line, other: Line) -> bool:
    """``other`` lies mostly within ``line``'s rows and columns (the same line, seen again)."""
    w = min(line.x + line.w, other.x + other.w) - max(line.x, other.x)
    h = min(line.y + line.h, other.y + other.h) - max(line.y, other.y)
    return w > 0 and h > 0 and w * h >= 0.5 * other.w * other.h


def read_line(track: _Track, check: SubtitleCheck) -> str:
    """A line's text as Tesseract reads it, from the band where it began: its strokes (and a
    pixel around them) dark on white, the picture behind them left out."""
    if track.band is None:
        return ""
    line, margin = track.line, track.line.h
    band = track.band[max(0, line.y - margin):line.y + line.h + margin, max(0, line.x - margin):line.x + line.w + margin]
    strokes = stroke_mask(band, check.contrast, check.bright).view(np.uint8)
    near = cv2.dilate(strokes, np.ones((3, 3), np.uint8)).view(bool)
    return read_text(np.where(near, 255 - band, 255).astype(np.uint8), check.lang)


def read_text(band: np.ndarray, lang: str = "eng") -> str:
    """The text of a gray band as Tesseract reads it (upsampled 3x, one block of text)."""
    large = cv2.resize(band, None, fx=3, fy=3, interpolation=cv2.INTER_LINEAR)
    ok, png = cv2.imencode(".png", large)
    result = subprocess.run(["tesseract", "stdin", "stdout", "-l", lang, "--psm", "6"], input=png.tobytes(),
                            capture_output=True, timeout=30)
    return " ".join(result.stdout.decode("utf-8", "replace").split())
