"""Exports of 1,000,000 test executions from PostgreSQL: CSV and XLSX beside COPY.

Loads a fresh schema of the PostgreSQL at VPT_TEST_PG_DSN (or --dsn) with ``--executions``
test attempts over 30 days through the store's own writer (tests/dashboard_data.py's history:
24 runs a day, flaky and broken tests, reruns, two devices; each run's attempts one batch,
written by the store's bulk COPY path). Then, each in a process of its own so that its peak
RSS is its own: ``COPY (SELECT ...) TO STDOUT (FORMAT csv, HEADER)`` through psycopg of the
exporter's own SELECT (the same rows, formatted the same way: the physical limit of getting
them out of the server), ``vpt export csv`` (AnalyticsExporter.export_to_csv) and ``vpt
export xlsx`` of the same query. Prints rows per second and peak RSS of each, whether the CSV
holds COPY's bytes (the exporter has the server write the CSV on PostgreSQL, and
makes its line ends CRLF), and last ``export/copy: R``, CSV's throughput over
COPY's, each the median of ``--rounds`` alternated runs (goals: R >= 0.7; RSS <= 100 MB
for CSV and XLSX, the highest of the runs).

    python benchmarks/export.py [--executions 1000000] [--rounds 3] [--keep] [--dsn URL] [--skip-xlsx]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import dashboard_data  # noqa: E402

DAY = 86400.0
DAYS, RUNS_PER_DAY = 30, 24
QUERY = "test_executions"
GOALS = {"ratio": 0.7, "rss_mb": 100.0}


def url_of(dsn: str, schema: str) -> str:
    return f"{dsn}{'&' if '?' in dsn else '?'}options={quote(f'-csearch_path={schema}')}"


def load(url: str, end: float, executions: int) -> int:
    """The history written by the store's writer, batch by batch (no rollup folds: an export
    reads the attempts); returns the attempts stored."""
    from pytest_vpt.store import open_store

    tests = max(12, round(executions / (DAYS * RUNS_PER_DAY)))
    scale = dashboard_data.Scale(days=DAYS, runs_per_day=RUNS_PER_DAY, tests=tests)
    with open_store(url) as store:
        for batch in dashboard_data.run_batches(end, scale):
            store.write(batch, fold=False)
        return store.conn.execute("SELECT count(*) FROM test_attempts").fetchone()[0]


def peak_rss_mb() -> float:
    """This process's peak RSS: VmHWM, which exec resets (ru_maxrss keeps what the forked parent
    had, so a parent holding big buffers would show in its children)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def same_bytes(csv_path: Path, copy_path: Path) -> bool:
    """Whether the CSV holds COPY's output but for its BOM and CRLF line ends, read line by line."""
    with open(csv_path, "rb") as ours, open(copy_path, "rb") as theirs:
        if ours.read(3) != b"\xef\xbb\xbf":
            return False
        for mine, copied in zip(ours, theirs, strict=False):
            if mine.replace(b"\r\n", b"\n") != copied:
                return False
        return ours.read(1) == b"" and theirs.read(1) == b""


def child(kind: str, url: str, out: str, since: float, until: float) -> None:
    """One export in this process; prints its seconds, rows, bytes and peak RSS as JSON."""
    started = time.perf_counter()
    if kind == "copy":
        from pytest_vpt.store import export_queries
        from pytest_vpt.store.sql import postgres

        with psycopg.connect(url, autocommit=True) as conn:
            class Probe:  # the exporter's SELECT for PostgreSQL, its parameters bound in the text
                raw = conn
            sql = export_queries.select(Probe(), export_queries.find(QUERY), dashboard_data.PROJECT, "sheet")
            text = psycopg.ClientCursor(conn).mogrify(postgres(sql), [dashboard_data.PROJECT, since, until])
            rows = 0
            with open(out, "wb") as file, conn.cursor().copy(f"COPY ({text}) TO STDOUT (FORMAT csv, HEADER)") as copy:
                for data in copy:
                    file.write(data)
                    rows += bytes(data).count(b"\n")
            rows -= 1  # the header
    else:
        from pytest_vpt.exports import AnalyticsExporter

        exporter = AnalyticsExporter(url, project=dashboard_data.PROJECT)
        found = exporter.export(kind, out, [QUERY], timerange=(since, until))
        rows = found.rows[QUERY]
    seconds = time.perf_counter() - started
    rss = peak_rss_mb()
    print(json.dumps({"seconds": seconds, "rows": rows, "bytes": os.path.getsize(out), "rss_mb": rss}))


