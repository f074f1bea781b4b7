"""The records of trends, read from the rollups."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .record import Record


@dataclass
class DayPassRate(Record):
    day: float  # the UTC day's start
    runs: int
    passed: int
    failed: int
    pass_rate: float | None


@dataclass
class TestDuration(Record):
    __test__ = False  # not a pytest test class

    nodeid: str
    p50: float
    p95: float
    runs: int


@dataclass
class HourTests(Record):
    hour: float
    runs: int
    tests: int


@dataclass
class DeviceHourUptime(Record):
    device: str
    hour: float
    uptime: float | None
    flaps: int
    incidents: int


@dataclass
class Trends(Record):
    """Every trend of a project over a window, in whole UTC days and hours."""

    project: str
    since: float
    until: float
    pass_rate_per_day: list[DayPassRate]
    durations: list[TestDuration]
    tests_per_hour: list[HourTests]
    device_uptime_per_hour: list[DeviceHourUptime]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Trends:
        return cls(row["project"], row["since"], row["until"],
                   [DayPassRate.from_row(r) for r in row["pass_rate_per_day"]],
                   [TestDuration.from_row(r) for r in row["durations"]],
                   [HourTests.from_row(r) for r in row["tests_per_hour"]],
                   [DeviceHourUptime.from_row(r) for r in row["device_uptime_per_hour"]])
