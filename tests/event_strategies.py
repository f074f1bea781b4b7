"""Hypothesis strategies for the wire format: valid events of every type, batches of them,
the ways a careless or hostile client gets them wrong, and URLs that carry credentials.

Ids come from small pools per prefix, so a batch often holds the same id twice with other
fields, and two projects drawn with one prefix share run, test, device and incident ids.
"""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import quote, urlencode

from hypothesis import strategies as st

from pytest_vpt.events import (
    CONTEXT_KEYS, ENDS, INT_MAX, INT_MIN, METRIC_KINDS, OUTCOMES, RUN_COUNT_KEYS, RUN_STATUSES, SCHEMAS, SEVERITIES,
    make_event,
)

#: The wire format's documented limits; generated valid events stay well inside them.
LATEST = 4_102_444_800.0
MAX_DURATION = 31_622_400.0
MAX_METRIC = 1e15
MAX_ID = 200

#: Strings that have broken parsers, drivers and terminals before.
ODD_TEXTS = (
    "\u202eevil.exe", "\u05e9\u05dc\u05d5\u05dd", "🎬📺🔥", "e\u0301", "\u200b", "\ufeffbom", "\u2028line", "日本語",
    "'; DROP TABLE runs; --", "%s %(x)s ? :name", "\\", '"', "\t\n\r", "\x1b[31mred", "NULL", "",
)
_TEXT_CHARS = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")


def texts(max_size: int = 20) -> st.SearchStrategy[str]:
    """Any text a database stores: odd scripts and controls, no NUL, no lone surrogate."""
    return st.text(_TEXT_CHARS, max_size=max_size) | st.sampled_from(ODD_TEXTS)


def pooled(prefix: str, kind: str) -> st.SearchStrategy[str]:
    """One of a few ids of ``kind`` for ``prefix``: batches with the same prefix share them."""
    return st.sampled_from([f"{prefix}{kind}0", f"{prefix}{kind}1", f"{prefix}{kind}-é🎬'\u202e"])


def nodeids(prefix: str) -> st.SearchStrategy[str]:
    """A few node ids, one of them a parametrization thousands of characters long."""
    return st.sampled_from([f"tests/test_{prefix}.py::test_a", f"tests/test_{prefix}.py::test_b[é-🎬]",
                            f"tests/test_{prefix}.py::test_long[{'p' * 5000}]"])


def starts() -> st.SearchStrategy[float]:
    """A start time: mostly recent, anywhere from 1970 until well before the latest."""
    return st.floats(1.6e9, 1.9e9) | st.floats(0, LATEST - 2 * MAX_DURATION)


def durations() -> st.SearchStrategy[float]:
    return st.floats(0, MAX_DURATION)


def json_values(depth: int = 3) -> st.SearchStrategy[Any]:
    """JSON-safe values nested at most ``depth`` levels."""
    scalars = (st.none() | st.booleans() | st.integers(-1000, 1000) | st.floats(-1e6, 1e6, allow_nan=False)
               | texts())
    if depth <= 1:
        return scalars
    inner = json_values(depth - 1)
    return scalars | st.lists(inner, max_size=3) | st.dictionaries(texts(10), inner, max_size=3)


def _optional(draw: st.DrawFn, attributes: dict[str, st.SearchStrategy]) -> dict[str, Any]:
    """Some of ``attributes``, each drawn from its strategy."""
    chosen = draw(st.sets(st.sampled_from(sorted(attributes)))) if attributes else set()
    return {key: draw(attributes[key]) for key in sorted(chosen)}


_METRIC_NAMES = st.from_regex(r"[A-Za-z_][A-Za-z0-9_.:-]{0,30}", fullmatch=True)
_TAGS = st.dictionaries(st.from_regex(r"[A-Za-z_][A-Za-z0-9_.-]{0,20}", fullmatch=True), texts(), max_size=4)
_INT32 = st.integers(INT_MIN, INT_MAX)


@st.composite
def run_events(draw: st.DrawFn, project: str, prefix: str) -> dict:
    started = draw(starts())
    return make_event("run", draw(pooled(prefix, "run-event")), {
        "vpt.run.id": draw(pooled(prefix, "run")), "vpt.project": project,
        "vpt.run.status": draw(st.sampled_from(RUN_STATUSES)), "vpt.run.started_at": started,
        **_optional(draw, {
            "vpt.run.finished_at": st.none() | durations().map(lambda d: started + d),
            "vpt.run.exit_status": st.none() | st.integers(0, 5),
            "vpt.run.counts": st.dictionaries(st.sampled_from(RUN_COUNT_KEYS), st.integers(0, INT_MAX), max_size=4),
            "vpt.run.labels": st.dictionaries(texts(10), json_values(), max_size=4),
            **{key: st.none() | texts() for key in CONTEXT_KEYS},
        }),
    })


