"""A realistic history for the dashboards, written by the product's own writers (store.write and
after_write, batch by batch as a recorder sends them), scalable for benchmarks.

Over ``days`` UTC days ending at ``end``: runs on two branches, each running ``tests`` tests on
two devices with markers; most pass, some are flaky (fail, then pass on a rerun), one is broken
from the middle of the history, one fails with a timeout now and then, and durations spread from
tenths of a second to minutes. Devices are probed every ``sample_every`` seconds with response
times and a temperature, with outages (one within the grace, longer ones that are incidents).
Streams have black screens and freezes and a quality score every hour; the tests record a
custom metric, and each run its code coverage. The service (two server processes) stores its own
figures every ``service_every`` seconds through its sampler: ingest requests and their latencies,
reads, refusals (4xx), an hour of 5xx on the second day, batches and events written, CPU and memory.
Each day is judged against :data:`SLA`'s targets, as ``vpt sla report`` stores them.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

from pytest_vpt.events import builders
from pytest_vpt.history import History
from pytest_vpt.server.metrics import ServiceMetrics
from pytest_vpt.server.sampling import INGEST_ROUTE, Sampler
from pytest_vpt.sla import parse as parse_sla
from pytest_vpt.sla.compliance import judge
from pytest_vpt.store import open_store
from pytest_vpt.store.after_write import after_write

DAY, HOUR = 86400.0, 3600.0
PROJECT = "box"
DEVICES = ("stb-1", "stb-2")
STREAMS = ("rtsp://cam/1", "rtsp://cam/2")
BRANCHES = ("main", "dev")
MARKERS = (["smoke"], ["regression"], ["regression", "video"])
#: the metrics the history records: the tests' boot time, each run's coverage, the streams' score
METRICS = ("boot.seconds", "video.quality_score", "vpt.coverage.percent")
#: the server processes (host:pid) whose figures the service stores
INSTANCES = ("vpt-server:101", "vpt-server:102")
#: the SLA targets each day is judged against
SLA = parse_sla({"targets": {"device_uptime": "99.5%", "test_pass_rate": "95%", "avg_test_duration": "120s",
                             "api_response_time": "500ms"}})


@dataclass(frozen=True)
class Scale:
    """How much history: days, runs a day, tests a run, seconds between device probes and
    between the service's samples of its own figures."""

    days: int = 4
    runs_per_day: int = 4
    tests: int = 12
    sample_every: float = 300.0
    service_every: float = 900.0


def _attempts(run_id: str, at: float, index: int, scale: Scale, rng: random.Random) -> Iterator[dict]:
    """The attempts of a run's tests: letters per test (P passed, F failed, E error, S skipped)."""
    half = scale.days * scale.runs_per_day // 2
    clock = at + 1.0
    for number in range(scale.tests):
        nodeid = f"tests/test_box.py::test_{number:03d}"
        if number == 0:
            letters = "F" if index >= half else "P"  # broken from the middle of the history
        elif number in (1, 2):
            letters = "FP" if rng.random() < 0.4 else "P"  # flaky: passes on a rerun
        elif number == 3:
            letters = "E" if index % 3 == 0 else "P"  # a timeout now and then
        elif number == 4:
            letters = "S"
        else:
            letters = "P"
        device = DEVICES[number % len(DEVICES)]
        for attempt, letter in enumerate(letters, start=1):
            final = attempt == len(letters)
            outcome = {"P": "passed", "S": "skipped", "E": "error"}.get(letter, "failed" if final else "rerun")
            call = round(0.1 * (1.3 ** (number % 12)) * (1 + rng.random()), 3)
            error = {"F": "AssertionError", "E": "TimeoutError"}.get(letter)
            yield builders.attempt_event(
                f"{run_id}-{number}-{attempt}", run_id=run_id, project=PROJECT, nodeid=nodeid, outcome=outcome,
                attempt=attempt, final=final, started_at=clock, finished_at=clock + call, call=call,
                markers=MARKERS[number % len(MARKERS)], device=device, error_type=error if outcome != "passed" else None,
                error_message="boom" if error else None, path="tests/test_box.py")
            clock += call + 0.01


def run_batches(end: float, scale: Scale = Scale(), seed: int = 7) -> Iterator[list[dict]]:
    """Every run as a recorder writes it: its start, its tests (and a metric), then its finish."""
    rng = random.Random(seed)
    start = end - scale.days * DAY
    every = DAY / scale.runs_per_day
    for index in range(scale.days * scale.runs_per_day):
        at = start + index * every + 600.0
        run_id = f"run-{index:05d}"
        context = {"vcs.ref.head.name": BRANCHES[index % 2], "vcs.ref.head.revision": f"{index:040x}"}
        yield [builders.run_event(run_id, PROJECT, "running", at, context=context)]
        attempts = list(_attempts(run_id, at, index, scale, rng))
        metric = builders.metric_event(f"{run_id}-boot", PROJECT, "boot.seconds", 20 + rng.random() * 5, "gauge",
                                       at + 5, unit="s", run_id=run_id, tags={"device": DEVICES[0]})
        coverage = builders.metric_event(f"{run_id}-coverage", PROJECT, "vpt.coverage.percent", coverage_of(index),
                                         "gauge", at + 6, unit="%", run_id=run_id)
        yield [*attempts, metric, coverage]
        finished = max(a["vpt.test.finished_at"] for a in attempts) + 2.0
        yield [builders.run_event(run_id, PROJECT, "finished", at, finished_at=finished, exit_status=1,
                                  counts=counts(attempts), context=context, cpu_seconds=5.0)]


def coverage_of(index: int) -> float:
    """The code coverage (percent) run ``index`` records: 80, 80.5, ... 81.5, then 80 again."""
    return 80.0 + 0.5 * (index % 4)


