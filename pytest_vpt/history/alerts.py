"""What alert rules read and keep, through :class:`AlertReads` (a mixin of
:class:`pytest_vpt.history.History`): the series their conditions evaluate (each one query for
every group at once), their state per group (:class:`AlertState`), their silences, and which
process evaluates them (:meth:`AlertReads.alert_leadership`)."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from ..store import alert_queries, alert_state
from ..store.leadership import Leadership
from .record import Record

#: the longest a silence may last: 90 days
MAX_SILENCE = 90 * 86400.0
MAX_NAME = 200
#: the most windows one read of the probes' counts counts over
MAX_WINDOWS = 1000


@dataclass
class AlertState(Record):
    """A rule's alert for one group: ``pending`` since its condition first held, ``firing``
    since it held for the rule's duration, ``resolved`` when it stopped holding. ``labels``:
    the group's (device, stream, project, tags); ``value``: what the condition read last (as
    JSON text); ``notified_at``: when the channels were last handed a notification of it;
    ``reposted``: when it was last posted to each channel that must be told again while it
    fires (channel -> time; Alertmanager's re-posts)."""

    rule: str
    fingerprint: str
    labels: dict[str, str]
    state: str
    value: Any
    pending_since: float
    firing_since: float | None
    resolved_at: float | None
    notified_at: float | None
    evaluated_at: float
    delivery_error: str | None
    reposted: dict[str, float] = field(default_factory=dict)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> AlertState:
        row = dict(row)
        row["labels"] = json.loads(row["labels"] or "{}")
        row["value"] = json.loads(row["value"]) if row["value"] is not None else None
        posted = json.loads(row.get("reposted") or "{}")
        row["reposted"] = {str(k): float(v) for k, v in posted.items()
                           if isinstance(v, (int, float)) and not isinstance(v, bool)} if isinstance(posted, dict) else {}
        return cls(**row)

    def to_row(self) -> dict[str, Any]:
        row = asdict(self)
        row["labels"] = json.dumps(self.labels, sort_keys=True)
        row["value"] = json.dumps(self.value)
        row["reposted"] = json.dumps(self.reposted, sort_keys=True)
        return row


@dataclass
class Silence(Record):
    """A rule's notifications held back from ``created_at`` until ``until``."""

    rule: str
    created_at: float
    until: float
    reason: str


def _finite(label: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{label} must be a finite number of epoch seconds, got {value!r}")
    return float(value)


class AlertReads:
    """The History's reads for alert rules and the writes of their state."""

    # the series (pytest_vpt.alerts.series reads these)

    def alert_device_states(self, now: float) -> list[dict[str, Any]]:
        """Every device's state at ``now``: project, device, state (online/offline/stale/unknown;
        stale once no sample came for its interval plus its timeout and its sampler's flush, plus
        a second)."""
        return self._query(alert_queries.device_states, self.project, _finite("now", now))  # type: ignore[attr-defined]

    def alert_device_values(self) -> list[dict[str, Any]]:
        """Every device's newest probe values: project, device, values (name -> number or word)."""
        return self._query(alert_queries.device_values, self.project)  # type: ignore[attr-defined]

    def alert_device_samples(self, since: float, until: float) -> list[dict[str, Any]]:
        """The probes after ``since`` up to ``until`` that measured a response time, device by
        device, oldest first: project, device, time, response_time."""
        return self._query(alert_queries.device_samples, self.project,  # type: ignore[attr-defined]
                           _finite("since", since), _finite("until", until))

    def alert_probe_counts(self, sinces: Sequence[float], until: float) -> list[dict[str, Any]]:
        """Per device and window: the probes after each of ``sinces`` up to ``until`` and how
        many failed (project, device, probes and failed: a count per since, in their order),
        every window counted in one pass over the widest."""
        if isinstance(sinces, (str, bytes)) or not isinstance(sinces, Sequence) or not 0 < len(sinces) <= MAX_WINDOWS:
            raise ValueError(f"the windows' starts are 1 to {MAX_WINDOWS} epoch seconds, got {sinces!r:.200}")
        return self._query(alert_queries.probe_counts, self.project,  # type: ignore[attr-defined]
                           [_finite("since", since) for since in sinces], _finite("until", until))

    def alert_test_counts(self, since: float, until: float) -> list[dict[str, Any]]:
        """Per project: tests started after ``since`` up to ``until`` and how many failed."""
        return self._query(alert_queries.test_counts, self.project,  # type: ignore[attr-defined]
                           _finite("since", since), _finite("until", until))

    def alert_video_incidents(self, now: float) -> list[dict[str, Any]]:
        """Per stream with incidents going on at ``now``: project, stream, their kinds."""
        return self._query(alert_queries.video_incidents, self.project, _finite("now", now))  # type: ignore[attr-defined]

    def alert_metric_samples(self, name: str, since: float, until: float) -> list[dict[str, Any]]:
        """The metric's samples after ``since`` up to ``until``, oldest first: project, tags, time, value."""
        return self._query(alert_queries.metric_samples, self.project, str(name)[:MAX_NAME],  # type: ignore[attr-defined]
                           _finite("since", since), _finite("until", until))

    # state and silences

    def alert_leadership(self) -> Leadership:
        """The lead of this store's alert rules: one process at a time evaluates them (their
        state is the store's, whatever the project), the others stand by until it ends
        (``try_lead`` before each evaluation, ``release`` at the end; see store.leadership)."""
        return self.store.leadership("alerts")  # type: ignore[attr-defined]

    def alert_states(self, rule: str | None = None) -> list[AlertState]:
        """The alerts pending, firing or resolved lately (of one rule if given)."""
        return [AlertState.from_row(row) for row in self._query(alert_state.states, rule)]  # type: ignore[attr-defined]

    def save_alert_states(self, changed: Iterable[AlertState], dropped: Iterable[tuple[str, str]] = ()) -> None:
        """Store the changed alerts and forget the dropped ones (rule, fingerprint), in one transaction."""
        self.store.apply(alert_state.save, [state.to_row() for state in changed], list(dropped))  # type: ignore[attr-defined]

    def note_alert_delivery(self, rule: str, fingerprints: Iterable[str], error: str | None) -> None:
        """Record how the last delivery of a rule's alerts went (None: delivered)."""
        self.store.apply(alert_state.note_delivery, rule, list(fingerprints), error)  # type: ignore[attr-defined]

    def silence_alert(self, rule: str, seconds: float, now: float, reason: str = "") -> Silence:
        """Hold back ``rule``'s notifications for ``seconds`` from ``now`` (at most 90 days)."""
        if not isinstance(rule, str) or not rule.strip() or len(rule) > MAX_NAME:
            raise ValueError(f"a rule's name is 1 to {MAX_NAME} characters, got {rule!r}")
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 < seconds <= MAX_SILENCE:
            raise ValueError(f"a silence lasts more than 0 s and at most 90 days, got {seconds!r} s")
        silence = Silence(rule, _finite("now", now), float(now) + float(seconds), str(reason)[:500])
        self.store.apply(alert_state.silence, silence.rule, silence.created_at, silence.until,  # type: ignore[attr-defined]
                         silence.reason)
        return silence

    def end_alert_silence(self, rule: str, now: float) -> int:
        """End ``rule``'s silences in force at ``now``: how many there were."""
        return self.store.apply(alert_state.unsilence, rule, _finite("now", now))  # type: ignore[attr-defined]

    def alert_silences(self, now: float) -> list[Silence]:
        """The silences in force at ``now``."""
        return [Silence.from_row(row) for row in self._query(alert_state.silences, _finite("now", now))]  # type: ignore[attr-defined]
