"""Devices: the registry, probes and the sampler. Knows nothing of pytest or the store."""

from .probes import PROBES, Probe, ProbeConfigError, ProbeOutcome
from .registry import CONFIG_FILE, Device, DeviceConfigError, load_devices, parse_devices
from .sampler import BackgroundSampler, Sample, Sampler, SamplerStats, probe, probe_once

__all__ = [
    "CONFIG_FILE", "PROBES", "BackgroundSampler", "Device", "DeviceConfigError", "Probe", "ProbeConfigError",
    "ProbeOutcome", "Sample", "Sampler", "SamplerStats", "load_devices", "parse_devices", "probe", "probe_once",
]
