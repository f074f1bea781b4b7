"""Where frames come from: a file, a stream URL, a capture device, or a callable.

Every frame carries its index, its presentation time (seconds from the first frame) and its
luma plane: for the usual YUV formats the decoder's own plane, without conversion or copy
(valid until the next frame), which is what makes analysing every frame affordable.
Files, streams and devices are read through PyAV (FFmpeg); its packets also give the
bitrate. A source that cannot be read raises :class:`SourceError` naming it, within the
timeout. A stream is named (in errors, reports, incidents) without the credentials of its URL.

A file's subtitle streams (mov_text in MP4; SubRip, ASS, WebVTT in Matroska; whatever
FFmpeg's demuxer exposes as a subtitle stream) are listed with their language and codec when
it is opened, and their cues (start, end, text) are read with the frames. An HLS
presentation's WebVTT subtitle renditions, whose cues FFmpeg does not hand over, are read by
:mod:`.hls` instead, each segment as the frames reach it; what cannot be read of them is in
``subtitle_warnings``. CEA-608 closed captions carried in the video itself (A/53 cc_data,
as in broadcast MPEG-TS and HLS) are read by :mod:`.cea608` as the frames are decoded, and
listed as an ``eia_608`` stream (the video's index, no language) once the first is seen.

A file also says whether it was cut short: once its frames are read, ``truncated`` gives the
reason when the data ended inside a packet, and ``declared_duration`` is the duration its
container's header announces (mp4/mov, Matroska/WebM, AVI), to compare with what was read.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..redaction import redact_text, redact_url

#: decoded formats whose first plane is the luma plane, 8 bits per sample
_PLANAR_LUMA = {"yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "yuvj444p", "nv12", "nv21", "gray", "yuv411p",
                "yuv440p", "yuvj440p"}
_STREAM = re.compile(r"^(rtsp|rtsps|rtmp|http|https|udp|rtp|srt|tcp)://", re.IGNORECASE)
#: containers whose header declares the duration (the others' is estimated from the data read)
_DECLARED_DURATION = ("mov", "mp4", "matroska", "webm", "avi")
_TS_PACKETS = (188, 192, 204)  # bytes per MPEG-TS packet: plain, M2TS (Blu-ray), with Reed-Solomon


class SourceError(RuntimeError):
    """A source that cannot be opened or read; the message names it."""


@dataclass
class Frame:
    index: int  # 0 for the first frame
    time: float  # presentation time, seconds from the first frame
    luma: np.ndarray  # height x width, uint8 (a view: copy what you keep)
    full_range: bool  # luma 0-255 (JPEG range), else 16-235 (video range)


@dataclass
class Packet:
    """A compressed packet of the video stream: its size and presentation time."""

    time: float
    size: int


@dataclass
class Cue:
    """One subtitle of a stream: shown from ``start`` to ``end`` seconds (None: not said)."""

    start: float
    end: float | None
    text: str  # plain text, lines joined by a newline ("" for a bitmap subtitle)


@dataclass
class SubtitleStream:
    """A subtitle stream of the container, and the cues read from it so far."""

    index: int  # the stream's index in the container
    language: str | None  # as the container says (ISO 639-2: eng, deu), None: not said
    codec: str  # mov_text, subrip, ass, webvtt, dvd_subtitle, ...
    cues: list[Cue] = field(default_factory=list)


_MAX_CUES = 100_000  # per stream: a subtitle a second for more than a day
_MAX_CUE_TEXT = 2_000  # characters kept of a cue
_ASS_OVERRIDE = re.compile(r"\{[^}]*\}")


class Source(ABC):
    """Frames from somewhere; ``packets`` receives the compressed packets where there are any."""

    name: str
    nominal_fps: float | None = None
    width: int = 0
    height: int = 0
    declared_duration: float | None = None  # seconds, as the container's header says (None: not declared)
    truncated: str | None = None  # once the frames are read: why the data ended early, if it did
    subtitle_streams: tuple[SubtitleStream, ...] = ()  # the container's, their cues read with the frames
    subtitle_warnings: list[str] | tuple[str, ...] = ()  # what could not be read of them (an HLS segment missing)

    @abstractmethod
    def frames(self, packets: Callable[[Packet], None] | None = None) -> Iterator[Frame]:
        """The frames, in presentation order."""

    def close(self) -> None:
        pass

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def source_kind(source: Any) -> str:
    """How :func:`open_source` reads ``source``: ``"stream"``, ``"device"``, ``"frames"`` (a
    callable or a Source) or ``"file"``. A file that cannot be read stays unreadable; the
    others may come back."""
    if isinstance(source, Source) or callable(source):
        return "frames"
    text = str(source)
    if isinstance(source, int) or text.isdigit() or text.startswith("/dev/video"):
        return "device"
    return "stream" if _STREAM.match(text) else "file"


def open_source(source: Any, timeout: float = 10.0) -> Source:
    """A :class:`Source` for a path, a stream URL, ``/dev/videoN`` or a device index, or a
    callable returning ``(time, frame)`` (a gray or BGR array) and None at the end."""
    if isinstance(source, Source):
        return source
    if callable(source):
        return CallableSource(source)
    if isinstance(source, int) or (isinstance(source, str) and source.isdigit()):
        return AVSource(f"/dev/video{int(source)}", timeout, device=True)
    text = str(source)
    if _STREAM.match(text):
        return AVSource(text, timeout)
    if text.startswith("/dev/video"):
        return AVSource(text, timeout, device=True)
    path = Path(text)
    if not path.is_file():
        raise SourceError(f"{text}: no such file" if not path.exists() else f"{text}: not a file")
    return AVSource(str(path), timeout)


class AVSource(Source):
    """A file, stream or capture device decoded by FFmpeg through PyAV."""

    def __init__(self, target: str, timeout: float, device: bool = False) -> None:
        self.name = redact_url(target)  # rtsp://user:password@camera/... is shown as rtsp://camera/...
        try:
            import av
        except ImportError:
            raise SourceError(f"{self.name}: reading video needs the video extra: pip install 'pytest-vpt[video]'") from None
        options = {"rw_timeout": str(int(timeout * 1e6))} if _STREAM.match(target) else {}
        if target.lower().startswith(("rtsp://", "rtsps://")):
            options = {"timeout": str(int(timeout * 1e6)), "rtsp_transport": "tcp"}
        try:
            self._container = av.open(target, format="v4l2" if device else None, options=options,
                                      timeout=(timeout, timeout))
        except (av.FFmpegError, OSError) as exc:
            raise SourceError(f"{self.name}: cannot be opened: {redact_text(_reason(exc))}") from None
        if not self._container.streams.video:
            self._container.close()
            raise SourceError(f"{self.name}: holds no video stream")
        self._stream = self._container.streams.video[0]
        codec = self._stream.codec_context
        if codec is None or not codec.name:
            self._container.close()
            raise SourceError(f"{self.name}: unknown video codec")
        self._stream.thread_type = "AUTO"
        rate = self._stream.average_rate or self._stream.guessed_rate
        self.nominal_fps = float(rate) if rate else None
        self.width, self.height = codec.width, codec.height
        self._file = Path(target) if not device and not _STREAM.match(target) else None
        self.declared_duration = _declared_duration(self._container, self._stream)
        self._subtitles = {stream.index: SubtitleStream(stream.index, stream.language, _codec_name(stream))
                           for stream in self._container.streams.subtitles if stream.codec_context is not None}
        self.subtitle_streams = tuple(self._subtitles.values())
        self._captions: Any = None  # the CEA-608 decoder, once the video is seen to carry captions
        self._hls = self._read_hls(target, timeout) if self._container.format.name == "hls" else None

    def _read_hls(self, target: str, timeout: float) -> Any:
        """The HLS presentation's subtitle renditions, read by :mod:`.hls` in place of FFmpeg's (cueless) ones."""
        from .hls import HLSSubtitles

        start, base = self._stream.start_time, self._stream.time_base
        ticks = round(float(start * base) * 90_000) if start is not None and base else 0
        renditions = HLSSubtitles(target, timeout, list(self._subtitles), ticks)
        self.subtitle_warnings = renditions.warnings
        if not renditions.streams:
            return None
        self._subtitles = {}
        self.subtitle_streams = renditions.streams
        return renditions

    def frames(self, packets: Callable[[Packet], None] | None = None) -> Iterator[Frame]:
        import av

        stream, base = self._stream, self._stream.time_base
        first: float | None = None
        index, cut = 0, False
        origin = float(stream.start_time * base) if stream.start_time is not None else 0.0
        subtitles = [s for s in self._container.streams.subtitles if s.index in self._subtitles]
        try:
            for packet in self._container.demux(stream, *subtitles):
                if packet.stream.index != stream.index:
                    self._read_cue(packet, origin)
                    continue
                if packet.size:
                    cut = packet.is_corrupt
                if packets is not None and packet.size and packet.pts is not None:
                    packets(Packet(float(packet.pts * base), packet.size))
                for decoded in packet.decode():
                    moment = decoded.time if decoded.time is not None else index / (self.nominal_fps or 25.0)
                    first = moment if first is None else first
                    if self._hls is not None:
                        self._hls.read_until(moment - first)
                    if decoded.side_data.get("A53_CC") is not None:
                        self._read_captions(decoded, moment - first)
                    yield Frame(index, moment - first, _luma(decoded), _full_range(decoded))
                    index += 1
        except av.FFmpegError as exc:
            raise SourceError(f"{self.name}: cannot be decoded after {index} frames: {_reason(exc)}") from None
        self.truncated = "its last packet is cut short" if cut else self._cut_transport_packet()

    def _read_captions(self, frame: Any, time: float) -> None:
        """The CEA-608 captions of the frame's A/53 side data, read as a subtitle stream (the video's index)."""
        from .cea608 import CODEC, CaptionDecoder

        if self._captions is None:
            self._captions = CaptionDecoder()
            self.subtitle_streams = (*self.subtitle_streams,
                                     SubtitleStream(self._stream.index, None, CODEC, self._captions.cues))
        self._captions.feed(time, bytes(frame.side_data.get("A53_CC")))

    def _read_cue(self, packet: Any, origin: float) -> None:
        """The cues of a subtitle packet, kept with its stream (one that cannot be decoded is skipped)."""
        import av

        track = self._subtitles[packet.stream.index]
        if not packet.size or packet.pts is None or len(track.cues) >= _MAX_CUES:
            return
        try:
            decoded = packet.decode()
        except av.FFmpegError:
            return
        start = float(packet.pts * packet.time_base) - origin
        for subtitle in decoded:
            for item in getattr(subtitle, "rects", None) or [subtitle]:
                ends = getattr(subtitle, "end_display_time", 0)
                length = float(packet.duration * packet.time_base) if packet.duration else ends / 1000 if ends else None
                track.cues.append(Cue(round(start, 6), None if length is None else round(start + length, 6),
                                      _cue_text(item)))

    def _cut_transport_packet(self) -> str | None:
        """An MPEG-TS file whose size is no whole number of packets was cut inside one."""
        if self._file is None or self._container.format.name != "mpegts":
            return None
        try:
            size = self._file.stat().st_size
        except OSError:
            return None
        return None if any(size % packet == 0 for packet in _TS_PACKETS) else "it ends inside a transport packet"

    def close(self) -> None:
        self._container.close()


def _declared_duration(container: Any, stream: Any) -> float | None:
    if not set(container.format.name.split(",")) & set(_DECLARED_DURATION):
        return None
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    return container.duration / 1e6 if container.duration else None


def _luma(frame: Any) -> np.ndarray:
    if frame.format.name in _PLANAR_LUMA:
        plane = frame.planes[0]
        rows = np.frombuffer(plane, np.uint8).reshape(-1, plane.line_size)
        return rows[: frame.height, : frame.width]
    return frame.to_ndarray(format="gray")


def _full_range(frame: Any) -> bool:
    return frame.format.name.startswith("yuvj") or frame.format.name == "gray" or int(frame.color_range or 0) == 2


def _codec_name(stream: Any) -> str:
    """The stream's codec as FFmpeg names the format (subrip, ass), not its decoder (srt, ssa)."""
    codec = stream.codec_context.codec
    return getattr(codec, "canonical_name", None) or stream.codec_context.name


