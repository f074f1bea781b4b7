"""Event builders: one function per event type, plain values in, a wire-format event out.

Every producer builds its events here, so an event type has one shape and one id scheme.
Texts that pytest or a probe may make longer than the wire format allows are cut visibly
("... [N characters cut]"); every other value is the caller's to keep within the limits.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .limits import MESSAGE_MAX, NODE_ID_MAX, TEXT_MAX, cut_text
from .schema import SCHEMAS, event_id, make_event


def run_event(
    run_id: str, project: str, status: str, started_at: float, *, finished_at: float | None = None,
    exit_status: int | None = None, counts: dict[str, int] | None = None, labels: dict[str, str] | None = None,
    quarantine_requests: dict[str, list[str]] | None = None, context: Mapping[str, str | None] | None = None,
    cpu_seconds: float | None = None,
) -> dict[str, Any]:
    """The start (``status`` "running") or end ("finished", "interrupted") of a run; at its
    end, the CPU time it took if known."""
    return make_event("run", f"{run_id}-{status}", {
        "vpt.run.id": run_id,
        "vpt.project": project,
        "vpt.run.status": status,
        "vpt.run.started_at": started_at,
        "vpt.run.finished_at": finished_at,
        "vpt.run.exit_status": exit_status,
        "vpt.run.cpu_seconds": cpu_seconds,
        "vpt.run.counts": counts,
        "vpt.run.labels": labels or None,
        "vpt.run.quarantine_requests": quarantine_requests,
        **(context or {}),
    })


def attempt_row(
    ident: str, *, run_id: str, project: str, nodeid: str, outcome: str, attempt: int, final: bool,
    started_at: float, finished_at: float | None = None, path: str | None = None, function: str | None = None,
    line: int | None = None, params: str | None = None, markers: list[str] | None = None,
    setup: float | None = None, call: float | None = None, teardown: float | None = None,
    error_type: str | None = None, error_message: str | None = None, worker: str | None = None,
    seq: int | None = None, quarantined: bool = False, device: str | None = None,
    device_offline: bool | None = None, device_error: str | None = None, suite: str | None = None,
) -> tuple:
    """One attempt of one test as a test row: its id, then its attributes in the order of
    ``SCHEMAS["test"]`` (store.test_rows.TEST_ROW). ``line`` is 1-based; ``suite``: the
    suite it belongs to (a JUnit ``testsuite``; default its file); an end before the start
    (a clock stepped back) becomes the start."""
    return (
        ident,
        run_id,  # vpt.run.id
        project,  # vpt.project
        nodeid,  # test.case.name
        cut_text(suite, TEXT_MAX) or path,  # test.suite.name
        path,  # code.file.path
        cut_text(function, NODE_ID_MAX),  # code.function.name
        line,  # code.line.number
        cut_text(params, NODE_ID_MAX),  # vpt.test.params
        markers or None,  # vpt.test.markers
        outcome,  # vpt.test.outcome
        attempt,  # vpt.test.attempt
        final,  # vpt.test.final
        started_at,  # vpt.test.started_at
        None if finished_at is None else max(finished_at, started_at),  # vpt.test.finished_at
        setup,  # vpt.test.duration.setup
        call,  # vpt.test.duration.call
        teardown,  # vpt.test.duration.teardown
        cut_text(error_type, TEXT_MAX),  # error.type
        cut_text(error_message, MESSAGE_MAX),  # exception.message
        worker,  # vpt.worker.id
        seq,  # vpt.worker.seq
        device,  # vpt.device.id
        True if quarantined else None,  # vpt.test.quarantined
        device_offline,  # vpt.device.offline
        cut_text(device_error, TEXT_MAX),  # vpt.device.error
    )


def attempt_event(ident: str, **attempt: Any) -> dict[str, Any]:
    """One attempt of one test, as an event: :func:`attempt_row`'s values under their names."""
    return make_event("test", ident, dict(zip(_TEST_ATTRIBUTES, attempt_row(ident, **attempt)[1:])))


