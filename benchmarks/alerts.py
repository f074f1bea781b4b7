"""Alerts: how soon a rule's notification reaches Slack once a device's outage has lasted the
rule's duration, and what evaluating costs.

1,000 devices probed for real by ``vpt monitor``'s monitor (pytest_vpt.producers.monitor: tcp
probes every 10 s of 1,000 listeners on 127.0.0.1, written into a SQLite store every
``--flush`` seconds) with the project's rules beside it exactly as ``vpt monitor`` runs them
(pytest_vpt.alerts.beside: the loop of ``vpt server``, told what each batch landed), and 50
video streams whose black screens come and go (their incidents, and four metrics, written
into the same store). The built-in rules plus 21 custom ones (error rates, response times,
metrics, streams) are evaluated every 10 s, delivering to a local Slack endpoint on 127.0.0.1
(tests/alert_endpoints.py). On a known schedule listeners are closed, so their probes really
fail, for 90 s (a "Bench Offline" rule fires after 30 s: one notification each, expected) or
for 15 s (a flap: none expected), then opened again.

The delay is counted from the moment the rule's duration elapsed: its condition's start plus
the duration. The condition (``device_status == "offline"``) starts when the product can know
the device is offline: at its first failed probe (the sample's time in the store; when a
device is probed is the monitor's setting, its interval, not the evaluator's). So the delay
is the notification's arrival at the Slack endpoint minus (first failed probe + 30 s): the
monitor's flush, the evaluation the landed batch rang (pending from then), the evaluation at
the end of the duration, the delivery. Its floor is the flush (``--flush``, 1 s) and the
extra evaluations' spacing (at most one a second); the evaluation interval does not enter it.
Beside it, the delay from the listener's close + 30 s: that adds the wait for the device's
next probe (up to its interval, 10 s), which nothing after the probe can shorten.

Printed: the evaluator's CPU as % of one core (its own thread's, not the monitor's; goal
< 5 %), the evaluations (how many, how many of them of every rule) and their time (p50,
max), notifications expected / received once / twice or more / missing / unexpected, the
delay after the duration elapsed (p50, p99, max), the delay after the listener's close +
30 s and the wait for the next probe in it, the ratio of the p99 delay to the goal (interval
+ 1 s), and last the p99 delay in seconds.

    python benchmarks/alerts.py [--minutes 10] [--devices 1000] [--every 10] [--flush 1]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import resource
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from alert_endpoints import AlertEndpoints  # noqa: E402

from pytest_vpt.alerts.beside import RulesBeside  # noqa: E402
from pytest_vpt.alerts.evaluator import Evaluator  # noqa: E402
from pytest_vpt.devices import parse_devices  # noqa: E402
from pytest_vpt.events import make_event  # noqa: E402
from pytest_vpt.events.builders import incident_event  # noqa: E402
from pytest_vpt.history import History  # noqa: E402
from pytest_vpt.producers.monitor import Monitor, run_until_signalled  # noqa: E402
from pytest_vpt.sinks import open_sink  # noqa: E402

DURATION = 30.0
OUTAGE = 90.0
FLAP = 15.0
INTERVAL = 10.0  # each device's probe interval
FIRST_PORT = 21000  # below the ephemeral range: no outgoing connection takes a closed listener's port


def custom_rules() -> list[dict]:
    rules = [{"name": "Bench Offline", "condition": 'device_status == "offline"', "duration": f"{DURATION:g}s",
              "severity": "critical", "summary": "{device} offline"}]
    rules += [{"name": f"Error rate {n}", "condition": f"error_rate({n + 1}m) > {50 + n}%", "duration": "1m"}
              for n in range(8)]
    rules += [{"name": f"Slow {n}", "condition": f'response_time.p{(50, 90, 95, 99)[n % 4]}(5m) > {2 + n}s '
               'and device_status == "online"', "duration": "2m"} for n in range(6)]
    rules += [{"name": f"Launch {n}", "condition": f'metric("launch_time", app="app{n}").p95 > 3',
               "duration": "1m", "group_by": ["device"]} for n in range(4)]
    rules += [{"name": "Black long", "condition": "black_screen == true", "duration": "2m"},
              {"name": "Stream trouble", "condition": "black_screen == true or freeze_detected == true",
               "duration": "5m"}]
    return rules


def schedule(devices: int, seconds: float) -> dict[int, tuple[float, float]]:
    """device -> (closed at, opened again at), in seconds from the start: three closes every
    7 s, at every phase of the probes' 10 s (half a second off them, so none races its probe)."""
    plan: dict[int, tuple[float, float]] = {}
    at, n = 15.5, 0
    while at + OUTAGE + 2 * INTERVAL < seconds:
        for k in range(3):
            device = (n * 37 + k * 101) % devices
            if device not in plan:
                plan[device] = (at + k * 3.0, at + k * 3.0 + (FLAP if (n + k) % 4 == 0 else OUTAGE))
        n += 1
        at += 7.0
    return plan


