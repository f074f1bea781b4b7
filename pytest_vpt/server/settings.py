"""The service's settings: the store it writes, where it listens, what it accepts.

From the command line or environment (``vpt server --port``, ``VPT_SERVER_PORT``), else the
``server`` section of ``vpt.yaml``, else the defaults::

    server:
      store: postgresql://vpt@db/vpt
      host: 0.0.0.0
      port: 8765
      workers: 2
      max_body_mb: 16
      max_events: 100000
      read_timeout: 30      # seconds a client has to send a request's headers, and then its body
      max_connections: 1000 # open at once; more are answered 503
      sample_every: 15      # seconds between the rows of the service's own figures it stores; 0: none
      sample_days: 30       # days those rows are kept
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..analytics.flakiness import FlakinessSettings
from .. import config_file
from ..quarantine.rules import QuarantinePolicy
from ..store import StoreURL, parse_store_url
from ..store.url import StoreURLError


class ServerSettingsError(ValueError):
    """A setting the service cannot use; the message names where it came from."""


@dataclass(frozen=True)
class ServerSettings:
    store: StoreURL
    host: str = "127.0.0.1"
    port: int = 8765
    workers: int = 1
    max_body: int = 16 * 1024 * 1024  # bytes of a request body, after decompression too
    max_events: int = 100_000  # events in one batch
    read_timeout: float = 30.0  # seconds to send a request's headers, and then its body (408 after)
    max_connections: int = 1000  # connections and requests at once; uvicorn answers 503 beyond
    sample_every: float = 15.0  # seconds between the samples of its own figures it stores (0: none)
    sample_days: float = 30.0  # days the samples are kept
    # how finished runs fold into the verdicts and the quarantine (the project's settings)
    flakiness: FlakinessSettings = field(default_factory=FlakinessSettings)
    policy: QuarantinePolicy = field(default_factory=QuarantinePolicy)
    # the project (directory, configuration file) whose alerts: the service evaluates (alerts.loop)
    alerts_from: tuple[Path, Path | None] | None = None


def _integer(low: int, high: int) -> Any:
    def parse(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValueError(f"expected an integer from {low} to {high}, got {value!r}")
        return value

    return parse


def _seconds(low: float, high: float) -> Any:
    def parse(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
            raise ValueError(f"expected seconds from {low:g} to {high:g}, got {value!r}")
        return float(value)

    return parse


def _sample_every(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (value == 0 or 1 <= value <= 3600):
        raise ValueError(f"expected 0 (no samples) or seconds from 1 to 3600, got {value!r}")
    return float(value)


def _days(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 1 <= value <= 3660:
        raise ValueError(f"expected days from 1 to 3660, got {value!r}")
    return float(value)


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"expected text, got {value!r}")
    return value.strip()


#: the section's fields: field -> (the ServerSettings attribute, how to read the value)
_FIELDS = {
    "store": ("store", _text),  # a store URL, read against the project's directory
    "host": ("host", _text),
    "port": ("port", _integer(1, 65535)),
    "workers": ("workers", _integer(1, 64)),
    "max_body_mb": ("max_body", lambda value: _integer(1, 1024)(value) * 1024 * 1024),
    "max_events": ("max_events", _integer(1, 10_000_000)),
    "read_timeout": ("read_timeout", _seconds(0.1, 3600)),
    "max_connections": ("max_connections", _integer(1, 100_000)),
    "sample_every": ("sample_every", _sample_every),
    "sample_days": ("sample_days", _days),
}


def with_config_file(settings: ServerSettings, rootdir: Path, config: Path | None, given: set[str]) -> ServerSettings:
    """``settings`` with the ``server`` section of the project's vpt.yaml (``config``, else the
    one in ``rootdir``, else pyproject.toml's ``[tool.vpt]``) applied, except the attributes in
    ``given``; a store URL there is read against ``rootdir``."""
    try:
        values, source = config_file.section("server", rootdir, config)
    except config_file.ConfigFileError as exc:
        raise ServerSettingsError(str(exc)) from None
    return replace(_apply_section(settings, values, source, given, rootdir), alerts_from=(rootdir, config))


def _apply_section(settings: ServerSettings, section: Any, source: str, given: set[str], base_dir: Path) -> ServerSettings:
    """``settings`` with the values of vpt.yaml's ``server`` section (``source`` names it),
    except those in ``given`` (attributes set on the command line or in the environment)."""
    if section is None:
        return settings
    if not isinstance(section, dict):
        raise ServerSettingsError(f"{source}: server: expected a mapping of settings, not {type(section).__name__}")
    changes = {}
    for name, value in section.items():
        if name not in _FIELDS:
            raise ServerSettingsError(f"{source}: server: unknown field {name!r} (known: {', '.join(_FIELDS)})")
        attribute, parse = _FIELDS[name]
        try:
            parsed = parse(value)
            if attribute == "store":
                parsed = parse_store_url(parsed, base_dir)
        except (ValueError, StoreURLError) as exc:
            raise ServerSettingsError(f"{source}: server: field {name!r}: {exc}") from None
        if attribute not in given:
            changes[attribute] = parsed
    return replace(settings, **changes)
