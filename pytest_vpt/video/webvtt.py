"""WebVTT text (W3C WebVTT, as HLS segments carry it, RFC 8216 §3.5) read into cues.

A file starts with ``WEBVTT`` (a byte order mark before it is allowed); its header block may
hold ``X-TIMESTAMP-MAP=MPEGTS:900000,LOCAL:00:00:00.000``, the MPEG-TS time (90 kHz ticks)
that the cue time LOCAL stands for. Blocks are separated by blank lines: a ``NOTE``,
``STYLE`` or ``REGION`` block is skipped; a cue is an optional identifier line, a timing line
``[hh:]mm:ss.ttt --> [hh:]mm:ss.ttt`` (the cue settings after it are ignored) and its text.
The text loses its tags (``<i>``, ``<c.yellow>``, ``<v Name>``, ``<00:01.500>``) and its
character references are unescaped (``&amp;``, ``&lt;``, ``&#233;``); its lines are joined by a
newline. A cue whose timing cannot be read, or that ends before it starts, is skipped and
counted.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from .sources import _MAX_CUE_TEXT, _MAX_CUES, Cue

_HEADER = re.compile(r"^WEBVTT(?:[ \t]|$)")
_TIME = r"(?:(\d{1,9}):)?([0-5]\d):([0-5]\d)\.(\d{3})"
_TIMING = re.compile(rf"^\s*{_TIME}[ \t]+-->[ \t]+{_TIME}(?:[ \t]|$)")
_TIMESTAMP = re.compile(rf"^{_TIME}$")
_SKIPPED_BLOCK = re.compile(r"^(?:NOTE|STYLE|REGION)(?:[ \t]|$)")
_TAG = re.compile(r"<[^>]*>")


class WebVTTError(ValueError):
    """Text that is no WebVTT file; the message says what was found instead."""


@dataclass
class WebVTT:
    """The cues of one file (times as written) and its timestamp map."""

    cues: list[Cue] = field(default_factory=list)
    mpegts: int | None = None  # X-TIMESTAMP-MAP's MPEGTS (90 kHz ticks), None: no map
    local: float = 0.0  # ... and the cue time it stands for, seconds
    skipped: int = 0  # cues whose timing could not be read
    cut: bool = False  # more cues than a stream keeps: the rest were left out


def parse(text: str) -> WebVTT:
    """The cues of a WebVTT file's ``text``; :class:`WebVTTError` when it does not start with ``WEBVTT``."""
    lines = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if not _HEADER.match(lines[0]):
        raise WebVTTError(f"not a WebVTT file (it starts with {lines[0][:40]!r}, not WEBVTT)")
    found = WebVTT()
    blocks = _blocks(lines)
    for line in next(blocks, [])[1:]:  # the header block: WEBVTT and its metadata lines
        if line.startswith("X-TIMESTAMP-MAP="):
            _timestamp_map(line.removeprefix("X-TIMESTAMP-MAP="), found)
    for block in blocks:
        if _SKIPPED_BLOCK.match(block[0]):
            continue
        timing = next((number for number, line in enumerate(block[:2]) if "-->" in line), None)
        match = _TIMING.match(block[timing]) if timing is not None else None
        if match is None:
            found.skipped += 1
            continue
        start, end = _seconds(*match.groups()[:4]), _seconds(*match.groups()[4:])
        if end < start:
            found.skipped += 1
            continue
        if len(found.cues) >= _MAX_CUES:
            found.cut = True
            break
        found.cues.append(Cue(start, end, cue_text(block[timing + 1:])))
    return found


def cue_text(lines: list[str]) -> str:
    """A cue's plain text: its lines without tags, character references unescaped."""
    plain = (html.unescape(_TAG.sub("", line)).strip() for line in lines)
    return "\n".join(line for line in plain if line)[:_MAX_CUE_TEXT]


def _blocks(lines: list[str]):
    """The runs of non-blank lines."""
    block: list[str] = []
    for line in lines:
        if line.strip():
            block.append(line)
        elif block:
            yield block
            block = []
    if block:
        yield block


def _timestamp_map(value: str, found: WebVTT) -> None:
    """MPEGTS:<ticks>,LOCAL:<time> (in either order); a map that cannot be read is no map."""
    parts = dict(part.strip().partition(":")[::2] for part in value.split(","))
    ticks, local = parts.get("MPEGTS", ""), _TIMESTAMP.match(parts.get("LOCAL", "").strip())
    if ticks.isdigit() and len(ticks) <= 12 and local:
        found.mpegts, found.local = int(ticks), _seconds(*local.groups())


def _seconds(hours: str | None, minutes: str, seconds: str, millis: str) -> float:
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds) + int(millis) / 1000
