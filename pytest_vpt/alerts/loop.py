"""Rules evaluated again and again: every ``every`` seconds in a thread of its own beside
``vpt server`` (:class:`AlertLoop`), or in the foreground for ``vpt alerts run``. An
evaluation that fails is logged and the next one runs on time; one that takes longer than the
interval makes the next start at once (never two at a time)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .evaluator import Evaluation, Evaluator

log = logging.getLogger("pytest_vpt.alerts")
#: what runs beside the rules, made from the loop's history: a callable of ``now`` (or None)
Also = Callable[[Any], Callable[[float], Any] | None]


def run(evaluate: Callable[[float], Evaluation], every: float, stop: threading.Event,
        on_result: Callable[[Evaluation], Any] | None = None, clock: Callable[[], float] = time.time,
        runs: int | None = None) -> int:
    """Call ``evaluate(now)`` every ``every`` seconds until ``stop`` is set (or ``runs`` times):
    how many evaluations ran. ``now`` is the time each evaluation was due, so evaluations on
    time are exactly ``every`` apart and a rule fires at the evaluation its duration ends on
    (not one later for a millisecond of jitter)."""
    done = 0
    began, due = clock(), time.monotonic()
    first = due
    while not stop.is_set() and (runs is None or done < runs):
        try:
            result = evaluate(began + (due - first))
            if on_result is not None:
                on_result(result)
        except Exception as exc:  # a store gone away for a while: the next evaluation tries again
            log.warning("alerts: an evaluation failed: %s", exc)
        done += 1
        due = max(due + every, time.monotonic())
        if runs is not None and done >= runs:
            break
        stop.wait(max(0.0, due - time.monotonic()))
    return done


class AlertLoop:
    """:func:`run` in a daemon thread: ``start`` and ``stop`` (the service's lifespan)."""

    def __init__(self, open_evaluator: Callable[[], tuple[Evaluator, Callable[[], None]]] | None,
                 every: float) -> None:
        self._open = open_evaluator  # None: nothing to evaluate (start and stop do nothing)
        self.every = every
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.evaluations = 0

    @property
    def enabled(self) -> bool:
        return self._open is not None

    def start(self) -> None:
        if self._open is None:
            return
        self._thread = threading.Thread(target=self._main, name="vpt-alerts", daemon=True)
        self._thread.start()

    def _main(self) -> None:
        assert self._open is not None
        try:
            evaluator, close = self._open()
        except Exception as exc:
            log.error("alerts: the rules cannot be evaluated: %s", exc)
            return
        try:
            self.evaluations = run(evaluator.evaluate, self.every, self._stop)
        finally:
            close()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)


def followed(evaluator: Evaluator, also: Also | None) -> Callable[[float], Evaluation]:
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

    def evaluate(now: float) -> Evaluation:
        result = evaluator.evaluate(now)
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
    return AlertLoop(lambda: open_evaluator(store, rootdir, config), every)
