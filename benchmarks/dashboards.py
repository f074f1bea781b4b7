"""Every dashboard query on PostgreSQL and on SQLite with 1,000,000 test executions loaded.

Loads the realistic history of tests/dashboard_data.py, scaled to ``--executions`` test
executions over 30 days (24 runs a day on two branches, as many tests a run as that takes;
flaky, broken and timing-out tests, reruns, markers, devices), with its device samples every 5
minutes, video incidents and quality scores, through the store's own writers: each batch as a
recorder sends it (a run's attempts in one batch, samples and scores in batches of thousands),
each followed by the after-write step (the daily fold, the flakiness verdicts) as it runs for
real; then the service's own figures as its sampler stores them, every 5 minutes from two server
processes (17,280 rows; the store's size read once a day of them). PostgreSQL: a fresh schema of
the server at VPT_TEST_PG_DSN (or --dsn); SQLite: a fresh file. Then every variable query and
every panel query of every dashboard, rendered for each datasource and expanded as Grafana
expands it for the last 30 days at a 1h interval, the seeded project and "All" for each
multi-value variable, runs read-only (PostgreSQL: a read-only transaction; SQLite: the file
opened mode=ro), ``--repeat`` times; each one's median is printed per engine.

Single-value variables take the first value their query lists (as Grafana does), multi-value
ones "All" where offered, else every value listed.

Goals: every panel <= 150 ms on PostgreSQL and <= 500 ms on SQLite. The last line is the
slowest PostgreSQL panel's median, in ms.

    python benchmarks/dashboards.py [--executions 1000000] [--repeat 5] [--keep]
                                    [--sqlite-only | --postgres-only] [--dsn URL]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from urllib.parse import quote

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import dashboard_data
from grafana_expand import expand

from pytest_vpt.panels.catalogue import DASHBOARDS, panels
from pytest_vpt.panels.dialects import render
from pytest_vpt.panels.model import ALL, Variable
from pytest_vpt.store import open_store
from pytest_vpt.store.after_write import after_write

DAY, HOUR = 86400.0, 3600.0
DAYS, RUNS_PER_DAY = 30, 24
INTERVAL = HOUR
GOALS = {"postgres": 150.0, "sqlite": 500.0}
BATCH = 5000  # device samples and quality scores per batch
SERVICE_EVERY = 300.0  # seconds between the service's samples (its default is 15: a row costs a transaction)


def scale_for(executions: int) -> dashboard_data.Scale:
    """30 days of 24 runs a day, with as many tests a run as make ``executions`` final attempts."""
    return dashboard_data.Scale(days=DAYS, runs_per_day=RUNS_PER_DAY,
                                tests=max(12, round(executions / (DAYS * RUNS_PER_DAY))), sample_every=300.0,
                                service_every=SERVICE_EVERY)


def rebatched(batches: Iterable[list[dict]], size: int = BATCH) -> Iterator[list[dict]]:
    """``batches`` joined into batches of about ``size`` events."""
    batch: list[dict] = []
    for events in batches:
        batch.extend(events)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def load(url: str, end: float, scale: dashboard_data.Scale, analyze: Callable | None = None) -> None:
    """The history written as the recorders and the after-write step write it."""
    with open_store(url) as store:
        sources = (dashboard_data.run_batches(end, scale), rebatched(dashboard_data.device_batches(end, scale)),
                   rebatched(dashboard_data.video_batches(end, scale)))
        written = 0
        for batches in sources:
            for batch in batches:
                store.write(batch)
                after_write(store, batch)
                written += 1
                if analyze and written % 150 == 0:  # what autovacuum does on a server not loaded this fast
                    analyze(store)
        dashboard_data.write_service_samples(store, end, scale, size_every=DAY)
        if analyze:
            analyze(store)


def chosen(variable: Variable, rows: list[tuple]) -> str | list[str]:
    """What the benchmark picks: the seeded project; "All" where offered; every value of a
    multi-value variable without "All"; else the first value, as Grafana does."""
    values = [str(row[0]) for row in rows]
    if variable.name == "project":
        return dashboard_data.PROJECT
    if variable.multi:
        return ALL if variable.include_all else values
    return values[0] if values else ""


def timed(run: Callable[[], list], repeat: int) -> tuple[float, list]:
    """The median milliseconds of ``repeat`` runs, and the rows the query returned."""
    times, rows = [], []
    for _ in range(repeat):
        started = time.perf_counter()
        rows = run()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000, rows


def time_dashboards(run: Callable[[str], list], dialect: str, end: float, repeat: int) -> dict[str, tuple[float, int]]:
    """Each variable query (in order, each one's value chosen from its rows for those after it)
    and panel query of every dashboard, expanded for ``dialect`` and timed: (ms, rows) by name."""
    found: dict[str, tuple[float, int]] = {}

    def measure(name: str, sql: str, values: dict, all_values: dict) -> list:
        text = expand(render(sql, dialect), dialect, end - DAYS * DAY, end, INTERVAL, values, all_values)
        ms, rows = timed(lambda: run(text), repeat)
        found[name] = (ms, len(rows))
        return rows

    for dashboard in DASHBOARDS:
        board = dashboard.uid.removeprefix("vpt-")
        values: dict[str, str | list[str]] = {}
        all_values = {v.name: v.all_value for v in dashboard.variables}
        for variable in dashboard.variables:
            rows = measure(f"{board} ${variable.name}", variable.query.sql, values, all_values)
            values[variable.name] = chosen(variable, rows)
        for panel in panels(dashboard):
            for query in panel.queries:
                suffix = f"/{query.ref_id}" if len(panel.queries) > 1 else ""
                measure(f"{board} {panel.key}{suffix}", query.sql, values, all_values)
    return found


def time_postgres(dsn: str, schema: str, end: float, repeat: int) -> dict[str, tuple[float, int]]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'SET search_path TO "{schema}"')
        conn.execute("SET default_transaction_read_only = on")
        return time_dashboards(lambda text: conn.execute(text).fetchall(), "postgres", end, repeat)


def time_sqlite(path: Path, end: float, repeat: int) -> dict[str, tuple[float, int]]:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return time_dashboards(lambda text: conn.execute(text).fetchall(), "sqlite", end, repeat)
    finally:
        conn.close()


class Stores:
    """Where the benchmark's stores live: a schema and a file named by the size, and a note of
    each one's end and load time (kept with --keep, reused by the next --keep run)."""

    def __init__(self, dsn: str, executions: int, folder: Path) -> None:
        self.dsn, self.executions = dsn, executions
        self.schema = f"vpt_dashbench_{executions}"
        self.sqlite = folder / f"vpt-dashbench-{executions}.db"
        self.notes = folder / f"vpt-dashbench-{executions}.json"

    def note(self) -> dict:
        return json.loads(self.notes.read_text()) if self.notes.exists() else {}

    def remember(self, engine: str, end: float, seconds: float, executions: int) -> None:
        notes = self.note()
        notes[engine] = {"end": end, "seconds": seconds, "executions": executions}
        self.notes.write_text(json.dumps(notes))

    def postgres_url(self) -> str:
        return f"{self.dsn}{'&' if '?' in self.dsn else '?'}options={quote(f'-csearch_path={self.schema}')}"

    def drop(self, engine: str) -> None:
        if engine == "postgres":
            with psycopg.connect(self.dsn, autocommit=True) as admin:
                admin.execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')
        else:
            for path in (self.sqlite, Path(f"{self.sqlite}-wal"), Path(f"{self.sqlite}-shm")):
                path.unlink(missing_ok=True)
        notes = self.note()
        notes.pop(engine, None)
        if notes:
            self.notes.write_text(json.dumps(notes))
        else:
            self.notes.unlink(missing_ok=True)


def executions_in(count: Callable[[str], int]) -> int:
    return count("SELECT count(*) FROM test_attempts")


def prepare(stores: Stores, engine: str, keep: bool, scale: dashboard_data.Scale) -> dict:
    """The engine's store loaded (or, with --keep, the one an earlier run left): its note."""
    if keep and engine in stores.note():
        return stores.note()[engine]
    stores.drop(engine)
    end = math.floor(time.time() / DAY) * DAY - 6 * HOUR  # 18:00 UTC yesterday
    started = time.perf_counter()
    if engine == "postgres":
        with psycopg.connect(stores.dsn, autocommit=True) as admin:
            admin.execute(f'CREATE SCHEMA "{stores.schema}"')
        load(stores.postgres_url(), end, scale, analyze=lambda store: store.conn.raw.execute("ANALYZE"))
        with psycopg.connect(stores.postgres_url(), autocommit=True) as conn:
            executions = executions_in(lambda sql: conn.execute(sql).fetchone()[0])
    else:
        load(f"sqlite:///{stores.sqlite}", end, scale)
        with sqlite3.connect(stores.sqlite) as conn:
            executions = executions_in(lambda sql: conn.execute(sql).fetchone()[0])
    stores.remember(engine, end, time.perf_counter() - started, executions)
    return stores.note()[engine]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--executions", type=int, default=1_000_000, help="test executions to load (>= 8,640)")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each query (the median is shown)")
    parser.add_argument("--keep", action="store_true", help="keep the stores, and reuse those a --keep run kept")
    only = parser.add_mutually_exclusive_group()
    only.add_argument("--sqlite-only", action="store_true")
    only.add_argument("--postgres-only", action="store_true")
    parser.add_argument("--dsn", default=os.environ.get("VPT_TEST_PG_DSN") or "postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--folder", type=Path, default=Path(tempfile.gettempdir()), help="where the SQLite file is")
    args = parser.parse_args()
    if not 8640 <= args.executions <= 20_000_000:
        parser.error("--executions must be between 8,640 and 20,000,000")
    if not 1 <= args.repeat <= 100:
        parser.error("--repeat must be between 1 and 100")
    engines = ["sqlite"] if args.sqlite_only else ["postgres"] if args.postgres_only else ["postgres", "sqlite"]
    scale = scale_for(args.executions)
    stores = Stores(args.dsn, args.executions, args.folder)
    results: dict[str, dict[str, tuple[float, int]]] = {}
    for engine in engines:
        try:
            note = prepare(stores, engine, args.keep, scale)
            print(f"{engine}: {note['executions']:,} test executions ({scale.tests} tests x "
                  f"{DAYS * RUNS_PER_DAY} runs over {DAYS} days) loaded in {note['seconds']:.0f} s "
                  f"({note['executions'] / note['seconds']:,.0f} a second)", flush=True)
            results[engine] = (time_postgres(args.dsn, stores.schema, note["end"], args.repeat) if engine == "postgres"
                               else time_sqlite(stores.sqlite, note["end"], args.repeat))
        finally:
            if not args.keep:
                stores.drop(engine)
    report(results, args.repeat)


