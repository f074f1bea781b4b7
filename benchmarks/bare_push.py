"""The least a push of a JUnit file can do: benchmarks/push.py's floor.

Streams the file's ``testcase`` elements with lxml's iterparse (each one cleared once read,
so memory stays flat) and writes three plain values of each (node id, outcome, duration)
into one indexed SQLite table, 10,000 rows a statement: no checks, no test cases, no
retries told apart, no rollups, no verdicts. Prints how many elements it wrote.

    python benchmarks/bare_push.py REPORT DATABASE
"""

from __future__ import annotations

import sqlite3
import sys

from lxml import etree

_OUTCOMES = {"failure": "failed", "error": "error", "skipped": "skipped"}
_BATCH = 10_000


def main(report: str, database: str) -> None:
    conn = sqlite3.connect(database)
    conn.execute("CREATE TABLE IF NOT EXISTS attempts (nodeid TEXT, outcome TEXT, duration REAL)")
    conn.execute("CREATE INDEX IF NOT EXISTS attempts_by_test ON attempts (nodeid)")
    rows: list[tuple] = []
    written = 0
    for _, case in etree.iterparse(report, tag="testcase"):
        outcome = "passed"
        for child in case:
            outcome = _OUTCOMES.get(child.tag, outcome)
        rows.append((f"{case.get('classname')}::{case.get('name')}", outcome, float(case.get("time") or 0)))
        case.clear()
        while case.getprevious() is not None:
            del case.getparent()[0]
        if len(rows) >= _BATCH:
            with conn:
                conn.executemany("INSERT INTO attempts VALUES (?, ?, ?)", rows)
            written, rows = written + len(rows), []
    with conn:
        conn.executemany("INSERT INTO attempts VALUES (?, ?, ?)", rows)
    print(written + len(rows))


if __name__ == "__main__":
    main(*sys.argv[1:3])
