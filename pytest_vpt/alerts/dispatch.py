"""Notifications delivered off the evaluating thread: each channel has a worker thread and a
bounded queue of its own, so a slow or failing channel (up to its retries' 120 s) holds up
neither another channel nor the next evaluation, and each channel gets its notifications in
the order they were handed over (a firing before its resolve). Retries are alerts.delivery's.

How each notification went, on every channel it was handed to, is an :class:`Outcome`, kept
until the owner takes it (:meth:`Dispatcher.outcomes`): the thread that owns the history
records it there, so no connection is ever used from two threads. A full queue drops its
oldest reminder first (else its oldest notification) and says so in the log and in the
outcome. :meth:`Dispatcher.close` waits (bounded) for what is queued and makes an outcome of
whatever is left undelivered."""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .delivery import RetryPolicy, deliver, with_retries
from .notification import Channel, Notification

log = logging.getLogger("pytest_vpt.alerts")
#: notifications waiting per channel before the oldest reminder is dropped
QUEUE_SIZE = 200


@dataclass(frozen=True)
class Outcome:
    """How one notification went on every channel it was handed to: ``failures`` names each
    channel that did not deliver and why (empty: delivered everywhere). ``quiet``: a success
    is not worth recording (a re-post to a resending channel)."""

    notification: Notification
    failures: tuple[str, ...]
    quiet: bool = False

    @property
    def rule(self) -> str:
        return self.notification.rule

    @property
    def fingerprints(self) -> list[str]:
        return [alert.fingerprint for alert in self.notification.alerts]


class _Abandoned(Exception):
    """The dispatcher closed while a delivery waited to retry."""


@dataclass
class _Ticket:
    """One notification handed to some channels: done when each has told how it went."""

    notification: Notification
    waiting: set[str]
    quiet: bool
    finished: list[Outcome]
    lock: threading.Lock
    failures: list[str] = field(default_factory=list)

    def done(self, channel: str, error: str | None) -> None:
        with self.lock:
            if channel not in self.waiting:  # told already (left at close, then finished)
                return
            self.waiting.discard(channel)
            if error:
                self.failures.append(error)
            if not self.waiting:
                self.finished.append(Outcome(self.notification, tuple(self.failures), self.quiet))


@dataclass
class _Worker:
    channel: Channel
    queue: deque[_Ticket] = field(default_factory=deque)
    busy: _Ticket | None = None
    thread: threading.Thread | None = None


