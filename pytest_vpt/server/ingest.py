"""A batch of events from a request body: JSON array or JSON lines, gzip or not, all valid or refused."""

from __future__ import annotations

import zlib
from typing import Any

import orjson

from ..events import EventError, validate_batch
from .errors import ApiError

JSON_TYPES = ("application/json",)
LINES_TYPES = ("application/x-ndjson", "application/jsonl", "application/jsonlines", "application/x-jsonlines")
_GZIP_MAGIC = b"\x1f\x8b"  # how a gzip member begins


def decode(body: bytes, content_type: str | None, encoding: str | None, max_body: int) -> list[Any]:
    """The items of the body, or ApiError 400 (broken gzip), 413 (too large), 415 (type or
    encoding) or 422 (not JSON)."""
    media = (content_type or "").split(";")[0].strip().lower()
    if media not in JSON_TYPES + LINES_TYPES:
        raise ApiError(415, f"content type {media or 'none'!r} is not accepted: send application/json (an array of "
                            "events) or application/x-ndjson (one event per line)", "Content-Type")
    coding = (encoding or "identity").strip().lower()
    if coding == "gzip":
        body = _gunzip(body, max_body)
    elif coding != "identity":
        raise ApiError(415, f"content encoding {coding!r} is not accepted (gzip or none)", "Content-Encoding")
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ApiError(422, f"the body is not UTF-8 (byte {exc.start})", "body") from None
    if media in JSON_TYPES:
        items = _json(body, "body")
        if not isinstance(items, list):
            raise ApiError(422, f"expected a JSON array of events, got {type(items).__name__}", "body")
        return items
    return [_json(line, f"line {number}") for number, line in enumerate(body.splitlines(), start=1) if line.strip()]


def _gunzip(body: bytes, limit: int) -> bytes:
    """The gzip body decompressed (one member or several, as RFC 1952 allows), or ApiError 400
    if it is not gzip, is cut short or has data after it, or 413 past ``limit`` bytes."""
    data, rest = b"", body
    while True:
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            data += inflater.decompress(rest, limit + 1 - len(data))
        except zlib.error as exc:
            raise ApiError(400, f"the body is not valid gzip: {exc}", "Content-Encoding") from None
        if len(data) > limit:
            raise ApiError(413, f"the body is larger than {limit} bytes once decompressed", "body")
        if not inflater.eof:
            raise ApiError(400, "the gzip body is cut short (its stream does not end)", "Content-Encoding")
        rest = inflater.unused_data
        if not rest:
            return data
        if not rest.startswith(_GZIP_MAGIC):
            raise ApiError(400, f"the gzip body has {len(rest)} bytes of trailing data after its stream "
                                f"(at byte {len(body) - len(rest)})", "Content-Encoding")


def _json(text: bytes, where: str) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise ApiError(422, f"{where}: not valid JSON: {exc}", where) from None


def check(items: list[Any], project: str, max_events: int) -> list[dict[str, Any]]:
    """Every item a valid event of ``project``, else ApiError 422 (naming the event and field) or 403."""
    if len(items) > max_events:
        raise ApiError(413, f"{len(items)} events in one batch; at most {max_events}", "body")
    try:
        validate_batch(items)
    except EventError as exc:
        raise ApiError(422, f"event {exc.index}: {exc}", _field(exc, exc.index)) from None
    if {item["vpt.project"] for item in items} - {project}:  # every event type names its project
        index, other = next((i, item["vpt.project"]) for i, item in enumerate(items) if item["vpt.project"] != project)
        raise ApiError(403, f"event {index}: this token may write project {project!r}, not {other!r}",
                       f"[{index}].vpt.project")
    return items


def _field(exc: EventError, index: int) -> str:
    text = str(exc)
    if text.startswith("field '"):
        return f"[{index}].{text[7:text.index(chr(39), 7)]}"
    return f"[{index}]"
