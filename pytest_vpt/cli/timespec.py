"""Spans and moments on the command line: ``7d``, ``12h``, ``30m``, ``2w``, or an ISO date."""

from __future__ import annotations

import re
import time
from datetime import datetime, timezone

import click

_SPAN = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])\Z")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_span(text: str) -> float:
    """``90s``, ``30m``, ``24h``, ``7d``, ``2w`` in seconds."""
    found = _SPAN.match(text.strip())
    if not found or float(found.group(1)) <= 0:
        raise click.BadParameter(f"{text!r}: use a span like 30m, 24h, 7d or 2w")
    return float(found.group(1)) * _UNIT[found.group(2)]


def parse_since(text: str) -> float:
    """A span ago (``7d``, ``12h``, ``30m``, ``2w``), or an ISO date/time (UTC unless it says otherwise)."""
    if _SPAN.match(text.strip()):
        return time.time() - parse_span(text)
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise click.BadParameter(f"{text!r}: use a duration like 7d, 12h, 30m, 2w, or a date like 2026-11-01") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()
