"""The wire format: the event types every producer emits and every sink accepts.

An event is a flat JSON object. Attribute names follow the OpenTelemetry semantic
conventions where one exists (``test.case.name``, ``cicd.pipeline.run.id``,
``vcs.ref.head.revision``) and use ``vpt.*`` names for what OpenTelemetry lacks.
Every event carries ``schema_version``, ``type`` and a stable ``id``: sending the same
event twice stores it once.

Every value is bounded (a violation is an :class:`EventError` naming the field and its limit):

=========================================================  ===================================
attribute                                                   limit
=========================================================  ===================================
times (``*started_at``, ``*finished_at``, ``metric.time``,  finite, ``TIME_MIN`` (1970-01-01) to
``sample.time``, ``incident.start``/``end``, ``seen_at``)   ``TIME_MAX`` (2100-01-01 UTC); an end
                                                            is not before its start
durations (``duration.*``, ``incident.duration``, device    finite, 0 to ``DURATION_MAX`` (366
``interval``/``timeout``/``grace``/``response_time``)       days); an interval above 0
``metric.value``, device probe values                       finite, ``-VALUE_MAX`` to ``VALUE_MAX``
whole numbers (attempts, counts, lines, exit statuses)      ``INT_MIN`` to ``INT_MAX`` (32 bits)
ids (``id``, run, project, device, worker, kinds)           ``ID_MAX`` characters
node id, parametrization id, function name                  ``NODE_ID_MAX`` characters
``exception.message``                                       ``MESSAGE_MAX`` characters
other texts (paths, URLs, labels, markers, errors)          ``TEXT_MAX`` characters
lists and objects (labels, markers, tags, values, counts,   ``DEPTH_MAX`` levels deep,
quarantine requests)                                        ``ITEMS_MAX`` items or keys each
=========================================================  ===================================
"""

from __future__ import annotations

import hashlib
import math
import operator
import re
import uuid
from collections.abc import Mapping
from typing import Any, NamedTuple

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
#: times are epoch seconds (UTC) from 1970-01-01 to 2100-01-01
TIME_MIN, TIME_MAX = 0.0, 4_102_444_800.0
#: durations are seconds, at most 366 days
DURATION_MAX = 31_622_400.0
#: metric values and device probe values, either sign
VALUE_MAX = 1e15
#: characters in an id (the store keys rows by them), a node id (long parametrizations), an
#: exception's message, and any other text
ID_MAX, NODE_ID_MAX, MESSAGE_MAX, TEXT_MAX = 200, 16_384, 65_536, 4_096
#: levels of lists and objects in an attribute, and items (or keys) in each
DEPTH_MAX, ITEMS_MAX = 8, 256

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


class Range(NamedTuple):
    """The numbers an attribute accepts, and how its error says so."""

    low: float
    high: float
    text: str
    low_excluded: bool = False

    def holds(self, value: float) -> bool:
        """Whether ``value`` is in the range (never for NaN)."""
        return (self.low < value if self.low_excluded else self.low <= value) and value <= self.high


_TIME = Range(TIME_MIN, TIME_MAX, f"{TIME_MIN:.0f} to {TIME_MAX:.0f} seconds, 1970-01-01 to 2100-01-01 UTC")
_DURATION = Range(0.0, DURATION_MAX, f"0 to {DURATION_MAX:.0f} seconds")
#: attribute -> the numbers it accepts
RANGES: dict[str, Range] = {
    **dict.fromkeys((
        "vpt.run.started_at", "vpt.run.finished_at", "vpt.test.started_at", "vpt.test.finished_at",
        "vpt.metric.time", "vpt.sample.time", "vpt.incident.start", "vpt.incident.end", "vpt.device.seen_at",
    ), _TIME),
    **dict.fromkeys((
        "vpt.test.duration.setup", "vpt.test.duration.call", "vpt.test.duration.teardown", "vpt.incident.duration",
        "vpt.device.timeout", "vpt.device.grace", "vpt.device.response_time",
    ), _DURATION),
    "vpt.device.interval": Range(0.0, DURATION_MAX, f"above 0 to {DURATION_MAX:.0f} seconds", low_excluded=True),
    "vpt.metric.value": Range(-VALUE_MAX, VALUE_MAX, f"{-VALUE_MAX:g} to {VALUE_MAX:g}"),
}
_VALUE = RANGES["vpt.metric.value"]
#: event type -> (start, end): an end is not before its start
ENDS = {
    "run": ("vpt.run.started_at", "vpt.run.finished_at"),
    "test": ("vpt.test.started_at", "vpt.test.finished_at"),
    "incident": ("vpt.incident.start", "vpt.incident.end"),
}
#: attribute -> the characters each of its texts may have (TEXT_MAX for any other)
TEXT_LIMITS: dict[str, int] = {
    **dict.fromkeys((
        "id", "vpt.run.id", "vpt.project", "vpt.device.id", "vpt.worker.id", "vpt.device.kind", "vpt.incident.kind",
    ), ID_MAX),
    **dict.fromkeys((
        "test.case.name", "vpt.test.params", "code.function.name", "vpt.run.quarantine_requests",
    ), NODE_ID_MAX),
    "exception.message": MESSAGE_MAX,
}


