"""What every probe is: built from its configuration, checked with a time limit."""

from __future__ import annotations

import ipaddress
import socket
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar


class ProbeConfigError(ValueError):
    """A probe configuration that cannot be used; the message names the field."""


class ProbeFailed(Exception):
    """The device did not answer as expected; the message says what happened."""


@dataclass(frozen=True)
class ProbeOutcome:
    """What a probe found: online, or the error; ``response_time`` overrides the measured time."""

    online: bool
    error: str | None = None
    values: dict[str, float] = field(default_factory=dict)
    response_time: float | None = None


class Probe(ABC):
    """One way to ask a device whether it is there."""

    kind: ClassVar[str]
    #: True for probes that start a process: the sampler runs fewer of those at once.
    spawns: ClassVar[bool] = False
    fields: ClassVar[tuple[str, ...]]

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Probe:
        unknown = set(config) - set(cls.fields)
        if unknown:
            raise ProbeConfigError(f"field 'probe.{sorted(unknown)[0]}': unknown for a {cls.kind} probe "
                                   f"(known: type, {', '.join(cls.fields)})")
        return cls._build(config)

    @classmethod
    @abstractmethod
    def _build(cls, config: Mapping[str, Any]) -> Probe: ...

    @abstractmethod
    async def check(self) -> ProbeOutcome:
        """Ask the device once (the caller enforces the time limit); raise ProbeFailed or OSError if it is not there."""

    @abstractmethod
    def describe(self) -> str:
        """The probe in a few words, e.g. ``tcp 192.0.2.10:22``."""

    def resolve(self) -> None:
        """Check what can be checked before probing (a host name resolves, a tool is installed)."""


def text_field(config: Mapping[str, Any], name: str, required: bool = True) -> str | None:
    value = config.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ProbeConfigError(f"field 'probe.{name}': expected a non-empty string, got {value!r}")
    return value.strip()


def port_field(config: Mapping[str, Any], name: str = "port") -> int:
    value = config.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 65536:
        raise ProbeConfigError(f"field 'probe.{name}': expected a port number (1-65535), got {value!r}")
    return value


def check_host(host: str, field_name: str = "probe.host") -> None:
    """Raise ProbeConfigError if ``host`` is neither an IP address nor a name that resolves."""
    try:
        ipaddress.ip_address(host.strip("[]"))
        return
    except ValueError:
        pass
    try:
        socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        reason = exc.strerror if isinstance(exc, socket.gaierror) else str(exc)
        raise ProbeConfigError(f"field {field_name!r}: the host name {host!r} does not resolve ({reason})") from None
