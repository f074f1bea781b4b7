"""The device monitor: sample every registered device for as long as it runs, writing the
samples to a store as it goes (the store derives incidents and hourly health from them).

It keeps its own account of each device (the same fold the store runs) for a live view,
writes in the background so probes keep their schedule, and keeps what it could not write
(the store locked or gone) to try again, up to a limit.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..analytics.devices import DeviceState, TimedSample, fold
from ..devices import Device, Sample, Sampler
from ..devices.events import device_event, sample_event
from ..store import StoreError, StoreURL, open_store

_PENDING_LIMIT = 200_000  # events kept while the store cannot be written


@dataclass
class DeviceView:
    """What the live view shows of one device."""

    device: Device
    state: DeviceState = field(default_factory=DeviceState)
    samples: int = 0
    failed: int = 0
    incidents: int = 0
    last: Sample | None = None


@dataclass
class MonitorStatus:
    devices: dict[str, DeviceView]
    started_at: float
    written: int = 0
    pending: int = 0
    dropped: int = 0  # events given up on: the store could not be written for too long
    error: str | None = None
    sampler_errors: list[str] = field(default_factory=list)


class Monitor:
    """Samples ``devices`` into the store at ``url`` until stopped."""

    def __init__(self, devices: list[Device], url: StoreURL, project: str, flush_every: float = 5.0) -> None:
        self.url = url
        self.project = project
        self.flush_every = flush_every
        self.status = MonitorStatus({d.id: DeviceView(d) for d in devices}, time.time())
        self.sampler = Sampler(devices, self._on_sample)
        self._pending: list[dict[str, Any]] = [device_event(d.describe(), project, self.status.started_at, flush_every)
                                                 for d in devices]
        self._taken: list[Sample] = []
        self._store = None

    def _on_sample(self, sample: Sample) -> None:
        self._taken.append(sample)

    def _take(self) -> None:
        """Account for the samples taken since the last tick: the views, and the events to write."""
        taken, self._taken = self._taken, []
        by_device: dict[str, list[TimedSample]] = {}
        for sample in taken:
            view = self.status.devices[sample.device]
            view.samples += 1
            view.failed += not sample.online
            view.last = sample
            by_device.setdefault(sample.device, []).append(
                TimedSample(sample.time, sample.online, sample.interval or view.device.interval, sample.response_time))
        for ident, timed in by_device.items():
            view = self.status.devices[ident]
            view.incidents += sum(hour.incidents for hour in fold(view.state, timed, view.device.grace).hours.values())
        self._pending.extend(sample_event(sample, self.project) for sample in taken)
        if len(self._pending) > _PENDING_LIMIT:
            self.status.dropped += len(self._pending) - _PENDING_LIMIT
            del self._pending[:len(self._pending) - _PENDING_LIMIT]
        self.status.pending = len(self._pending)

    async def run(self, stop: asyncio.Event, on_tick: Callable[[MonitorStatus], None] | None = None) -> MonitorStatus:
        """Sample and write until ``stop`` is set; then write what is left."""
        sampling = asyncio.create_task(self.sampler.run(stop))
        try:
            while not stop.is_set():
                try:
                    await asyncio.wait_for(stop.wait(), self.flush_every)
                except TimeoutError:
                    pass
                self._take()
                await asyncio.to_thread(self.flush)
                self.status.sampler_errors = list(self.sampler.stats.errors)
                if on_tick is not None:
                    on_tick(self.status)
        finally:
            await sampling
            self._take()
            await asyncio.to_thread(self.close)
        return self.status

    def flush(self) -> None:
        """Write what is pending in one transaction; on failure keep it for the next try."""
        batch, self._pending = self._pending, []
        if not batch:
            return
        try:
            if self._store is None:
                self._store = open_store(self.url)
            self._store.write(batch)
        except StoreError as exc:
            self._pending[:0] = batch
            self.status.error = str(exc)
            self._close_store()
        else:
            self.status.written += len(batch)
            self.status.error = None
        self.status.pending = len(self._pending)

    def close(self) -> None:
        self.flush()
        self._close_store()

    def _close_store(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


def run_until_signalled(monitor: Monitor, seconds: float | None, on_tick: Callable[[MonitorStatus], None]) -> MonitorStatus:
    """Run ``monitor`` until Ctrl-C or SIGTERM (or ``seconds``), then stop cleanly."""

    async def main() -> MonitorStatus:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(signum, stop.set)
            except (NotImplementedError, RuntimeError, ValueError):  # not the main thread, or Windows
                pass
        if seconds is not None:
            loop.call_later(seconds, stop.set)
        return await monitor.run(stop, on_tick)

    return asyncio.run(main())