@st.composite
def test_events(draw: st.DrawFn, project: str, prefix: str) -> dict:
    run_id, started = draw(pooled(prefix, "run")), draw(starts())
    return make_event("test", f"{run_id}/{draw(pooled(prefix, 'attempt'))}", {
        "vpt.run.id": run_id, "vpt.project": project, "test.case.name": draw(nodeids(prefix)),
        "vpt.test.outcome": draw(st.sampled_from(OUTCOMES)), "vpt.test.attempt": draw(st.integers(1, 3)),
        "vpt.test.final": draw(st.booleans()), "vpt.test.started_at": started,
        **_optional(draw, {
            "vpt.test.finished_at": st.none() | durations().map(lambda d: started + d),
            **{f"vpt.test.duration.{phase}": st.none() | durations() for phase in ("setup", "call", "teardown")},
            "test.suite.name": texts(), "code.file.path": texts(), "code.function.name": texts(),
            "code.line.number": st.none() | st.integers(0, INT_MAX), "vpt.test.params": texts(),
            "vpt.test.markers": st.lists(json_values(), max_size=4), "error.type": texts(),
            "exception.message": texts(200) | st.text(_TEXT_CHARS, min_size=5000, max_size=6000),
            "vpt.worker.id": texts(), "vpt.worker.seq": st.none() | st.integers(0, INT_MAX),
            "vpt.device.id": st.none() | pooled(prefix, "device"), "vpt.test.quarantined": st.none() | st.booleans(),
            "vpt.device.offline": st.none() | st.booleans(), "vpt.device.error": st.none() | texts(),
        }),
    })


@st.composite
def metric_events(draw: st.DrawFn, project: str, prefix: str) -> dict:
    return make_event("metric", draw(pooled(prefix, "metric")), {
        "vpt.project": project, "vpt.metric.name": draw(_METRIC_NAMES),
        "vpt.metric.value": draw(st.floats(-MAX_METRIC, MAX_METRIC) | _INT32),
        "vpt.metric.kind": draw(st.sampled_from(METRIC_KINDS)), "vpt.metric.time": draw(starts()),
        **_optional(draw, {
            "vpt.run.id": st.none() | pooled(prefix, "run"), "test.case.name": st.none() | nodeids(prefix),
            "vpt.test.attempt": st.none() | st.integers(1, 3), "vpt.metric.unit": st.none() | texts(),
            "vpt.metric.tags": _TAGS,
        }),
    })


@st.composite
def device_events(draw: st.DrawFn, project: str, prefix: str) -> dict:
    return make_event("device", draw(pooled(prefix, "device-event")), {
        "vpt.project": project, "vpt.device.id": draw(pooled(prefix, "device")), "vpt.device.kind": draw(texts()),
        "vpt.device.probe": draw(texts()), "vpt.device.interval": draw(st.floats(0.1, 3600)),
        "vpt.device.timeout": draw(st.floats(0, 3600)), "vpt.device.grace": draw(st.floats(0, 86400)),
        "vpt.device.seen_at": draw(starts()),
        **_optional(draw, {"vpt.device.tags": _TAGS}),
    })


@st.composite
def device_sample_events(draw: st.DrawFn, project: str, prefix: str) -> dict:
    return make_event("device_sample", draw(pooled(prefix, "sample")), {
        "vpt.project": project, "vpt.device.id": draw(pooled(prefix, "device")), "vpt.sample.time": draw(starts()),
        "vpt.device.online": draw(st.booleans()), "vpt.device.interval": draw(st.floats(0.1, 3600)),
        **_optional(draw, {
            "vpt.run.id": st.none() | pooled(prefix, "run"),
            "vpt.device.response_time": st.none() | st.floats(0, 3600),
            "vpt.device.error": st.none() | texts(),
            "vpt.device.values": st.dictionaries(_METRIC_NAMES, st.floats(-MAX_METRIC, MAX_METRIC), max_size=4),
        }),
    })


@st.composite
def incident_events(draw: st.DrawFn, project: str, prefix: str) -> dict:
    start, duration = draw(starts()), draw(durations())
    return make_event("incident", draw(pooled(prefix, "incident")), {
        "vpt.project": project, "vpt.incident.kind": draw(st.sampled_from(["black_screen", "freeze"]) | texts()),
        "vpt.incident.source": draw(texts()), "vpt.incident.start": start,
        "vpt.incident.end": draw(st.none() | st.just(start + duration)), "vpt.incident.duration": duration,
        "vpt.incident.severity": draw(st.sampled_from(SEVERITIES)),
        **_optional(draw, {
            "vpt.incident.start_frame": st.none() | st.integers(0, INT_MAX),
            "vpt.incident.end_frame": st.none() | st.integers(0, INT_MAX),
            "vpt.incident.thumbnail": st.none() | texts(), "vpt.run.id": st.none() | pooled(prefix, "run"),
            "test.case.name": st.none() | nodeids(prefix),
        }),
    })


