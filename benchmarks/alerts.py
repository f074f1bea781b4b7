"""Alerts: how soon a rule's notification reaches Slack once its duration has elapsed, and
what evaluating costs.

1,000 devices sampled every 10 s, each at its own second of the ten (their samples written to a SQLite store as ``vpt monitor``
writes them) and 50 video streams whose black screens come and go, the built-in rules plus 20
custom ones (error rates, response times, metrics, streams), evaluated every 10 s by the
loop ``vpt alerts run`` and ``vpt server`` use, delivering to a local Slack endpoint on
127.0.0.1 (tests/alert_endpoints.py). On a known schedule, devices go offline for 90 s (a
"Bench Offline" rule fires after 30 s: one notification each, expected) or flap for 15 s
(none expected). The physical limit of the delay is the evaluation interval: a condition
that begins just after an evaluation is first seen by the next one.

Printed: the evaluator's CPU as % of one core (goal < 5 %), the per-evaluation time (p50,
max), the delay from the moment each outage's 30 s elapsed to its notification's arrival
(p50, p99, max; from its first offline sample's time plus the duration), notifications expected / received once / twice or more / missing /
unexpected, the ratio of the p99 delay to the goal (interval + 1 s), and last the p99 delay
in seconds.

    python benchmarks/alerts.py [--minutes 10] [--devices 1000] [--every 10]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from alert_endpoints import AlertEndpoints  # noqa: E402

from pytest_vpt.alerts.channels import build_channels  # noqa: E402
from pytest_vpt.alerts.evaluator import Evaluator  # noqa: E402
from pytest_vpt.alerts.loop import run  # noqa: E402
from pytest_vpt.alerts.rules import RuleSet, from_mapping  # noqa: E402
from pytest_vpt.events import make_event  # noqa: E402
from pytest_vpt.events.builders import device_sample_event, incident_event  # noqa: E402
from pytest_vpt.history import History  # noqa: E402

DURATION = 30.0
OUTAGE = 90.0
FLAP = 15.0


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


def schedule(devices: int, seconds: float, every: float) -> dict[int, tuple[float, float]]:
    """device -> (down from, back at), in seconds from the start: a few outages and flaps per interval."""
    plan: dict[int, tuple[float, float]] = {}
    at, n = 15.0, 0
    while at + OUTAGE + 2 * every < seconds:
        for k in range(3):
            device = (n * 37 + k * 101) % devices
            if device not in plan:
                plan[device] = (at + k * 3.0, at + k * 3.0 + (FLAP if (n + k) % 4 == 0 else OUTAGE))
        n += 1
        at += 7.0
    return plan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--devices", type=int, default=1000)
    parser.add_argument("--streams", type=int, default=50)
    parser.add_argument("--every", type=float, default=10.0)
    options = parser.parse_args()
    seconds = options.minutes * 60
    workdir = Path(tempfile.mkdtemp(prefix="vpt-alerts-bench-"))
    url = f"sqlite:///{workdir / 'vpt.db'}"
    plan = schedule(options.devices, seconds, options.every)
    with AlertEndpoints() as endpoints, History.open(url, create=True) as writer:
        os.environ["VPT_BENCH_SLACK_URL"] = endpoints.slack_url("bench")
        channels = build_channels({"slack": {"type": "slack", "url": "${VPT_BENCH_SLACK_URL}", "max_groups": 1000}},
                                  "benchmark")
        rules = from_mapping(custom_rules(), "benchmark", channels, builtin=True)
        start = time.time()
        stop = threading.Event()
        names = [f"dev-{n:04d}" for n in range(options.devices)]

        def sample(now: float, phase: int) -> None:
            """The samples of the devices probed at this second of each 10 (device n at n % 10)."""
            t = now - start
            events = [device_sample_event("bench", names[n], now, not (plan[n][0] <= t < plan[n][1])
                                          if n in plan else True, 10.0, response_time=0.02 + (n % 50) / 100)
                      for n in range(phase, len(names), 10)]
            for s in range(options.streams):
                if phase == 0 and s % 10 == 0 and int(t // 60) % 2 == 0:  # a black screen every other minute on 5 streams
                    minute = start + (t // 60) * 60
                    events.append(incident_event("bench", "black_screen", f"stream-{s:02d}", minute, t % 60,
                                                 "critical"))
            events += [make_event("metric", f"m-{now}-{a}", {"vpt.project": "bench", "vpt.metric.name": "launch_time",
                                                            "vpt.metric.kind": "gauge", "vpt.metric.value": 1.0 + a,
                                                            "vpt.metric.tags": {"app": f"app{a}", "device": names[a]},
                                                            "vpt.metric.time": now}) for a in range(4) if phase == 0]
            writer.store.write(events)

        def sampler() -> None:
            tick = 10
            while not stop.is_set():
                due = start + tick
                stop.wait(max(0.0, due - time.time()))
                if stop.is_set():
                    break
                sample(due, tick % 10)
                tick += 1

        costs: list[float] = []
        cpu = [0.0]

        def evaluator_thread() -> None:
            with History.open(url) as history:
                evaluator = Evaluator(history, RuleSet(rules, {}), channels)

                def evaluate(now: float):
                    began_cpu, began = time.thread_time(), time.perf_counter()
                    result = evaluator.evaluate(now)
                    cpu[0] += time.thread_time() - began_cpu
                    costs.append(time.perf_counter() - began)
                    return result

                run(evaluate, options.every, stop)

        threads = [threading.Thread(target=sampler), threading.Thread(target=evaluator_thread)]
        for phase in range(10):
            sample(start + phase, phase)
        threads[0].start()
        time.sleep(2.5)  # the evaluations' phase: none in step with the probes (each device's own)
        threads[1].start()
        print(f"{options.devices} devices, {options.streams} streams, {len(rules)} rules, every {options.every:g} s, "
              f"{options.minutes:g} min; {sum(1 for d, u in plan.values() if u - d == OUTAGE)} outages, "
              f"{sum(1 for d, u in plan.values() if u - d == FLAP)} flaps", flush=True)
        stop.wait(seconds)
        stop.set()
        for thread in threads:
            thread.join(60)
        wall = time.time() - start
        received: Counter[str] = Counter()
        arrivals: dict[str, float] = {}
        for request in endpoints.received("/slack/"):
            body = request.json()
            if not body["text"].startswith("FIRING") or "Bench Offline" not in body["text"]:
                continue
            for device in set(re.findall(r"dev-\d{4}", json.dumps(body["blocks"]))):
                received[device] += 1
                arrivals.setdefault(device, request.at)
    # the store hears of an outage from its first offline sample (samples every 10 s from the start)
    expected = {names[n]: start + n % 10 + math.ceil((down - n % 10) / 10.0) * 10.0 + DURATION
                for n, (down, up) in plan.items() if up - down == OUTAGE and down + DURATION + options.every + 15 < wall}
    delays = sorted(arrivals[d] - at for d, at in expected.items() if d in arrivals)
    once = sum(1 for d in expected if received[d] == 1)
    twice = sum(1 for d in expected if received[d] > 1)
    missing = sum(1 for d in expected if received[d] == 0)
    unexpected = sum(n for d, n in received.items() if d not in expected)
    p99 = delays[min(len(delays) - 1, int(0.99 * len(delays)))] if delays else float("nan")
    print(f"evaluations: {len(costs)}, each p50 {statistics.median(costs) * 1000:.0f} ms, "
          f"max {max(costs) * 1000:.0f} ms")
    print(f"evaluator CPU: {100 * cpu[0] / wall:.2f} % of one core (goal < 5 %)")
    print(f"notifications expected {len(expected)}: received once {once}, twice or more {twice}, "
          f"missing {missing}; unexpected {unexpected}")
    if delays:
        print(f"delay after the duration elapsed: p50 {statistics.median(delays):.2f} s, p99 {p99:.2f} s, "
              f"max {delays[-1]:.2f} s; physical limit {options.every:g} s (the interval)")
        print(f"p99 / goal (interval + 1 s): {p99 / (options.every + 1):.2f}")
    print(f"p99 delay: {p99:.2f} s")


if __name__ == "__main__":
    main()
