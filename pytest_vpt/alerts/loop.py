"""Rules evaluated again and again: every ``every`` seconds in a thread of its own beside
``vpt server`` (:class:`AlertLoop`), or in the foreground for ``vpt alerts run``. Between two
evaluations on the interval, the loop also evaluates when a pending alert's duration elapses
(``Evaluation.next_due``: its firing is told right then) and, beside the server, when data
that can start or end an alert landed (the after-write step rings its :class:`Doorbell`).
These extra evaluations come at most one a second; none moves the interval. Each evaluates
only the rules it concerns (the rules whose duration ended, those reading the series the news
is of: a device newly failing or back, an incident, a run's end, a metric); the interval's
evaluates them all. An evaluation
that fails is logged and the next one runs on time; one that takes longer than the interval
makes the next start at once (never two at a time).

One process at a time evaluates a store's rules, however many loops run over it (``vpt server
--workers N``, ``vpt alerts run``, ``vpt monitor``): before each evaluation the loop asks
:class:`Lead` whether it leads (History.alert_leadership: an OS lock beside a SQLite store,
an advisory lock on PostgreSQL). A loop that does not stands by, trying again at each
interval, so it takes over within one interval of the leader's end, however it ended; each
stand-by and take-over is told once. The loop's end waits :data:`DRAIN` seconds at most for
the notifications still being sent, records the rest as undelivered, then gives the lead up."""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import Any

from .evaluator import Evaluation, Evaluator
from .expression import series_in
from .lead import Lead

log = logging.getLogger("pytest_vpt.alerts")
#: what runs beside the rules, made from the loop's history: a callable of ``now`` (or None)
Also = Callable[[Any], Callable[[float], Any] | None]
#: seconds between the start of an evaluation and an extra one (a wake-up) at the soonest
EXTRA_GAP = 1.0
#: seconds a loop's end waits for the notifications still being sent (their retries can take
#: two minutes): those left are recorded on their alerts as not delivered
DRAIN = 15.0
#: seconds :meth:`AlertLoop.stop` waits beyond :data:`DRAIN`: the evaluation under way, the
#: deliveries recorded, the store closed
STOPPING = 10.0


