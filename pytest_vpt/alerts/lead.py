"""Which process evaluates a store's rules: one at a time, however many loops run over it
(``vpt server --workers N``, ``vpt alerts run``, ``vpt monitor``). :class:`Lead` asks the
store's leadership (History.alert_leadership: an OS lock beside a SQLite store, an advisory
lock on PostgreSQL) before each evaluation and tells each change once."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from ..redaction import redact_text

log = logging.getLogger("pytest_vpt.alerts")


class Lead:
    """Whether this process evaluates the rules, asked by :func:`run` before each evaluation:
    ``leadership`` (History.alert_leadership) taken when free, checked when held. Standing by,
    taking over and losing the lead are each told once, as they happen, through ``say`` (by
    default the log's warnings: what ``vpt server`` shows); so is a store that cannot tell,
    which stands this process by until it can. Never raises."""

    def __init__(self, leadership: Any, every: float, say: Callable[[str], Any] | None = None) -> None:
        self.leadership = leadership
        self.every = every
        self.say = say if say is not None else (lambda text: log.warning("alerts: %s", text))
        self.leads: bool | None = None  # None: not asked yet
        self._trouble: str | None = None

    def __call__(self) -> bool:
        try:
            leads, trouble = bool(self.leadership.try_lead()), None
        except Exception as exc:  # the store not answering: no lead can be known, so none is taken
            leads, trouble = False, redact_text(str(exc) or type(exc).__name__)[:300]
        where = self.leadership.where
        if trouble is not None:
            if trouble != self._trouble:
                self.say(f"cannot tell whether another process evaluates the rules over {where} ({trouble}); "
                         "standing by")
        elif leads and self.leads is False:
            self.say(f"taking over: no other process evaluates the rules over {where} now; this one does")
        elif not leads and self.leads is not False:
            was = "lost the lead" if self.leads else "standing by"
            self.say(f"{was}: another process evaluates the rules over {where}; this one takes over within "
                     f"{self.every:g}s of its end")
        self.leads, self._trouble = leads, trouble
        return leads

    def release(self) -> None:
        """Give the lead up (the loop's end); a failure is logged."""
        try:
            self.leadership.release()
        except Exception as exc:
            log.warning("alerts: the lead could not be given up (it ends with the process): %s", exc)
