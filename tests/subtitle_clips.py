"""Pictures with subtitles in the common styles, and with what is not a subtitle (a channel
logo, a ticker, a running timecode, rolling credits), over real photographs (tests/photos.py):
the frames that tests/video_clips.py's ``encode`` makes clips of. Text is drawn with the
font Pillow ships (``ImageFont.load_default(size)``)."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from photos import photo

W, H = 320, 240
STYLES = ("white_outline", "yellow_outline", "drop_shadow", "box", "plain", "two_lines")
BACKDROPS = ("flat", "dark", "busy")
NEGATIVES = ("logo", "ticker", "timecode", "credits", "stills")
WHITE, YELLOW = (245, 245, 245), (250, 225, 20)
LINES = ("Where were you last night?", "At the station, waiting.", "Nobody saw me leave.", "I know what you did.",
         "Then why ask me?", "Because I need to hear it.")


@lru_cache(maxsize=8)
def font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size)


@lru_cache(maxsize=16)
def _photo(name: str, width: int, height: int) -> np.ndarray:
    return photo(name, width, height)


def backdrop(kind: str, index: int, seed: int = 0, width: int = W, height: int = H, pan: bool = True) -> np.ndarray:
    """A picture to put text over: ``flat`` (one colour), ``dark`` (a photograph graded to
    night) or ``busy`` (a detailed photograph); the photographs pan slowly (a Ken Burns move,
    unless ``pan`` is false) and cut to the next one every 5 s (150 frames)."""
    if kind == "flat":
        return np.full((height, width, 3), ((70, 90, 120), (40, 40, 40), (120, 100, 80))[seed % 3], np.uint8)
    names = ("astronaut.png", "coffee.png", "chelsea.png", "rocket.jpg", "motorcycle_left.png", "gravel.png",
             "grass.png", "coins.png")
    large = _photo(names[(seed + index // 150) % len(names)], width + 60, height + 40)
    shift = (index % 150) * 0.4 if pan else 30.0  # 0.4 pixel a frame, from each cut on
    move = np.float32([[1, 0, -shift], [0, 1, -20]])
    image = cv2.warpAffine(large, move, (width, height), flags=cv2.INTER_LINEAR)
    if kind == "dark":
        image = (image.astype(np.float32) * 0.25).astype(np.uint8)
    return image


def _draw(image: np.ndarray, draw: Callable[[ImageDraw.ImageDraw, Image.Image], None]) -> np.ndarray:
    picture = Image.fromarray(image)
    draw(ImageDraw.Draw(picture), picture)
    return np.asarray(picture).copy()


def subtitle(image: np.ndarray, text: str, style: str, size: int | None = None) -> np.ndarray:
    """``image`` with ``text`` as a subtitle in ``style`` (one of STYLES), centred near the
    bottom, ``size`` pixels high (default: 7 % of the picture's height)."""
    if style not in STYLES:
        raise ValueError(f"unknown style {style!r}")
    height, width = image.shape[:2]
    size = size or round(height * 0.07)
    scale = max(1, round(size / 17))
    lines = [text, LINES[(LINES.index(text) + 1) % len(LINES)] if text in LINES else text] if style == "two_lines" \
        else [text]
    face = font(size)
    step = size + 5 * scale
    top = height - height // 14 - step * len(lines)
    boxes = []
    for number, line in enumerate(lines):
        left, _, right, _ = face.getbbox(line)
        boxes.append(((width - (right - left)) // 2, top + number * step, right - left))
    colour = YELLOW if style == "yellow_outline" else WHITE
    if style == "box":  # a semi-opaque black box darkens the picture under the text
        x0 = min(x for x, _, _ in boxes) - 6
        x1 = max(x + w for x, _, w in boxes) + 6
        y0, y1 = top - 3, top + step * len(lines) + 2
        image = image.copy()
        image[y0:y1, x0:x1] = (image[y0:y1, x0:x1] * 0.35).astype(np.uint8)
    if style == "drop_shadow":  # a soft dark shadow down and right, no outline
        shadow = _draw(np.zeros_like(image), lambda d, _: [
            d.text((x + 2 * scale, y + 2 * scale), line, font=face, fill=(255, 255, 255))
            for (x, y, _), line in zip(boxes, lines)])
        alpha = cv2.GaussianBlur(shadow[..., 0].astype(np.float32) / 255, (0, 0), scale)[..., None] * 0.85
        image = (image * (1 - alpha)).astype(np.uint8)
    outline = 2 * scale if style in ("white_outline", "yellow_outline", "two_lines") else 0

    def write(d: ImageDraw.ImageDraw, _: Image.Image) -> None:
        for (x, y, _), line in zip(boxes, lines):
            d.text((x, y), line, font=face, fill=colour, stroke_width=outline, stroke_fill=(10, 10, 10))

    return _draw(image, write)


def subtitled(style: str, kind: str, cues: list[tuple[int, int]], seed: int = 0, width: int = W,
              height: int = H) -> Callable[[int], np.ndarray]:
    """Frames of ``kind`` backdrop with a subtitle in ``style`` in each [a, b) frames of ``cues``
    (the n-th cue says LINES[n]); ``plain`` text goes over a flat picture only."""
    def picture(index: int) -> np.ndarray:
        image = backdrop("flat" if style == "plain" else kind, index, seed, width, height)
        for number, (a, b) in enumerate(cues):
            if a <= index < b:
                return subtitle(image, LINES[(number + seed) % len(LINES)], style)
        return image

    return picture


def _logo(image: np.ndarray) -> np.ndarray:
    """A channel logo at the bottom right: a white, outlined word on a translucent badge."""
    height, width = image.shape[:2]
    u = height / 240
    top, left = height - round(34 * u), width - round(78 * u)
    image = image.copy()
    image[top:height - round(12 * u), left:width - round(10 * u)] //= 2
    return _draw(image, lambda d, _: d.text((left + round(6 * u), top + 1), "VPT 1", font=font(round(16 * u)),
                                            fill=WHITE, stroke_width=max(1, round(u)), stroke_fill=(0, 0, 0)))


def _ticker(image: np.ndarray, index: int) -> np.ndarray:
    """A news ticker: a blue bar along the bottom, its text scrolling left 3 pixels a frame (at 240 lines)."""
    height, width = image.shape[:2]
    u = height / 240
    image = image.copy()
    image[height - round(26 * u):height - round(4 * u)] = (20, 40, 140)
    text = "Markets close higher  +++  Storm warning for the coast  +++  Election results at ten  +++  "
    x = width - round(3 * u * index) % (width + round(700 * u))
    return _draw(image, lambda d, _: d.text((x, height - round(25 * u)), text * 2, font=font(round(15 * u)),
                                            fill=WHITE))


def _timecode(image: np.ndarray, index: int, fps: int = 30) -> np.ndarray:
    """A burned-in running timecode (HH:MM:SS:FF) in a small black box at the bottom centre."""
    height, width = image.shape[:2]
    u = height / 240
    seconds, frames = divmod(index, fps)
    code = f"10:{seconds // 60:02d}:{seconds % 60:02d}:{frames:02d}"
    image = image.copy()
    image[height - round(30 * u):height - round(8 * u), width // 2 - round(52 * u):width // 2 + round(52 * u)] = 0
    return _draw(image, lambda d, _: d.text((width // 2 - round(48 * u), height - round(29 * u)), code,
                                            font=font(round(16 * u)), fill=WHITE))


_CREDITS = ("Directed by", "ANNA BERG", "Written by", "JONAS WEBER", "Director of Photography", "MARIA LOPEZ",
            "Edited by", "PETER HOLM", "Music by", "LEA FISCHER", "Sound", "OMAR HADDAD")


def _credits(index: int, width: int, height: int) -> np.ndarray:
    """Rolling credits: centred white names rising over black, one pixel a frame (at 240 lines)."""
    u = height / 240
    image = np.zeros((height, width, 3), np.uint8)
    face = font(round(17 * u))

    def write(d: ImageDraw.ImageDraw, _: Image.Image) -> None:
        for number, line in enumerate(_CREDITS * 3):
            y = height + round((number * 28 - index) * u)
            if -30 * u < y < height:
                left, _, right, _ = face.getbbox(line)
                d.text(((width - (right - left)) // 2, y), line, font=face, fill=WHITE)

    return _draw(image, write)


def without_subtitles(kind: str, backdrop_kind: str = "busy", seed: int = 0, width: int = W,
                      height: int = H) -> Callable[[int], np.ndarray]:
    """Frames with what is no subtitle: ``logo``, ``ticker``, ``timecode``, ``credits`` (over
    ``backdrop_kind``), or ``stills`` (still photographs and cuts, no text)."""
    if kind not in NEGATIVES:
        raise ValueError(f"unknown negative {kind!r}")

    def picture(index: int) -> np.ndarray:
        if kind == "credits":
            return _credits(index, width, height)
        if kind == "stills":  # still photographs, a cut every 5 s: their details appear at once and stay
            return backdrop("busy", index, seed, width, height, pan=False)
        image = backdrop(backdrop_kind, index, seed, width, height)
        if kind == "logo":
            return _logo(image)
        return _ticker(image, index) if kind == "ticker" else _timecode(image, index)

    return picture


_ASS_HEADER = """[Script Info]
ScriptType: v4.00+
PlayResX: 384
PlayResY: 288

[V4+ Styles]
Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, Underline, \
StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding
Style: Default,Arial,16,&Hffffff,&Hffffff,&H0,&H0,0,0,0,0,100,100,0,0,1,1,0,2,10,10,10,0

[Events]
Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text
"""


def with_subtitle_streams(path: Path, count: int, picture: Callable[[int], np.ndarray],
                          streams: list[tuple[str, str, list[tuple[float, float, str]]]], fps: int = 30) -> Path:
    """An H.264 clip of ``count`` frames with subtitle streams muxed in by PyAV: each stream is
    (codec: mov_text for .mp4; subrip, ass or webvtt for .mkv, language, cues (start s, end s,
    text; ASS overrides and \\N line breaks allowed))."""
    import av
    from av.subtitles.subtitle import SubtitleSet

    with av.open(str(path), "w") as container:
        video = container.add_stream("libx264", rate=fps, options={"preset": "ultrafast", "crf": "20"})
        first = picture(0)
        video.width, video.height, video.pix_fmt = first.shape[1], first.shape[0], "yuv420p"
        added = []
        for codec, language, cues in streams:
            stream = container.add_stream(codec)
            stream.metadata["language"] = language
            stream.codec_context.subtitle_header = _ASS_HEADER.encode()
            added.append((stream, sorted(cues)))
        for index in range(count):
            frame = av.VideoFrame.from_ndarray(picture(index), format="rgb24")
            frame.pts, frame.time_base = index, Fraction(1, fps)
            for packet in video.encode(frame):
                container.mux(packet)
            for stream, cues in added:
                while cues and cues[0][0] <= index / fps:
                    start, end, text = cues.pop(0)
                    base = stream.time_base
                    cue = SubtitleSet.create(f"0,0,Default,,0,0,0,,{text}".encode(), 0,
                                             int(Fraction(end - start).limit_denominator(1000) / base),
                                             int(Fraction(start).limit_denominator(1000) / base))
                    packet = stream.encode_subtitle(cue)
                    packet.stream = stream
                    container.mux(packet)
        for packet in video.encode():
            container.mux(packet)
    return path


def hls_with_webvtt(folder: Path, count: int, picture: Callable[[int], np.ndarray],
                    cues: list[tuple[float, float, str]], language: str, fps: int = 30) -> Path:
    """An HLS presentation in ``folder``: one MPEG-TS segment of video, and a WebVTT subtitle
    rendition (EXT-X-MEDIA TYPE=SUBTITLES) in ``language`` with ``cues``; its master playlist."""
    from video_clips import encode

    seconds = count / fps
    encode(folder / "video0.ts", count, picture, fps)
    stamp = "{:02d}:{:02d}:{:06.3f}".format
    vtt = "WEBVTT\n" + "".join(f"\n{stamp(int(a // 3600), int(a % 3600 // 60), a % 60)} --> "
                                 f"{stamp(int(b // 3600), int(b % 3600 // 60), b % 60)}\n{text}\n" for a, b, text in cues)
    (folder / "subs0.vtt").write_text(vtt)
    for name, segment in (("video.m3u8", "video0.ts"), ("subs.m3u8", "subs0.vtt")):
        (folder / name).write_text(f"#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:{int(seconds) + 1}\n"
                                   f"#EXT-X-PLAYLIST-TYPE:VOD\n#EXTINF:{seconds:.3f},\n{segment}\n#EXT-X-ENDLIST\n")
    master = folder / "master.m3u8"
    master.write_text(f'#EXTM3U\n#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="{language}",LANGUAGE="{language}",'
                      f'DEFAULT=YES,AUTOSELECT=YES,URI="subs.m3u8"\n'
                      f'#EXT-X-STREAM-INF:BANDWIDTH=800000,SUBTITLES="subs"\nvideo.m3u8\n')
    return master