class Doorbell:
    """Rung by writers when data that can change an alert landed, naming the rules it concerns;
    the loop answers it with an evaluation of those. Ringing takes a lock for a moment only,
    never while an evaluation runs."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._rung = False
        self._rules: set[str] | None = set()  # the rules the rings since the answer named (None: all)
        self.generation = 0  # counts the rings and wakes: a wait returns at the next one
        self.rings = 0

    def ring(self, rules: Collection[str] | None = None) -> None:
        """Ask for an evaluation of ``rules`` (None: of every rule) at once."""
        with self._changed:
            self._rung = True
            self._rules = None if rules is None or self._rules is None else self._rules | set(rules)
            self.rings += 1
            self._woken()

    def wake(self) -> None:
        """Wake the loop without a ring (it is told to stop)."""
        with self._changed:
            self._woken()

    def _woken(self) -> None:
        self.generation += 1
        self._changed.notify_all()

    @property
    def rung(self) -> bool:
        return self._rung

    def answer(self) -> frozenset[str] | None:
        """An evaluation starts: it sees what landed before it. The rules the rings named
        (None: every rule; empty: none rang)."""
        with self._changed:
            rules, self._rung, self._rules = self._rules, False, set()
            return None if rules is None else frozenset(rules)

    def wait(self, timeout: float, seen: int) -> None:
        """Wait ``timeout`` seconds at most, or until a ring or wake after generation ``seen``."""
        with self._changed:
            if self.generation == seen:
                self._changed.wait(timeout)


def run(evaluate: Callable[..., Evaluation], every: float, stop: threading.Event,
        on_result: Callable[[Evaluation], Any] | None = None, clock: Callable[[], float] = time.time,
        runs: int | None = None, doorbell: Doorbell | None = None, lead: Callable[[], bool] | None = None) -> int:
    """Call ``evaluate(now)`` every ``every`` seconds until ``stop`` is set (or ``runs`` times),
    and in between ``evaluate(now, rules)`` when a pending alert's duration elapses or
    ``doorbell`` rings (an extra evaluation at most every :data:`EXTRA_GAP` seconds), ``rules``
    those whose duration ended (``Evaluation.due``) and those the rings named (a ring naming
    none, or a due time without ``due``: ``evaluate(now)``): how many evaluations ran. ``lead``
    (a :class:`Lead`) is asked before each: False, another process evaluates, this one skips
    it (and counts it not).

    ``now`` is the time each evaluation was due: on the interval, exactly ``every`` apart; at
    a duration's end, that end (so a rule fires at the evaluation its duration ends on, its
    firing exactly its duration after its pending); for a ring, the clock's time. With a
    doorbell, whoever sets ``stop`` wakes it (:meth:`Doorbell.wake`)."""
    done = 0
    began, first = clock(), time.monotonic()

    def wall() -> float:  # the clock's time, kept on one timeline with the monotonic clock
        return began + (time.monotonic() - first)

    regular, due, last = began, None, -math.inf
    dues: Mapping[str, float] = {}
    while True:
        seen = doorbell.generation if doorbell is not None else 0  # read first: no ring or stop is missed
        if stop.is_set() or (runs is not None and done >= runs):
            return done
        now, on_interval = _next(regular, due, last, doorbell, wall())
        wait = now - wall()
        if wait > 0:
            if doorbell is None:
                stop.wait(wait)
            else:
                doorbell.wait(wait, seen)
            continue  # look again: stopped, rung, or due
        rung = doorbell.answer() if doorbell is not None else frozenset()
        rules = None if on_interval else _concerned(rung, due, dues, now)
        due, dues = None, {}
        if lead is None or lead():
            try:
                result = evaluate(now) if rules is None else evaluate(now, rules)
                next_due = getattr(result, "next_due", None)
                due = next_due if next_due is not None and next_due > now else None
                dues = getattr(result, "due", None) or {}
                if on_result is not None:
                    on_result(result)
            except Exception as exc:  # a store gone away for a while: the next evaluation tries again
                log.warning("alerts: an evaluation failed: %s", exc)
            done += 1
        last = now
        if on_interval:
            regular = max(regular + every, wall())


def _concerned(rung: frozenset[str] | None, due: float | None, dues: Mapping[str, float],
               now: float) -> frozenset[str] | None:
    """The rules an extra evaluation at ``now`` evaluates: those rung for, and those whose
    duration ended by then (None: every rule)."""
    if rung is None or (due is not None and due <= now and not dues):
        return None
    return rung | {name for name, at in dues.items() if at <= now}


def _next(regular: float, due: float | None, last: float, doorbell: Doorbell | None,
          now: float) -> tuple[float, bool]:
    """When the next evaluation is, and whether it is the interval's."""
    soonest = last + EXTRA_GAP
    extra = min((at for at in (due, now if doorbell is not None and doorbell.rung else None) if at is not None),
                default=None)
    if extra is not None and max(extra, soonest) < regular:
        return max(extra, soonest), False
    return regular, True


