"""Freshness: how soon a test's result is visible after the test ends, through `vpt server`.

Generates a suite of 2,000 tests of 10-50 ms each and runs it with `pytest --vpt
--vpt-server URL` while three clients follow it side by side, each stamping when it first
saw each test's result:

- live: the server's live view, pushed as server-sent events (``GET /api/v1/live/stream``);
  a view counting k tests so far shows the first k tests to finish;
- rollup: the daily rollup a dashboard reads (``test_daily``), read from the store every 50 ms;
- store: the raw rows, read from the store every 50 ms: the floor for any reader of the
  service, as the test's own end time (when pytest reported it) is the physical limit.

Each delay is from the test's own end (its attempt's ``finished_at``, recorded by pytest). It
prints each stage's p50/p95/p99/max, the service's CPU time per second of the run (its share
of a core: folding included), the ratio of the live view's p99 to the store's, and last the
freshness: the p99 over tests of the later of the live view and the rollup. Goal: <= 2 s.

Before that, folding under load (``--load SECONDS``, 0 to skip): the service's background
fold driven in-process by a writer that writes batches of 500 attempts as fast as the store
takes them, with the fold's former delay (5 s) and today's (0.5 s) side by side: batches
written, folds, the share of the time spent folding, and how long after the last batch the
rollup had folded everything.

    python benchmarks/freshness.py [--tests 2000] [--load 15]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from server_process import Server  # noqa: E402 - the tests' real server process

PROJECT = "fresh"
PER_FILE = 200
POLL = 0.05  # seconds between two reads of the store by the store and rollup followers


def make_suite(root: Path, count: int) -> Path:
    """``count`` tests sleeping 10-50 ms each (the same durations every time)."""
    suite = root / "suite"
    suite.mkdir()
    (suite / "pytest.ini").write_text("[pytest]\n")
    durations = random.Random(7).choices(range(10, 51), k=count)
    for start in range(0, count, PER_FILE):
        body = ["import time\n"] + [f"def test_{i}():\n    time.sleep({durations[i] / 1000})\n"
                                    for i in range(start, min(start + PER_FILE, count))]
        (suite / f"test_fresh_{start // PER_FILE:03d}.py").write_text("\n".join(body))
    return suite


def cli(store: str, *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "pytest_vpt", "--store", store, *args], capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"vpt {' '.join(args)}: {done.stderr}")
    return done.stdout.strip()


class Follower(threading.Thread):
    """Stamps when each test (by node id) was first seen."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.seen: dict[str, float] = {}
        self.stop = threading.Event()


class LiveFollower(Follower):
    """Reads the live stream; a view with k tests so far makes the first k to finish seen (stamped later)."""

    def __init__(self, url: str, token: str) -> None:
        super().__init__()
        self.url, self.token = url, token
        self.counts: list[tuple[float, int]] = []  # (when received, tests so far)
        self.events = 0

    def run(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        while not self.stop.is_set():  # a stream ends at the server's read deadline: connect again
            try:
                with requests.get(f"{self.url}/api/v1/live/stream", params={"failures": 0, "slowest": 0},
                                  headers=headers, stream=True, timeout=60) as answer:
                    for line in answer.iter_lines(decode_unicode=True):
                        if line.startswith("data: "):
                            at = time.time()
                            self.events += 1
                            runs = [run for run in json.loads(line[6:])["runs"] if run["project"] == PROJECT]
                            if runs:
                                self.counts.append((at, max(run["tests"] for run in runs)))
                        if self.stop.is_set():
                            return
            except requests.RequestException:
                time.sleep(0.1)

    def stamp(self, order: list[str]) -> None:
        done = 0
        for at, count in self.counts:
            while done < min(count, len(order)):
                self.seen.setdefault(order[done], at)
                done += 1


class StoreFollower(Follower):
    """Reads node ids from the SQLite store every POLL seconds with ``query``."""

    def __init__(self, path: Path, query: str) -> None:
        super().__init__()
        self.path, self.query = path, query

    def run(self) -> None:
        conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=5)
        while not self.stop.is_set():
            try:
                rows = conn.execute(self.query, (PROJECT,)).fetchall()
            except sqlite3.OperationalError:
                rows = []
            at = time.time()
            for (nodeid,) in rows:
                self.seen.setdefault(nodeid, at)
            time.sleep(POLL)
        conn.close()


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def row(name: str, delays: list[float]) -> str:
    return (f"{name:<8} {len(delays):>6} {statistics.median(delays):>8.3f} {percentile(delays, 95):>8.3f} "
            f"{percentile(delays, 99):>8.3f} {max(delays):>8.3f}")


