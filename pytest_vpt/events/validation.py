"""Validation: one event (:func:`validate`), a batch (:func:`validate_batch`), and the quick
check across a batch's attributes (:func:`plainly_valid`)."""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Mapping
from typing import Any

from .limits import (
    ENDS, ID_MAX, INT_MAX, INT_MIN, ITEMS_MAX, RANGES, TEXT_LIMITS, TEXT_MAX, container_problem,
)
from .schema import ENUMS, RUN_COUNT_KEYS, SCHEMA_VERSION, SCHEMAS, EventError

_METRIC_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.:-]{0,199}\Z")
_TAG_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,99}\Z")
_VALUE = RANGES["vpt.metric.value"]


def validate(event: Any) -> dict[str, Any]:
    """Return ``event`` if it follows the wire format, else raise :class:`EventError`."""
    if not isinstance(event, dict):
        raise EventError(f"an event must be a JSON object, not {type(event).__name__}")
    kind = event.get("type")
    schema = SCHEMAS.get(kind) if isinstance(kind, str) else None
    if schema is None:
        raise EventError(f"field 'type': unknown event type {kind!r} (known: {', '.join(SCHEMAS)})")
    if type(event.get("schema_version")) is not int or event["schema_version"] != SCHEMA_VERSION:
        raise EventError(f"field 'schema_version': expected {SCHEMA_VERSION}, got {event.get('schema_version')!r}")
    if not isinstance(event.get("id"), str) or not event["id"]:
        raise EventError("field 'id': a non-empty string is required")
    for key, value in event.items():
        if key == "schema_version" or key == "type":
            continue
        spec = schema.get(key) if key != "id" else ((str,), True)
        if spec is None:
            shown = key if not isinstance(key, str) or len(key) <= ID_MAX else f"{key[:ID_MAX]}..."
            raise EventError(f"field {shown!r}: not an attribute of a {kind} event")
        types, _ = spec
        if value is None:  # unknown; a required attribute is checked below
            continue
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            names = " or ".join(t.__name__ for t in types if t is not type(None))
            raise EventError(f"field {key!r}: expected {names}, got {type(value).__name__}")
        problem = _problem(key, value)
        if problem:
            raise EventError(f"field {key!r}: {problem}")
        allowed = ENUMS.get(key)
        if allowed and value not in allowed:
            raise EventError(f"field {key!r}: {value!r} is not one of {', '.join(allowed)}")
    for key, (_, required) in schema.items():
        if required and event.get(key) is None:
            raise EventError(f"field {key!r}: required in a {kind} event")
    if kind in ENDS:
        _check_ends(event, *ENDS[kind])
    if kind == "run":
        _check_counts(event.get("vpt.run.counts") or {})
        _check_requests(event.get("vpt.run.quarantine_requests") or {})
    if kind == "metric":
        check_metric_name(event["vpt.metric.name"], "vpt.metric.name")
        check_tags(event.get("vpt.metric.tags") or {}, "vpt.metric.tags")
    if kind == "device":
        check_tags(event.get("vpt.device.tags") or {}, "vpt.device.tags")
    if kind == "device_sample":
        _check_values(event.get("vpt.device.values") or {})
    return event


def _problem(key: str, value: Any) -> str | None:
    """What is wrong with a value of the right type, against the attribute's limits (None: nothing)."""
    if type(value) is str:
        limit = TEXT_LIMITS.get(key, TEXT_MAX)
        if "\x00" in value:
            return "contains a NUL character"
        return f"{len(value)} characters, at most {limit}" if len(value) > limit else None
    if type(value) is dict or type(value) is list:
        return container_problem(value, TEXT_LIMITS.get(key, TEXT_MAX))
    if type(value) is int and not INT_MIN <= value <= INT_MAX:
        return f"{value} is out of range ({INT_MIN} to {INT_MAX})"
    bound = RANGES.get(key)
    if bound is not None and not bound.holds(value):
        return f"{value!r} is out of range ({bound.text})"
    return None


