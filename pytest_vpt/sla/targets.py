"""SLA targets: what each one measures (:data:`MEASURES`: its figure, unit and direction), and
the ``sla:`` section of vpt.yaml parsed into :class:`SlaSettings`, with errors naming the
field and the bad value."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import config_file

AT_LEAST, AT_MOST = "at_least", "at_most"
PERCENT, SECONDS, SCORE, PER_HOUR = "percent", "seconds", "score", "per_hour"
FREQUENCIES = ("daily", "weekly")
MAX_RECIPIENTS = 100
_ADDRESS = re.compile(r"[^@\s,;<>\"']{1,64}@[^@\s,;<>\"'.]+(\.[^@\s,;<>\"'.]+)+\Z")
_PERCENT = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)\s*%\s*\Z")
_SPAN = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)\s*(ms|s|m|h|d)\s*\Z")
_RATE = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)\s*(?:/\s*h)?\s*\Z")
_SPAN_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_LONGEST = 366 * 86400.0


class SlaConfigError(ValueError):
    """The ``sla:`` section is not valid; the message names the file, the field and the value."""


@dataclass(frozen=True)
class Measure:
    """What a target measures: the period's figure it reads (pytest_vpt.history.SlaPeriod's
    ``figures``), times ``scale`` in its ``unit``; met when the figure is ``direction`` the goal;
    ``culprits``: what the report lists when it is missed (devices, tests, slowest, video, service)."""

    figure: str
    unit: str
    direction: str
    culprits: str
    about: str
    scale: float = 1.0


MEASURES: dict[str, Measure] = {
    "device_uptime": Measure("uptime", PERCENT, AT_LEAST, "devices", "devices' time online of the time sampled", 100.0),
    "test_pass_rate": Measure("pass_rate", PERCENT, AT_LEAST, "tests",
                              "final outcomes passed (quarantined failures left out)", 100.0),
    "avg_test_duration": Measure("test_duration", SECONDS, AT_MOST, "slowest", "mean duration of a test's final attempt"),
    "api_response_time": Measure("api_p95", SECONDS, AT_MOST, "service",
                                 "vpt server's ingest latency p95, weighted by the batches of each interval"),
    "quality_score": Measure("quality_score", SCORE, AT_LEAST, "tests", "the KPIs' quality score (0-100)"),
    "flaky_share": Measure("flaky_share", PERCENT, AT_MOST, "tests", "tests run that are flaky", 100.0),
    "test_mttr": Measure("test_mttr", SECONDS, AT_MOST, "tests", "mean time to repair a failing test"),
    "test_mtbf": Measure("test_mtbf", SECONDS, AT_LEAST, "tests", "mean time between a test's failures"),
    "run_duration": Measure("run_duration", SECONDS, AT_MOST, "slowest", "mean wall time of a run"),
    "run_duration_p95": Measure("run_duration_p95", SECONDS, AT_MOST, "slowest", "p95 wall time of a run"),
    "tests_per_hour": Measure("tests_per_hour", PER_HOUR, AT_LEAST, "slowest", "tests per hour of wall time"),
    "device_mttr": Measure("device_mttr", SECONDS, AT_MOST, "devices", "mean time to repair a device"),
    "device_mtbf": Measure("device_mtbf", SECONDS, AT_LEAST, "devices", "mean time between a device's incidents"),
    "video_qoe": Measure("video_qoe", SCORE, AT_LEAST, "video", "video quality of experience (0-100)"),
    "video_incidents_per_hour": Measure("video_incidents_per_hour", PER_HOUR, AT_MOST, "video",
                                        "video incidents per hour observed"),
}
_EXPECTED = {PERCENT: "a percentage like 99.5%", SECONDS: "a duration like 500ms, 120s, 5m or 2h",
             SCORE: "a score from 0 to 100", PER_HOUR: "a rate per hour like 30 or 30/h"}


@dataclass(frozen=True)
class Target:
    """A goal for one measure: ``goal`` in the measure's unit (percent 0-100, seconds, ...)."""

    name: str
    goal: float

    @property
    def measure(self) -> Measure:
        return MEASURES[self.name]

    def met(self, figure: float | None) -> bool | None:
        """Whether ``figure`` (in the target's unit) meets the goal; None without a figure."""
        if figure is None:
            return None
        return figure >= self.goal if self.measure.direction == AT_LEAST else figure <= self.goal


