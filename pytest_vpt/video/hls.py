"""The WebVTT subtitle renditions of an HLS presentation, read with their cues (RFC 8216).

FFmpeg's HLS demuxer lists a subtitle rendition but hands over none of its cues, so they are
read here: the master playlist's ``#EXT-X-MEDIA:TYPE=SUBTITLES`` entries (LANGUAGE, NAME,
DEFAULT, URI; attribute lists as §4.2 writes them), each one's media playlist (its
``#EXTINF`` segments, relative URIs resolved against the playlist's own, after redirects),
and each segment as WebVTT (:mod:`.webvtt`). Segments are read as the analysis reaches their
start, so a short analysis of a long presentation reads few. The DEFAULT=YES rendition comes
first (the one a player shows).

Cue times: a segment with ``X-TIMESTAMP-MAP`` puts its cue time LOCAL at its MPEG-TS time,
counted from the video's first timestamp (a 33-bit wrap between them allowed); one without
it says presentation times, 0 at the video's start (what players do).

A playlist from http(s) only leads to http(s) URIs; a local one to files and http(s). Every
file is bounded in size and time, renditions and segments in number; what cannot be read (a
segment missing, a file too large, an encrypted or byte-range rendition, a live playlist read
as it was at opening) is a warning naming it, never an error.
"""

from __future__ import annotations

import http.client
import re
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit
from urllib.request import url2pathname

from ..redaction import redact_text, redact_url
from .sources import _MAX_CUES, SubtitleStream
from .webvtt import WebVTTError, parse

MAX_RENDITIONS = 8
MAX_SEGMENTS = 100_000  # listed per rendition: a day of 1 s segments
MAX_PLAYLIST_BYTES = 4 << 20
MAX_SEGMENT_BYTES = 1 << 20
MAX_URI = 4_096  # characters
MAX_FAILURES_IN_A_ROW = 3  # segments that cannot be read before a rendition is given up
MAX_WARNINGS = 20
_TICKS = 90_000  # MPEG-TS clock, per second
_WRAP = 1 << 33  # MPEG-TS timestamps are 33 bits
_ATTRIBUTE = re.compile(r'([A-Z0-9-]+)=("[^"\r\n]*"|[^",\s]*)\s*(?:,\s*|$)')


class HLSError(ValueError):
    """A playlist or a segment that cannot be read; the message says why."""


def attributes(text: str) -> dict[str, str]:
    """An attribute list (``NAME=value,NAME="quoted, text"``): name -> value, quotes removed."""
    found: dict[str, str] = {}
    position = 0
    text = text.strip()
    while position < len(text):
        match = _ATTRIBUTE.match(text, position)
        if match is None:
            raise HLSError(f"attribute list unreadable at {text[position:position + 30]!r}")
        name, value = match.group(1), match.group(2)
        found[name] = value[1:-1] if value.startswith('"') else value
        position = match.end()
    return found


@dataclass
class _Segment:
    start: float  # seconds from the presentation's start, as the playlist's durations add up
    uri: str  # resolved
    written: str  # as the playlist writes it (how warnings name it)


@dataclass
class _Rendition:
    label: str  # how warnings name it: its NAME (or language) and its playlist
    stream: SubtitleStream
    default: bool
    segments: list[_Segment] = field(default_factory=list)
    next: int = 0  # the segment to read next
    failures: int = 0  # segments in a row that could not be read
    seen: set[tuple[float, float | None, str]] = field(default_factory=set)  # cues repeated across segments


