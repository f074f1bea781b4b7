"""A store sink that writes from a child process, so the test process only hands batches over.

Writing to SQLite costs more than everything else the plugin does per test, and a thread
cannot take that off the test process: the sqlite3 module gives up the GIL around every row,
and a busy interpreter hands it back only every few milliseconds. A child process on another
core writes while the tests run. The parent sends each batch as one length-prefixed
``marshal`` frame (plain data only) on the child's stdin; the child writes it through a
:class:`StoreSink` and, at end of input, prints that sink's report as one JSON line. If the
test process dies, the child still writes every batch it received and exits.

    python -m pytest_vpt.sinks.writer STORE_URL BASE_DIR
"""

from __future__ import annotations

import json
import marshal
import os
import struct
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from ..store import StoreURL, parse_store_url
from .base import SinkReport
from .store import StoreSink

_HEADER = struct.Struct("!Q")
_CLOSE_TIMEOUT = 300.0  # seconds the writer may take to finish after the run


class WriterProcessSink:
    """Buffers events and passes full batches to a writer process; never raises into its caller."""

    def __init__(self, url: StoreURL, base_dir: Path, batch_size: int = 1000) -> None:
        self.url = url
        self.base_dir = base_dir
        self.batch_size = batch_size
        self._buffer: list[dict[str, Any]] = []
        self._sent: Counter = Counter()
        self._unsent: Counter = Counter()
        self._errors: list[str] = []
        self._proc: subprocess.Popen | None = None

    def open(self) -> bool:
        package_root = str(Path(__file__).resolve().parents[2])
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))}
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "pytest_vpt.sinks.writer", self.url.text, str(self.base_dir)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
            )
        except OSError as exc:
            self._errors.append(f"{self.url}: cannot start the store writer: {exc}")
            return False
        return True

    def emit(self, event: dict[str, Any]) -> None:
        self._buffer.append(event)
        if len(self._buffer) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        batch, self._buffer = self._buffer, []
        if not batch:
            return
        kinds = Counter(event["type"] for event in batch)
        if self._proc is None or self._proc.stdin is None:
            self._unsent.update(kinds)
            return
        try:
            payload = marshal.dumps(batch)
            self._proc.stdin.write(_HEADER.pack(len(payload)) + payload)
            self._proc.stdin.flush()
        except (OSError, ValueError) as exc:  # the writer is gone, or an event held a non-plain value
            self._unsent.update(kinds)
            self._errors.append(f"{self.url}: could not hand a batch to the store writer: {exc}")
            if isinstance(exc, OSError):
                self._stop()
        else:
            self._sent.update(kinds)

    def close(self) -> SinkReport:
        """Send what is buffered, let the writer finish, and return what it did."""
        self.flush()
        report = self._finish() if self._proc is not None else SinkReport(str(self.url))
        report.lost.update(self._unsent)
        for error in self._errors:
            report.note(error)
        return report

    def _finish(self) -> SinkReport:
        proc, self._proc = self._proc, None
        try:
            out, err = proc.communicate(timeout=_CLOSE_TIMEOUT)
        except (OSError, ValueError, subprocess.TimeoutExpired):
            proc.kill()
            out, err = proc.communicate()
        lines = out.decode(errors="replace").strip().splitlines()
        try:
            return SinkReport.from_json(json.loads(lines[-1]))
        except (IndexError, ValueError, KeyError, TypeError):
            detail = err.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
            report = SinkReport(str(self.url), lost=Counter(self._sent))
            report.note(f"{self.url}: the store writer ended with exit code {proc.returncode}: {detail[0]}")
            return report

    def _stop(self) -> None:
        if self._proc is not None and self._proc.stdin is not None:
            try:
                self._proc.stdin.close()
            except OSError:
                pass


def _frames(stream) -> Any:
    while header := stream.read(_HEADER.size):
        if len(header) < _HEADER.size:
            raise EOFError("a frame header was cut short")
        (size,) = _HEADER.unpack(header)
        payload = stream.read(size)
        if len(payload) < size:
            raise EOFError("a frame was cut short")
        yield marshal.loads(payload)


def main(argv: list[str]) -> int:
    url, base_dir = argv
    sink = StoreSink(parse_store_url(url, base_dir))
    sink.open()
    try:
        for batch in _frames(sys.stdin.buffer):
            sink.write(batch)
    except (EOFError, ValueError) as exc:
        sink.report.note(f"{url}: the test process stopped in the middle of a batch: {exc}")
    report = sink.close()
    sys.stdout.write(json.dumps(report.to_json()) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