def report(results: dict[str, dict[str, tuple[float, int]]], repeat: int) -> None:
    names = list(next(iter(results.values())))
    print(f"median of {repeat}, ms, last {DAYS} days at {INTERVAL / HOUR:g}h; * over the goal "
          f"(PostgreSQL {GOALS['postgres']:g} ms, SQLite {GOALS['sqlite']:g} ms)")
    print(f"{'query':44} {'PostgreSQL':>11} {'SQLite':>11} {'rows':>7}")
    for name in names:
        cells = []
        for engine in ("postgres", "sqlite"):
            if engine in results:
                ms = results[engine][name][0]
                cells.append(f"{ms:10.1f}{'*' if ms > GOALS[engine] else ' '}")
            else:
                cells.append(f"{'-':>10} ")
        rows = next(results[e][name][1] for e in ("postgres", "sqlite") if e in results)
        print(f"{name[:44]:44} {cells[0]:>11} {cells[1]:>11} {rows:7}")
    for engine, label in (("sqlite", "SQLite"), ("postgres", "PostgreSQL")):
        if engine in results:
            slowest = max(results[engine], key=lambda n: results[engine][n][0])
            over = sum(ms > GOALS[engine] for ms, _ in results[engine].values())
            print(f"{label}: {over} of {len(names)} over {GOALS[engine]:g} ms; slowest: {slowest}")
    for engine, label in (("sqlite", "SQLite"), ("postgres", "PostgreSQL")):
        if engine in results:
            print(f"slowest {label} panel: {max(ms for ms, _ in results[engine].values()):.0f} ms")


if __name__ == "__main__":
    main()