@dataclass(frozen=True)
class SlaSettings:
    """The targets, and how the report is sent: ``frequency`` (daily, weekly), ``recipients``
    (e-mail addresses), ``channel`` (the alerts e-mail channel to send through; None: the
    only one configured); ``source`` names where they were read."""

    targets: tuple[Target, ...]
    frequency: str = "daily"
    recipients: tuple[str, ...] = ()
    channel: str | None = None
    source: str = "vpt.yaml"


def load(rootdir: Path, config: Path | None = None) -> SlaSettings:
    """The ``sla:`` section of the project's vpt.yaml (or ``config``); no section: no targets."""
    value, source = config_file.section("sla", rootdir, config)
    return parse(value, source)


def parse(value: Any, source: str = "vpt.yaml") -> SlaSettings:
    """``value`` (the section's YAML) as settings; a :class:`SlaConfigError` naming the field otherwise."""
    if value is None:
        return SlaSettings((), source=source)
    _mapping(value, "sla", source, {"targets", "reporting"})
    targets = value.get("targets") or {}
    _mapping(targets, "sla.targets", source, set(MEASURES))
    parsed = tuple(Target(name, goal_of(name, goal, f"{source}: sla.targets.{name}")) for name, goal in targets.items())
    reporting = value.get("reporting") or {}
    _mapping(reporting, "sla.reporting", source, {"frequency", "recipients", "channel"})
    frequency = reporting.get("frequency", "daily")
    if frequency not in FREQUENCIES:
        raise SlaConfigError(f"{source}: sla.reporting.frequency: expected daily or weekly, not {frequency!r}")
    recipients = reporting.get("recipients") or []
    if isinstance(recipients, str):
        recipients = [recipients]
    if not isinstance(recipients, list) or len(recipients) > MAX_RECIPIENTS:
        raise SlaConfigError(f"{source}: sla.reporting.recipients: expected a list of at most {MAX_RECIPIENTS} "
                             f"e-mail addresses, not {_shown(recipients)}")
    for address in recipients:
        if not isinstance(address, str) or len(address) > 254 or not _ADDRESS.match(address):
            raise SlaConfigError(f"{source}: sla.reporting.recipients: not an e-mail address: {_shown(address)}")
    channel = reporting.get("channel")
    if channel is not None and (not isinstance(channel, str) or not 0 < len(channel) <= 100):
        raise SlaConfigError(f"{source}: sla.reporting.channel: expected the name of an alerts e-mail channel, "
                             f"not {_shown(channel)}")
    return SlaSettings(parsed, frequency, tuple(dict.fromkeys(recipients)), channel, source)


def goal_of(name: str, value: Any, where: str) -> float:
    """The goal ``value`` of target ``name`` in its unit; an error naming ``where`` otherwise."""
    unit = MEASURES[name].unit
    goal = _number(value, unit)
    if goal is None or not math.isfinite(goal) or goal < 0 or (unit in (PERCENT, SCORE) and goal > 100) \
            or (unit == SECONDS and goal > _LONGEST):
        raise SlaConfigError(f"{where}: expected {_EXPECTED[unit]}"
                             + (" (at most 366 days)" if unit == SECONDS else "") + f", not {_shown(value)}")
    return goal


def _number(value: Any, unit: str) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value) if unit in (SECONDS, SCORE, PER_HOUR) else None
    if not isinstance(value, str) or len(value) > 40:
        return None
    pattern = {PERCENT: _PERCENT, SECONDS: _SPAN, SCORE: _RATE, PER_HOUR: _RATE}[unit]
    found = pattern.match(value)
    if not found or (unit == SCORE and "/" in value):
        return None
    number = float(found.group(1))
    return number * _SPAN_UNITS[found.group(2)] if unit == SECONDS else number


def _mapping(value: Any, field: str, source: str, known: set[str]) -> None:
    if not isinstance(value, dict):
        raise SlaConfigError(f"{source}: {field}: expected a mapping, not {_shown(value)}")
    for key in value:
        if key not in known:
            raise SlaConfigError(f"{source}: {field}: unknown field {_shown(key)} (known: {', '.join(sorted(known))})")


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