class Listeners:
    """TCP ports on 127.0.0.1 that accept a connection and hang up, each closed (it stops
    listening: a probe's connection is refused) and opened again on its port on command."""

    def __init__(self, count: int) -> None:
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True, name="bench-listeners").start()
        self.servers: list[asyncio.Server | None] = [None] * count
        self.ports = _free_ports(count)
        for index in range(count):
            self.open(index)

    def _call(self, coroutine) -> None:
        asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(30)

    def open(self, index: int) -> None:
        async def start() -> None:
            self.servers[index] = await asyncio.start_server(_hang_up, "127.0.0.1", self.ports[index],
                                                             reuse_address=True, backlog=256)
        self._call(start())

    def close(self, index: int) -> float:
        """Stop listening on the port: when it stopped."""
        async def stop() -> None:
            server, self.servers[index] = self.servers[index], None
            server.close()
        self._call(stop())
        return time.time()

    def shut(self) -> None:
        for index, server in enumerate(self.servers):
            if server is not None:
                self.close(index)
        self.loop.call_soon_threadsafe(self.loop.stop)


async def _hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.close()


def _free_ports(count: int) -> list[int]:
    found: list[int] = []
    port = FIRST_PORT
    while len(found) < count and port < 32768:
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(("127.0.0.1", port))
                found.append(port)
            except OSError:
                pass
        port += 1
    if len(found) < count:
        raise SystemExit(f"only {len(found)} free ports from {FIRST_PORT}, not {count}")
    return found


def raise_fd_limit(needed: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed if hard == resource.RLIM_INFINITY else min(needed, hard),
                                                    hard))


