"""Broadcast-like H.264 clips made from real photographs, with events at known frames.

A clip is a programme of shots (a photograph with a sub-pixel Ken Burns pan and zoom, film
grain, night grading) joined by cuts and dissolves; events change the programme at known
frames (black, a freeze of the programme, a fade through black); overlays are keyed on top
afterwards (a static semi-opaque channel logo, a scrolling ticker, a running timecode), so
they keep moving over a frozen programme unless the freeze is of the whole output.

Ground truth follows FFmpeg's definitions: a freeze runs from the first frame of the picture
that is then held to the first frame that differs; a black screen from the first frame whose
luma is at most 37 (of 16-235) on 98 % of its pixels to the first that is not, which is how a
fade's darkest frames are judged. A still photograph with live grain is a still picture, not
a freeze: the grain shows that every frame is a fresh one, as a broadcast engineer's monitor
sees it; a frozen source repeats its last frame, grain and all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property
from pathlib import Path

import cv2
import numpy as np

from photos import photo

W, H, FPS, GOP = 640, 360, 25, 50  # a 2 s GOP
Rect = tuple[float, float, float, float]  # x, y, width, height: fractions of the frame


@dataclass(frozen=True)
class Shot:
    """A photograph filmed for ``frames`` frames: the camera's zoom (1: the photo just fills
    the frame) and centre (fractions of the photo) move linearly from the first to the second
    value; ``grain``: the sigma of fresh noise each frame, in levels; ``night``: graded dark."""

    name: str
    frames: int
    zoom: tuple[float, float] = (1.1, 1.1)
    centre: tuple[tuple[float, float], tuple[float, float]] = ((0.5, 0.5), (0.5, 0.5))
    grain: float = 0.0
    night: bool = False
    dissolve: int = 0  # frames of a dissolve from the previous shot (0: a cut)

    @cached_property
    def picture(self) -> np.ndarray:
        return photo(self.name, width=W * 2).astype(np.float32)

    def render(self, index: int, seed: int) -> np.ndarray:
        """Frame ``index`` of the shot, float32 RGB 0-255."""
        t = index / max(1, self.frames - 1)
        zoom = self.zoom[0] + (self.zoom[1] - self.zoom[0]) * t
        (x0, y0), (x1, y1) = self.centre
        source = self.picture
        ph, pw = source.shape[:2]
        cx, cy = (x0 + (x1 - x0) * t) * pw, (y0 + (y1 - y0) * t) * ph
        scale = max(W / pw, H / ph) * zoom
        warp = np.float32([[scale, 0, W / 2 - scale * cx], [0, scale, H / 2 - scale * cy]])
        image = np.clip(cv2.warpAffine(source, warp, (W, H), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT), 0, 255)
        if self.night:
            image = 255 * (image / 255) ** 1.6 * 0.30 + 8
            image *= np.float32((0.8, 0.9, 1.15))  # a blue grade
        if self.grain:
            noise = np.random.default_rng((seed, index)).normal(0, self.grain, (H, W, 1)).astype(np.float32)
            image = image + noise
        return image


@dataclass(frozen=True)
class Event:
    kind: str  # black_screen or freeze
    start: int  # its first frame
    end: int  # the first frame after it


@dataclass(frozen=True)
class Freeze:
    """The programme holds frame ``start``'s picture until ``end``; ``output``: the overlays too."""

    start: int
    end: int
    output: bool = True


@dataclass(frozen=True)
class Black:
    start: int
    end: int


@dataclass(frozen=True)
class Fade:
    """Down over ``down`` frames from ``start`` to ``depth`` of the brightness (0: black),
    held ``hold`` frames, and up again over ``up`` frames."""

    start: int
    down: int
    hold: int
    up: int
    depth: float = 0.0

    @property
    def end(self) -> int:
        return self.start + self.down + self.hold + self.up

    def gain(self, index: int) -> float:
        at = index - self.start
        if at < self.down:
            return 1 - (1 - self.depth) * (at + 1) / self.down
        if at < self.down + self.hold:
            return self.depth
        return self.depth + (1 - self.depth) * (at - self.down - self.hold + 1) / (self.up + 1)


@dataclass(frozen=True)
class Logo:
    """A static semi-opaque channel logo, top right (1 % of the frame)."""

    def draw(self, image: np.ndarray, clock: int) -> None:
        box = image[14:54, 566:626]
        box *= 0.45
        box += 0.55 * _LOGO


@dataclass(frozen=True)
class Ticker:
    """A news ticker scrolling ``speed`` pixels a frame in a band at the bottom."""

    speed: int = 3
    top: int = 318

    rect: Rect = (0.0, 318 / H, 1.0, 36 / H)

    def draw(self, image: np.ndarray, clock: int) -> None:
        offset = (self.speed * clock) % _TICKER.shape[1]
        band = np.roll(_TICKER, -offset, axis=1)[:, :W]
        image[self.top:self.top + band.shape[0]] = band