_TEST_ATTRIBUTES = tuple(SCHEMAS["test"])


def metric_event(
    ident: str, project: str, name: str, value: float, kind: str, time: float, *, unit: str | None = None,
    tags: dict[str, str] | None = None, run_id: str | None = None, nodeid: str | None = None,
    attempt: int | None = None,
) -> dict[str, Any]:
    """One metric sample (``kind``: gauge, counter or timer), of a test's attempt if given."""
    return make_event("metric", ident, {
        "vpt.project": project,
        "vpt.run.id": run_id,
        "test.case.name": nodeid,
        "vpt.test.attempt": attempt,
        "vpt.metric.name": name,
        "vpt.metric.value": value,
        "vpt.metric.kind": kind,
        "vpt.metric.unit": unit,
        "vpt.metric.tags": tags or None,
        "vpt.metric.time": time,
    })


def device_event(
    project: str, device_id: str, kind: str, probe: str, interval: float, timeout: float, grace: float,
    seen_at: float, *, tags: dict[str, str] | None = None, flush: float | None = None,
) -> dict[str, Any]:
    """A registered device, seen by a sampler at ``seen_at``; ``flush``: the most seconds that
    sampler holds a sample before writing it."""
    return make_event("device", event_id("device", project, device_id, seen_at), {
        "vpt.project": project,
        "vpt.device.id": device_id,
        "vpt.device.kind": kind,
        "vpt.device.tags": dict(tags) if tags else None,
        "vpt.device.probe": probe,
        "vpt.device.interval": interval,
        "vpt.device.timeout": timeout,
        "vpt.device.grace": grace,
        "vpt.device.seen_at": seen_at,
        "vpt.device.flush": flush,
    })


def device_sample_event(
    project: str, device_id: str, time: float, online: bool, interval: float, *,
    response_time: float | None = None, error: str | None = None, values: dict[str, float] | None = None,
    run_id: str | None = None,
) -> dict[str, Any]:
    """One probe of a device taken at its interval (a command's error may be long: it is cut)."""
    return make_event("device_sample", event_id("device_sample", project, device_id, time), {
        "vpt.project": project,
        "vpt.device.id": device_id,
        "vpt.run.id": run_id,
        "vpt.sample.time": time,
        "vpt.device.online": online,
        "vpt.device.response_time": response_time,
        "vpt.device.error": cut_text(error, TEXT_MAX),
        "vpt.device.interval": interval,
        "vpt.device.values": dict(values) if values else None,
    })


def incident_id(project: str, source: str, kind: str, start: float) -> str:
    """An incident's id: the same incident (project, source, kind, start to the millisecond)
    has the same id whoever found it and however often it is sent."""
    return event_id("incident", project, source, kind, round(start, 3))


def incident_event(
    project: str, kind: str, source: str, start: float, duration: float, severity: str, *,
    end: float | None = None, position: float | None = None, start_frame: int | None = None,
    end_frame: int | None = None, thumbnail: str | None = None, run_id: str | None = None,
    nodeid: str | None = None,
) -> dict[str, Any]:
    """A video or device incident from ``start`` to ``end`` (epoch seconds; end None: still
    going); ``position``: where it starts, in seconds from the source's first frame."""
    return make_event("incident", incident_id(project, source, kind, start), {
        "vpt.project": project,
        "vpt.incident.kind": kind,
        "vpt.incident.source": source,
        "vpt.incident.start": start,
        "vpt.incident.end": end,
        "vpt.incident.duration": duration,
        "vpt.incident.severity": severity,
        "vpt.incident.position": position,
        "vpt.incident.start_frame": start_frame,
        "vpt.incident.end_frame": end_frame,
        "vpt.incident.thumbnail": thumbnail,
        "vpt.run.id": run_id,
        "test.case.name": nodeid,
    })
