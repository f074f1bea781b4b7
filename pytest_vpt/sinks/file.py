"""The result file: a run's events written to a file instead of a store or a server.

``pytest --vpt --vpt-result-file PATH`` writes the run's events there as JSON lines (one
event a line), a batch at a time as the run goes; the file is complete when the run ends.
``vpt push --vpt-result-file PATH`` reads it back (:func:`read_result_file`: every batch
checked with the wire format's validation before any is sent) and sends it on, for CI jobs
where the server is reached only from a later step.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from ..events import EventError, validate_batch
from ..store.changes import RunChanges
from .base import BufferedSink, Event, SendError

SCHEME = "file:"
BATCH = 1000  # events a batch, written and read back
LINE_MAX = 1 << 20  # characters of one event's line: far above what the wire format's limits allow


class ResultFileError(ValueError):
    """A result file that cannot be sent; the message starts with ``FILE:LINE:``."""


def target_path(target: str) -> Path | None:
    """The path of a ``file:PATH`` target, None for any other."""
    return Path(target[len(SCHEME):]) if target.startswith(SCHEME) else None


class FileSink(BufferedSink):
    """Appends each batch to the result file (emptied when the sink opens). Never raises;
    what cannot be written is counted as lost, with the reason (a result file has no spool)."""

    def __init__(self, path: Path, batch_size: int = BATCH) -> None:
        super().__init__(f"{SCHEME}{path}", None, batch_size)
        self.path = path
        self._handle: IO[str] | None = None

    def open(self) -> bool:
        try:
            self._file()
        except SendError as exc:
            self.report.note(str(exc))
            return False
        return True

    def _file(self) -> IO[str]:
        if self._handle is None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._handle = open(self.path, "w", encoding="utf-8")
            except OSError as exc:
                raise SendError(f"{self.path}: cannot write the result file: {exc.strerror or exc}") from None
        return self._handle

    def _send(self, batch: list[Event]) -> dict[str, RunChanges]:
        handle = self._file()
        try:
            handle.write("".join(json.dumps(event, separators=(",", ":")) + "\n" for event in batch))
            handle.flush()
        except OSError as exc:
            raise SendError(f"{self.path}: cannot write the result file: {exc.strerror or exc}") from None
        return {}

    def _release(self) -> None:
        if self._handle is not None:
            try:
                os.fsync(self._handle.fileno())
            except OSError:
                pass
            self._handle.close()
            self._handle = None


def read_result_file(path: Path, batch_size: int = BATCH) -> Iterator[list[Event]]:
    """The file's events, a batch at a time, each batch valid (see :func:`validate_batch`);
    raises :class:`ResultFileError` naming the file and line of the first problem."""
    try:
        handle = open(path, encoding="utf-8", newline="\n")
    except OSError as exc:
        raise ResultFileError(f"{path}:0: cannot read it: {exc.strerror or exc}") from None
    batch: list[Event] = []
    first_line = 1
    with handle:
        number = 0
        try:
            for number, line in enumerate(iter(lambda: handle.readline(LINE_MAX + 1), ""), start=1):
                batch.append(_event(path, number, line))
                if len(batch) >= batch_size:
                    yield _checked(path, first_line, batch)
                    batch, first_line = [], number + 1
        except UnicodeDecodeError as exc:
            raise ResultFileError(f"{path}:{number + 1}: not UTF-8 text ({exc.reason})") from None
    if batch:
        yield _checked(path, first_line, batch)
    elif number == 0:
        raise ResultFileError(f"{path}:0: holds no events (pytest --vpt --vpt-result-file writes them)")


def _event(path: Path, number: int, line: str) -> Event:
    if len(line) > LINE_MAX and not line.endswith("\n"):
        raise ResultFileError(f"{path}:{number}: a line of more than {LINE_MAX} characters: not a result file")
    if not line.endswith("\n"):
        raise ResultFileError(f"{path}:{number}: the last line is cut off: the run that wrote it did not finish")
    try:
        event = json.loads(line)
    except ValueError as exc:
        raise ResultFileError(f"{path}:{number}: not a JSON line: {exc}") from None
    if not isinstance(event, dict):
        raise ResultFileError(f"{path}:{number}: expected an event (a JSON object), got {type(event).__name__}")
    return event


def _checked(path: Path, first_line: int, batch: list[Event]) -> list[Event]:
    try:
        validate_batch(batch)
    except EventError as exc:
        line = first_line + (exc.index or 0)
        raise ResultFileError(f"{path}:{line}: {exc}") from None
    return batch


@dataclass
class ResultFilePush:
    """What sending a result file did: its events by type, its runs, and what they changed."""

    path: str
    events: Counter = field(default_factory=Counter)
    runs: list[str] = field(default_factory=list)
    changes: dict[str, RunChanges] = field(default_factory=dict)


def send_result_file(path: Path, sink: Any) -> ResultFilePush:
    """Check the whole file, then send it batch by batch through ``sink`` (its finished runs
    judged by the after-write step as they arrive); nothing is sent from a file with a problem
    (:class:`ResultFileError`). The sink is left open: its report says what was written."""
    done = ResultFilePush(str(path))
    finished: list[str] = []
    for batch in read_result_file(path):
        done.events.update(event["type"] for event in batch)
        for event in batch:
            if event["type"] == "run":
                if event["vpt.run.id"] not in done.runs:
                    done.runs.append(event["vpt.run.id"])
                if event["vpt.run.status"] == "finished":
                    finished.append(event["vpt.run.id"])
    for batch in read_result_file(path):
        sink.write(batch)
    done.changes = {run_id: sink.close_run(run_id) for run_id in finished}
    return done
