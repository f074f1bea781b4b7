"""The event types: each one's attributes and their types, the enumerations, and how an
event is built (see the package's docstring for the limits every value is held to)."""

from __future__ import annotations

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

_ID_NAMESPACE = uuid.UUID("5f0e7a53-76d1-4b8e-9a6c-2a8f3c1d9b47")

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
        "vpt.run.cpu_seconds": (_OPT_NUMBER, False),  # the CPU time pytest took, children included
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
        "vpt.device.flush": (_OPT_NUMBER, False),  # seconds a sample may wait before it is written
    },
    # A video incident (black_screen, freeze, frame_drop, stream_lost; a device's too: any kind
    # of text): from its first frame to the first frame without it (end None: still going), in
    # epoch seconds. A frame_drop's frames are those the missing frames would have had
    # (end_frame - start_frame of them missing).
    "incident": {
        "vpt.project": (_TEXT, True),
        "vpt.incident.kind": (_TEXT, True),
        "vpt.incident.source": (_TEXT, True),
        "vpt.incident.start": (_NUMBER, True),
        "vpt.incident.end": (_OPT_NUMBER, False),
        "vpt.incident.duration": (_NUMBER, True),
        "vpt.incident.severity": (_TEXT, True),
        # where in the file or stream it starts: seconds from the source's first frame
        "vpt.incident.position": (_OPT_NUMBER, False),
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

#: attribute -> the values it may take
ENUMS = {
    "vpt.run.status": RUN_STATUSES,
    "vpt.test.outcome": OUTCOMES,
    "vpt.metric.kind": METRIC_KINDS,
    "vpt.incident.severity": SEVERITIES,
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