BUILDERS = {"run": run_events, "test": test_events, "metric": metric_events, "device": device_events,
            "device_sample": device_sample_events, "incident": incident_events}


def events(project: str, prefix: str) -> st.SearchStrategy[dict]:
    """A valid event of any type."""
    return st.one_of(*(build(project, prefix) for build in BUILDERS.values()))


def batches(project: str, prefix: str, max_size: int = 6) -> st.SearchStrategy[list[dict]]:
    return st.lists(events(project, prefix), min_size=1, max_size=max_size)


#: What may change when an event is sent again with the same id: all but what identifies it.
REDRAWN = {
    "run": ("vpt.run.status", "vpt.run.started_at", "vpt.run.finished_at", "vpt.run.exit_status", "vpt.run.counts",
            "vpt.run.labels", "host.name"),
    "test": ("vpt.test.outcome", "vpt.test.final", "vpt.test.started_at", "vpt.test.finished_at",
             "vpt.test.duration.call", "exception.message", "vpt.test.markers"),
    "metric": ("vpt.metric.value", "vpt.metric.time", "vpt.metric.unit", "vpt.metric.tags"),
    "device": ("vpt.device.kind", "vpt.device.interval", "vpt.device.seen_at", "vpt.device.tags"),
    "device_sample": ("vpt.device.online", "vpt.device.response_time", "vpt.device.error"),
    "incident": ("vpt.incident.start", "vpt.incident.end", "vpt.incident.duration", "vpt.incident.severity"),
}


@st.composite
def sent_again(draw: st.DrawFn, event: dict, prefix: str) -> dict:
    """``event`` with its id and identity, and other values for some of its other fields."""
    other = draw(BUILDERS[event["type"]](event["vpt.project"], prefix))
    fields = draw(st.sets(st.sampled_from(REDRAWN[event["type"]]), min_size=1))
    ends = ENDS.get(event["type"], ())
    if fields & set(ends):  # a start and its end come from one draw: an end is not before its start
        fields |= set(ends)
    return {**event, **{key: other.get(key) for key in fields}}


# -- what clients get wrong ------------------------------------------------------------------

def nested(depth: int) -> Any:
    value: Any = "deep"
    for level in range(depth):
        value = [value] if level % 2 else {"k": value}
    return value


_NUMBERS = {key for schema in SCHEMAS.values() for key, (types, _) in schema.items() if float in types}
_TEXTS = {key for schema in SCHEMAS.values() for key, (types, _) in schema.items() if str in types}
_TIMES = {"vpt.run.started_at", "vpt.run.finished_at", "vpt.test.started_at", "vpt.test.finished_at",
          "vpt.metric.time", "vpt.device.seen_at", "vpt.sample.time", "vpt.incident.start", "vpt.incident.end"}
_DURATIONS = {"vpt.test.duration.setup", "vpt.test.duration.call", "vpt.test.duration.teardown",
              "vpt.incident.duration", "vpt.device.interval", "vpt.device.timeout", "vpt.device.grace",
              "vpt.device.response_time"}
#: the attributes holding nested JSON values, and those holding a mapping of many keys
_NESTED = {"vpt.run.labels", "vpt.test.markers"}
_KEYED = {"vpt.run.labels", "vpt.metric.tags", "vpt.device.tags", "vpt.device.values"}
_BAD_NUMBERS = (1.7e308, -1.7e308, math.nan, math.inf, -math.inf, LATEST * 2, -1.0)


def _far_out(key: str) -> tuple[float, ...]:
    """Values of number attribute ``key`` that every documented limit refuses."""
    if key in _TIMES:
        return (1e308, -1.0, math.nan, math.inf, LATEST * 2)
    if key in _DURATIONS:
        return (1.7e308, -1.0, math.nan, math.inf, MAX_DURATION * 2)
    return (1e16, -1e16, 1e308, math.nan, math.inf, -math.inf)  # vpt.metric.value


def _many_keys(key: str) -> dict:
    if key == "vpt.device.values":
        return {f"m{i}": float(i) for i in range(300)}
    return {f"k{i}": str(i) for i in range(300)}


