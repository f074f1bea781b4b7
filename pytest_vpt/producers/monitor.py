"""The device monitor: sample every registered device for as long as it runs, emitting the
samples into a sink as it goes (a store, or a vpt server; the store derives incidents and
hourly health from them).

It keeps its own account of each device (the same fold the store runs) for a live view, and
hands the samples to the sink in the background every ``flush_every`` seconds, so probes
keep their schedule; what the sink cannot write goes to its spool (see sinks.base). What runs
beside it (``beside``: the project's alert rules, see producers.beside) starts once the sink is
open and stops after it is closed; what it says is in the status (``MonitorStatus.beside``).
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..analytics.devices import DeviceState, TimedSample, fold
from ..devices import Device, Sample, Sampler
from ..devices.events import device_event, sample_event
from ..sinks import Sink, SinkReport, open_sink
from ..store import StoreURL
from .beside import Beside, attach


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
    sink: SinkReport  # what the sink did so far: written (or sent), spooled, lost, why
    sampler_errors: list[str] = field(default_factory=list)
    beside: str | None = None  # what runs beside the monitor says (``alerts: 2 firing``)


class Monitor:
    """Samples ``devices`` into ``sink`` (or a sink on the store at that URL) until stopped."""

    def __init__(self, devices: list[Device], sink: Sink | StoreURL, project: str, flush_every: float = 5.0,
                 beside: Beside | None = None) -> None:
        self.beside = beside
        self.sink = open_sink(sink, Path.cwd()) if isinstance(sink, StoreURL) else sink
        attach(beside, self.sink)
        self.devices = devices
        self.project = project
        self.flush_every = flush_every
        self.status = MonitorStatus({d.id: DeviceView(d) for d in devices}, time.time(), self.sink.report)
        self.sampler = Sampler(devices, self._on_sample)
        self._taken: list[Sample] = []

    def _on_sample(self, sample: Sample) -> None:
        self._taken.append(sample)

    def _take(self) -> None:
        """Account for the samples taken since the last tick: the views, and the sink."""
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
        for sample in taken:
            self.sink.emit(sample_event(sample, self.project))

    async def run(self, stop: asyncio.Event, on_tick: Callable[[MonitorStatus], None] | None = None) -> MonitorStatus:
        """Sample and write until ``stop`` is set; then write what is left. The sink is opened
        (what earlier runs spooled is sent first) and closed here, off the event loop."""
        await asyncio.to_thread(self.open)
        if self.beside is not None:
            self.beside.start()
        sampling = asyncio.create_task(self.sampler.run(stop))
        try:
            while not stop.is_set():
                try:
                    await asyncio.wait_for(stop.wait(), self.flush_every)
                except TimeoutError:
                    pass
                await asyncio.to_thread(self.flush)
                self.status.sampler_errors = list(self.sampler.stats.errors)
                if on_tick is not None:
                    on_tick(self.status)
        finally:
            await sampling
            await asyncio.to_thread(self.close)
            if self.beside is not None:
                await asyncio.to_thread(self.beside.stop)
                self.status.beside = self.beside.summary()
        return self.status

    def open(self) -> None:
        """Open the sink and describe the devices to it."""
        self.sink.open()
        for device in self.devices:
            self.sink.emit(device_event(device.describe(), self.project, self.status.started_at, self.flush_every))

    def flush(self) -> None:
        """Hand the samples taken so far to the sink, and have it write them; then hear what
        runs beside."""
        self._take()
        self.sink.flush()
        if self.beside is not None:
            self.status.beside = self.beside.summary()

    def close(self) -> None:
        self._take()
        self.sink.close()


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
