"""The wire format: the event types every producer emits and every sink accepts.

An event is a flat JSON object. Attribute names follow the OpenTelemetry semantic
conventions where one exists (``test.case.name``, ``cicd.pipeline.run.id``,
``vcs.ref.head.revision``) and use ``vpt.*`` names for what OpenTelemetry lacks.
Every event carries ``schema_version``, ``type`` and a stable ``id``: sending the same
event twice stores it once.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Mapping
from typing import Any

SCHEMA_VERSION = 1

#: Outcomes of one test attempt, as pytest names its report categories.
OUTCOMES = ("passed", "failed", "error", "skipped", "xfailed", "xpassed", "rerun")
#: Counts a run event may carry: tests with a final outcome, then pytest's totals (where
#: "quarantined" counts the failures that --vpt-quarantine made non-blocking).
RUN_COUNT_KEYS = ("tests", *OUTCOMES, "quarantined")
RUN_STATUSES = ("running", "finished", "interrupted")
METRIC_KINDS = ("gauge", "counter", "timer")
SEVERITIES = ("minor", "major", "critical")
#: whole numbers (attempts, counts, line numbers, exit statuses) are stored as 32-bit integers
INT_MIN, INT_MAX = -(2**31), 2**31 - 1

_ID_NAMESPACE = uuid.UUID("5f0e7a53-76d1-4b8e-9a6c-2a8f3c1d9b47")
_METRIC_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.:-]{0,199}\Z")
_TAG_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,99}\Z")

_NUMBER = (int, float)
_TEXT = (str,)
_OPT_TEXT = (str, type(None))
_OPT_NUMBER = (int, float, type(None))
_OPT_INT = (int, type(None))

# The run's context: CI provider, pipeline, commit, host (see pytest_vpt.context).
CONTEXT_KEYS = (
    "vpt.ci.provider",
    "cicd.pipeline.name",
    "cicd.pipeline.run.id",
    "cicd.pipeline.run.url.full",
    "cicd.pipeline.task.name",
    "cicd.pipeline.task.run.id",
    "vcs.repository.url.full",
    "vcs.ref.head.revision",
    "vcs.ref.head.name",
    "vcs.change.id",
    "vpt.vcs.dirty",
    "host.name",
    "process.runtime.version",
    "vpt.pytest.version",
    "vpt.version",
)

#: For each event type: attribute -> (accepted types, required).
SCHEMAS: dict[str, dict[str, tuple[tuple[type, ...], bool]]] = {
    "run": {
        "vpt.run.id": (_TEXT, True),
        "vpt.project": (_TEXT, True),
        "vpt.run.status": (_TEXT, True),
        "vpt.run.started_at": (_NUMBER, True),
        "vpt.run.finished_at": (_OPT_NUMBER, False),
        "vpt.run.exit_status": (_OPT_INT, False),
        "vpt.run.counts": ((dict,), False),
        "vpt.run.labels": ((dict,), False),
        # node id -> [source, reason]: the tests a list file ("list") or a marker ("marker")
        # asks to quarantine, for a service that folds the finished run into the quarantine
        "vpt.run.quarantine_requests": ((dict,), False),
        **{key: (_OPT_TEXT, False) for key in CONTEXT_KEYS},
    },
    "test": {
        "vpt.run.id": (_TEXT, True),
        "vpt.project": (_TEXT, True),
        "test.case.name": (_TEXT, True),
        "test.suite.name": (_OPT_TEXT, False),
        "code.file.path": (_OPT_TEXT, False),
        "code.function.name": (_OPT_TEXT, False),
        "code.line.number": (_OPT_INT, False),
        "vpt.test.params": (_OPT_TEXT, False),
        "vpt.test.markers": ((list,), False),
        "vpt.test.outcome": (_TEXT, True),
        "vpt.test.attempt": ((int,), True),
        "vpt.test.final": ((bool,), True),
        "vpt.test.started_at": (_NUMBER, True),
        "vpt.test.finished_at": (_OPT_NUMBER, False),
        "vpt.test.duration.setup": (_OPT_NUMBER, False),
        "vpt.test.duration.call": (_OPT_NUMBER, False),
        "vpt.test.duration.teardown": (_OPT_NUMBER, False),
        "error.type": (_OPT_TEXT, False),
        "exception.message": (_OPT_TEXT, False),
        "vpt.worker.id": (_OPT_TEXT, False),
        "vpt.worker.seq": (_OPT_INT, False),
        "vpt.device.id": (_OPT_TEXT, False),
        "vpt.test.quarantined": ((bool, type(None)), False),
        "vpt.device.offline": ((bool, type(None)), False),
        "vpt.device.error": (_OPT_TEXT, False),
    },
    "metric": {
        "vpt.project": (_TEXT, True),
        "vpt.run.id": (_OPT_TEXT, False),
        "test.case.name": (_OPT_TEXT, False),
        "vpt.test.attempt": (_OPT_INT, False),
        "vpt.metric.name": (_TEXT, True),
        "vpt.metric.value": (_NUMBER, True),
        "vpt.metric.kind": (_TEXT, True),
        "vpt.metric.unit": (_OPT_TEXT, False),
        "vpt.metric.tags": ((dict,), False),
        "vpt.metric.time": (_NUMBER, True),
    },
    # A registered device, as the sampler that probes it knows it.
    "device": {
        "vpt.project": (_TEXT, True),
        "vpt.device.id": (_TEXT, True),
        "vpt.device.kind": (_TEXT, True),
        "vpt.device.tags": ((dict,), False),
        "vpt.device.probe": (_TEXT, True),
        "vpt.device.interval": (_NUMBER, True),
        "vpt.device.timeout": (_NUMBER, True),
        "vpt.device.grace": (_NUMBER, True),
        "vpt.device.seen_at": (_NUMBER, True),
    },
    # A video incident (black screen, freeze, a stream lost): from its first frame to the
    # first frame without it (end None: still going), in epoch seconds.
    "incident": {
        "vpt.project": (_TEXT, True),
        "vpt.incident.kind": (_TEXT, True),
        "vpt.incident.source": (_TEXT, True),
        "vpt.incident.start": (_NUMBER, True),
        "vpt.incident.end": (_OPT_NUMBER, False),
        "vpt.incident.duration": (_NUMBER, True),
        "vpt.incident.severity": (_TEXT, True),
        "vpt.incident.start_frame": (_OPT_INT, False),
        "vpt.incident.end_frame": (_OPT_INT, False),
        "vpt.incident.thumbnail": (_OPT_TEXT, False),
        "vpt.run.id": (_OPT_TEXT, False),
        "test.case.name": (_OPT_TEXT, False),
    },
    # One probe of a device: online or not, how long it took, the error, numbers it reported.
    "device_sample": {
        "vpt.project": (_TEXT, True),
        "vpt.device.id": (_TEXT, True),
        "vpt.run.id": (_OPT_TEXT, False),
        "vpt.sample.time": (_NUMBER, True),
        "vpt.device.online": ((bool,), True),
        "vpt.device.response_time": (_OPT_NUMBER, False),
        "vpt.device.error": (_OPT_TEXT, False),
        "vpt.device.interval": (_NUMBER, True),
        "vpt.device.values": ((dict,), False),
    },
}

_ENUMS = {
    "vpt.run.status": RUN_STATUSES,
    "vpt.test.outcome": OUTCOMES,
    "vpt.metric.kind": METRIC_KINDS,
    "vpt.incident.severity": SEVERITIES,
}


class EventError(ValueError):
    """An event that does not follow the wire format; the message names the field."""


def event_id(*parts: object) -> str:
    """A stable id from the parts that identify an event (the same parts, the same id)."""
    return str(uuid.uuid5(_ID_NAMESPACE, "\x1f".join(map(str, parts))))


def make_event(kind: str, ident: str, attributes: Mapping[str, Any]) -> dict[str, Any]:
    """Build an event of type ``kind`` with id ``ident`` (a ``None`` attribute means unknown)."""
    return {"schema_version": SCHEMA_VERSION, "type": kind, "id": ident, **attributes}


def validate(event: Any) -> dict[str, Any]:
    """Return ``event`` if it follows the wire format, else raise :class:`EventError`."""
    if not isinstance(event, dict):
        raise EventError(f"an event must be a JSON object, not {type(event).__name__}")
    kind = event.get("type")
    schema = SCHEMAS.get(kind) if isinstance(kind, str) else None
    if schema is None:
        raise EventError(f"field 'type': unknown event type {kind!r} (known: {', '.join(SCHEMAS)})")
    if event.get("schema_version") != SCHEMA_VERSION:
        raise EventError(f"field 'schema_version': expected {SCHEMA_VERSION}, got {event.get('schema_version')!r}")
    if not isinstance(event.get("id"), str) or not event["id"]:
        raise EventError("field 'id': a non-empty string is required")
    for key, value in event.items():
        if key in ("schema_version", "type", "id"):
            continue
        spec = schema.get(key)
        if spec is None:
            raise EventError(f"field {key!r}: not an attribute of a {kind} event")
        types, _ = spec
        if value is None:  # unknown; a required attribute is checked below
            continue
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            names = " or ".join(t.__name__ for t in types if t is not type(None))
            raise EventError(f"field {key!r}: expected {names}, got {type(value).__name__}")
        if _has_nul(value):
            raise EventError(f"field {key!r}: contains a NUL character")
        if type(value) is int and not INT_MIN <= value <= INT_MAX:
            raise EventError(f"field {key!r}: {value} is out of range ({INT_MIN} to {INT_MAX})")
        allowed = _ENUMS.get(key)
        if allowed and value not in allowed:
            raise EventError(f"field {key!r}: {value!r} is not one of {', '.join(allowed)}")
    for key, (_, required) in schema.items():
        if required and event.get(key) is None:
            raise EventError(f"field {key!r}: required in a {kind} event")
    if kind == "run":
        _check_counts(event.get("vpt.run.counts") or {})
        _check_requests(event.get("vpt.run.quarantine_requests") or {})
    if kind == "metric":
        check_metric_name(event["vpt.metric.name"])
        check_tags(event.get("vpt.metric.tags") or {})
    if kind == "device":
        check_tags(event.get("vpt.device.tags") or {})
    if kind in ("device", "device_sample"):
        _check_device(event)
    return event


_ENVELOPE = ("schema_version", "type", "id")
_ONE_BY_ONE = ("run", "metric", "device", "device_sample")  # types with checks beyond types and values


def plainly_valid(events: list[Any]) -> bool:
    """Whether every event passes :func:`validate`, checked attribute by attribute across the
    batch (many times quicker for thousands of test events). False means: validate each
    event to learn which one is wrong and why."""
    if set(map(type, events)) - {dict}:
        return False
    groups: dict[Any, list[dict]] = {}
    for event in events:
        groups.setdefault(event.get("type"), []).append(event)
    for kind, group in groups.items():
        schema = SCHEMAS.get(kind) if isinstance(kind, str) else None
        if schema is None:
            return False
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
            if not _plain_values(name, values, types, required):
                return False
    return True


def _plain_envelope(group: list[dict]) -> bool:
    ids = [event.get("id") for event in group]
    return ({event.get("schema_version") for event in group} == {SCHEMA_VERSION}
            and set(map(type, ids)) == {str} and "" not in ids)


def _plain_values(name: str, values: list, types: tuple[type, ...], required: bool) -> bool:
    found = set(map(type, values))
    if found - set(types) - {type(None)} or (required and type(None) in found):
        return False
    if str in found and "\x00" in "".join([value for value in values if type(value) is str]):
        return False
    if (dict in found or list in found) and any(map(_has_nul, values)):
        return False
    if int in found:
        numbers = [value for value in values if type(value) is int]
        if min(numbers) < INT_MIN or max(numbers) > INT_MAX:
            return False
    allowed = _ENUMS.get(name)
    return not allowed or not ({*values} - {None}) - set(allowed)


def _has_nul(value: Any) -> bool:
    """Whether a text in ``value`` holds a NUL character (no database stores one in text)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


