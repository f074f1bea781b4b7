"""Devices in a pytest run: probe a test's device before it runs and when it fails, and
sample every registered device in the background while the session lasts.

A test names its device with ``@pytest.mark.vpt_device("id")`` or through the ``vpt_device``
fixture (``indirect`` parametrization). Each probe's answer travels on the report
(``report.vpt_device``, plain values, so it crosses from xdist workers) to the recorder,
which marks a failure of a test whose device did not answer as "device offline".
"""

from __future__ import annotations

import time
from collections import deque
from typing import Any

import pytest

from ..devices import BackgroundSampler, Device, Sample, Sampler, SamplerStats, probe_once

MARKER = "vpt_device"
FIXTURE = "vpt_device"
ATTRIBUTE = "vpt_device"
_PROBED = pytest.StashKey[dict]()


def device_of(item: Any) -> str | None:
    """The id of the device ``item`` uses: its ``vpt_device`` marker, or its ``vpt_device`` parameter."""
    mark = item.get_closest_marker(MARKER)
    if mark is not None and (mark.args or "id" in mark.kwargs):
        return str(mark.args[0] if mark.args else mark.kwargs["id"])
    callspec = getattr(item, "callspec", None)
    if callspec is not None and isinstance(callspec.params.get(FIXTURE), str):
        return callspec.params[FIXTURE]
    return None


def registered_device(ident: str, devices: dict[str, Device], source: str) -> Device:
    """The registered device ``ident``; else the test fails naming the id and the registry file."""
    if ident not in devices:
        known = ", ".join(sorted(devices)) or "none: add a 'devices' list to it"
        pytest.fail(f"vpt_device: no device {ident!r} in the device registry {source} (registered: {known})",
                    pytrace=False)
    return devices[ident]


def device_hooks(devices: dict[str, Device], skip_offline: bool, source: str) -> Any:
    """The plugin each test process registers: the probes around tests naming a device, or,
    with none registered, only the check that a test naming one fails (nothing to probe)."""
    return DeviceHooks(devices, skip_offline, source) if devices else UnregisteredDevices(source)


class UnregisteredDevices:
    """No device is registered: a test naming one fails in its setup, naming the registry file."""

    def __init__(self, source: str) -> None:
        self.source = source

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        ident = device_of(item)
        if ident is not None:
            registered_device(ident, {}, self.source)


class DeviceHooks:
    """In every process that runs tests: the device probes around each test; a test naming
    a device the registry (read from ``source``) does not hold fails in its setup."""

    def __init__(self, devices: dict[str, Device], skip_offline: bool, source: str) -> None:
        self.devices = devices
        self.skip_offline = skip_offline
        self.source = source

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        ident = device_of(item)
        if ident is None:
            item.stash[_PROBED] = None
            return
        item.stash[_PROBED] = None
        device = registered_device(ident, self.devices, self.source)
        sample = probe_once(device)
        item.stash[_PROBED] = {"id": ident, "online": sample.online, "error": sample.error}
        if not sample.online and self.skip_offline:
            pytest.skip(f"device {ident} is offline: {sample.error}")

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: Any) -> Any:
        report = yield
        probed = item.stash.get(_PROBED, None)
        if probed is None or (report.when != "setup" and not report.failed):
            return report
        device = self.devices.get(probed["id"])
        if report.failed and probed["online"] and device is not None:  # was it there when the test failed?
            sample = probe_once(device)
            if not sample.online:
                probed = item.stash[_PROBED] = {**probed, "online": False, "error": sample.error}
        report.__dict__[ATTRIBUTE] = dict(probed)
        return report


def sample_message(sample: Sample) -> tuple:
    return (sample.device, sample.time, sample.online, sample.response_time, sample.error, sample.values, sample.interval)


class RunSampling:
    """In the recording process: every registered device sampled on a thread while the session lasts."""

    def __init__(self, devices: list[Device]) -> None:
        self.devices = devices
        self.started_at = 0.0
        self._pending: deque[Sample] = deque()
        self._sampler = Sampler(devices, self._pending.append)
        self._background = BackgroundSampler(self._sampler)

    def start(self) -> tuple:
        """Start sampling; the ``devices`` message that registers them with the run."""
        self.started_at = time.time()
        self._background.start()
        return ("devices", [device.describe() for device in self.devices], self.started_at)

    @property
    def pending(self) -> bool:
        return bool(self._pending)

    def drain(self) -> tuple:
        """The ``device_samples`` message of the samples taken since the last one."""
        samples = []
        while self._pending:
            samples.append(sample_message(self._pending.popleft()))
        return ("device_samples", samples)

    def stop(self) -> SamplerStats:
        self._background.stop()
        return self._sampler.stats