class HLSSubtitles:
    """The subtitle renditions of the master playlist at ``target`` (a path or an http(s) URL):
    ``streams`` their :class:`SubtitleStream`, filled by :meth:`read_until`; ``warnings`` what
    could not be read. ``indices`` are the stream indices FFmpeg gave the renditions, in order;
    ``video_start`` the video's first timestamp in 90 kHz ticks."""

    def __init__(self, target: str, timeout: float, indices: list[int], video_start: int = 0) -> None:
        self.timeout, self.video_start = timeout, video_start
        self.warnings: list[str] = []
        self._dropped = 0
        remote = target.lower().startswith(("http://", "https://"))
        self._schemes = ("http", "https") if remote else ("file", "http", "https")
        base = target if remote else Path(target).resolve().as_uri()
        self._renditions: list[_Rendition] = []
        try:
            text, base = self._fetch(base, MAX_PLAYLIST_BYTES)
        except HLSError as exc:
            self.warn(f"subtitles: the master playlist cannot be read: {exc}")
            text = ""
        entries = [line for line in text.splitlines() if line.startswith("#EXT-X-MEDIA:")]
        for number, line in enumerate(entries):
            try:
                media = attributes(line.removeprefix("#EXT-X-MEDIA:"))
            except HLSError as exc:
                self.warn(f"subtitles: the master playlist's EXT-X-MEDIA entry {number + 1}: {exc}")
                continue
            if media.get("TYPE") != "SUBTITLES":
                continue
            if len(self._renditions) == MAX_RENDITIONS:
                self.warn(f"subtitles: more than {MAX_RENDITIONS} subtitle renditions: the rest are not read")
                break
            self._add(media, base, indices)
        self._renditions.sort(key=lambda rendition: not rendition.default)
        self.streams = tuple(rendition.stream for rendition in self._renditions)

    def warn(self, message: str) -> None:
        """Keeps ``message`` (its URIs already without credentials); past MAX_WARNINGS, counts it in a last line."""
        if len(self.warnings) < MAX_WARNINGS:
            self.warnings.append(message)
            return
        self._dropped += 1
        line = f"... and {self._dropped} more warning{'s' if self._dropped > 1 else ''}"
        self.warnings[MAX_WARNINGS:] = [line]

    def _add(self, media: dict[str, str], base: str, indices: list[int]) -> None:
        written = media.get("URI", "")
        label = f"{media.get('NAME') or media.get('LANGUAGE') or 'rendition'!r} ({redact_url(written) or 'no URI'})"
        if not written:
            self.warn(f"subtitles {label}: the rendition has no URI: not read")
            return
        number = len(self._renditions)
        index = indices[number] if number < len(indices) else max([*indices, 0]) + 1 + number
        rendition = _Rendition(label, SubtitleStream(index, media.get("LANGUAGE") or None, "webvtt"),
                               media.get("DEFAULT") == "YES")
        self._renditions.append(rendition)
        try:
            text, playlist = self._fetch(self._resolve(base, written), MAX_PLAYLIST_BYTES)
        except HLSError as exc:
            self.warn(f"subtitles {label}: its playlist cannot be read: {exc}")
            return
        self._list_segments(rendition, text, playlist)

    def _list_segments(self, rendition: _Rendition, text: str, playlist: str) -> None:
        label = rendition.label
        if not text.startswith(("#EXTM3U", "\ufeff#EXTM3U")):
            self.warn(f"subtitles {label}: its playlist is no playlist (no #EXTM3U)")
            return
        start, duration, ended, listed = 0.0, None, False, set()
        for line in (line.strip() for line in text.splitlines()):
            if line.startswith("#EXT-X-STREAM-INF"):
                self.warn(f"subtitles {label}: its playlist is a master playlist, not a media playlist")
                return
            if line.startswith("#EXT-X-KEY:") and "METHOD=NONE" not in line:
                self.warn(f"subtitles {label}: its segments are encrypted: not read")
                return
            if line.startswith("#EXT-X-BYTERANGE"):
                self.warn(f"subtitles {label}: its segments are byte ranges: not read")
                return
            ended |= line == "#EXT-X-ENDLIST"
            if line.startswith("#EXTINF:"):
                duration = _duration(line.removeprefix("#EXTINF:").split(",", 1)[0])
                if duration is None:
                    self.warn(f"subtitles {label}: {line[:40]!r} gives no duration: the segments after it are not read")
                    return
            elif line and not line.startswith("#"):
                if duration is None:
                    continue  # a URI without #EXTINF is no segment
                if len(rendition.segments) == MAX_SEGMENTS:
                    self.warn(f"subtitles {label}: more than {MAX_SEGMENTS} segments: the rest are not read")
                    break
                uri, shown = self._resolve(playlist, line), redact_url(line[:200])
                if uri == playlist:
                    self.warn(f"subtitles {label}: segment {shown!r} is the playlist itself: not read")
                elif uri in listed:
                    self.warn(f"subtitles {label}: segment {shown!r} is listed again: read once")
                else:
                    listed.add(uri)
                    rendition.segments.append(_Segment(start, uri, line[:200]))
                start, duration = start + duration, None
        if not rendition.segments:
            self.warn(f"subtitles {label}: its playlist lists no segments")
        elif not ended:
            self.warn(f"subtitles {label}: a live playlist (no #EXT-X-ENDLIST): its segments are read as listed "
                      "when it was opened")

    def read_until(self, moment: float) -> None:
        """Reads every segment starting by ``moment`` (seconds from the presentation's start)."""
        for rendition in self._renditions:
            while rendition.next < len(rendition.segments) and rendition.segments[rendition.next].start <= moment:
                segment = rendition.segments[rendition.next]
                rendition.next += 1
                self._read(rendition, segment)

    def _read(self, rendition: _Rendition, segment: _Segment) -> None:
        name = f"subtitles {rendition.label}: segment {redact_url(segment.written)!r}"
        try:
            text, _ = self._fetch(segment.uri, MAX_SEGMENT_BYTES)
            vtt = parse(text)
        except (HLSError, WebVTTError) as exc:
            self.warn(f"{name} cannot be read: {exc}")
            rendition.failures += 1
            if rendition.failures >= MAX_FAILURES_IN_A_ROW:
                self.warn(f"subtitles {rendition.label}: {MAX_FAILURES_IN_A_ROW} segments in a row cannot be read: "
                          "the rest are not read")
                rendition.next = len(rendition.segments)
            return
        rendition.failures = 0
        if vtt.skipped:
            self.warn(f"{name}: {vtt.skipped} cues whose timing cannot be read were skipped")
        offset = 0.0
        if vtt.mpegts is not None:
            ticks = (vtt.mpegts - self.video_start + _WRAP // 2) % _WRAP - _WRAP // 2
            offset = ticks / _TICKS - vtt.local
        cues = rendition.stream.cues
        for cue in vtt.cues:
            moved = (round(cue.start + offset, 6), None if cue.end is None else round(cue.end + offset, 6), cue.text)
            if moved in rendition.seen:
                continue
            if len(cues) >= _MAX_CUES:
                self.warn(f"subtitles {rendition.label}: more than {_MAX_CUES} cues: the rest are not read")
                rendition.next = len(rendition.segments)
                return
            rendition.seen.add(moved)
            cue.start, cue.end = moved[0], moved[1]
            cues.append(cue)

    def _resolve(self, base: str, written: str) -> str:
        """``written`` (a URI of a playlist at ``base``) made absolute; one of another scheme is an error later."""
        return urljoin(base, written.strip()[:MAX_URI])

    def _fetch(self, uri: str, limit: int) -> tuple[str, str]:
        """The text at ``uri`` (at most ``limit`` bytes, within the timeout) and its URI after redirects."""
        scheme = urlsplit(uri).scheme.lower()
        if scheme not in self._schemes:
            raise HLSError(f"a {scheme or 'schemeless'} URI from this playlist is not followed")
        deadline = time.monotonic() + self.timeout
        try:
            if scheme == "file":
                path = Path(url2pathname(urlsplit(uri).path))
                if not path.is_file():  # a folder, a device or a pipe is no playlist or segment
                    raise HLSError("no such file" if not path.exists() else "not a file")
                with path.open("rb") as file:
                    return _decode(_read_bounded(file, limit, deadline, self.timeout)), uri
            request = urllib.request.Request(uri, headers={"User-Agent": "pytest-vpt"})
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                return _decode(_read_bounded(answer, limit, deadline, self.timeout)), answer.geturl()
        except HLSError:
            raise
        except urllib.error.HTTPError as exc:
            raise HLSError(f"HTTP {exc.code} {exc.reason}") from None
        except urllib.error.URLError as exc:
            reason = exc.reason
            raise HLSError(redact_text(getattr(reason, "strerror", None) or str(reason))) from None
        except TimeoutError:
            raise HLSError(f"no answer within {self.timeout:g} s") from None
        except OSError as exc:
            raise HLSError(redact_text(exc.strerror or str(exc))) from None
        except (http.client.HTTPException, ValueError) as exc:  # a reply cut short, a URL that is none
            raise HLSError(redact_text(f"{type(exc).__name__}: {exc}"[:200])) from None


def _read_bounded(file, limit: int, deadline: float, timeout: float) -> bytes:
    chunks, size = [], 0
    while chunk := file.read(65_536):
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            raise HLSError(f"larger than {limit // 1024} KiB")
        if time.monotonic() > deadline:
            raise HLSError(f"not read within {timeout:g} s")
    return b"".join(chunks)


def _decode(data: bytes) -> str:
    return data.decode("utf-8", "replace")


def _duration(text: str) -> float | None:
    try:
        seconds = float(text)
    except ValueError:
        return None
    return seconds if 0 <= seconds <= 86_400 else None
