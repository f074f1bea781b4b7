"""Device health: a device's timeline folded from its samples, and its figures over a window."""

from ..buckets import percentile
from .figures import Health, health, uptime
from .timeline import HOUR, DeviceState, Folded, HourTotals, Incident, TimedSample, fold, hour_of

__all__ = [
    "HOUR", "DeviceState", "Folded", "Health", "HourTotals", "Incident", "TimedSample", "fold", "health", "hour_of",
    "percentile", "uptime",
]