@st.composite
def limit_violations(draw: st.DrawFn) -> tuple[dict, str]:
    """A valid event with one field beyond a documented limit, and that field's name."""
    event = draw(events("p", "v-"))
    kind = event["type"]
    choices = [key for key in SCHEMAS[kind] if key in _NUMBERS] + [key for key in SCHEMAS[kind] if key in _TEXTS]
    choices += [key for key in SCHEMAS[kind] if key in _NESTED | _KEYED] + ["id"]
    key = draw(st.sampled_from(choices))
    if key == "id":
        value: Any = draw(st.integers(MAX_ID + 1, 1000).map(lambda n: "i" * n))
    elif key in _NUMBERS:
        value = draw(st.sampled_from(_far_out(key)))
    elif key in _TEXTS:
        value = draw(st.sampled_from(["x" * 70_000, "nul\x00inside"]))
    elif key in _NESTED and key in _KEYED:  # labels: a mapping
        value = draw(st.sampled_from([{"deep": nested(12)}, {"deep": nested(400)}, _many_keys(key)]))
    elif key in _NESTED:  # markers: a list
        value = draw(st.sampled_from([[nested(12)], [nested(400)], list(range(300))]))
    else:
        value = _many_keys(key)
    return {**event, key: value}, key


_WRONG_TYPES = st.sampled_from([[], {}, "x", 1, 1.5, True, None, [None], {"": None}])


@st.composite
def mutated_events(draw: st.DrawFn) -> Any:
    """A valid event made wrong in one way (or not an event at all); it may still be valid."""
    event = draw(events("p", "m-"))
    key = draw(st.sampled_from(sorted(event)))
    how = draw(st.sampled_from(["type", "unknown", "drop", "limit", "surrogate", "envelope", "nothing"]))
    if how == "type":
        return {**event, key: draw(_WRONG_TYPES)}
    if how == "unknown":
        return {**event, draw(texts(30)): draw(json_values())}
    if how == "drop":
        return {name: value for name, value in event.items() if name != key}
    if how == "limit":
        return draw(limit_violations())[0]
    if how == "surrogate":
        return {**event, key: "lone \ud800 surrogate"}
    if how == "envelope":
        return {**event, **draw(st.sampled_from([
            {"schema_version": 2}, {"schema_version": "1"}, {"type": "runs"}, {"type": None}, {"id": ""}, {"id": 7},
        ]))}
    return event


def anything() -> st.SearchStrategy[Any]:
    """What a JSON body may hold in place of an event."""
    return json_values(4) | mutated_events()


# -- URLs with credentials -------------------------------------------------------------------

SECRET_QUERY_NAMES = ("password", "token", "access_token", "api_key", "secret", "private_token", "client_secret",
                      "X-Amz-Signature")
PLAIN_QUERY_NAMES = ("branch", "ref", "page", "view")
_SECRET_CHARS = st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=@:")


def credential_urls() -> st.SearchStrategy[dict[str, Any]]:
    """A URL with userinfo and/or secret query parameters, and its parts (``secrets``: what must go)."""
    return _urls().filter(lambda parts: parts["secrets"] or parts["user_token"])


@st.composite
def _urls(draw: st.DrawFn) -> dict[str, Any]:
    scheme = draw(st.sampled_from(["http", "https", "git+https", "ssh", "git+ssh", "postgresql", "postgres", "rtsp",
                                   "rtmp", "ftp"]))
    host = draw(st.sampled_from(["example.com", "git.example.org", "127.0.0.1", "[::1]", "jenkins-1.internal"]))
    port = draw(st.none() | st.integers(1, 65535))
    path = draw(st.sampled_from(["", "/", "/r.git", "/org/repo.git", "/job/main/42/", "/db", "/live/stream%20one"]))
    user = draw(st.none() | st.sampled_from(["user", "x-access-token", "ghp_0123456789abcdefTOKEN", "oauth2", "u%40x"]))
    password = draw(st.none() | st.text(_SECRET_CHARS, min_size=8, max_size=24)) if user else None
    encoded = draw(st.booleans())
    secret_params = draw(st.lists(st.tuples(st.sampled_from(SECRET_QUERY_NAMES), st.text(_SECRET_CHARS, min_size=8,
                                                                                          max_size=24)), max_size=2))
    plain_params = draw(st.lists(st.tuples(st.sampled_from(PLAIN_QUERY_NAMES), st.from_regex(r"[a-z0-9]{1,8}",
                                                                                            fullmatch=True)),
                                 max_size=2, unique_by=lambda pair: pair[0]))
    params = draw(st.permutations(secret_params + plain_params))
    userinfo = ""
    if user:
        shown = quote(password, safe="") if password and encoded else password
        userinfo = f"{user}:{shown}@" if password else f"{user}@"
    netloc = f"{userinfo}{host}{'' if port is None else f':{port}'}"
    query = urlencode(params) if params else ""
    url = f"{scheme}://{netloc}{path or ('/' if query else '')}{'?' + query if query else ''}"
    return {"url": url, "scheme": scheme, "host": host.strip("[]"), "port": port, "path": path or ("/" if query else ""),
            "secrets": [value for value in (password, *(value for _, value in secret_params)) if value],
            "user_token": user if user and not password else None, "plain": plain_params}