class Dispatcher:
    """Hands notifications to ``channels`` (name -> Channel). ``threaded=False`` delivers in
    :meth:`submit` itself (every channel at once, waited for: a script or a test)."""

    def __init__(self, channels: Mapping[str, Channel], policy: RetryPolicy = RetryPolicy(),
                 queue_size: int = QUEUE_SIZE, threaded: bool = True) -> None:
        if not 1 <= queue_size <= 100_000:
            raise ValueError(f"queue_size must be 1 to 100000, not {queue_size!r}")
        self.channels = dict(channels)
        self.policy = policy
        self.queue_size = queue_size
        self.threaded = threaded
        self._workers: dict[str, _Worker] = {}
        self._changed = threading.Condition()
        self._stop = threading.Event()
        self._closed = False
        self._finished: list[Outcome] = []
        self._finished_lock = threading.Lock()

    @property
    def longest(self) -> float:
        """The longest one delivery may take: the retries' seconds and a last attempt's timeout."""
        return self.policy.total + max((getattr(each, "timeout", 0) for each in self.channels.values()), default=0) + 5

    def submit(self, notification: Notification, names: Iterable[str], quiet: bool = False) -> None:
        """Hand ``notification`` to the channels ``names`` and return (threaded) at once."""
        chosen = [name for name in dict.fromkeys(names) if name in self.channels]
        if not chosen:
            return
        ticket = _Ticket(notification, set(chosen), quiet, self._finished, self._finished_lock)
        if not self.threaded:
            for result in deliver({name: self.channels[name] for name in chosen}, notification, policy=self.policy,
                                  on_failure=lambda name, error: None):
                ticket.done(result.channel, None if result.delivered else result.error)
            return
        with self._changed:
            for name in chosen:
                if self._closed:
                    ticket.done(name, f"{self._where(name)}: not sent: the alerts were closing")
                    continue
                self._put(self._worker(name), ticket)
            self._changed.notify_all()

    def _where(self, name: str) -> str:
        return f"{self.channels[name].kind} channel {name!r}"

    def _worker(self, name: str) -> _Worker:
        worker = self._workers.get(name)
        if worker is None:
            worker = self._workers[name] = _Worker(self.channels[name])
            worker.thread = threading.Thread(target=self._work, args=(worker,), daemon=True, name=f"vpt-alert-{name}")
            worker.thread.start()
        return worker

    def _put(self, worker: _Worker, ticket: _Ticket) -> None:
        if len(worker.queue) >= self.queue_size:
            oldest = next((each for each in worker.queue if each.notification.repeat), worker.queue[0])
            worker.queue.remove(oldest)
            what = "reminder" if oldest.notification.repeat else f"{oldest.notification.status} notification"
            error = (f"{self._where(worker.channel.name)}: not sent: its queue was full ({self.queue_size} waiting), "
                     f"so this {what} of {oldest.notification.rule!r} was dropped")
            log.warning("alert not delivered: %s", error)
            oldest.done(worker.channel.name, error)
        worker.queue.append(ticket)

    def _work(self, worker: _Worker) -> None:
        name = worker.channel.name
        while True:
            with self._changed:
                while not worker.queue and not self._closed:
                    self._changed.wait()
                if not worker.queue:
                    return
                ticket = worker.busy = worker.queue.popleft()
            try:
                result = with_retries(worker.channel, ticket.notification, self._sleep, self.policy)
            except _Abandoned:
                return
            if not result.delivered:
                log.info("alert not delivered: %s", result.error)
            ticket.done(name, None if result.delivered else result.error)
            with self._changed:
                worker.busy = None
                self._changed.notify_all()

    def _sleep(self, seconds: float) -> None:
        if self._stop.wait(seconds):
            raise _Abandoned

    @property
    def pending(self) -> int:
        """Notifications queued or being sent, over every channel."""
        with self._changed:
            return sum(len(worker.queue) + (worker.busy is not None) for worker in self._workers.values())

    def drain(self, timeout: float | None = None) -> bool:
        """Wait until every queue is empty and nothing is being sent (at most ``timeout``
        seconds; None: :attr:`longest`): whether it was."""
        deadline = time.monotonic() + (self.longest if timeout is None else max(0.0, timeout))
        with self._changed:
            while any(worker.queue or worker.busy for worker in self._workers.values()):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(left)
        return True

    def outcomes(self) -> list[Outcome]:
        """The outcomes finished since the last call, in the order they finished."""
        with self._finished_lock:
            taken, self._finished[:] = list(self._finished), []
        return taken

    def close(self, timeout: float | None = None) -> None:
        """Take nothing more, wait (as :meth:`drain`) for what is queued, then give up on the
        rest: each notification left becomes an outcome saying it was not delivered."""
        if not self.threaded:
            return
        waited = self.longest if timeout is None else max(0.0, timeout)
        with self._changed:
            self._closed = True
            self._changed.notify_all()
        self.drain(waited)
        self._stop.set()
        with self._changed:
            for name, worker in self._workers.items():
                left = ([worker.busy] if worker.busy is not None else []) + list(worker.queue)
                worker.queue.clear()
                for ticket in left:
                    error = f"{self._where(name)}: left undelivered when the alerts closed (after waiting {waited:g} s)"
                    log.warning("alert not delivered: %s", error)
                    ticket.done(name, error)
            self._changed.notify_all()