def run_child(kind: str, url: str, out: Path, since: float, until: float) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", kind, "--url", url, "--out", str(out),
                           "--since", repr(since), "--until", repr(until)], capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{kind} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--executions", type=int, default=1_000_000)
    parser.add_argument("--dsn", default=os.environ.get("VPT_TEST_PG_DSN") or "postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--keep", action="store_true", help="keep the schema, and reuse the one a --keep run kept")
    parser.add_argument("--skip-xlsx", action="store_true")
    parser.add_argument("--rounds", type=int, default=3, help="COPY and CSV runs, alternated (the median is shown)")
    parser.add_argument("--folder", type=Path, default=Path(tempfile.gettempdir()))
    parser.add_argument("--child", choices=["copy", "csv", "xlsx"], help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--since", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--until", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.url, args.out, args.since, args.until)
        return
    if not 8640 <= args.executions <= 5_000_000:
        parser.error("--executions must be between 8,640 and 5,000,000")
    if not 1 <= args.rounds <= 20:
        parser.error("--rounds must be between 1 and 20")
    schema = f"vpt_exportbench_{args.executions}"
    url = url_of(args.dsn, schema)
    note = args.folder / f"{schema}.json"
    with psycopg.connect(args.dsn, autocommit=True) as admin:
        kept = args.keep and note.exists() and admin.execute(
            "SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,)).fetchone()
        if not kept:
            admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            admin.execute(f'CREATE SCHEMA "{schema}"')
    try:
        if kept:
            loaded = json.loads(note.read_text())
        else:
            end = math.floor(time.time() / DAY) * DAY - 6 * 3600.0
            started = time.perf_counter()
            count = load(url, end, args.executions)
            loaded = {"end": end, "executions": count, "seconds": time.perf_counter() - started}
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute("ANALYZE")
            if args.keep:
                note.write_text(json.dumps(loaded))
        print(f"{loaded['executions']:,} test executions loaded in {loaded['seconds']:.0f} s", flush=True)
        since, until = loaded["end"] - (DAYS + 1) * DAY, loaded["end"] + DAY
        results = {}
        with tempfile.TemporaryDirectory(dir=args.folder) as folder:
            rounds: dict[str, list[dict]] = {"copy": [], "csv": []}
            for _ in range(args.rounds):  # alternated, so that neither has the warmer cache
                for kind in rounds:
                    rounds[kind].append(run_child(kind, url, Path(folder) / f"out.{kind}", since, until))
            if not args.skip_xlsx:
                rounds["xlsx"] = [run_child("xlsx", url, Path(folder) / "out.xlsx", since, until)]
            for kind, runs in rounds.items():
                found = results[kind] = {**sorted(runs, key=lambda run: run["seconds"])[len(runs) // 2],
                                         "rss_mb": max(run["rss_mb"] for run in runs)}
                print(f"{kind:5} {found['rows']:>10,} rows {found['seconds']:7.1f} s (median of {len(runs)}) "
                      f"{found['rows'] / found['seconds']:>10,.0f} rows/s {found['bytes'] / 1e6:8.1f} MB file "
                      f"peak RSS {found['rss_mb']:6.1f} MB", flush=True)
                if kind == "csv":
                    same = same_bytes(Path(folder) / "out.csv", Path(folder) / "out.copy")
                    print(f"CSV holds COPY's bytes (its BOM and CRLF line ends aside): {'yes' if same else 'no'}")
    finally:
        if not args.keep:
            with psycopg.connect(args.dsn, autocommit=True) as admin:
                admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    for kind in ("csv", "xlsx"):
        if kind in results:
            over = results[kind]["rss_mb"] > GOALS["rss_mb"]
            print(f"{kind} peak RSS {results[kind]['rss_mb']:.1f} MB (goal <= {GOALS['rss_mb']:g}){' NOT MET' if over else ''}")
    ratio = (results["csv"]["rows"] / results["csv"]["seconds"]) / (results["copy"]["rows"] / results["copy"]["seconds"])
    print(f"export/copy: {ratio:.2f}")


if __name__ == "__main__":
    main()
