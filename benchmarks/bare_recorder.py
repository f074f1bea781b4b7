"""The least a recorder of pytest runs can do: a pytest plugin for benchmarks/overhead.py's floors.

It keeps six plain values of each report (node id, phase, outcome, duration, start, stop) and
nothing else: no test cases, no rollups, no verdicts, no quarantine, no summary. With
``BARE_RECORDER=child`` it hands them, in marshal batches of 3,000, to a child interpreter that
reads and drops them (the floor of recording in a process of its own); with
``BARE_RECORDER=sqlite:PATH`` it writes them once, when pytest ends, with one ``executemany``
into one indexed SQLite table at PATH (the floor of recording in pytest's own process).

    python -m pytest -p bare_recorder      (with benchmarks/ on PYTHONPATH)
"""

from __future__ import annotations

import marshal
import os
import sqlite3
import subprocess
import sys

_BATCH = 3000
_MODE = os.environ.get("BARE_RECORDER", "child")
_rows: list[tuple] = []
_child: subprocess.Popen | None = None


def pytest_configure(config) -> None:
    global _child
    if _MODE == "child":
        _child = subprocess.Popen([sys.executable, "-c", "import sys\nwhile sys.stdin.buffer.read(1 << 16): pass"],
                                  stdin=subprocess.PIPE)


def pytest_runtest_logreport(report) -> None:
    _rows.append((report.nodeid, report.when, report.outcome, report.duration, report.start, report.stop))
    if _child is not None and len(_rows) >= _BATCH:
        _hand_over()


def _hand_over() -> None:
    data = marshal.dumps(_rows)
    _child.stdin.write(len(data).to_bytes(4, "little") + data)
    _rows.clear()


def pytest_unconfigure(config) -> None:
    if _child is not None:
        _hand_over()
        _child.stdin.close()
        _child.wait()
    elif _MODE.startswith("sqlite:"):
        conn = sqlite3.connect(_MODE.removeprefix("sqlite:"))
        with conn:
            conn.execute("CREATE TABLE IF NOT EXISTS attempts "
                         "(nodeid TEXT, phase TEXT, outcome TEXT, duration REAL, started REAL, stopped REAL)")
            conn.execute("CREATE INDEX IF NOT EXISTS attempts_by_test ON attempts (nodeid)")
            conn.executemany("INSERT INTO attempts VALUES (?, ?, ?, ?, ?, ?)", _rows)
        conn.close()
