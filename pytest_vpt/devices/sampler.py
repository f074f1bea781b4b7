"""Sampling: probe devices with a time limit, one sample per probe, each device at its interval.

The sampler runs on an asyncio loop (the monitor's, or a thread of its own during a pytest
run). Probes are bounded three ways: each by its device's timeout, all together by
``max_probes`` at once, and those that start a process by ``max_processes`` at once.
Whatever goes wrong inside a probe becomes an offline sample with the error's text; what
goes wrong in the sampler itself is counted in :class:`SamplerStats` and never raised.

Each device's rate has a ceiling: it is probed at most once per interval, and never more
often than :data:`~pytest_vpt.devices.registry.MIN_INTERVAL` allows (also for a
:class:`Device` built in code). After a probe that started late the next one waits at least
95% of an interval (:data:`JITTER` allows for the timer), so a late wake-up never brings a
catch-up burst.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from .probes import ProbeFailed
from .registry import MIN_INTERVAL, Device

JITTER = 0.05  # of an interval: how early a probe may follow a late one (timer jitter), keeping the shared schedule


@dataclass(frozen=True)
class Sample:
    """One probe of one device: when it started, online or not, how long it took, and what it said."""

    device: str
    time: float
    online: bool
    response_time: float | None
    error: str | None = None
    values: dict[str, float] = field(default_factory=dict)
    interval: float | None = None  # the sampling interval this sample stands for (None: a one-off probe)


@dataclass
class SamplerStats:
    """How well the sampler kept its schedule, and its own failures."""

    samples: int = 0
    max_lateness: float = 0.0  # seconds a probe started after its scheduled time, at worst
    late: int = 0  # probes that started later than their device's timeout
    errors: list[str] = field(default_factory=list)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, ProbeFailed):
        return str(exc)
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, OSError):
        return exc.strerror or str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


async def probe(device: Device) -> Sample:
    """Probe ``device`` once, within its timeout; never raises (an error is an offline sample)."""
    started, clock = time.time(), time.perf_counter()
    try:
        async with asyncio.timeout(device.timeout):
            outcome = await device.probe.check()
    except TimeoutError:
        return Sample(device.id, started, False, None, f"no answer within {device.timeout:g}s")
    except Exception as exc:  # noqa: BLE001 - any failure of a probe means the device did not answer
        return Sample(device.id, started, False, None, _describe(exc))
    elapsed = outcome.response_time if outcome.response_time is not None else time.perf_counter() - clock
    return Sample(device.id, started, outcome.online, elapsed, outcome.error, dict(outcome.values))


def probe_once(device: Device) -> Sample:
    """Probe ``device`` once from synchronous code (not from inside a running event loop)."""
    return asyncio.run(probe(device))


class Sampler:
    """Probes each device every ``interval`` seconds (fixed rate) and hands each sample to ``on_sample``."""

    def __init__(
        self, devices: Iterable[Device], on_sample: Callable[[Sample], None],
        max_probes: int = 64, max_processes: int = 8,
    ) -> None:
        self.devices = list(devices)
        self.on_sample = on_sample
        self.stats = SamplerStats()
        self._limits = (max_probes, max_processes)

    async def run(self, stop: asyncio.Event) -> None:
        """Sample until ``stop`` is set.

        Every device's schedule starts at the same moment, so probes that are due together
        run together: waking a process costs more than a probe does, so one wake-up for
        many probes keeps the sampler's CPU low.
        """
        probes, processes = asyncio.Semaphore(self._limits[0]), asyncio.Semaphore(self._limits[1])
        start = asyncio.get_running_loop().time()
        tasks = [asyncio.create_task(self._device_loop(device, start, stop, probes, processes)) for device in self.devices]
        try:
            await stop.wait()
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _device_loop(
        self, device: Device, due: float, stop: asyncio.Event, probes: asyncio.Semaphore, processes: asyncio.Semaphore,
    ) -> None:
        loop = asyncio.get_running_loop()
        interval = max(device.interval, MIN_INTERVAL)
        while not stop.is_set():
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            started = loop.time()
            try:
                async with probes:
                    started = loop.time()
                    lateness = started - due
                    if device.probe.spawns:
                        async with processes:
                            sample = await probe(device)
                    else:
                        sample = await probe(device)
                self._deliver(replace(sample, interval=interval), device, lateness)
            except Exception as exc:  # noqa: BLE001 - the sampler reports its own failures, never raises
                self._error(f"sampling {device.id}: {type(exc).__name__}: {exc}")
            due = max(due + interval, started + interval * (1 - JITTER))  # late: no catch-up burst
            now = loop.time()
            if due < now:  # the probe outlasted its interval: skip the slots it missed
                due += (now - due) // interval * interval + interval

    def _deliver(self, sample: Sample, device: Device, lateness: float) -> None:
        stats = self.stats
        stats.samples += 1
        if lateness > stats.max_lateness:
            stats.max_lateness = lateness
        if lateness > device.timeout:
            stats.late += 1
        try:
            self.on_sample(sample)
        except Exception as exc:  # noqa: BLE001
            self._error(f"handling a sample of {device.id}: {type(exc).__name__}: {exc}")

    def _error(self, text: str) -> None:
        if len(self.stats.errors) < 20 and text not in self.stats.errors:
            self.stats.errors.append(text)


class BackgroundSampler:
    """A :class:`Sampler` on a daemon thread of its own: for a pytest session."""

    def __init__(self, sampler: Sampler) -> None:
        self.sampler = sampler
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._started = threading.Event()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._main, name="vpt-device-sampler", daemon=True)
        self._thread.start()
        self._started.wait(5)

    def _main(self) -> None:
        async def main() -> None:
            self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
            self._started.set()
            await self.sampler.run(self._stop)

        try:
            asyncio.run(main())
        except Exception as exc:  # noqa: BLE001
            self.sampler._error(f"the sampler stopped: {type(exc).__name__}: {exc}")
        finally:
            self._started.set()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop sampling; probes in flight are cancelled (a process probe's process is killed)."""
        if self._loop is not None and self._stop is not None and not self._loop.is_closed():
            try:
                self._loop.call_soon_threadsafe(self._stop.set)
            except RuntimeError:  # the loop has just finished
                pass
        if self._thread is not None:
            self._thread.join(timeout)