class AlertLoop:
    """:func:`run` in a daemon thread, led (:class:`Lead`): ``start`` and ``stop`` (the
    service's lifespan), and :meth:`landed`, which the after-write step calls with what each
    batch landed. ``open_evaluator``'s close waits :data:`DRAIN` seconds at most for the
    deliveries under way (:func:`beside_server`'s does)."""

    def __init__(self, open_evaluator: Callable[[], tuple[Evaluator, Callable[[], None]]] | None,
                 every: float) -> None:
        self._open = open_evaluator  # None: nothing to evaluate (start and stop do nothing)
        self.every = every
        self._stop = threading.Event()
        self._doorbell = Doorbell()
        self._thread: threading.Thread | None = None
        self.evaluations = 0
        self._watching = threading.Lock()  # the two below: written by the writers' threads
        self._metrics: frozenset[str] = frozenset()  # the custom metrics the rules read
        self._reading: Callable[..., frozenset[str]] | None = None  # Evaluator.reading, once it is open
        self._failing: set[tuple[str, str]] = set()  # the devices last sampled failing

    @property
    def enabled(self) -> bool:
        return self._open is not None

    @property
    def rings(self) -> int:
        """How often what landed asked for an evaluation at once."""
        return self._doorbell.rings

    def start(self) -> None:
        if self._open is None:
            return
        self._thread = threading.Thread(target=self._main, name="vpt-alerts", daemon=True)
        self._thread.start()

    def landed(self, landed: Any) -> None:
        """Ring for an evaluation at once of the rules ``landed`` (store.after_write.Landed)
        concerns when it can start or end an alert: a run ended (the rules reading the tests'
        series), an incident (the streams'), a device sample that failed where the last one
        did not (or the first since the loop started) or a device sampled online again (the
        devices'), a sample of a metric a rule reads (those reading it). Samples of healthy
        devices ring nothing."""
        if self._thread is None:
            return
        with self._watching:
            groups = {group for group, news in (("project", landed.ended_runs), ("stream", landed.incidents))
                      if news}
            metrics = landed.metrics & self._metrics
            failed = landed.failed_devices - self._failing
            back = self._failing & landed.online_devices
            if failed or back:
                self._failing |= failed
                self._failing -= back
                groups.add("device")
            reading = self._reading
        if not (groups or metrics):
            return
        if reading is None:  # the rules not read yet: all of them
            self._doorbell.ring()
        elif rules := reading(groups, metrics):
            self._doorbell.ring(rules)

    def _main(self) -> None:
        assert self._open is not None
        try:
            evaluator, close = self._open()
        except Exception as exc:
            log.error("alerts: the rules cannot be evaluated: %s", exc)
            return
        lead = Lead(evaluator.history.alert_leadership(), self.every)
        try:
            with self._watching:
                self._metrics = frozenset(node.texts[0] for rule in evaluator.ruleset.rules
                                          for node in series_in(rule.expression) if node.name == "metric")
                self._failing |= _offline(evaluator)
                self._reading = evaluator.reading
            self.evaluations = run(evaluator.evaluate, self.every, self._stop, self._counted, doorbell=self._doorbell,
                                   lead=lead)
        finally:
            try:
                close()  # the deliveries under way: DRAIN seconds at most, the rest recorded undelivered
            finally:
                lead.release()

    def _counted(self, result: Evaluation) -> None:  # as they run (run's count, when it ends)
        self.evaluations += 1

    def stop(self, timeout: float = DRAIN + STOPPING) -> bool:
        """Stop evaluating and wait ``timeout`` seconds at most for the loop's end: the
        notifications still being sent waited for (:data:`DRAIN` s), the rest recorded as not
        delivered, the lead given up. Whether it ended (if not, it is logged: what is still
        queued ends with the process)."""
        self._stop.set()
        self._doorbell.wake()
        if self._thread is None:
            return True
        self._thread.join(timeout)
        if self._thread.is_alive():
            log.warning("alerts: the loop did not end within %gs; notifications still queued end with the process",
                        timeout)
            return False
        return True


def _offline(evaluator: Evaluator) -> set[tuple[str, str]]:
    """The devices offline when the loop starts, whose next good sample is news."""
    try:
        return {(str(row["project"]), str(row["device"])) for row in evaluator.history.alert_device_states(time.time())
                if row["state"] == "offline"}
    except Exception as exc:  # the store not answering yet: their return is seen at the next interval
        log.warning("alerts: the devices' states cannot be read: %s", exc)
        return set()


def followed(evaluator: Evaluator, also: Also | None) -> Callable[..., Evaluation]:
    """``evaluator.evaluate``, then what ``also`` makes of its history (``vpt alerts run``: the
    SLA's schedule, pytest_vpt.sla.Schedule) at the same ``now``; ``also`` failing is logged,
    never raised."""
    tick = None
    if also is not None:
        try:
            tick = also(evaluator.history)
        except Exception as exc:
            log.error("alerts: what runs beside the rules cannot start: %s", exc)
    if tick is None:
        return evaluator.evaluate

    def evaluate(now: float, rules: Collection[str] | None = None) -> Evaluation:
        result = evaluator.evaluate(now, rules)
        try:
            tick(now)
        except Exception as exc:
            log.warning("alerts: what runs beside the rules failed: %s", exc)
        return result

    return evaluate


def beside_server(store: Any, rootdir: Path | None = None, config: Path | None = None) -> AlertLoop:
    """The loop ``vpt server`` runs: the rules of the project's vpt.yaml over the service's
    store, when it has an ``alerts:`` section (else, or with no project, one that does nothing)."""
    from .. import config_file
    from . import open_evaluator
    from .rules import load

    if rootdir is None:
        return AlertLoop(None, 0.0)
    try:
        section, _ = config_file.section("alerts", rootdir, config)
        every = load(rootdir, config).every if section is not None else 0.0
    except ValueError as exc:  # the file or its rules: told, and the service serves on
        log.error("alerts: %s", exc)
        return AlertLoop(None, 0.0)
    if section is None:
        return AlertLoop(None, 0.0)
    return AlertLoop(lambda: open_evaluator(store, rootdir, config, drain=DRAIN), every)