def thread_cpu(prefix: str) -> float:
    """CPU seconds of this process's live threads named ``prefix``... (Linux: /proc)."""
    total = 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    for thread in threading.enumerate():
        if thread.name.startswith(prefix) and thread.native_id is not None:
            try:
                fields = Path(f"/proc/self/task/{thread.native_id}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total


def timed_evaluations(costs: list[float], cpu: list[float], full: list[int]) -> None:
    """Have every evaluation count its own thread's CPU and its time (the loop's evaluator),
    and the evaluations of every rule."""
    evaluate = Evaluator.evaluate

    def measured(self, now, rules=None):
        began_cpu, began = time.thread_time(), time.perf_counter()
        try:
            return evaluate(self, now, rules)
        finally:
            cpu[0] += time.thread_time() - began_cpu
            costs.append(time.perf_counter() - began)
            full[0] += rules is None

    Evaluator.evaluate = measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--devices", type=int, default=1000)
    parser.add_argument("--streams", type=int, default=50)
    parser.add_argument("--every", type=float, default=10.0)
    parser.add_argument("--flush", type=float, default=1.0, help="vpt monitor --flush: seconds between writes")
    options = parser.parse_args()
    seconds = options.minutes * 60
    raise_fd_limit(options.devices * 2 + 1024)
    workdir = Path(tempfile.mkdtemp(prefix="vpt-alerts-bench-"))
    url = f"sqlite:///{workdir / 'vpt.db'}"
    plan = schedule(options.devices, seconds)
    listeners = Listeners(options.devices)
    names = [f"dev-{n:04d}" for n in range(options.devices)]
    devices = parse_devices([{"id": names[n], "probe": {"type": "tcp", "host": "127.0.0.1", "port": port},
                              "interval": INTERVAL, "timeout": 2} for n, port in enumerate(listeners.ports)],
                            "benchmark")
    (workdir / "vpt.yaml").write_text(json.dumps({"alerts": {
        "every": f"{options.every:g}s",
        "channels": {"slack": {"type": "slack", "url": "${VPT_BENCH_SLACK_URL}", "max_groups": 1000}},
        "rules": custom_rules()}}), encoding="utf-8")
    costs: list[float] = []
    cpu = [0.0]
    full = [0]
    timed_evaluations(costs, cpu, full)
    closed: dict[int, float] = {}
    with AlertEndpoints() as endpoints, History.open(url, create=True) as writer:
        os.environ["VPT_BENCH_SLACK_URL"] = endpoints.slack_url("bench")
        beside = RulesBeside(url, workdir)
        monitor = Monitor(devices, open_sink(url, workdir, retry_every=30.0), "bench", options.flush, beside)
        stop = threading.Event()
        start = time.time()

        def outages() -> None:
            """Close and open the listeners on the schedule."""
            steps = sorted([(down, "close", n) for n, (down, _) in plan.items()] +
                           [(up, "open", n) for n, (_, up) in plan.items()])
            for at, what, n in steps:
                if stop.wait(max(0.0, start + at - time.time())):
                    return
                if what == "close":
                    closed[n] = listeners.close(n)
                else:
                    listeners.open(n)

        def streams() -> None:
            """Every 10 s: black screens every other minute on 5 of the streams, four metrics' samples."""
            tick = 0
            while not stop.wait(max(0.0, start + tick * 10.0 - time.time())):
                now = time.time()
                t = now - start
                events = [incident_event("bench", "black_screen", f"stream-{s:02d}", start + (t // 60) * 60, t % 60,
                                         "critical") for s in range(0, options.streams, 10) if int(t // 60) % 2 == 0]
                events += [make_event("metric", f"m-{now}-{a}", {
                    "vpt.project": "bench", "vpt.metric.name": "launch_time", "vpt.metric.kind": "gauge",
                    "vpt.metric.value": 1.0 + a, "vpt.metric.tags": {"app": f"app{a}", "device": names[a]},
                    "vpt.metric.time": now}) for a in range(4)]
                writer.store.write(events)
                tick += 1

        threads = [threading.Thread(target=outages), threading.Thread(target=streams)]
        for thread in threads:
            thread.start()
        rules = len(custom_rules())
        print(f"{options.devices} devices probed (tcp, every {INTERVAL:g} s, flush {options.flush:g} s), "
              f"{options.streams} streams, the built-in rules + {rules} custom, every {options.every:g} s, "
              f"{options.minutes:g} min; {sum(1 for d, u in plan.values() if u - d == OUTAGE)} outages, "
              f"{sum(1 for d, u in plan.values() if u - d == FLAP)} flaps", flush=True)
        cpu_before = time.process_time()
        delivery_cpu = [0.0]

        def last_tick(status) -> None:  # the delivery threads' CPU while they are alive
            delivery_cpu[0] = max(delivery_cpu[0], thread_cpu("vpt-alert-"))

        status = run_until_signalled(monitor, seconds, last_tick)
        process_cpu = time.process_time() - cpu_before
        wall = time.time() - start
        stop.set()
        for thread in threads:
            thread.join(60)
        listeners.shut()
        received: Counter[str] = Counter()
        arrivals: dict[str, float] = {}
        for request in endpoints.received("/slack/"):
            body = request.json()
            if not body["text"].startswith("FIRING") or "Bench Offline" not in body["text"]:
                continue
            for device in set(re.findall(r"dev-\d{4}", json.dumps(body["blocks"]))):
                received[device] += 1
                arrivals.setdefault(device, request.at)
        first_offline = {row["device_id"]: row["first"] for row in writer.store.conn.execute(
            "SELECT device_id, min(time) AS first FROM device_samples WHERE online = 0 GROUP BY device_id")}
    # an outage is expected told when its duration, the probe's wait, the flush and an interval fit the run
    margin = DURATION + INTERVAL + options.flush + options.every + 5.0
    outage_of = {names[n]: closed[n] for n, (down, up) in plan.items() if up - down == OUTAGE and n in closed}
    expected = {d: at + DURATION for d, at in outage_of.items() if at + margin < start + wall}
    delays = sorted(arrivals[d] - first_offline[d] - DURATION for d in expected  # the headline
                    if d in arrivals and d in first_offline)
    after_close = sorted(arrivals[d] - at for d, at in expected.items() if d in arrivals)
    waits = sorted(first_offline[d] - outage_of[d] for d in expected if d in first_offline)
    once = sum(1 for d in expected if received[d] == 1)
    twice = sum(1 for d in expected if received[d] > 1)
    missing = sum(1 for d in expected if received[d] == 0)
    unexpected = sum(n for d, n in received.items() if d not in outage_of)

    def p99(values: list[float]) -> float:
        return values[min(len(values) - 1, int(0.99 * len(values)))] if values else float("nan")

    print(f"evaluations: {len(costs)}, {full[0]} of every rule (every {options.every:g} s) and "
          f"{len(costs) - full[0]} of the rules a batch's news or a duration's end concerned; each p50 "
          f"{statistics.median(costs) * 1000:.0f} ms, max {max(costs) * 1000:.0f} ms")
    print(f"evaluator CPU: {100 * cpu[0] / wall:.2f} % of one core (goal < 5 %); its deliveries' threads "
          f"{100 * delivery_cpu[0] / wall:.2f} %; the rest of the process (the monitor, listeners, streams) "
          f"{100 * (process_cpu - cpu[0] - delivery_cpu[0]) / wall:.1f} %")
    print(f"monitor: {sum(view.samples for view in status.devices.values())} samples, "
          f"{sum(view.failed for view in status.devices.values())} failed; {status.beside}")
    print(f"notifications expected {len(expected)}: received once {once}, twice or more {twice}, "
          f"missing {missing}; unexpected {unexpected}")
    if delays:
        print(f"delay after the duration elapsed (first failed probe + {DURATION:g} s): p50 "
              f"{statistics.median(delays):.2f} s, p99 {p99(delays):.2f} s, max {delays[-1]:.2f} s")
        print(f"delay after the listener's close + {DURATION:g} s (the wait for the device's next probe added): "
              f"p50 {statistics.median(after_close):.2f} s, p99 {p99(after_close):.2f} s, max {after_close[-1]:.2f} s; "
              f"the wait: p50 {statistics.median(waits):.2f} s, p99 {p99(waits):.2f} s, max {waits[-1]:.2f} s "
              f"(the probe interval {INTERVAL:g} s)")
        print(f"p99 / goal (interval + 1 s): {p99(delays) / (options.every + 1):.2f}")
    print(f"p99 delay: {p99(delays):.2f} s")


if __name__ == "__main__":
    main()
