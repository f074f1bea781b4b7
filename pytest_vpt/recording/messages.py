"""The messages pytest hands to the recorder process: named records, their fields declared once.

A message travels as ``(name, *values)``, its values in the order of its record's fields
(cheap to build between two tests, and ``marshal`` takes nothing but plain tuples). The
first batch opens with :func:`header`: the protocol's version and every record's field
names, which the recorder checks against its own (:func:`check_header`) before it reads on,
then hands each message on as its named record (:func:`decode`).
"""

from __future__ import annotations

from typing import Any, NamedTuple

VERSION = 1


class Sink(NamedTuple):
    """Where the events go (sent on stdin, not on the command line, where ``ps`` shows it)."""

    store: str
    server: str | None
    analysis: dict[str, Any]
    config: str | None = None  # the project's configuration file, when not the default (its alerts:)


class Start(NamedTuple):
    """The run starts: :class:`RunInfo`'s fields."""

    info: dict[str, Any]


class Phase(NamedTuple):
    """One phase report (setup, call, teardown, or "???" for a crashed worker) of a test attempt."""

    worker: str
    nodeid: str
    when: str
    status: str  # the status category, "" for a passing setup or teardown (see phases.category)
    duration: float
    start: float
    stop: float
    rerun: int
    location: tuple | None  # on setup: (path, line, domain)
    error: tuple | None  # (error type, message) unless it passed
    data: dict[str, Any] | None  # the test process's data (see annotate.py)
    subtest: bool
    quarantined: str | None  # the reason, if a quarantine made a failure non-blocking
    device: dict | None  # what the probe of the test's device found: {"id", "online", "error"}


class Collect(NamedTuple):
    """A module that failed to collect (an error) or was skipped as a whole."""

    nodeid: str
    path: str
    status: str
    error: tuple | None


class Samples(NamedTuple):
    """Metric samples recorded outside any test."""

    samples: list[dict[str, Any]]


class Devices(NamedTuple):
    """The registered devices (as ``Device.describe`` gives them), sampled from ``seen_at``."""

    devices: list[dict[str, Any]]
    seen_at: float


class DeviceSamples(NamedTuple):
    """Samples of the devices: ``devices.sampler.Sample``'s fields, in its order."""

    samples: list[tuple]


class Finish(NamedTuple):
    """The run's end: pytest's exit status, the totals its terminal printed (if it ran) and
    the CPU time it took (None: not known)."""

    exitstatus: int | None
    printed: dict[str, int] | None
    cpu_seconds: float | None


RECORDS: dict[str, type] = {
    "sink": Sink, "start": Start, "phase": Phase, "collect": Collect, "samples": Samples, "devices": Devices,
    "device_samples": DeviceSamples, "finish": Finish,
}


class ProtocolError(ValueError):
    """Messages from a pytest-vpt of another version: the message names what differs."""


def header() -> tuple:
    """The first message: the protocol's version and each record's field names."""
    return ("protocol", VERSION, {name: list(record._fields) for name, record in RECORDS.items()})


def check_header(message: tuple) -> None:
    """Refuse a header of another version or with other fields than this side's."""
    if not message or message[0] != "protocol":
        raise ProtocolError(f"the first message is {message[0] if message else None!r}, not the protocol's header")
    if message[1] != VERSION:
        raise ProtocolError(f"messages of protocol version {message[1]!r}, this recorder reads version {VERSION}")
    ours = header()[2]
    for name, fields in message[2].items():
        if ours.get(name) != list(fields):
            raise ProtocolError(f"message {name!r} has fields {list(fields)}, this recorder reads {ours.get(name)}")


def decode(message: tuple) -> tuple[str, Any]:
    """A message as its name and its named record."""
    name = message[0]
    record = RECORDS.get(name)
    if record is None:
        raise ValueError(f"unknown message {name!r}")
    return name, record(*message[1:])  # a field with a default may be left off
