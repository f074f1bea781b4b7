"""Which store errors are the client's mistake: answered 4xx, never 503, the connection kept.

A driver error caused by the data itself (a value the database cannot hold, a row too large
for an index) would fail again on any connection, so it is not the store being unavailable.
Drivers are told apart by their DB-API class names and SQLSTATE codes, so this module imports
neither sqlite3's nor psycopg's error classes.
"""

from __future__ import annotations

from ..events import EventError
from ..store import base as store_base
from ..store.base import Store
from .errors import ApiError

#: SQLSTATE classes of errors in the data sent: 22 data exception, 23 integrity constraint
#: violation, 54 program limit exceeded (e.g. an index row too large)
_DATA_CLASSES = ("22", "23", "54")
#: of those, the data contradicting what is stored: unique, foreign key, exclusion violations
_CONFLICTS = ("23505", "23503", "23P01")

def refusal(exc: BaseException, store: Store) -> ApiError | None:
    """The 4xx answering ``exc`` if the client's data caused it, else None."""
    conflict = getattr(store_base, "StoreConflict", None)
    if conflict is not None and isinstance(exc, conflict):  # an id of another project
        return ApiError(409, str(exc), getattr(exc, "field", "id"))
    if isinstance(exc, EventError):
        return ApiError(422, str(exc), "body")
    cause = _driver_error(exc, store)
    if cause is None:
        return None
    kind = _kind(cause)
    if kind is None:
        return None
    reason = store.reason(cause)
    if kind == "conflict":
        return ApiError(409, f"the batch conflicts with what is stored: {reason}", "body")
    return ApiError(422, f"the store cannot keep a value of the batch: {reason}", "body")


def _driver_error(exc: BaseException, store: Store) -> BaseException | None:
    """The driver's exception behind ``exc`` (raised as it is, or as a StoreError's cause)."""
    seen = exc
    while seen is not None:
        if isinstance(seen, store.errors):
            return seen
        seen = seen.__cause__
    return None


def _kind(error: BaseException) -> str | None:
    """"data", "conflict", or None (the store itself failed: a 503)."""
    state = getattr(error, "sqlstate", None)
    if state:
        if state[:2] not in _DATA_CLASSES:
            return None
        return "conflict" if state in _CONFLICTS else "data"
    names = {klass.__name__ for klass in type(error).__mro__}
    if "IntegrityError" in names:  # sqlite3's, which has no SQLSTATE
        return "conflict" if any(word in str(error) for word in ("UNIQUE", "FOREIGN KEY")) else "data"
    # raised before the database saw the data: psycopg's NUL in text, sqlite3's too big
    return "data" if "DataError" in names else None