def _cue_text(subtitle: Any) -> str:
    """A decoded subtitle's plain text: an ASS dialogue without its style overrides, or a text one's."""
    raw = getattr(subtitle, "dialogue", None) or getattr(subtitle, "text", None) or b""
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    text = _ASS_OVERRIDE.sub("", text).replace("\\N", "\n").replace("\\n", "\n")
    return text.strip()[:_MAX_CUE_TEXT]


def _reason(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    return re.sub(r"^\[Errno -?\d+\] ", "", text).split(": '", 1)[0]


class CallableSource(Source):
    """Frames a callable returns: ``(time, array)`` each call, None at the end (a capture
    card's own API, frames already in memory)."""

    def __init__(self, read: Callable[[], tuple[float, np.ndarray] | None], name: str | None = None) -> None:
        self.read = read
        self.name = name or getattr(read, "__name__", "frames")

    def frames(self, packets: Callable[[Packet], None] | None = None) -> Iterator[Frame]:
        import cv2

        index, first = 0, None
        while (item := self.read()) is not None:
            moment, image = item
            image = np.asarray(image)
            if image.dtype != np.uint8 or image.ndim not in (2, 3):
                raise SourceError(f"{self.name}: frame {index}: expected a gray or BGR uint8 array, got "
                                  f"{image.dtype} with shape {image.shape}")
            luma = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
            first = moment if first is None else first
            if index == 0:
                self.height, self.width = luma.shape
            yield Frame(index, float(moment) - first, luma, True)
            index += 1
