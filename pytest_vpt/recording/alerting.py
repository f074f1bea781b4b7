"""The alert rules of a local run: when a ``pytest --vpt`` run into a local store ends and the
project's configuration has an ``alerts:`` section, its rules are evaluated once, in the
recorder process, by the after-write step of the batch that ended the run (store.after_write:
this is its ``on_written``). The evaluation and its deliveries are waited for :data:`WAIT`
seconds at most: a failed or slow channel is logged (the evaluator records a failed delivery
on its alerts), and the run ends as it would have, its exit status and output unchanged.

One process at a time evaluates a store's rules (History.alert_leadership): the run's end
waits :data:`LEAD_WAIT` seconds for the lead and, when another process keeps it (``vpt
server``, ``vpt alerts run``, ``vpt monitor`` over the same store), leaves the rules to that
one, which evaluates them within its interval: the run's end never tells an alert twice."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from .. import config_file
from ..alerts import open_evaluator
from ..store import StoreURL
from ..store.after_write import Landed

log = logging.getLogger("pytest_vpt.alerts")
#: seconds the end of a run waits at most for its rules' evaluation and their deliveries
WAIT = 5.0
#: seconds of :data:`WAIT` spent waiting for the lead of the rules (another run's end holding it)
LEAD_WAIT = 2.0


class RunAlerts:
    """One evaluation of the project's rules over ``store`` when a run of the batch ended."""

    def __init__(self, store: StoreURL, rootdir: Path, config: Path | None = None, wait: float = WAIT) -> None:
        self.store, self.rootdir, self.config, self.wait = store, rootdir, config, wait
        self.evaluated = False

    @classmethod
    def of_project(cls, store: StoreURL, rootdir: Path, config: Path | None = None) -> RunAlerts | None:
        """The project's rules, when its configuration has an ``alerts:`` section (None
        without one, or when the configuration cannot be read: that is logged)."""
        try:
            section, _ = config_file.section("alerts", rootdir, config)
        except ValueError as exc:
            log.warning("alerts: %s", exc)
            return None
        return None if section is None else cls(store, rootdir, config)

    def landed(self, landed: Landed) -> None:
        """Evaluate the rules once, the first time a batch ends a run; wait :attr:`wait` seconds at most."""
        if not landed.ended_runs or self.evaluated:
            return
        self.evaluated = True
        thread = threading.Thread(target=self._evaluate, name="vpt-run-alerts", daemon=True)
        thread.start()
        thread.join(self.wait)
        if thread.is_alive():
            log.warning("alerts: the rules' notifications were still being sent after %g s; the run ends without "
                        "waiting for them", self.wait)

    def _evaluate(self) -> None:
        try:
            evaluator, close = open_evaluator(self.store, self.rootdir, self.config)
        except Exception as exc:  # the rules or the store: told, and the run ends as it would have
            log.warning("alerts: the rules cannot be evaluated: %s", exc)
            return
        leadership = evaluator.history.alert_leadership()
        try:
            if not leadership.lead_within(min(LEAD_WAIT, self.wait)):
                log.info("alerts: another process evaluates the rules over %s: this run's end leaves them to it",
                         leadership.where)
                return
            result = evaluator.evaluate(time.time())
            for rule, error in result.errors.items():
                log.warning("alerts: rule %r could not be read: %s", rule, error)
            for error in result.failed_deliveries:
                log.warning("alerts: not delivered: %s", error)
        except Exception as exc:  # noqa: BLE001 - a bug or a store gone away never breaks the run
            log.warning("alerts: the evaluation failed: %s", exc)
        finally:
            try:
                close()
            finally:
                leadership.release()
