"""The project's alert rules evaluated beside a producer that writes a local store (``vpt
monitor``, ``vpt watch``): the loop ``vpt server`` runs (:func:`loop.beside_server`), started
once the producer's store is open and stopped with the producer, told what each batch the
producer wrote landed (an evaluation at once when it can start or end an alert), and what the
alerts are for its live view (``alerts: 1 pending, 2 firing``). A producer that sends to a vpt server leaves
the rules to the server's own loop.

    beside = RulesBeside("sqlite:///.vpt/vpt.db", Path("."))
    Monitor(devices, sink, "lab", beside=beside)   # pytest_vpt.producers.monitor
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from .. import config_file
from ..history import History
from ..redaction import redact_text
from .loop import beside_server

#: the fewest seconds between two reads of the alerts for the live view
SUMMARY_EVERY = 1.0


def has_rules(rootdir: Path, config: Path | None = None) -> bool:
    """Whether the project's configuration has an ``alerts:`` section (a broken file: False,
    the loop says why when it starts)."""
    try:
        found, _ = config_file.section("alerts", rootdir, config)
    except ValueError:
        return False
    return found is not None


class RulesBeside:
    """The rules of ``rootdir``'s vpt.yaml (or ``config``) over ``store`` (a URL), evaluated
    every ``alerts.every`` in a thread of their own between :meth:`start` and :meth:`stop`;
    without an ``alerts:`` section it does nothing (``enabled`` is False)."""

    def __init__(self, store: Any, rootdir: Path, config: Path | None = None) -> None:
        self.store, self.rootdir = store, rootdir
        self.loop = beside_server(store, rootdir, config)
        self.started_at: float | None = None
        self._history: Any = None
        self._said: tuple[float, str | None] = (-float("inf"), None)

    @property
    def enabled(self) -> bool:
        return self.loop.enabled

    @property
    def every(self) -> float:
        return self.loop.every

    def start(self) -> None:
        self.started_at = time.time()
        self.loop.start()

    def stop(self) -> None:
        """Stop the loop, read the alerts as it left them (what :meth:`summary` says from now on)
        and close the history the summaries read."""
        self.loop.stop()
        if self.started_at is not None and self.enabled:
            self._said = (-float("inf"), self._said[1])
            self.summary()
            self._said = (float("inf"), self._said[1])
        if self._history is not None:
            self._history.close()
            self._history = None

    def landed(self, landed: Any) -> None:
        """What a batch the producer wrote landed: an evaluation at once when it can start or
        end an alert (as beside ``vpt server``)."""
        self.loop.landed(landed)

    def summary(self) -> str | None:
        """``alerts: 1 pending, 2 firing, 1 resolved`` (resolved since the start; a delivery that
        failed with its reason), read at most every :data:`SUMMARY_EVERY` seconds; None when
        disabled or not started."""
        if not self.enabled or self.started_at is None:
            return None
        now = time.monotonic()
        if now - self._said[0] < SUMMARY_EVERY:
            return self._said[1]
        try:
            text = self._describe(self._states())
        except Exception as exc:  # the store busy or gone for a moment: say so, the producer goes on
            text = f"alerts: not read ({redact_text(str(exc))[:200]})"
        self._said = (now, text)
        return text

    def _states(self) -> list[Any]:
        if self._history is None:
            self._history = History.open(self.store, self.rootdir)
        return self._history.alert_states()

    def _describe(self, states: list[Any]) -> str:
        since = self.started_at or 0.0
        counts = {"pending": 0, "firing": 0, "resolved": 0}
        for state in states:
            if state.state in counts and (state.state != "resolved" or (state.resolved_at or 0.0) >= since):
                counts[state.state] += 1
        shown = [f"{n} {name}" for name, n in counts.items() if n]
        text = f"alerts: {', '.join(shown) if shown else 'none firing'}"
        undelivered = [s for s in states if s.delivery_error and (s.notified_at or since) >= since]
        if undelivered:
            text += f"; {len(undelivered)} NOT delivered: {redact_text(undelivered[-1].delivery_error)[:200]}"
        return text
