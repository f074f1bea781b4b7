"""Spans and moments on the command line: ``7d``, ``12h``, ``30m``, ``2w``, or an ISO date.

A value that is not one is a usage error naming the option that gave it (found in the
running command's parameters), with the forms it accepts."""

from __future__ import annotations

import re
import time
from datetime import datetime, timezone

import click

_SPAN = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])\Z")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
SPAN_FORMS = "a number and a unit: 90s, 30m, 24h, 7d or 2w"
SINCE_FORMS = f"a span ago ({SPAN_FORMS}) or a date like 2026-11-01 or 2026-11-01T08:00"


def parse_span(text: str) -> float:
    """``90s``, ``30m``, ``24h``, ``7d``, ``2w`` in seconds."""
    found = _SPAN.match(text.strip())
    if not found or float(found.group(1)) <= 0:
        raise _bad(text, SPAN_FORMS)
    return float(found.group(1)) * _UNIT[found.group(2)]


def parse_since(text: str) -> float:
    """A span ago (``7d``, ``12h``, ``30m``, ``2w``), or an ISO date/time (UTC unless it says otherwise)."""
    if _SPAN.match(text.strip()):
        return time.time() - parse_span(text)
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise _bad(text, SINCE_FORMS) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def window_start(text: str, option: str = "--since", longest: float | None = None) -> float:
    """The start of a window up to now given as ``option`` (as :func:`parse_since`): a usage
    error naming the option for a moment in the future or, with ``longest``, too long ago."""
    try:
        start = parse_since(text)
    except click.BadParameter as exc:
        exc.param_hint = f"'{option}'"
        raise
    now = time.time()
    if start >= now:
        raise click.BadParameter(f"{text!r} is in the future", param_hint=f"'{option}'")
    if longest is not None and now - start > longest:
        raise click.BadParameter(f"{text!r} is more than {longest / 86400:.0f} days ago", param_hint=f"'{option}'")
    return start


def _bad(text: str, forms: str) -> click.BadParameter:
    """The error for ``text``, naming the current command's option that holds it."""
    ctx = click.get_current_context(silent=True)
    param = None
    if ctx is not None:
        param = next((p for p in ctx.command.params if ctx.params.get(p.name) == text), None)
    return click.BadParameter(f"{text!r}: use {forms}", ctx=ctx, param=param)