@dataclass(frozen=True)
class Timecode:
    """A capture card's burned-in running timecode, top left: HH:MM:SS:FF counting every frame."""

    rect: Rect = (0.0, 0.0, 190 / W, 36 / H)

    def draw(self, image: np.ndarray, clock: int) -> None:
        seconds, frame = divmod(clock, FPS)
        text = f"10:{seconds // 60 % 60:02d}:{seconds % 60:02d}:{frame:02d}"
        plate = np.zeros((24, 150, 3), np.uint8)
        cv2.putText(plate, text, (4, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (255, 255, 255), 1, cv2.LINE_AA)
        image[8:32, 8:158] = plate


@dataclass(frozen=True)
class Credits:
    """Rolling credits: lines of white text rising ``speed`` pixels a frame over black."""

    speed: float = 1.5

    def draw(self, image: np.ndarray, clock: int) -> None:
        offset = int(self.speed * clock) % (_CREDITS.shape[0] - H)
        image[:] = _CREDITS[offset:offset + H]


def _text_band(words: str, height: int, width: int, scale: float, thickness: int, colour: tuple[int, int, int],
               background: tuple[int, int, int]) -> np.ndarray:
    band = np.full((height, width, 3), background, np.uint8)
    cv2.putText(band, words, (10, height - 10), cv2.FONT_HERSHEY_SIMPLEX, scale, colour, thickness, cv2.LINE_AA)
    return band.astype(np.float32)


_LOGO = _text_band("VPT", 40, 60, 0.9, 2, (255, 255, 255), (200, 40, 40))
_TICKER = _text_band("MARKETS  FTSE 7,412 +0.4%   DAX 15,870 -0.2%   WEATHER  RAIN IN THE NORTH, SUN LATER   "
                     "SPORT  CUP FINAL TONIGHT 20:00   TRAFFIC  M25 CLOSED AT J10   " * 2, 36, 3200, 0.7, 2,
                     (255, 255, 255), (20, 30, 120))


def _credits() -> np.ndarray:
    roles = ("Director", "Producer", "Editor", "Camera", "Sound", "Colourist", "Gaffer", "Grip", "Music", "Writer")
    names = ("Ada Lovelace", "Alan Turing", "Grace Hopper", "Edsger Dijkstra", "Barbara Liskov", "Ken Thompson")
    sheet = np.zeros((H * 4, W, 3), np.uint8)
    for line, y in enumerate(range(30, sheet.shape[0] - 10, 28)):
        text = f"{roles[line % len(roles)]}   {names[line % len(names)]}"
        cv2.putText(sheet, text, (150, y), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (235, 235, 235), 2, cv2.LINE_AA)
    sheet[-H:] = sheet[:H]  # it wraps around seamlessly
    return sheet.astype(np.float32)


_CREDITS = _credits()


def source_is_black(image: np.ndarray) -> bool:
    """FFmpeg's blackdetect on the source picture: luma <= 37 (of 16-235) on 98 % of pixels."""
    luma = 16 + (image @ np.float32((0.299, 0.587, 0.114))) * (219 / 255)
    return np.count_nonzero(luma <= 37) >= 0.98 * luma.size


@dataclass
class Clip:
    """A programme of ``shots``, changed by ``changes`` (freezes, blacks, fades), with
    ``overlays`` on top; ``negatives`` names its hard-negative segments (label, first frame,
    end frame); ``ignore``: the rectangles a user would mask (the running overlays)."""

    name: str
    shots: Sequence[Shot]
    changes: Sequence[Freeze | Black | Fade] = ()
    overlays: Sequence[Logo | Ticker | Timecode | Credits] = ()
    negatives: Sequence[tuple[str, int, int]] = ()
    ignore: tuple[Rect, ...] = ()
    seed: int = 0
    _starts: list[int] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        at = 0
        for shot in self.shots:
            at -= shot.dissolve
            self._starts.append(at)
            at += shot.frames

    @property
    def frames(self) -> int:
        return self._starts[-1] + self.shots[-1].frames

    def programme(self, index: int) -> np.ndarray:
        """The programme's picture at ``index`` before any change: its shot, or a dissolve."""
        picture = None
        for number, (shot, start) in enumerate(zip(self.shots, self._starts)):
            if start <= index < start + shot.frames:
                frame = shot.render(index - start, self.seed * 100 + number)
                if picture is None:
                    picture = frame
                else:  # inside this shot's dissolve from the previous one
                    mix = (index - start + 1) / (shot.dissolve + 1)
                    picture = picture * (1 - mix) + frame * mix
        return picture

    def source(self, index: int) -> np.ndarray:
        """The picture at ``index`` as float32 RGB, every change and overlay applied."""
        clock, picture = index, None
        for change in self.changes:
            if isinstance(change, Freeze) and change.start <= index < change.end:
                picture = self.programme(change.start)
                clock = change.start if change.output else index
            elif isinstance(change, Black) and change.start <= index < change.end:
                picture = np.zeros((H, W, 3), np.float32)
            elif isinstance(change, Fade) and change.start <= index < change.end:
                picture = self.programme(index) * change.gain(index)
        if picture is None:
            picture = self.programme(index)
        for overlay in self.overlays:
            overlay.draw(picture, clock)
        return picture

    def picture(self, index: int) -> np.ndarray:
        return np.clip(self.source(index), 0, 255).astype(np.uint8)

    @cached_property
    def events(self) -> list[Event]:
        """The black screens and freezes a viewer sees, by the module's definitions."""
        found = []
        for change in self.changes:
            if isinstance(change, Freeze):
                found.append(Event("freeze", change.start, change.end))
            elif isinstance(change, Black):
                found.append(Event("black_screen", change.start, change.end))
            elif isinstance(change, Fade):
                black = [i for i in range(change.start, change.end) if source_is_black(self.source(i))]
                if black:
                    found.append(Event("black_screen", black[0], black[-1] + 1))
        return sorted(found, key=lambda event: event.start)

    def frames_of(self) -> Iterator[np.ndarray]:
        return (self.picture(index) for index in range(self.frames))

    def write(self, folder: Path, crf: int = 23, preset: str = "veryfast") -> Path:
        return encode(folder / f"{self.name}.mp4", self.frames_of(), crf=crf, preset=preset)


def encode(path: Path, frames: Iterator[np.ndarray], fps: int = FPS, gop: int = GOP, crf: int = 23,
           preset: str = "veryfast") -> Path:
    """H.264 as a broadcaster's encoder makes it: a fixed ``gop`` (2 s), rate factor ``crf``,
    B-frames as the preset has them."""
    import av

    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps, options={
            "preset": preset, "crf": str(crf), "g": str(gop), "keyint_min": str(gop), "sc_threshold": "0"})
        stream.width, stream.height, stream.pix_fmt = W, H, "yuv420p"
        for index, picture in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(picture, format="rgb24")
            frame.pts, frame.time_base = index, Fraction(1, fps)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


