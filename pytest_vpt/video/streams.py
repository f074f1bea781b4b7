"""Where the picture checks look (:class:`Area`: a region and rectangles to ignore, written in
fractions of the frame or in pixels), and the project's streams: ``vpt.yaml``'s ``streams:``
section, which ``vpt watch STREAM_ID``, ``vpt video analyze STREAM_ID`` and the ``vpt_video``
fixture use by id::

    streams:
      - id: lobby-tv
        source: rtsp://encoder.lab/live      # a URL, a file (relative to the rootdir), /dev/video0
        region: 0,0,1,0.9                    # x,y,width,height: fractions, or pixels (1280,0,640,360 or 10px,...)
        ignore: ["0,0,190px,36px", [0.9, 0, 0.1, 0.1]]   # a burned-in timecode, a logo
        checks: [black, freeze, drops]       # default: black, freeze, drops, bitrate
        black: {min_duration: 0.2, pixel_threshold: 0.1, picture_ratio: 0.98}
        freeze: {min_duration: 300ms, noise: 1.0, block_noise: 3.0}

A rectangle is in pixels when any of its values is above 1 or is written with ``px``; pixels
become fractions once the frame size is known, and a rectangle outside the frame is an error
naming it. A check's settings are its fields (:class:`BlackCheck`, :class:`FreezeCheck`,
:class:`SubtitleCheck`, :class:`BitrateCheck`); ``min_duration`` defaults to
:data:`~pytest_vpt.video.incidents.MIN_DURATIONS`. What a command line gives wins over the
entry. Every problem is a :class:`StreamsError` naming the file, the line and column, and what
was expected there.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .. import config_file
from .incidents import MIN_DURATIONS
from .region import Region
from .sources import source_kind

MAX_STREAMS = 1000
MAX_IGNORE = 32  # rectangles ignored by one area
MAX_SOURCE = 4096
PLACED = ("black", "freeze")  # the checks an area applies to (subtitles keep their own band)
_FIELDS = ("id", "source", "region", "ignore", "checks")
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}\Z")
_NUMBER = re.compile(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*(px)?\s*\Z")
_SECONDS = re.compile(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*(ms|s)\s*\Z")


class StreamsError(ValueError):
    """A ``streams:`` entry cannot be used; the message names where and what was expected."""


class AreaError(ValueError):
    """A rectangle that is no rectangle of the frame; the message names it as it was written."""


@dataclass(frozen=True)
class Box:
    """A rectangle as written: x, y, width, height in fractions of the frame, or in pixels."""

    values: tuple[float, float, float, float]
    pixels: bool
    label: str  # how errors name it: "--ignore 0,0,190px,36px"

    def fractions(self, width: int, height: int) -> tuple[float, float, float, float]:
        """The rectangle in fractions of a ``width`` x ``height`` frame; outside it is an error."""
        x, y, w, h = self.values
        if not self.pixels:
            return x, y, w, h
        if width <= 0 or height <= 0:
            raise AreaError(f"{self.label}: in pixels, but the frame size is not known yet (give fractions)")
        if x + w > width or y + h > height:
            raise AreaError(f"{self.label}: outside the {width}x{height} frame (x + width at most {width}, "
                             f"y + height at most {height} pixels)")
        return x / width, y / height, w / width, h / height


def parse_box(value: Any, label: str) -> Box:
    """A rectangle from ``"x,y,w,h"`` (each value a number, ``px`` for pixels) or a list of four."""
    parts = value.split(",") if isinstance(value, str) else value
    if not isinstance(parts, (list, tuple)) or len(parts) != 4:
        raise AreaError(f"{label}: expected x,y,width,height (four numbers: fractions 0-1, or pixels), not {value!r}")
    numbers, pixels = [], False
    for part in parts:
        if isinstance(part, bool) or not isinstance(part, (int, float, str)):
            raise AreaError(f"{label}: {part!r} is not a number")
        match = _NUMBER.match(part) if isinstance(part, str) else None
        if isinstance(part, str) and match is None:
            raise AreaError(f"{label}: {part.strip()!r} is not a number (fractions 0-1, or pixels: 640 or 640px)")
        number = float(match.group(1)) if match else float(part)
        if not math.isfinite(number) or number < 0 or number > 100_000:
            raise AreaError(f"{label}: {part!r} is not a position in a frame (0 to 100,000)")
        numbers.append(number)
        pixels |= bool(match and match.group(2))
    pixels |= any(number > 1 for number in numbers)
    x, y, w, h = numbers
    if w <= 0 or h <= 0:
        raise AreaError(f"{label}: its width and height must be above 0")
    if not pixels and (x >= 1 or y >= 1 or x + w > 1 + 1e-9 or y + h > 1 + 1e-9):
        raise AreaError(f"{label}: outside the frame (in fractions, x + width and y + height are at most 1)")
    return Box((x, y, w, h), pixels, label)


@dataclass(frozen=True)
class Area:
    """Where the black and freeze checks look: ``region`` (None: the whole frame) minus ``ignore``."""

    region: Box | None = None
    ignore: tuple[Box, ...] = ()

    @classmethod
    def parse(cls, region: Any = None, ignore: Iterable[Any] = (), name: str = "--region",
              ignore_name: str = "--ignore") -> Area:
        """An area from what was written (``"x,y,w,h"`` texts or lists of four numbers)."""
        ignored = list(ignore)
        if len(ignored) > MAX_IGNORE:
            raise AreaError(f"{ignore_name}: at most {MAX_IGNORE} rectangles, not {len(ignored)}")
        return cls(None if region is None else parse_box(region, _label(name, region)),
                   tuple(parse_box(value, _label(ignore_name, value)) for value in ignored))

    def over(self, other: Area | None) -> Area:
        """This area where it says something, ``other`` (a stream entry's) for the rest."""
        if other is None:
            return self
        return Area(self.region or other.region, self.ignore or other.ignore)

    def to_region(self, width: int, height: int) -> Region:
        """The :class:`Region` in a ``width`` x ``height`` frame."""
        x, y, w, h = self.region.fractions(width, height) if self.region else (0.0, 0.0, 1.0, 1.0)
        ignore = tuple(box.fractions(width, height) for box in self.ignore)
        try:
            return Region(x, y, w, h, ignore)
        except ValueError as exc:  # a fraction on the edge of what Region accepts
            raise AreaError(f"{self.region.label if self.region else 'the region'}: {exc}") from None

    def place(self, checks: Mapping[str, Any], width: int, height: int) -> dict[str, Any]:
        """``checks`` (name -> check) with this area as the region of the black and freeze checks."""
        if self.region is None and not self.ignore:
            return dict(checks)
        region = self.to_region(width, height)
        return {name: dataclasses.replace(check, region=region) if name in PLACED else check
                for name, check in checks.items()}


def _label(option: str, value: Any) -> str:
    shown = value if isinstance(value, str) else ",".join(map(str, value)) if isinstance(value, (list, tuple)) else value
    return f"{option} {shown}"


def make_checks(names: Iterable[str], settings: Mapping[str, Mapping[str, Any]] | None = None) -> list[Any]:
    """The checks named (black, freeze, drops, bitrate, subtitles) with ``settings`` (check name
    -> its fields), ``min_duration`` defaulting to :data:`MIN_DURATIONS`."""
    from .analysis import CHECKS

    made = []
    for name in names:
        if name not in CHECKS:
            raise ValueError(f"unknown check {name!r} (known: {', '.join(CHECKS)})")
        given = {**({"min_duration": MIN_DURATIONS[name]} if name in MIN_DURATIONS else {}),
                 **(settings or {}).get(name, {})}
        made.append(CHECKS[name](**given))
    return made


@dataclass(frozen=True)
class Stream:
    """One entry of the ``streams:`` section."""

    id: str
    source: str
    area: Area | None = None
    checks: tuple[str, ...] | None = None  # None: the command's default
    settings: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # check name -> its fields

    def make_checks(self, names: Iterable[str] | None = None, default: Iterable[str] = (),
                    overrides: Mapping[str, Mapping[str, Any]] | None = None) -> list[Any]:
        """Its checks: ``names`` if given, else its own, else ``default``; ``overrides`` (check
        name -> fields, from a command line) win over its settings."""
        chosen = list(names or self.checks or default)
        merged = {name: {**self.settings.get(name, {}), **(overrides or {}).get(name, {})} for name in chosen}
        return make_checks(chosen, merged)


def load_streams(rootdir: Path, config: Path | None = None) -> dict[str, Stream]:
    """The ``streams:`` section of the project in ``rootdir`` (its vpt.yaml, or ``config``): id -> entry."""
    data, source = config_file.section("streams", rootdir, config)
    where = _Where(source)
    if data is None:
        return {}
    if not isinstance(data, list):
        raise where.error(("streams",), "expected a list of streams (each with an id and a source)")
    if len(data) > MAX_STREAMS:
        raise where.error(("streams",), f"at most {MAX_STREAMS} streams, not {len(data)}")
    found: dict[str, Stream] = {}
    for index, raw in enumerate(data):
        stream = _stream(raw, where, ("streams", index), rootdir)
        if stream.id in found:
            raise where.error(("streams", index, "id"), f"a second stream with the id {stream.id!r}")
        found[stream.id] = stream
    return found


def find_stream(ident: str, rootdir: Path, config: Path | None = None) -> Stream | None:
    """The entry with id ``ident``, or None (then ``ident`` is a source itself)."""
    return load_streams(rootdir, config).get(ident) if _ID.match(ident) else None


def _stream(raw: Any, where: _Where, path: tuple[Any, ...], rootdir: Path) -> Stream:
    from .analysis import CHECKS

    if not isinstance(raw, dict):
        raise where.error(path, "expected a stream: a mapping with an id and a source")
    for key in raw:
        if key not in _FIELDS and key not in CHECKS:
            raise where.error((*path, key), f"unknown setting {key!r} (known: {', '.join((*_FIELDS, *CHECKS))})")
    ident = raw.get("id")
    if not isinstance(ident, str) or not _ID.match(ident):
        raise where.error((*path, "id"), "expected an id: letters, digits and _ . : - (at most 100), "
                                         f"not {ident!r}")
    source = raw.get("source")
    if not isinstance(source, str) or not source.strip() or len(source) > MAX_SOURCE:
        raise where.error((*path, "source"), f"expected the stream's source (a URL, a file, /dev/videoN) "
                                             f"of at most {MAX_SOURCE} characters, not {source!r}")
    if source_kind(source) == "file" and not Path(source).is_absolute():
        source = str(rootdir / source)
    area = _area(raw, where, path)
    checks = raw.get("checks")
    if checks is not None:
        if not isinstance(checks, list) or not checks or any(name not in CHECKS for name in checks):
            raise where.error((*path, "checks"), f"expected a list of checks out of {', '.join(CHECKS)}, "
                                                 f"not {checks!r}")
        checks = tuple(dict.fromkeys(checks))
    settings = {name: _settings(raw[name], CHECKS[name], where, (*path, name)) for name in CHECKS if name in raw}
    for name, given in settings.items():
        try:
            make_checks([name], {name: given})
        except ValueError as exc:  # the check's own bounds (noise <= block_noise, ...)
            raise where.error((*path, name), str(exc)) from None
    return Stream(ident, source, area if area.region or area.ignore else None, checks, settings)


def _area(raw: Mapping[str, Any], where: _Where, path: tuple[Any, ...]) -> Area:
    ignore = raw.get("ignore") or []
    if not isinstance(ignore, list) or len(ignore) > MAX_IGNORE:
        raise where.error((*path, "ignore"), f"expected a list of at most {MAX_IGNORE} rectangles "
                                             "(each x,y,width,height)")
    boxes = []
    for key, value in (("region", raw.get("region")), *((("ignore", index), box) for index, box in enumerate(ignore))):
        if value is None:
            continue
        try:
            boxes.append(parse_box(value, _label(key if isinstance(key, str) else "ignore", value)))
        except AreaError as exc:
            raise where.error((*path, *((key,) if isinstance(key, str) else key)), str(exc)) from None
    region = boxes.pop(0) if raw.get("region") is not None else None
    return Area(region, tuple(boxes))


def _settings(raw: Any, kind: type, where: _Where, path: tuple[Any, ...]) -> dict[str, Any]:
    """A check's settings, each of the type of its field's default (seconds as 0.3, 300ms or 0.3s)."""
    fields = {f.name: f for f in dataclasses.fields(kind) if f.name != "region"}
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise where.error(path, f"expected the check's settings (out of {', '.join(fields) or 'none'})")
    settings = {}
    for key, value in raw.items():
        if key not in fields:
            raise where.error((*path, key), f"unknown setting {key!r} of {path[-1]} "
                                            f"(known: {', '.join(fields) or 'none'})")
        settings[key] = _value(value, fields[key], where, (*path, key))
    return settings


def _value(value: Any, spec: dataclasses.Field, where: _Where, path: tuple[Any, ...]) -> Any:
    default = spec.default
    if isinstance(default, bool) or isinstance(default, str):
        if type(value) is not type(default):
            raise where.error(path, f"expected {'true or false' if isinstance(default, bool) else 'text'} "
                                    f"for {spec.name}, not {value!r}")
        return value  # the check refuses what it cannot use (a language Tesseract lacks)
    if isinstance(value, str) and (match := _SECONDS.match(value)) and (spec.name.endswith("duration") or
                                                                        spec.name == "every"):
        value = float(match.group(1)) * (0.001 if match.group(2) == "ms" else 1.0)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        unit = " (seconds: 0.3, 300ms)" if spec.name.endswith("duration") else ""
        raise where.error(path, f"expected a number for {spec.name}{unit}, not {value!r}")
    return int(value) if isinstance(default, int) and float(value).is_integer() else float(value)


class _Where:
    """The line and column of each value of the file a section came from (when it is YAML)."""

    def __init__(self, source: str) -> None:
        self.source = source
        path = Path(source)
        self.root = None if source.endswith("[tool.vpt]") or not path.is_file() else config_file.compose(path)

    def error(self, path: tuple[Any, ...], message: str) -> StreamsError:
        node = self.root
        found = node
        for key in path:
            node = _child(node, key)
            if node is None:
                break
            found = node
        if found is None:
            return StreamsError(f"{self.source}: {message}")
        mark = found.start_mark
        return StreamsError(f"{self.source}, line {mark.line + 1}, column {mark.column + 1}: {message}")


def _child(node: Any, key: Any) -> Any:
    if isinstance(node, yaml.MappingNode):
        return next((value for name, value in node.value if isinstance(name, yaml.ScalarNode) and name.value == key),
                    None)
    if isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
        return node.value[key]
    return None
