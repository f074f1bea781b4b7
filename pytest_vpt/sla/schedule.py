"""What the alerts loop (``vpt alerts run``, the loop beside ``vpt server``) does for the SLA at
each evaluation: :class:`Schedule` refreshes the stored compliance now and then and sends the
report when one is due; a failure is logged and never stops the loop."""

from __future__ import annotations

import logging
from pathlib import Path

from ..alerts.delivery import RetryPolicy
from ..alerts.notification import Channel
from ..history import History
from .compliance import refresh
from .send import Sent, channels, pick_channel, send_due_reports
from .targets import SlaSettings, load

log = logging.getLogger("pytest_vpt.sla")
#: seconds between two refreshes of the stored compliance, by default
REFRESH_EVERY = 300.0


class Schedule:
    """Call it with the evaluation's ``now``: the compliance of the periods ended and going on
    written again when ``refresh_every`` seconds have passed since the last time, and the due
    report sent through ``channel`` (None: not sent; no recipients: nothing to send)."""

    def __init__(self, history: History, settings: SlaSettings, channel: Channel | None,
                 refresh_every: float = REFRESH_EVERY, retry: RetryPolicy = RetryPolicy()) -> None:
        self.history, self.settings, self.channel = history, settings, channel
        self.refresh_every, self.retry = refresh_every, retry
        self.refreshed_at: float | None = None

    @classmethod
    def from_config(cls, history: History, rootdir: Path, config: Path | None = None,
                    refresh_every: float = REFRESH_EVERY) -> Schedule | None:
        """The schedule of the project's ``sla:`` section (None without targets), its report
        sent through the alerts channel it names when it has recipients. A mistake in the
        section raises; a channel that cannot be built is logged and the report not sent."""
        settings = load(rootdir, config)
        if not settings.targets:
            return None
        channel = None
        if settings.recipients or settings.channel:
            try:
                channel = pick_channel(channels(rootdir, config), settings)
            except ValueError as exc:
                log.error("sla: the report cannot be sent: %s", exc)
        return cls(history, settings, channel, refresh_every)

    def __call__(self, now: float) -> list[Sent]:
        if self.refreshed_at is None or now - self.refreshed_at >= self.refresh_every:
            try:
                refresh(self.history, self.settings, now)
                self.refreshed_at = now
            except Exception as exc:  # the store away for a while: the next evaluation tries again
                log.warning("sla: compliance not refreshed: %s", exc)
        if self.channel is None:
            return []
        try:
            return send_due_reports(self.history, self.settings, self.channel, now, self.retry)
        except Exception as exc:
            log.warning("sla: the report was not sent (tried again at the next evaluation): %s", exc)
            return []