def _check_ends(event: dict, start_key: str, end_key: str) -> None:
    start, end = event.get(start_key), event.get(end_key)
    if start is not None and end is not None and end < start:
        raise EventError(f"field {end_key!r}: {end!r} is before {start_key!r} ({start!r})")


def validate_batch(events: list[Any]) -> list[dict[str, Any]]:
    """Return ``events`` if every one follows the wire format, else raise the first wrong
    one's :class:`EventError`, with its ``index``."""
    if not plainly_valid(events):
        for index, event in enumerate(events):
            try:
                validate(event)
            except EventError as exc:
                exc.index = index
                raise
    return events


_ENVELOPE = ("schema_version", "type", "id")
_ONE_BY_ONE = ("run", "metric", "device", "device_sample")  # types with checks beyond types and values


def plainly_valid(events: list[Any]) -> bool:
    """Whether every event passes :func:`validate`, checked attribute by attribute across the
    batch (many times quicker for thousands of test events). False means: validate each
    event to learn which one is wrong and why."""
    if set(map(type, events)) - {dict}:
        return False
    groups: dict[str, list[dict]] = {}
    for event in events:
        kind = event.get("type")
        if type(kind) is not str or kind not in SCHEMAS:  # (a list there cannot even be grouped)
            return False
        groups.setdefault(kind, []).append(event)
    for kind, group in groups.items():
        schema = SCHEMAS[kind]
        if kind in _ONE_BY_ONE:
            try:
                for event in group:
                    validate(event)
            except EventError:
                return False
            continue
        names = set().union(*group)
        if names - schema.keys() - set(_ENVELOPE) or not _plain_envelope(group):
            return False
        for name, (types, required) in schema.items():
            values = [event.get(name) for event in group] if name in names else None
            if values is None:
                if required:
                    return False
                continue
            if not plain_values(name, values, types, required):
                return False
        if kind in ENDS and not _plain_ends(group, *ENDS[kind], names):
            return False
    return True


def _plain_envelope(group: list[dict]) -> bool:
    ids, versions = [event.get("id") for event in group], [event.get("schema_version") for event in group]
    return (set(map(type, versions)) == {int} and min(versions) == max(versions) == SCHEMA_VERSION
            and set(map(type, ids)) == {str} and "" not in ids and _plain_texts("id", ids))


def _plain_texts(name: str, texts: list[str]) -> bool:
    return "\x00" not in "".join(texts) and max(map(len, texts)) <= TEXT_LIMITS.get(name, TEXT_MAX)


def plain_values(name: str, values: list, types: tuple[type, ...], required: bool) -> bool:
    """Whether every value of the attribute ``name`` (one per event) is plainly valid: its types,
    texts, containers, ranges and enums checked for the whole column at once."""
    found = set(map(type, values))
    if found - set(types) - {type(None)} or (required and type(None) in found):
        return False
    if str in found and not _plain_texts(name, [value for value in values if type(value) is str]):
        return False
    if (dict in found or list in found) and not _plain_containers(name, values):
        return False
    if int in found:
        numbers = [value for value in values if type(value) is int]
        if min(numbers) < INT_MIN or max(numbers) > INT_MAX:
            return False
    bound = RANGES.get(name)
    if bound is not None and (int in found or float in found):
        numbers = [value for value in values if type(value) is int or type(value) is float]
        # NaN fails every comparison; a NaN or an infinity makes the sum not finite
        if not (bound.holds(min(numbers)) and bound.holds(max(numbers)) and math.isfinite(sum(numbers))):
            return False
    allowed = ENUMS.get(name)
    return not allowed or not ({*values} - {None}) - set(allowed)


