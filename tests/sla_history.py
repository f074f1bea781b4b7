"""A small history for the SLA tests, its figures worked out by hand: two ISO weeks (W0, W1,
the latest complete one) of runs, devices and the service's samples.

W0, Monday (T): r1 at T+1h: a passed (1 s), b passed (3 s), c failed (5 s); stb-1 sampled every
minute for an hour, offline 6 samples in a row (an incident), stb-2 online throughout.
W0, Tuesday: r2: a, b, c passed (1, 3, 5 s). The service: one interval, 2 batches, p95 0.3 s.
  week: pass rate 5/6, mean test 3.0 s, uptime (54 + 60) / 120 = 95 %, ingest 300 ms.
  Monday alone: pass rate 2/3, uptime 95 %.
W1, Monday: r3: a passed (1 s), b passed (3 s), c failed (5 s), d failed (7 s); stb-1 online
throughout. The service: intervals of 1 batch at p95 0.2 s and 3 batches at p95 0.8 s.
  week: pass rate 2/4, mean test 4.0 s, uptime 100 %, ingest (0.2 + 3 * 0.8) / 4 = 650 ms.
"""

from __future__ import annotations

import time

from pytest_vpt.events import builders, make_event
from pytest_vpt.history import History, ServiceSample
from pytest_vpt.sla import periods
from pytest_vpt.store import open_store
from pytest_vpt.store.after_write import after_write

DAY, HOUR, WEEK = 86400.0, 3600.0, 7 * 86400.0
NOW = periods.start_of(time.time(), "weekly") + 3 * HOUR  # Monday 03:00 of this week
W1 = NOW - 3 * HOUR - WEEK
T = W1 - WEEK  # W0's Monday
RUNS = {"r1": (T + HOUR, {"t.py::a": ("passed", 1.0), "t.py::b": ("passed", 3.0), "t.py::c": ("failed", 5.0)}),
        "r2": (T + DAY + HOUR, {"t.py::a": ("passed", 1.0), "t.py::b": ("passed", 3.0), "t.py::c": ("passed", 5.0)}),
        "r3": (W1 + HOUR, {"t.py::a": ("passed", 1.0), "t.py::b": ("passed", 3.0), "t.py::c": ("failed", 5.0),
                           "t.py::d": ("failed", 7.0)})}
TARGETS = {"device_uptime": "99.5%", "test_pass_rate": "80%", "avg_test_duration": "3.5s",
           "api_response_time": "500ms"}


def run_batch(run_id: str, at: float | None = None, tests: dict | None = None) -> list[dict]:
    """Run ``run_id`` of RUNS (or at ``at`` with ``tests``: node id -> (outcome, seconds))."""
    if at is None or tests is None:
        at, tests = RUNS[run_id]
    common = {"vpt.run.id": run_id, "vpt.project": "box"}
    run = {**common, "vpt.run.started_at": at, "vpt.run.exit_status": 0, "vcs.ref.head.revision": "c1",
           "vcs.ref.head.name": "main"}
    events = [make_event("run", f"{run_id}-started", {**run, "vpt.run.status": "running"})]
    for index, (nodeid, (outcome, seconds)) in enumerate(tests.items()):
        events.append(make_event("test", f"{run_id}-{index}", {
            **common, "test.case.name": nodeid, "vpt.test.attempt": 1, "vpt.test.final": True,
            "vpt.test.outcome": outcome, "vpt.test.started_at": at + 10 * index, "vpt.test.duration.call": seconds}))
    events.append(make_event("run", f"{run_id}-finished", {**run, "vpt.run.status": "finished",
                                                          "vpt.run.finished_at": at + 600}))
    return events


def device_batch(device: str, start: float, offline: range = range(0)) -> list[dict]:
    return [builders.device_event("box", device, "stb", "tcp", 60.0, 5.0, 120.0, start),
            *(builders.device_sample_event("box", device, start + i * 60, i not in offline, 60.0) for i in range(60))]


def sample(at: float, batches: int, p95: float) -> ServiceSample:
    return ServiceSample("host:1", at, 300.0, batches, 0, 0, batches, batches * 10, p95 / 2, p95, p95, 0.01, None,
                         None, 0, 0.0, None, None)


def write(url: str) -> None:
    batches = [run_batch("r1"), run_batch("r2"), run_batch("r3"), device_batch("stb-1", T + 2 * HOUR, range(20, 26)),
               device_batch("stb-2", T + 2 * HOUR), device_batch("stb-1", W1 + 2 * HOUR)]
    with open_store(url) as store:
        for batch in batches:
            store.write(batch)
            after_write(store, batch)
    with History.open(url, project="box") as history:
        history.record_service_sample(sample(T + DAY + 5 * HOUR, 2, 0.3))
        history.record_service_sample(sample(W1 + 5 * HOUR, 1, 0.2))
        history.record_service_sample(sample(W1 + 6 * HOUR, 3, 0.8))