ClipMaker = Callable[[], Clip]

#: photographs zoomed slowly (0.2 % a second): a portrait, a smooth one, a detailed one
SLOW_ZOOMED = ("astronaut.png", "chelsea.png", "brick.png")


@dataclass
class Score:
    found: int = 0
    total: int = 0
    split: int = 0
    max_error: int = 0  # frames a found event's start or end is off
    false: int = 0  # incidents that are no event


def score(events: Sequence[Event], incidents: Sequence[tuple[str, int, int | None]], frames: int) -> Score:
    """``incidents`` (kind, first frame, end frame or None) scored against ``events``."""
    result = Score(total=len(events))
    spans = [(kind, start, frames if end is None else end) for kind, start, end in incidents]
    for event in events:
        over = [(a, b) for kind, a, b in spans if kind == event.kind and a < event.end and b > event.start]
        if over:
            result.found += 1
            result.split += len(over) > 1
            result.max_error = max(result.max_error, abs(over[0][0] - event.start), abs(over[-1][1] - event.end))
    result.false = sum(not any(kind == e.kind and a < e.end and b > e.start for e in events) for kind, a, b in spans)
    return result


def short_set() -> list[Clip]:
    """Short clips of every kind, for the tests: events at known frames, hard negatives."""
    slow = (1.1, 1.1 * (1 + 0.002 * 150 / FPS))  # 0.2 % a second
    return [
        Clip("pan_cut_logo", [Shot("motorcycle_left.png", 130, centre=((0.4, 0.5), (0.6, 0.5))),
                              Shot("astronaut.png", 70, zoom=(1.1, 1.3))],
             [Freeze(20, 30), Freeze(45, 120), Black(130, 140)], [Logo()]),
        Clip("timecode_ticker_freeze", [Shot("rocket.jpg", 175, zoom=(1.1, 1.3))], [Freeze(40, 160, output=False)],
             [Timecode(), Ticker(), Logo()], ignore=(Timecode().rect, Ticker().rect)),
        *(Clip(f"slow_zoom_{name.split('.')[0]}", [Shot(name, 150, zoom=slow)], negatives=[("slow zoom", 0, 150)])
          for name in SLOW_ZOOMED),
        Clip("grain_still", [Shot("chelsea.png", 120, grain=6)], negatives=[("grain over a still photo", 0, 120)]),
        Clip("grain_freeze", [Shot("ihc.png", 150, grain=6)], [Freeze(30, 120)]),
        Clip("ticker_still", [Shot("rocket.jpg", 120)], overlays=[Ticker(), Timecode()],
             negatives=[("ticker and timecode over a still photo", 0, 120)]),
        Clip("night_fades", [Shot("camera.png", 200, night=True, grain=2, centre=((0.45, 0.5), (0.55, 0.5)))],
             [Fade(30, 12, 20, 12), Fade(110, 12, 20, 12, depth=0.6), Freeze(160, 185)],
             negatives=[("night scene", 0, 30), ("fade to dark, not black", 110, 154)]),
        Clip("dissolve", [Shot("hubble_deep_field.jpg", 60, zoom=(1.1, 1.2)),
                          Shot("coins.png", 60, dissolve=30, centre=((0.45, 0.5), (0.55, 0.5)))],
             negatives=[("a dissolve", 30, 60)]),
        Clip("credits", [Shot("moon.png", 100)], overlays=[Credits()], negatives=[("rolling credits", 0, 100)]),
    ]