def fold_under_load(root: Path, delay: float, seconds: float) -> dict[str, float]:
    """Batches written for ``seconds`` as fast as a SQLite store takes them, the background
    fold (with ``delay``) folding behind them."""
    import asyncio

    from fastapi.concurrency import run_in_threadpool

    from pytest_vpt.events import attempt_event
    from pytest_vpt.server.database import Database
    from pytest_vpt.server.folding import BackgroundFold
    from pytest_vpt.store import parse_store_url

    url = f"sqlite:///{root / f'load-{delay:g}.db'}"
    cli(url, "db", "init")
    database = Database(parse_store_url(url))
    now = time.time()

    def batch(index: int) -> list[dict]:
        return [attempt_event(f"b{index}-{i}", run_id=f"load{index % 20}", project=PROJECT, nodeid=f"t.py::test_{i}",
                              outcome="passed", attempt=1, final=True, started_at=now + index, finished_at=now + index + 0.03,
                              call=0.03) for i in range(500)]

    def queued(store) -> int:
        return store.conn.execute("SELECT count(*) FROM test_daily_pending").fetchone()[0]

    async def drive() -> dict[str, float]:
        fold = BackgroundFold(database, delay)
        fold.start()
        written, until = 0, time.monotonic() + seconds
        cpu = time.process_time()
        while time.monotonic() < until:
            events = batch(written)
            await run_in_threadpool(database.run, lambda store: store.write(events, fold=False, checked=True))
            fold.written()
            written += 1
        ended = time.monotonic()
        while await run_in_threadpool(database.run, queued):
            await asyncio.sleep(0.05)
        caught_up = time.monotonic() - ended
        used = time.process_time() - cpu
        await fold.stop()
        return {"batches": written, "folds": fold.folds, "folding": fold.fold_seconds / (ended - until + seconds),
                "caught_up": caught_up, "cpu": used}

    try:
        return asyncio.run(drive())
    finally:
        database.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", type=int, default=2000)
    parser.add_argument("--load", type=float, default=15.0, help="seconds of folding under load per delay (0: skip)")
    args = parser.parse_args()
    if args.load:
        with tempfile.TemporaryDirectory(prefix="vpt-fold-") as tmp:
            print(f"folding under load: batches of 500 attempts written for {args.load:g} s as fast as SQLite takes them")
            print(f"{'delay':>6} {'batches':>8} {'folds':>6} {'folding':>8} {'caught up':>10} {'CPU':>7}")
            for delay in (5.0, 0.5):
                found = fold_under_load(Path(tmp), delay, args.load)
                print(f"{delay:>5g}s {found['batches']:>8} {found['folds']:>6} {found['folding']:>8.1%} "
                      f"{found['caught_up']:>9.2f}s {found['cpu']:>6.1f}s")
    with tempfile.TemporaryDirectory(prefix="vpt-fresh-") as tmp:
        root = Path(tmp)
        db = root / "service.db"
        store = f"sqlite:///{db}"
        cli(store, "db", "init")
        token = cli(store, "token", "create", "--project", PROJECT, "--name", "bench").splitlines()[-1]
        suite = make_suite(root, args.tests)
        server = Server(store).start()
        try:
            live = LiveFollower(server.url, token)
            raw = StoreFollower(db, "SELECT c.nodeid FROM test_attempts a JOIN test_cases c ON c.test_id = a.test_id "
                                    "WHERE c.project = ?")
            rollup = StoreFollower(db, "SELECT c.nodeid FROM test_daily d JOIN test_cases c ON c.test_id = d.test_id "
                                       "WHERE d.project = ?")
            followers = (live, raw, rollup)
            for follower in followers:
                follower.start()
            time.sleep(1.0)
            cpu_before, started = cpu_seconds(server.proc.pid), time.monotonic()
            done = subprocess.run(
                [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", "--vpt",
                 "--vpt-server", server.url, "--vpt-project", PROJECT], cwd=suite, capture_output=True, text=True,
                env={**os.environ, "VPT_TOKEN": token})
            wall = time.monotonic() - started
            time.sleep(5.0)  # the last results reach every follower
            cpu = cpu_seconds(server.proc.pid) - cpu_before
            for follower in followers:
                follower.stop.set()
            for follower in followers:
                follower.join(10)
        finally:
            server.stop()
        if done.returncode:
            raise SystemExit(f"the suite failed: {done.stdout[-2000:]}{done.stderr[-2000:]}")
        conn = sqlite3.connect(db)
        ends = dict(conn.execute(
            "SELECT c.nodeid, coalesce(a.finished_at, a.started_at + a.duration) FROM test_attempts a "
            "JOIN test_cases c ON c.test_id = a.test_id WHERE c.project = ? AND a.is_final = 1", (PROJECT,)).fetchall())
        conn.close()
        order = sorted(ends, key=ends.get)
        live.stamp(order)
        missing = {name: len(ends) - len(f.seen) for name, f in (("live", live), ("store", raw), ("rollup", rollup))}
        if len(ends) != args.tests or any(missing.values()):
            raise SystemExit(f"{len(ends)} of {args.tests} tests recorded; not seen: {missing}")
        delays = {name: [follower.seen[n] - ends[n] for n in order]
                  for name, follower in (("store", raw), ("live", live), ("rollup", rollup))}
        fresh = [max(live.seen[n], rollup.seen[n]) - ends[n] for n in order]
        print(f"{args.tests} tests of 10-50 ms through pytest --vpt --vpt-server, in {wall:.1f} s; "
              f"{live.events} live events")
        print("delay from each test's end (its finished_at) to being seen, seconds:")
        print(f"{'stage':<8} {'tests':>6} {'p50':>8} {'p95':>8} {'p99':>8} {'max':>8}")
        for name in ("store", "live", "rollup"):
            print(row(name, delays[name]))
        print(row("fresh", fresh) + "   (the later of live and rollup)")
        print(f"service CPU: {cpu:.2f} s over {wall:.1f} s of run ({cpu / wall:.1%} of a core, folding included)")
        print(f"live p99 / store p99 (the floor of any reader): "
              f"{percentile(delays['live'], 99) / percentile(delays['store'], 99):.2f}")
        print(f"freshness p99: {percentile(fresh, 99):.3f}")


if __name__ == "__main__":
    main()
