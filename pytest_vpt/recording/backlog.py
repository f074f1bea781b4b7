"""The recorder's intake: batches read off pytest's pipe as fast as they come, held in order
until the recorder takes them.

A recorder that falls behind (a store locked by another writer, a slow server) must neither
slow pytest down nor lose a batch, nor grow without bound: a thread keeps the pipe empty, so
pytest's writes never block; what waits is kept in memory up to ``memory_bytes`` and beyond
that appended to a file on disk, read back in order once the recorder catches up.
"""

from __future__ import annotations

import marshal
import os
import struct
import tempfile
import threading
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

HEADER = struct.Struct("!Q")  # each batch: its length, then its marshal bytes
MEMORY_BYTES = 8 << 20
_IDLE: Any = object()  # what _take gives when the reader is to be woken


def frame(batch: list[tuple]) -> bytes:
    """One batch as it goes through the pipe."""
    payload = marshal.dumps(batch)
    return HEADER.pack(len(payload)) + payload


def _payloads(stream: BinaryIO) -> Iterator[bytes]:
    while header := stream.read(HEADER.size):
        if len(header) < HEADER.size:
            raise EOFError("a batch header was cut short")
        (size,) = HEADER.unpack(header)
        payload = stream.read(size)
        if len(payload) < size:
            raise EOFError("a batch was cut short")
        yield payload


class Backlog:
    """Iterate over the batches of ``stream`` (a cut-short batch ends it with EOFError).

    ``wake_within()`` says how many seconds the reader may wait for the next batch (None: as
    long as it takes); past that, the iteration gives an empty batch, so the reader can write
    what it holds (the recorder's sink, due to send)."""

    def __init__(self, stream: BinaryIO, memory_bytes: int = MEMORY_BYTES) -> None:
        self.memory_bytes = memory_bytes
        self.wake_within: Callable[[], float | None] = lambda: None
        self.spilled_ever = 0  # batches that waited on disk
        self._memory: deque[bytes] = deque()
        self._held = 0  # bytes in memory
        self._spill: Any = None
        self._spilled = 0  # batches on disk not yet read back
        self._write_at = self._read_at = 0
        self._ended = False
        self._error: Exception | None = None
        self._changed = threading.Condition()
        threading.Thread(target=self._intake, args=(stream,), name="vpt-intake", daemon=True).start()

    def _intake(self, stream: BinaryIO) -> None:
        try:
            for payload in _payloads(stream):
                self._put(payload)
        except (EOFError, OSError) as exc:
            self._error = exc if isinstance(exc, EOFError) else EOFError(str(exc))
        finally:
            with self._changed:
                self._ended = True
                self._changed.notify()

    def _put(self, payload: bytes) -> None:
        with self._changed:
            if self._spilled or self._held + len(payload) > self.memory_bytes:
                if self._spill is None:
                    self._spill = tempfile.TemporaryFile(prefix="vpt-backlog-")
                fd = self._spill.fileno()
                self._write_at += os.pwrite(fd, HEADER.pack(len(payload)) + payload, self._write_at)
                self._spilled += 1
                self.spilled_ever += 1
            else:
                self._memory.append(payload)
                self._held += len(payload)
            self._changed.notify()

    def _take(self) -> Any:
        """The next batch's bytes, _IDLE when the reader is to be woken, None at the end."""
        with self._changed:
            while not self._memory and not self._spilled and not self._ended:
                within = self.wake_within()
                if within is not None and (within <= 0 or not self._changed.wait(within)):
                    return _IDLE
                if within is None:
                    self._changed.wait()
            if self._memory:
                payload = self._memory.popleft()
                self._held -= len(payload)
                return payload
            if self._spilled:
                return self._unspill()
            if self._error is not None:
                raise self._error
            return None

    def _unspill(self) -> bytes:
        fd = self._spill.fileno()
        (size,) = HEADER.unpack(os.pread(fd, HEADER.size, self._read_at))
        payload = os.pread(fd, size, self._read_at + HEADER.size)
        self._read_at += HEADER.size + size
        self._spilled -= 1
        if not self._spilled:  # caught up: the file starts over, the disk it used is given back
            os.ftruncate(fd, 0)
            self._write_at = self._read_at = 0
        return payload

    def __iter__(self) -> Iterator[list[tuple]]:
        while (payload := self._take()) is not None:
            yield [] if payload is _IDLE else marshal.loads(payload)
