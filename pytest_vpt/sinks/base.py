"""The one Sink interface, and the buffering, spool and accounting every sink shares.

A sink takes events (:meth:`Sink.emit`), writes them a batch at a time, keeps what its
target cannot take now in the spool (sent again by :func:`resend`, at the next start or by
``vpt push --spool``), and says what it did in a :class:`SinkReport`. It never raises into
the producer. :class:`BufferedSink` is all of that but writing one batch, which each sink
(store.py, http.py) says in ``_send``.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from ..store.changes import RunChanges
from ..store.test_rows import TEST_ROW, events_of

if TYPE_CHECKING:
    from .spool import Spool

Event = dict[str, Any]
__all__ = ["TEST_ROW", "BufferedSink", "Event", "Refused", "Resent", "SendError", "Sink", "SinkReport", "resend"]


@dataclass
class SinkReport:
    """What a sink did with the events it was given: written, lost, and why."""

    target: str
    written: Counter = field(default_factory=Counter)
    lost: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    spooled: Counter = field(default_factory=Counter)  # kept on disk to be sent later
    resent: Counter = field(default_factory=Counter)  # earlier runs' spooled events sent now
    rejected: Counter = field(default_factory=Counter)  # refused by the server as invalid, kept aside
    resent_rejected: Counter = field(default_factory=Counter)  # earlier runs' spooled events refused now
    rejected_in: str = ""  # the folder the refused batches were moved to, with their reasons

    @property
    def ok(self) -> bool:
        return not self.lost and not self.errors and not self.spooled and not self.rejected

    def count(self, events: list[dict], into: Counter) -> None:
        into.update(event["type"] for event in events)

    def fail(self, events: list[dict], reason: str) -> None:
        self.count(events, self.lost)
        self.note(reason)

    def note(self, reason: str) -> None:
        if reason not in self.errors:
            self.errors.append(reason)

    def to_json(self) -> dict:
        return {"target": self.target, "written": self.written, "lost": self.lost, "errors": self.errors,
                "spooled": self.spooled, "resent": self.resent, "rejected": self.rejected,
                "resent_rejected": self.resent_rejected, "rejected_in": self.rejected_in}

    @classmethod
    def from_json(cls, data: dict) -> SinkReport:
        return cls(data["target"], Counter(data["written"]), Counter(data["lost"]), list(data["errors"]),
                   Counter(data["spooled"]), Counter(data["resent"]), Counter(data.get("rejected", {})),
                   Counter(data.get("resent_rejected", {})), data.get("rejected_in", ""))


class Sink(Protocol):
    """Where a producer's events go: a store, or a vpt server."""

    report: SinkReport

    def open(self) -> bool:
        """Resend what earlier writers spooled; False (the reason in ``report``) if the target is out of reach."""

    def emit(self, event: Event) -> None:
        """Take one event; it is written with its batch."""

    def write(self, batch: list[Event]) -> None:
        """Write one batch now (or spool it)."""

    def write_tests(self, rows: list[tuple]) -> None:
        """Take test attempts as rows (TEST_ROW: a test event's values in order), written a
        batch at a time after the events taken before them, as their events would be."""

    def flush(self) -> None:
        """Write what is buffered now."""

    def close_run(self, run_id: str) -> RunChanges:
        """Write what is buffered; what the after-write step changed for the finished run ``run_id``."""

    def close(self) -> SinkReport:
        """Write what is buffered, release the target and say what happened."""


class SendError(Exception):
    """A batch was not written: the target cannot take any now; the message says why (never a token)."""


class Refused(SendError):
    """The target refused the batch for what it holds: writing it again cannot help."""


@dataclass
class Resent:
    """What :func:`resend` did with the spool: batches sent, refused, left for later."""

    sent: Counter = field(default_factory=Counter)  # events by type
    batches: int = 0
    rejected: Counter = field(default_factory=Counter)
    rejected_batches: int = 0
    stopped: str = ""  # why the rest was left in the spool (the target could not take it)