def counts(attempts: list[dict]) -> dict[str, int]:
    """A run's counts as the recorder sends them: its tests, their final outcomes, the reruns."""
    found = {"tests": 0, "rerun": 0}
    for attempt in attempts:
        outcome = attempt["vpt.test.outcome"]
        found[outcome] = found.get(outcome, 0) + 1
        found["tests"] += 1 if attempt["vpt.test.final"] else 0
    return found


def device_batches(end: float, scale: Scale = Scale(), seed: int = 11) -> Iterator[list[dict]]:
    """The devices, then their samples an hour at a time: stb-1 offline for two probes once (within
    its grace) and for an hour on the second day (an incident); stb-2 drops out for 20 minutes
    every day; the last outage of stb-2 is still going on at ``end``."""
    rng = random.Random(seed)
    start = end - scale.days * DAY
    every = scale.sample_every
    yield [builders.device_event(PROJECT, device, "stb", "tcp", every, 5.0, 2 * every, start) for device in DEVICES]
    batch: list[dict] = []
    moment = start
    while moment < end:
        offset = moment - start
        for device in DEVICES:
            if device == "stb-1":
                online = not (DAY + 2 * HOUR <= offset < DAY + 3 * HOUR or 5 * HOUR <= offset < 5 * HOUR + 2 * every)
            else:
                online = not (offset % DAY >= 12 * HOUR and offset % DAY < 12 * HOUR + 1200) \
                    and not offset >= scale.days * DAY - 3 * every
            batch.append(builders.device_sample_event(
                PROJECT, device, moment, online, every,
                response_time=round(0.02 + rng.random() * 0.05, 4) if online else None,
                error=None if online else "connection refused",
                values={"temperature": round(40 + rng.random() * 8, 1)}))
        moment += every
        if len(batch) >= 2 * HOUR / every:
            yield batch
            batch = []
    if batch:
        yield batch


def video_batches(end: float, scale: Scale = Scale(), seed: int = 13) -> Iterator[list[dict]]:
    """Per stream and day: a black screen and a freeze; a quality score every hour."""
    rng = random.Random(seed)
    start = end - scale.days * DAY
    for day in range(scale.days):
        batch = []
        for number, stream in enumerate(STREAMS):
            at = start + day * DAY + (9 + number) * HOUR
            batch.append(builders.incident_event(PROJECT, "black_screen", stream, at, 4.0, "major", end=at + 4.0))
            batch.append(builders.incident_event(PROJECT, "freeze", stream, at + 1800, 2.5, "minor", end=at + 1802.5))
            for hour in range(24):
                moment = start + day * DAY + hour * HOUR + 60
                batch.append(builders.metric_event(
                    f"score-{stream}-{moment}", PROJECT, "video.quality_score", round(70 + rng.random() * 30, 1),
                    "gauge", moment, tags={"source": stream}))
        yield batch


class _Process:
    """A server process's CPU seconds and resident memory, as the sampler reads them: each
    interval a few percent of a core, memory growing slowly."""

    def __init__(self, every: float, rng: random.Random) -> None:
        self.every, self.rng, self.cpu, self.rss = every, rng, 0.0, 80e6

    def __call__(self) -> tuple[float, float]:
        self.cpu += self.every * (0.02 + 0.06 * self.rng.random())
        self.rss += 1e4 * self.rng.random()
        return self.cpu, self.rss


def write_service_samples(store, end: float, scale: Scale = Scale(), seed: int = 17, size_every: float = 300.0) -> int:
    """The service's own figures over the history, as its sampler stores them every
    ``scale.service_every`` seconds for each of :data:`INSTANCES` (reading the store's size
    every ``size_every`` seconds): how many samples."""
    rng = random.Random(seed)
    start, every = end - scale.days * DAY, scale.service_every
    history = History(store)
    taken = 0
    for number, instance in enumerate(INSTANCES):
        metrics = ServiceMetrics()
        sampler = Sampler(metrics, instance, started=start, size_every=size_every, process=_Process(every, rng))
        moment = start + every
        while moment <= end:
            outage = DAY + 6 * HOUR <= moment - start < DAY + 7 * HOUR  # the store unreachable: 503s
            for _ in range(rng.randint(5, 20)):
                if outage:
                    metrics.latency.labels(*INGEST_ROUTE, "503").observe(0.005 + 0.01 * rng.random())
                    continue
                events = rng.randint(10, 500)
                write = 0.002 * events * (1 + rng.random())
                metrics.write.observe(write)
                metrics.batch.observe(events)
                metrics.events.labels("test").inc(events)
                metrics.latency.labels(*INGEST_ROUTE, "200").observe(write + 0.01 + 0.05 * rng.random())
            for _ in range(rng.randint(0, 5)):
                metrics.latency.labels("GET", "/api/v1/runs", "200").observe(0.01 + 0.1 * rng.random())
            if rng.random() < 0.2 + 0.1 * number:
                metrics.latency.labels(*INGEST_ROUTE, "401").observe(0.001)
            sampler.take(history, moment)
            taken += 1
            moment += every
    return taken


def seed(url: str, end: float, scale: Scale = Scale()) -> None:
    """Write the whole history into the store at ``url`` (made if missing)."""
    with open_store(url) as store:
        for batches in (run_batches(end, scale), device_batches(end, scale), video_batches(end, scale)):
            for batch in batches:
                store.write(batch)
                after_write(store, batch)
        write_service_samples(store, end, scale)
        history = History(store, PROJECT)
        first = (end // DAY - scale.days + 1) * DAY
        for day in range(scale.days):
            judge(history, SLA.targets, "daily", first + day * DAY, now=end)
