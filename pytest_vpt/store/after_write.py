"""The one after-write step: what follows every batch written into a store, the same for a
local store (sinks/store.py) and for the server (server/app.py).

:func:`after_write` runs :data:`STEPS` in order over the batch just written, and returns
what they changed by run id (the summary's "became flaky" and "entered quarantine" lines,
the server's ``changes``).

Its last step tells the alert rules: a caller that evaluates them hands ``on_written``, which
is called with what the batch :class:`Landed` (the runs that ended, the incidents, the
devices sampled, the custom metrics sampled); the store knows nothing of the rules. ``vpt
server`` rings its alert loop's doorbell with it (alerts.loop: an evaluation at once when
it can start or end an alert), a local ``pytest --vpt`` run evaluates the rules once when
its run ended (recording/alerting.py). It is called after the batch is committed and the
steps before it ran, and must not raise.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ..analytics.flakiness import FlakinessSettings
from ..quarantine.rules import QuarantinePolicy
from . import kpi_refresh
from .base import Store
from .changes import RunChanges


@dataclass(frozen=True)
class Analysis:
    """The settings finished runs are folded with: the flakiness verdicts and the quarantine
    policy (None: the quarantine is left as it is)."""

    flakiness: FlakinessSettings = field(default_factory=FlakinessSettings)
    policy: QuarantinePolicy | None = field(default_factory=QuarantinePolicy)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Analysis:
        """From the plain values a run carries to its recorder (``{"flakiness": ..., "policy": ...}``)."""
        return cls(FlakinessSettings(**data.get("flakiness", {})), QuarantinePolicy(**data.get("policy", {})))


@dataclass(frozen=True)
class Landed:
    """What of a batch can start or end an alert: the runs that ended, how many incidents
    began or ended, the devices (project, device id) whose sample failed and those sampled
    online, and the names of the custom metrics sampled."""

    ended_runs: tuple[str, ...] = ()
    incidents: int = 0
    failed_devices: frozenset[tuple[str, str]] = frozenset()
    online_devices: frozenset[tuple[str, str]] = frozenset()
    metrics: frozenset[str] = frozenset()

    @classmethod
    def of(cls, events: Iterable[dict[str, Any]]) -> Landed:
        ended: list[str] = []
        incidents = 0
        failed: set[tuple[str, str]] = set()
        online: set[tuple[str, str]] = set()
        metrics: set[str] = set()
        for event in events:
            kind = event["type"]
            if kind == "device_sample":
                device = (event["vpt.project"], event["vpt.device.id"])
                (online if event.get("vpt.device.online") else failed).add(device)
            elif kind == "metric":
                metrics.add(event["vpt.metric.name"])
            elif kind == "incident":
                incidents += 1
            elif kind == "run" and event.get("vpt.run.status") != "running":
                ended.append(event["vpt.run.id"])
        return cls(tuple(ended), incidents, frozenset(failed), frozenset(online - failed), frozenset(metrics))


#: what a caller that evaluates alert rules is handed after each batch (see the module's docstring)
OnWritten = Callable[[Landed], Any]


@dataclass
class Written:
    """A batch just written, and what the steps after it changed."""

    store: Store
    events: list[dict[str, Any]]
    analysis: Analysis
    fold: bool  # false: the caller folds the daily rollup in the background (vpt server)
    changes: dict[str, RunChanges] = field(default_factory=dict)
    on_written: OnWritten | None = None  # the caller's alert evaluation (None: the caller has no rules)


def fold_rollups(written: Written) -> None:
    """Fold the attempts the batch queued into the daily rollup."""
    if written.fold:
        written.store.fold_daily()


def refresh_verdicts(written: Written) -> None:
    """Fold each finished run of the batch into the flakiness verdicts and the quarantine, with
    the quarantine requests (list file, markers) its run event carries."""
    for event in written.events:
        if event["type"] == "run" and event.get("vpt.run.status") == "finished":
            requests = {nodeid: tuple(request)
                        for nodeid, request in (event.get("vpt.run.quarantine_requests") or {}).items()}
            run_id = event["vpt.run.id"]
            written.changes[run_id] = written.store.refresh_flakiness(
                run_id, written.analysis.flakiness, written.analysis.policy, requests)


def refresh_kpis(written: Written) -> None:
    """Fold the batch's runs that ended into the test episodes and recompute the KPI days the
    batch touched (see store.kpi_refresh). A batch of test events of runs still running
    touches none (one look-up of those runs); of a run that ended already, that run. When
    the caller folds the daily rollup in the background, it is folded first for a batch that
    ends a run, so that the run's tests count on their days."""
    batch = kpi_refresh.touched(written.events)
    batch.add_ended(written.store.conn)
    if not batch:
        return
    if not written.fold and batch.ended:
        written.store.fold_daily()
    written.store.apply(kpi_refresh.refresh, batch)


def tell_alerts(written: Written) -> None:
    """Hand what the batch landed to the caller's alert evaluation, if it has one: last, so
    that the rules read the rollups and verdicts the steps before refreshed."""
    if written.on_written is not None:
        written.on_written(Landed.of(written.events))


#: What follows a write, in order.
STEPS = (fold_rollups, refresh_verdicts, refresh_kpis, tell_alerts)


def after_write(store: Store, events: list[dict[str, Any]], analysis: Analysis | None = None,
                fold: bool = True, on_written: OnWritten | None = None) -> dict[str, RunChanges]:
    """Run :data:`STEPS` after ``events`` were written to ``store``; what changed, by run id.
    ``on_written``: the caller's alert evaluation, handed what the batch :class:`Landed`."""
    written = Written(store, events, analysis or Analysis(), fold, on_written=on_written)
    for step in STEPS:
        step(written)
    return written.changes