def resend(spool: Spool, send: Callable[[list[Event]], Any],
           on_progress: Callable[[int, int], Any] | None = None) -> Resent:
    """Send the spooled batches, oldest first. One refused for what it holds moves to
    ``rejected/`` (its reason beside it) and the next is sent; at the first other failure the
    rest stays in the spool for later. ``on_progress(done, total)`` hears of each batch."""
    done = Resent()
    total = spool.depth()
    for handled, (path, events) in enumerate(spool.batches()):
        if on_progress is not None:
            on_progress(handled, total)
        try:
            send(events)
        except Refused as exc:
            try:
                spool.reject(path, str(exc))
            except OSError as error:
                done.stopped = f"{exc}; cannot move it to {spool.rejected}: {error.strerror or error}"
                break
            done.rejected.update(event["type"] for event in events)
            done.rejected_batches += 1
            continue
        except SendError as exc:
            done.stopped = str(exc)
            break
        path.unlink(missing_ok=True)
        done.sent.update(event["type"] for event in events)
        done.batches += 1
    if on_progress is not None and not done.stopped:
        on_progress(total, total)
    return done


class BufferedSink(ABC):
    """Batching, spool and accounting, the same for every target.

    :meth:`emit` appends to a list until a batch is full (or, with ``max_wait``, its first
    event has waited that many seconds; a caller that may wait for the next event asks
    :meth:`wait_left` how long it may, and calls :meth:`flush_due` then). After a batch the target could not take, the sink stops
    trying: the rest goes straight to the spool, so a target that is down costs one wait,
    not one per batch; with ``retry_every`` it tries again that many seconds later, and sends
    the spool first (a monitor running for days). Without a spool, what is not written is
    counted as lost, with the reason.
    """

    def __init__(self, target: str, spool: Spool | None, batch_size: int, max_wait: float | None = None,
                 retry_every: float | None = None) -> None:
        self.report = SinkReport(target=target)
        self.spool = spool
        self.batch_size, self.max_wait, self.retry_every = batch_size, max_wait, retry_every
        self._buffer: list[Event] = []
        self._rows: list[tuple] = []  # test rows taken (write_tests), never at once with events
        self._due = None if max_wait is None else time.monotonic() + max_wait
        self._down_since: float | None = None
        self._changes: dict[str, RunChanges] = {}

    # what each sink says
    @abstractmethod
    def _send(self, batch: list[Event]) -> dict[str, RunChanges]:
        """Write one batch; what the after-write step changed, by run id. Raises SendError or Refused."""

    def _send_tests(self, rows: list[tuple]) -> dict[str, RunChanges]:
        """Write one batch of test rows (a sink with no quicker way sends their events)."""
        return self._send(events_of(rows))

    def _refused(self, batch: list[Event], reason: str) -> None:
        """A batch refused for what it holds: kept in the spool's ``rejected/``, with the reason."""
        self.report.note(reason)
        if self.spool is None:
            self.report.fail(batch, reason)
            return
        try:
            self.spool.reject(batch, reason)
        except OSError as exc:
            self.report.fail(batch, f"{self.spool.rejected}: cannot keep a refused batch: {exc.strerror or exc}")
        else:
            self.report.count(batch, self.report.rejected)
            self.report.rejected_in = str(self.spool.rejected)

    def _release(self) -> None:
        """Let go of the target."""

    # the same for every sink
    def open(self) -> bool:
        return not self.resend().stopped

    def resend(self, on_progress: Callable[[int, int], Any] | None = None) -> Resent:
        """Send what earlier writers spooled (see :func:`resend`), accounted in the report."""
        if self.spool is None:
            return Resent()
        done = resend(self.spool, self._resend_one, on_progress)
        self.report.resent.update(done.sent)
        if done.rejected:
            self.report.resent_rejected.update(done.rejected)
            self.report.rejected_in = str(self.spool.rejected)
        if done.stopped:
            self.report.note(f"{done.stopped} (earlier runs' results stay in {self.spool.folder})")
            self._down_since = time.monotonic()
        return done

    def _resend_one(self, batch: list[Event]) -> None:
        try:
            self._changes.update(self._send(batch))
        except SendError:
            raise
        except Exception as exc:  # a bug: the rest stays in the spool, and the producer goes on
            raise SendError(f"{self.report.target}: {type(exc).__name__}: {exc}") from exc

    def emit(self, event: Event) -> None:
        if self._rows:
            self._flush_rows()
        if not self._buffer and self.max_wait is not None:  # the first unsent event: due max_wait from now
            self._due = time.monotonic() + self.max_wait
        self._buffer.append(event)
        if len(self._buffer) >= self.batch_size or (self._due is not None and time.monotonic() >= self._due):
            self.flush()

    def wait_left(self) -> float | None:
        """Seconds until the buffered events are due to be written (0: now); None if none
        are buffered, or the sink has no ``max_wait``."""
        if not self._buffer or self._due is None:
            return None
        return max(self._due - time.monotonic(), 0.0)

    def flush_due(self) -> None:
        """Write the buffered events if they have waited ``max_wait`` seconds."""
        if self._buffer and self._due is not None and time.monotonic() >= self._due:
            self.flush()

    def flush(self) -> None:
        batch, self._buffer = self._buffer, []
        if batch:
            self.write(batch)
        self._flush_rows()

    def write_tests(self, rows: list[tuple]) -> None:
        if self._buffer:
            self.flush()
        self._rows.extend(rows)
        while len(self._rows) >= self.batch_size:  # batches of batch_size, as emitted events go
            batch, self._rows = self._rows[:self.batch_size], self._rows[self.batch_size:]
            self._write_rows(batch)

    def _flush_rows(self) -> None:
        rows, self._rows = self._rows, []
        if rows:
            self._write_rows(rows)

    def _write_rows(self, rows: list[tuple]) -> None:
        self._deliver(rows, self._send_tests, lambda: events_of(rows), Counter(test=len(rows)))

    def write(self, batch: list[Event]) -> None:
        """Write one batch, or spool it (else count it as lost) with the reason."""
        self._deliver(batch, self._send, lambda: batch, Counter(event["type"] for event in batch))

    def _deliver(self, batch: list, send: Callable[[list], dict[str, RunChanges]],
                 as_events: Callable[[], list[Event]], kinds: Counter) -> None:
        """Send a batch of events or of test rows (``as_events``: the events it stands for,
        for the spool and the accounts; ``kinds``: how many of each type it holds)."""
        if self._down():
            self._keep(as_events())
            return
        try:
            self._changes.update(send(batch))
        except Refused as exc:
            self._refused(as_events(), str(exc))
        except SendError as exc:
            self.report.note(str(exc))
            self._down_since = time.monotonic()
            self._keep(as_events())
        except Exception as exc:  # a bug must not break the producer
            self.report.fail(as_events(), f"{self.report.target}: {type(exc).__name__}: {exc}")
            self._down_since = time.monotonic()
            self._release()
        else:
            self.report.written.update(kinds)

    def _down(self) -> bool:
        """Whether the target failed and is not to be tried yet (with ``retry_every``: the spool first)."""
        if self._down_since is None:
            return False
        if self.retry_every is None or time.monotonic() - self._down_since < self.retry_every:
            return True
        self._down_since = None
        self.resend()
        return self._down_since is not None

    def _keep(self, batch: list[Event]) -> None:
        if self.spool is None:
            reason = self.report.errors[-1] if self.report.errors else f"{self.report.target}: not written"
            self.report.fail(batch, reason)
            return
        self.spool.keep(batch, self.report)

    def close_run(self, run_id: str) -> RunChanges:
        """Write what is buffered; what the after-write step changed for the finished run
        ``run_id`` (the run's analysis settings are the ones the sink was opened with)."""
        self.flush()
        return self._changes.get(run_id, RunChanges())

    def close(self) -> SinkReport:
        self.flush()
        self._release()
        return self.report

