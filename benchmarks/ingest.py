"""Ingest throughput of `vpt server` on PostgreSQL against the physical limit, binary COPY.

Three sides, each on a fresh schema of the PostgreSQL at VPT_TEST_PG_DSN (or --dsn) made by
the store's own migrations (the same tables, indexes and partitions), with the same batches
(one run of 1,000 events each: its run event and 999 test attempts, the same tests in every
run; the test cases are stored before anything is measured):

- the store's `write`, straight (no HTTP, no JSON), 40 batches, each folded into the daily
  rollup at once;
- the limit: one psycopg client (--copy-clients N: N side by side, as the service's clients
  are) copying with binary COPY, in one transaction per batch as the service commits it,
  each batch's run row, attempts and daily queue rows (the rows the service stores, made
  beforehand by the store's own mapping: no HTTP, JSON or checks), over the batches the
  service is measured on, half of them before the service runs and half after (a shared
  machine's load drifts);
- the service: a `vpt server --workers 2` with a token, 4 client threads posting the batches
  pre-encoded (gzipped JSON lines) back to back on keep-alive connections, each warmed up by
  one batch. It checks and writes each batch and folds in the background, several times in
  the measured window; it also says how long after the last batch its rollup had caught up.

Prints request latency (p50, p99) and events/s, the service's sustained test events/s
(goal: >= 50,000), and last `server/copy: R`, the service's events/s as a share of the
limit's (goal: >= 0.5; absolute figures move with a shared machine's load, the ratio less).

    python benchmarks/ingest.py [--batches 100] [--clients 4] [--copy-clients 1] [--dsn URL]
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import psycopg
import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pytest_vpt.events import make_event  # noqa: E402
from pytest_vpt.store import open_store  # noqa: E402
from pytest_vpt.store import tokens  # noqa: E402
from pytest_vpt.store.bulk import ATTEMPT_ROW, CASE_ROW, COPY_TYPES, pending_row  # noqa: E402
from pytest_vpt.store.daily import PENDING_COLUMNS  # noqa: E402
from pytest_vpt.store.writes import ATTEMPTS, CASES, attempt_derived  # noqa: E402

BATCH = 1000
STRAIGHT = 40  # batches written straight, for the comparison


def batch(run: int) -> list[dict]:
    run_id = f"bench-{run}"
    started = time.time() - 3600 + run
    events = [make_event("run", f"{run_id}-running", {
        "vpt.run.id": run_id, "vpt.project": "bench", "vpt.run.status": "running", "vpt.run.started_at": started})]
    for index in range(BATCH - 1):
        events.append(make_event("test", f"{run_id}-{index}", {
            "vpt.run.id": run_id, "vpt.project": "bench", "test.case.name": f"tests/test_box.py::test_{index}",
            "code.file.path": "tests/test_box.py", "vpt.test.outcome": "failed" if index % 50 == 0 else "passed",
            "vpt.test.attempt": 1, "vpt.test.final": True, "vpt.test.started_at": started + index * 0.001,
            "vpt.test.duration.call": 0.01 + index % 7 * 0.001, "vpt.worker.id": "gw0",
            "error.type": "AssertionError" if index % 50 == 0 else None,
        }))
    return events


def schema_url(dsn: str, admin: psycopg.Connection) -> tuple[str, str]:
    schema = f"vpt_bench_{uuid.uuid4().hex[:8]}"
    admin.execute(f'CREATE SCHEMA "{schema}"')
    return schema, f"{dsn}{'&' if '?' in dsn else '?'}options={quote(f'-csearch_path={schema}')}"


RUN_ROW = ("run_id", "project", "status", "started_at")  # a run event's other columns are empty


class CopyLimit:
    """The physical limit: psycopg clients (one by default) copying the service's rows with
    binary COPY, each on a connection of its own.

    The test cases are copied once; then for each batch, in one transaction as the service
    commits it, its run's row, its attempts and their daily queue rows. The rows are made
    beforehand by the store's own mapping (no HTTP, JSON or checks)."""

    def __init__(self, url: str, batches: list[list[dict]], clients: int = 1) -> None:
        with open_store(url):
            pass  # the store's migrations: the same tables, indexes and partitions
        self.batches = batches
        self.connections = [psycopg.connect(url, autocommit=True) for _ in range(clients)]
        conn = self.connections[0]
        tests = [event for event in batches[0] if event["type"] == "test"]
        with conn.transaction(), conn.cursor() as cursor:  # in the service's order: the same test ids
            copy_rows(cursor, "test_cases", CASE_ROW, sorted(CASES.rows(tests)))
        self.test_ids = dict(conn.execute("SELECT nodeid, test_id FROM test_cases").fetchall())

    def seconds(self, indexes: range) -> float:
        """How long copying these batches takes, shared out among the clients."""
        rows = []
        for index in indexes:
            run, *tests = self.batches[index]
            attempts = [(*map(e.get, ATTEMPTS.keys), self.test_ids[e["test.case.name"]], *attempt_derived(e))
                        for e in tests]
            rows.append(([(run["vpt.run.id"], run["vpt.project"], run["vpt.run.status"], run["vpt.run.started_at"])],
                         attempts, list(map(pending_row, attempts))))

        def client(conn: psycopg.Connection, mine: list) -> None:
            with conn.cursor() as cursor:
                for runs, attempts, pending in mine:
                    with conn.transaction():
                        copy_rows(cursor, "runs", RUN_ROW, runs)
                        copy_rows(cursor, "test_attempts", ATTEMPT_ROW, attempts)
                        copy_rows(cursor, "test_daily_pending", PENDING_COLUMNS, pending)

        count = len(self.connections)
        threads = [threading.Thread(target=client, args=(conn, rows[n::count])) for n, conn in enumerate(self.connections)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return time.perf_counter() - started

    def close(self) -> None:
        for conn in self.connections:
            conn.close()


def copy_rows(cursor: psycopg.Cursor, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types([COPY_TYPES.get(column, "text") for column in columns])
        for row in rows:
            copy.write_row(row)


def answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=5).status_code == 200
    except requests.RequestException:
        return False


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=100, help="batches per client")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2, help="the server's worker processes")
    parser.add_argument("--copy-clients", type=int, default=1, help="the limit's clients, copying side by side")
    parser.add_argument("--dsn", default=os.environ.get("VPT_TEST_PG_DSN") or "postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    total = args.batches * args.clients
    batches = [batch(run) for run in range(total)]
    bodies = [gzip.compress("\n".join(json.dumps(e) for e in b).encode(), 1) for b in batches]
    admin = psycopg.connect(args.dsn, autocommit=True)
    schemas = []
    try:
        schema, direct_url = schema_url(args.dsn, admin)
        schemas.append(schema)
        with open_store(direct_url) as store:
            store.write(batches[0])  # warm up: test cases exist, as in a steady state
            started = time.perf_counter()
            for one in batches[1:STRAIGHT + 1]:
                store.write(one)
            direct = STRAIGHT * BATCH / (time.perf_counter() - started)

        schema, copy_url = schema_url(args.dsn, admin)
        schemas.append(schema)
        # Half the limit's batches before the service, half after: a shared machine's load
        # drifts, and both sides see the same drift.
        measured = range(args.clients + 1, total)
        middle = measured.start + len(measured) // 2
        limit = CopyLimit(copy_url, batches, args.copy_clients)
        copying = limit.seconds(range(measured.start, middle))

        schema, server_url = schema_url(args.dsn, admin)
        schemas.append(schema)
        with open_store(server_url) as store:
            token = store.apply(tokens.create, "bench")
            store.write(batches[0])
        port = free_port()
        server = subprocess.Popen([sys.executable, "-m", "pytest_vpt", "--store", server_url, "server", "--port", str(port),
                                   "--workers", str(args.workers)],
                                  stderr=subprocess.DEVNULL)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/x-ndjson", "Content-Encoding": "gzip"}
        waited = time.monotonic()
        while not answers(f"http://127.0.0.1:{port}/healthz"):  # a loaded machine starts it slowly
            if server.poll() is not None or time.monotonic() - waited > 120:
                server.kill()
                raise SystemExit(f"the server did not start (exit status {server.wait()})")
            time.sleep(0.1)
        latencies: list[float] = []
        failures: list[int] = []
        # Plain keep-alive connections: the clients take as little of the machine as they can.
        connections = [http.client.HTTPConnection("127.0.0.1", port, timeout=120) for _ in range(args.clients)]

        def post(number: int, index: int) -> int:
            connections[number].request("POST", "/api/v1/events", body=bodies[index], headers=headers)
            answer = connections[number].getresponse()
            answer.read()
            return answer.status

        warm = [threading.Thread(target=post, args=(n, n + 1)) for n in range(args.clients)]  # connected, cases known
        for thread in warm:
            thread.start()
        for thread in warm:
            thread.join()

        def client(number: int) -> None:
            for index in range(args.clients + 1 + number, total, args.clients):
                sent = time.perf_counter()
                status = post(number, index)
                latencies.append(time.perf_counter() - sent)
                if status != 200:
                    failures.append(status)

        threads = [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        with open_store(server_url) as store:  # the rollup catches up with the last batches
            while store.conn.execute("SELECT count(*) FROM test_daily_pending").fetchone()[0]:
                time.sleep(0.05)
        caught_up = time.perf_counter() - started - elapsed
        for connection in connections:
            connection.close()
        server.terminate()
        server.wait(10)
        with open_store(server_url) as store:
            stored = store.conn.execute("SELECT count(*) FROM test_attempts").fetchone()[0]
        copying += limit.seconds(range(middle, measured.stop))
        limit.close()
        copied = len(measured) * BATCH / copying
    finally:
        for schema in schemas:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
        admin.close()
    served = len(latencies) * BATCH / elapsed
    cuts = statistics.quantiles(latencies, n=100)
    print(f"{args.clients} clients x {args.batches} batches of {BATCH} events ({total} runs), PostgreSQL, "
          f"{args.workers} server worker(s)")
    print(f"store.write straight (no HTTP):     {direct:10,.0f} events/s")
    print(f"vpt server:                         {served:10,.0f} events/s   latency p50 {cuts[49] * 1000:.0f} ms, "
          f"p99 {cuts[98] * 1000:.0f} ms; refused {len(failures)}; stored {stored} test attempts")
    print(f"daily rollup folded in the background: caught up {caught_up:.1f} s after the last batch")
    print(f"binary COPY of the same rows, {args.copy_clients} client(s) (the limit): {copied:10,.0f} events/s")
    print(f"server / straight: {served / direct:.2f}")
    print(f"sustained test events/s: {served:.0f}")
    print(f"server/copy: {served / copied:.2f}")


if __name__ == "__main__":
    main()
