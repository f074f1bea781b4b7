"""The device registry: the ``devices`` list of ``vpt.yaml`` (or of ``[tool.vpt]`` in pyproject.toml).

    devices:
      - id: stb-1
        kind: set-top-box
        tags: {room: lab-2}
        probe: {type: tcp, host: 192.0.2.10, port: 22}
        interval: 10      # seconds between samples (default 30; at least 0.1, at most a day)
        timeout: 2        # seconds a probe may take (default 5; at least 0.01, at most the interval)
        grace: 10         # an outage longer than this is an incident (default: one interval)

Every mistake is a :class:`DeviceConfigError` naming the device and the field.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config_file import CONFIG_FILE, ConfigFileError, section
from .probes import PROBES, Probe, ProbeConfigError

DEFAULT_INTERVAL = 30.0
DEFAULT_TIMEOUT = 5.0
MIN_INTERVAL = 0.1  # the floor: a device is never probed more often than ten times a second
MAX_INTERVAL = 86_400.0
MIN_TIMEOUT = 0.01
_ID = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.:@-]{0,99}\Z")
_FIELDS = {"id", "kind", "tags", "probe", "interval", "timeout", "grace"}


class DeviceConfigError(ValueError):
    """A device registry that cannot be used; the message names the device and the field."""


@dataclass(frozen=True)
class Device:
    """One registered device and how to probe it."""

    id: str
    probe: Probe
    kind: str = "device"
    tags: dict[str, str] = field(default_factory=dict)
    interval: float = DEFAULT_INTERVAL
    timeout: float = DEFAULT_TIMEOUT
    grace: float = DEFAULT_INTERVAL

    def describe(self) -> dict[str, Any]:
        """The device as the ``device`` event carries it."""
        return {
            "id": self.id, "kind": self.kind, "tags": dict(self.tags), "probe": self.probe.describe(),
            "interval": self.interval, "timeout": self.timeout, "grace": self.grace,
        }


def parse_devices(entries: Any, source: str, resolve_hosts: bool = True) -> list[Device]:
    """Devices from the ``devices`` list of a configuration; ``source`` names the file."""
    if entries is None:
        return []
    if not isinstance(entries, list):
        raise DeviceConfigError(f"{source}: 'devices' must be a list of devices, not {type(entries).__name__}")
    devices: dict[str, Device] = {}
    for index, entry in enumerate(entries):
        device = _parse_device(entry, f"{source}: devices[{index}]")
        if device.id in devices:
            raise DeviceConfigError(f"{source}: device {device.id!r}: field 'id': the id is used twice")
        devices[device.id] = device
    if resolve_hosts:
        for device in devices.values():
            try:
                device.probe.resolve()
            except ProbeConfigError as exc:
                raise DeviceConfigError(f"{source}: device {device.id!r}: {exc}") from None
    return list(devices.values())


def _parse_device(entry: Any, where: str) -> Device:
    if not isinstance(entry, Mapping):
        raise DeviceConfigError(f"{where}: a device is a mapping with 'id' and 'probe', not {type(entry).__name__}")
    ident = entry.get("id")
    if not isinstance(ident, str) or not _ID.match(ident):
        raise DeviceConfigError(f"{where}: field 'id': {ident!r} is not a device id "
                                "(letters, digits, '_', '.', ':', '@', '-'; at most 100)")
    where = f"{where.rpartition(': ')[0]}: device {ident!r}"
    unknown = set(entry) - _FIELDS
    if unknown:
        raise DeviceConfigError(f"{where}: field {sorted(unknown)[0]!r}: unknown (known: {', '.join(sorted(_FIELDS))})")
    interval = _seconds(entry, "interval", DEFAULT_INTERVAL, where, MIN_INTERVAL, MAX_INTERVAL)
    timeout = _seconds(entry, "timeout", min(DEFAULT_TIMEOUT, interval), where, MIN_TIMEOUT)
    if timeout > interval:
        raise DeviceConfigError(f"{where}: field 'timeout': {timeout:g}s is longer than the interval ({interval:g}s)")
    grace = _seconds(entry, "grace", interval, where, 0.0)
    kind = entry.get("kind", "device")
    if not isinstance(kind, str) or not kind.strip():
        raise DeviceConfigError(f"{where}: field 'kind': expected a non-empty string, got {kind!r}")
    return Device(ident, _probe(entry.get("probe"), where), kind.strip(), _tags(entry.get("tags"), where),
                  interval, timeout, grace)


def _seconds(entry: Mapping, name: str, default: float, where: str, floor: float,
             ceiling: float = math.inf) -> float:
    value = entry.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise DeviceConfigError(f"{where}: field {name!r}: expected a number of seconds, got {value!r}")
    if value < floor:
        raise DeviceConfigError(f"{where}: field {name!r}: {value:g} s is below the floor of {floor:g} s"
                                if floor else f"{where}: field {name!r}: must be zero or more, got {value:g}")
    if value > ceiling:
        raise DeviceConfigError(f"{where}: field {name!r}: {value:g} s is above the ceiling of {ceiling:g} s")
    return float(value)


def _tags(value: Any, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if isinstance(value, list) and all(isinstance(tag, str) for tag in value):
        return {tag: "" for tag in value}
    if isinstance(value, Mapping) and all(isinstance(k, str) and isinstance(v, (str, int, float)) for k, v in value.items()):
        return {key: str(tag) for key, tag in value.items()}
    raise DeviceConfigError(f"{where}: field 'tags': expected a mapping of names to values or a list of names")


def _probe(value: Any, where: str) -> Probe:
    if not isinstance(value, Mapping):
        raise DeviceConfigError(f"{where}: field 'probe': expected a mapping with 'type' ({', '.join(PROBES)})")
    kind = value.get("type")
    probe_class = PROBES.get(kind) if isinstance(kind, str) else None
    if probe_class is None:
        raise DeviceConfigError(f"{where}: field 'probe.type': unknown probe {kind!r} (known: {', '.join(PROBES)})")
    try:
        return probe_class.from_config({k: v for k, v in value.items() if k != "type"})
    except ProbeConfigError as exc:
        raise DeviceConfigError(f"{where}: {exc}") from None


def load_devices(rootdir: Path, config: Path | None = None, resolve_hosts: bool = True) -> list[Device]:
    """The registry from ``config``, else ``vpt.yaml`` in ``rootdir``, else pyproject.toml's [tool.vpt]."""
    try:
        entries, source = section("devices", rootdir, config)
    except ConfigFileError as exc:
        raise DeviceConfigError(str(exc)) from None
    return parse_devices(entries, source, resolve_hosts)
