"""The attribute values of a report, read and checked: a value that cannot be what its attribute
says raises :class:`~.model.Refused` naming the attribute and the value."""

from __future__ import annotations

from datetime import datetime, timezone

from ...events import DURATION_MAX, INT_MAX, TIME_MAX
from .model import Refused

#: timestamps before this (the first day of 1970) are placeholders, not times (jest-junit writes
#: 1970-01-01 for a suite that failed to load)
PLACEHOLDER_BEFORE = 86_400.0


def _shown(value: str) -> str:
    return repr(value if len(value) <= 60 else value[:60] + "...")


def seconds(value: str | None, where: str) -> float | None:
    """A duration (``time``): a number of seconds from 0 to 366 days, thousands separators allowed
    (as junitparser reads them); None when absent or blank."""
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        if not value.strip():
            return None
        try:
            number = float(value.replace(",", ""))
        except ValueError:
            raise Refused(f"{where} time {_shown(value)} is not a number of seconds") from None
    if not 0.0 <= number <= DURATION_MAX:  # also refuses NaN
        raise Refused(f"{where} time {_shown(value)} is not 0 to {DURATION_MAX:.0f} seconds")
    return number


def line_number(value: str | None, where: str) -> int | None:
    """A line number (``line``): a whole number from 0; None when absent or blank."""
    if value is None or not value.strip():
        return None
    try:
        number = int(value)
    except ValueError:
        raise Refused(f"{where} line {_shown(value)} is not a whole number") from None
    if not 0 <= number <= INT_MAX:
        raise Refused(f"{where} line {_shown(value)} is not 0 to {INT_MAX}")
    return number


def start_time(value: str | None, where: str) -> float | None:
    """The ``timestamp`` as a start time: None when absent or a placeholder."""
    epoch = timestamp(value, where)
    return None if epoch is None or epoch < PLACEHOLDER_BEFORE else epoch


def timestamp(value: str | None, where: str) -> float | None:
    """A start time (``timestamp``, ISO 8601; UTC unless it says otherwise) as epoch seconds; None
    when absent or blank (before ``PLACEHOLDER_BEFORE``: a placeholder, not a time)."""
    if value is None or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise Refused(f"{where} timestamp {_shown(value)} is not an ISO 8601 date and time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    epoch = moment.timestamp()
    if not 0 <= epoch <= TIME_MAX:
        raise Refused(f"{where} timestamp {_shown(value)} is not from 1970 to 2100")
    return epoch
