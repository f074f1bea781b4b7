"""Dashboard queries on PostgreSQL with 1,000,000 test executions loaded.

Loads a fresh schema of the PostgreSQL at VPT_TEST_PG_DSN (or --dsn) through the store's own
writes: 1,000 tests run 1,000 times over 30 days (some flaky, with reruns), each run folded
into the flakiness verdicts, and 20 devices sampled every 5 minutes. Then times, as the
median of 5, the queries the dashboards use, each read from its rollup: pass rate per day
over 30 days (per-run counts), p95 duration per test over 7 days (per test and day), the top
20 flaky tests over 14 days (verdicts), device uptime per hour over 7 days (per device and
hour). Side by side, the first two computed from the attempts themselves. The last line is
the slowest rollup query, in ms (goal: <= 150 each).

    python benchmarks/queries.py [--tests 1000] [--runs 1000] [--dsn URL]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pytest_vpt.devices import Sample  # noqa: E402
from pytest_vpt.devices.events import sample_event  # noqa: E402
from pytest_vpt.events import make_event  # noqa: E402
from pytest_vpt.store import open_store, queries  # noqa: E402

DAY = 86400.0
RAW = {
    "pass rate per day, 30 days": (
        "SELECT floor(a.started_at / 86400) AS day, avg(CASE WHEN a.outcome = 'passed' THEN 1.0 ELSE 0.0 END) "
        "FROM test_attempts a WHERE a.is_final = 1 AND a.outcome IN ('passed', 'failed', 'error') "
        "AND a.started_at >= %s GROUP BY 1 ORDER BY 1", 30),
    "p95 duration per test, 7 days": (
        "SELECT test_id, percentile_cont(0.95) WITHIN GROUP (ORDER BY duration) FROM test_attempts "
        "WHERE is_final = 1 AND started_at >= %s GROUP BY test_id", 7),
}


def load(store, tests: int, runs: int, now: float, rng: random.Random) -> None:
    flaky = set(rng.sample(range(tests), max(1, tests // 50)))
    start = now - 30 * DAY
    for index in range(runs):
        run_id, at = f"run-{index}", start + index * (30 * DAY / runs)
        events, counts = [], {"passed": 0, "failed": 0}
        for test in range(tests):
            attempts = ["F", "P"] if test in flaky and rng.random() < 0.3 else ["P"]
            for number, verdict in enumerate(attempts, start=1):
                final = number == len(attempts)
                outcome = "passed" if verdict == "P" else ("failed" if final else "rerun")
                counts[outcome] = counts.get(outcome, 0) + final
                events.append(make_event("test", f"{run_id}-{test}-{number}", {
                    "vpt.run.id": run_id, "vpt.project": "bench", "test.case.name": f"tests/test_box.py::test_{test}",
                    "vpt.test.attempt": number, "vpt.test.final": final, "vpt.test.outcome": outcome,
                    "vpt.test.started_at": at + test * 0.05, "vpt.test.duration.call": rng.lognormvariate(-3, 0.5),
                }))
        events.append(make_event("run", f"{run_id}-finished", {
            "vpt.run.id": run_id, "vpt.project": "bench", "vpt.run.status": "finished", "vpt.run.started_at": at,
            "vpt.run.finished_at": at + 60, "vpt.run.exit_status": 0,
            "vpt.run.counts": {"tests": tests, **{k: v for k, v in counts.items() if k != "rerun"}},
            "vcs.ref.head.revision": f"{index // 3:040x}", "vcs.ref.head.name": "main",
        }))
        store.write(events)
        store.refresh_flakiness(run_id)
        if index % 100 == 99:  # what autovacuum does on a server that is not loaded this fast
            store.conn.raw.execute("ANALYZE")
    samples = []
    for device in range(20):
        moment = start
        while moment < now:
            samples.append(sample_event(Sample(f"box-{device}", moment, rng.random() > 0.01, 0.02, None, {}, 300.0),
                                        "bench"))
            moment += 300.0
    for index in range(0, len(samples), 10_000):
        store.write(samples[index:index + 10_000])
        store.conn.raw.execute("ANALYZE device_samples")


def timed(action, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--dsn", default=os.environ.get("VPT_TEST_PG_DSN") or "postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    admin = psycopg.connect(args.dsn, autocommit=True)
    schema = f"vpt_bench_{uuid.uuid4().hex[:8]}"
    admin.execute(f'CREATE SCHEMA "{schema}"')
    url = f"{args.dsn}{'&' if '?' in args.dsn else '?'}options={quote(f'-csearch_path={schema}')}"
    now = time.time()
    try:
        with open_store(url) as store:
            started = time.perf_counter()
            load(store, args.tests, args.runs, now, random.Random(7))
            loaded = time.perf_counter() - started
            store.conn.raw.execute("ANALYZE")
            executions = store.conn.execute("SELECT count(*) FROM test_attempts").fetchone()[0]
            reads = {
                "pass rate per day, 30 days": lambda: queries.pass_rate_per_day(store.conn, "bench", days=30, now=now),
                "p95 duration per test, 7 days": lambda: queries.duration_p95(store.conn, "bench", days=7, now=now),
                "top 20 flaky tests, 14 days": lambda: queries.flaky(store.conn, project="bench", since=now - 14 * DAY, limit=20),
                "device uptime per hour, 7 days": lambda: queries.device_uptime_per_hour(store.conn, "bench", hours=168, now=now),
            }
            rollup = {name: timed(query) for name, query in reads.items()}
            raw = {name: timed(lambda sql=sql, days=days: store.conn.raw.execute(sql, (now - days * DAY,)).fetchall(), 3)
                   for name, (sql, days) in RAW.items()}
            flaky = len(reads["top 20 flaky tests, 14 days"]())
    finally:
        admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
        admin.close()
    print(f"{executions:,} test executions ({args.tests} tests x {args.runs} runs over 30 days) loaded in {loaded:.0f} s")
    print(f"{'query':34} {'rollup ms':>10} {'from attempts ms':>17}")
    for name, ms in rollup.items():
        print(f"{name:34} {ms:10.1f} {raw[name] if name in raw else float('nan'):17.1f}")
    print(f"flaky tests found: {flaky}")
    print(f"slowest rollup query, ms: {max(rollup.values()):.1f}")


if __name__ == "__main__":
    main()