def _check_device(event: dict) -> None:
    for key in ("vpt.device.interval", "vpt.device.timeout", "vpt.device.grace", "vpt.device.response_time"):
        value = event.get(key)
        if value is None:
            continue
        if not 0 <= value < math.inf or (key == "vpt.device.interval" and value == 0):
            raise EventError(f"field {key!r}: expected a finite number of seconds{' above 0' if key.endswith('interval') else ''}, got {value!r}")
    for name, value in (event.get("vpt.device.values") or {}).items():
        check_metric_name(name)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise EventError(f"field 'vpt.device.values': {name!r} must be a finite number, got {value!r}")


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


def check_metric_name(name: object) -> str:
    """Return ``name`` if it is a valid metric name, else raise :class:`EventError`."""
    if not isinstance(name, str) or not _METRIC_NAME.match(name):
        raise EventError(
            f"metric name {name!r} is invalid: use letters, digits, '_', '.', ':' or '-', "
            "start with a letter or '_', at most 200 characters"
        )
    return name


def check_tags(tags: object) -> dict[str, str]:
    """Return ``tags`` if every key is a valid tag key and every value a string."""
    if not isinstance(tags, Mapping):
        raise EventError(f"tags must be a mapping of strings, not {type(tags).__name__}")
    for key, value in tags.items():
        if not isinstance(key, str) or not _TAG_KEY.match(key):
            raise EventError(f"tag key {key!r} is invalid: use letters, digits, '_', '.' or '-'")
        if not isinstance(value, str):
            raise EventError(f"tag {key!r}: values are strings, got {type(value).__name__}")
    return dict(tags)
