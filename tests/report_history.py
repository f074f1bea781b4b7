"""The history the report's tests draw: the dashboards' realistic one (tests/dashboard_data.py),
then a newest run whose test names and messages are hostile (markup, a script, a closing
script tag), with reruns, and a video incident whose thumbnail is a real PNG file."""

from __future__ import annotations

import math
import struct
import time
import zlib
from pathlib import Path

import dashboard_data
from pytest_vpt.events import builders
from pytest_vpt.store import open_store
from pytest_vpt.store.after_write import after_write

DAY = 86400.0
END = math.floor(time.time() / DAY) * DAY - 6 * 3600  # the seeded history ends 18:00 UTC yesterday
SINCE = END - dashboard_data.Scale().days * DAY - DAY
HOSTILE_NODEID = 'tests/test_box.py::test_name[<img src=x onerror="alert(1)">]'
HOSTILE_MESSAGE = "assert '<script>alert(\"pwned\")</script>' == '</script><b>bold</b>' & more"
LAST_RUN = "run-hostile"


def png(path: Path, width: int = 8, height: int = 6) -> Path:
    """A real PNG file (grey pixels), written with zlib as the format says."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + bytes([128]) * width for _ in range(height))
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    return path


def hostile_batches(at: float, thumbnail: str | None) -> list[list[dict]]:
    project = dashboard_data.PROJECT
    attempts = [
        builders.attempt_event("h-1-1", run_id=LAST_RUN, project=project, nodeid=HOSTILE_NODEID, outcome="rerun",
                               attempt=1, final=False, started_at=at + 1, finished_at=at + 2, call=1.0,
                               error_type="AssertionError", error_message=HOSTILE_MESSAGE, device="stb-1"),
        builders.attempt_event("h-1-2", run_id=LAST_RUN, project=project, nodeid=HOSTILE_NODEID, outcome="failed",
                               attempt=2, final=True, started_at=at + 3, finished_at=at + 4, call=1.0,
                               error_type="AssertionError", error_message=HOSTILE_MESSAGE, device="stb-1"),
        *(builders.attempt_event(f"h-{n}", run_id=LAST_RUN, project=project, nodeid=f"tests/test_box.py::test_{n:03d}",
                                 outcome="passed", attempt=1, final=True, started_at=at + 5 + n, finished_at=at + 5.5 + n,
                                 call=0.1 * n + 0.05) for n in range(30)),
    ]
    finished = at + 40
    incident = builders.incident_event(project, "freeze", "rtsp://cam/<1>", at + 10, 3.0, "major", end=at + 13,
                                       thumbnail=thumbnail, run_id=LAST_RUN, nodeid=HOSTILE_NODEID)
    return [[builders.run_event(LAST_RUN, project, "running", at)], [*attempts, incident],
            [builders.run_event(LAST_RUN, project, "finished", at, finished_at=finished, exit_status=1,
                                counts=dashboard_data.counts(attempts), cpu_seconds=3.0)]]


def seed(url: str, folder: Path) -> None:
    """The realistic history and the hostile last run, into the store at ``url``."""
    dashboard_data.seed(url, END)
    with open_store(url) as store:
        for batch in hostile_batches(END - 1800, str(png(folder / "freeze.png"))):
            store.write(batch)
            after_write(store, batch)