class EventError(ValueError):
    """An event that does not follow the wire format; the message names the field.
    Raised by :func:`validate_batch`, ``index`` is the wrong event's place in the batch."""

    index: int | None = None


def event_id(*parts: object) -> str:
    """A stable id from the parts that identify an event (the same parts, the same id)."""
    return str(uuid.uuid5(_ID_NAMESPACE, "\x1f".join(map(str, parts))))


def make_event(kind: str, ident: str, attributes: Mapping[str, Any]) -> dict[str, Any]:
    """Build an event of type ``kind`` with id ``ident`` (a ``None`` attribute means unknown)."""
    return {"schema_version": SCHEMA_VERSION, "type": kind, "id": ident, **attributes}


def cut_text(text: str | None, limit: int) -> str | None:
    """``text`` if it has at most ``limit`` characters, else its head and how much was cut:
    ``"... [1234 characters cut]"``, ``limit`` characters in all."""
    if text is None or len(text) <= limit:
        return text
    kept = limit - len(f"... [{len(text)} characters cut]")
    return f"{text[:kept]}... [{len(text) - kept} characters cut]"


def fit_node_id(nodeid: str) -> str:
    """A node id of at most NODE_ID_MAX characters: a longer one (a parametrization of over 16,000
    characters) keeps its head and gains a hash of the whole, so the same test keeps one id."""
    if len(nodeid) <= NODE_ID_MAX:
        return nodeid
    digest = hashlib.sha256(nodeid.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    tail = f"... [{len(nodeid)} characters, sha256 {digest}]"
    return nodeid[:NODE_ID_MAX - len(tail)] + tail


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
        spec = schema.get(key) if key != "id" else (_TEXT, True)
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
        allowed = _ENUMS.get(key)
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


def container_problem(value: Any, text_max: int = TEXT_MAX) -> str | None:
    """What makes a JSON value too big to store: too deep (more than DEPTH_MAX levels), a list
    or object of more than ITEMS_MAX items, a text longer than ``text_max`` or holding a NUL,
    a number that is not finite, anything JSON cannot hold. Walked without recursion."""
    pending: list[tuple[Any, int, Any]] = [(value, 1, None)]  # (item, its depth, its key in an object)
    while pending:
        item, depth, key = pending.pop()
        kind = type(item)
        if kind is str:
            if "\x00" in item:
                return "contains a NUL character"
            if len(item) > text_max:
                return f"holds a text of {len(item)} characters, at most {text_max}"
        elif kind is dict or kind is list:
            if depth > DEPTH_MAX:
                return f"nested more than {DEPTH_MAX} levels deep"
            if len(item) > ITEMS_MAX:
                return f"{'an object of' if kind is dict else 'a list of'} {len(item)} items, at most {ITEMS_MAX}"
            if kind is dict:
                odd = [name for name in item if type(name) is not str]
                if odd:
                    return f"keys are strings, got {type(odd[0]).__name__}"
                pending.extend((name, depth, None) for name in item)
                pending.extend((child, depth + 1, name) for name, child in item.items())
            else:
                pending.extend((child, depth + 1, None) for child in item)
        elif kind is float:
            if not math.isfinite(item):
                return f"{'a number' if key is None else repr(key)} must be a finite number, got {item!r}"
        elif kind is not int and kind is not bool and item is not None:
            return f"holds a {kind.__name__}, not a JSON value"
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
            if not _plain_values(name, values, types, required):
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


def _plain_values(name: str, values: list, types: tuple[type, ...], required: bool) -> bool:
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
    allowed = _ENUMS.get(name)
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


def check_metric_name(name: object, field: str | None = None) -> str:
    """Return ``name`` if it is a valid metric name, else raise :class:`EventError` (naming
    ``field``, the attribute that holds it, when given)."""
    if not isinstance(name, str) or not _METRIC_NAME.match(name):
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