def _plain_containers(name: str, values: list) -> bool:
    limit = TEXT_LIMITS.get(name, TEXT_MAX)
    containers = [value for value in values if type(value) is dict or type(value) is list]
    if {type(value) for value in containers} == {list}:  # lists of texts (markers) in one pass
        items = [item for value in containers for item in value]
        if (not items or set(map(type, items)) == {str}) and max(map(len, containers)) <= ITEMS_MAX:
            return not items or _plain_texts(name, items)
    return not any(container_problem(value, limit) for value in containers)


def _plain_ends(group: list[dict], start_key: str, end_key: str, names: set[str]) -> bool:
    if end_key not in names:
        return True
    ends = [math.inf if event.get(end_key) is None else event[end_key] for event in group]
    return not any(map(operator.gt, [event[start_key] for event in group], ends))


def _check_values(values: dict) -> None:
    for name, value in values.items():
        check_metric_name(name, "vpt.device.values")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not _VALUE.holds(value):
            raise EventError(f"field 'vpt.device.values': {name!r} must be a finite number from {_VALUE.text}, "
                             f"got {value!r}")


def _check_counts(counts: dict) -> None:
    for key, value in counts.items():
        if key not in RUN_COUNT_KEYS:
            raise EventError(f"field 'vpt.run.counts': unknown count {key!r} (known: {', '.join(RUN_COUNT_KEYS)})")
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= INT_MAX:
            raise EventError(f"field 'vpt.run.counts': {key!r} must be an integer from 0 to {INT_MAX}")


def _check_requests(requests: dict) -> None:
    for nodeid, request in requests.items():
        if not (isinstance(request, list) and len(request) == 2 and request[0] in ("list", "marker")
                and isinstance(request[1], str)):
            raise EventError(f"field 'vpt.run.quarantine_requests': {nodeid!r} must map to [\"list\" or \"marker\", "
                             f"reason], got {request!r}")


def _named(field: str | None) -> str:
    return f"field {field!r}: " if field else ""


def is_metric_name(name: object) -> bool:
    """Whether ``name`` is a valid metric name (or name of a device's probe value)."""
    return isinstance(name, str) and _METRIC_NAME.match(name) is not None


def check_metric_name(name: object, field: str | None = None) -> str:
    """Return ``name`` if it is a valid metric name, else raise :class:`EventError` (naming
    ``field``, the attribute that holds it, when given)."""
    if not is_metric_name(name):
        shown = name if not isinstance(name, str) or len(name) <= ID_MAX else f"{name[:ID_MAX]}..."
        raise EventError(
            f"{_named(field)}metric name {shown!r} is invalid: use letters, digits, '_', '.', ':' or '-', "
            f"start with a letter or '_', at most {ID_MAX} characters"
        )
    return name


def check_tags(tags: object, field: str | None = None) -> dict[str, str]:
    """Return ``tags`` if every key is a valid tag key and every value a string of at most
    TEXT_MAX characters, else raise :class:`EventError` (naming ``field`` when given)."""
    if not isinstance(tags, Mapping):
        raise EventError(f"{_named(field)}tags must be a mapping of strings, not {type(tags).__name__}")
    if len(tags) > ITEMS_MAX:
        raise EventError(f"{_named(field)}{len(tags)} tags, at most {ITEMS_MAX}")
    for key, value in tags.items():
        if not isinstance(key, str) or not _TAG_KEY.match(key):
            shown = key if not isinstance(key, str) or len(key) <= ID_MAX else f"{key[:ID_MAX]}..."
            raise EventError(f"{_named(field)}tag key {shown!r} is invalid: use letters, digits, '_', '.' or '-', "
                             "at most 100 characters")
        if not isinstance(value, str):
            raise EventError(f"{_named(field)}tag {key!r}: values are strings, got {type(value).__name__}")
        if len(value) > TEXT_MAX:
            raise EventError(f"{_named(field)}tag {key!r}: {len(value)} characters, at most {TEXT_MAX}")
    return dict(tags)
