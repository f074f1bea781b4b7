"""The one after-write step: what follows every batch written into a store, the same for a
local store (sinks/store.py) and for the server (server/app.py).

:func:`after_write` runs :data:`STEPS` in order over the batch just written, and returns
what they changed by run id (the summary's "became flaky" and "entered quarantine" lines,
the server's ``changes``).
"""

from __future__ import annotations

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


@dataclass
class Written:
    """A batch just written, and what the steps after it changed."""

    store: Store
    events: list[dict[str, Any]]
    analysis: Analysis
    fold: bool  # false: the caller folds the daily rollup in the background (vpt server)
    changes: dict[str, RunChanges] = field(default_factory=dict)


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


#: What follows a write, in order. Alert evaluation is the next step to come here: it reads
#: ``Written.changes`` and the rollups the steps before it refreshed.
STEPS = (fold_rollups, refresh_verdicts, refresh_kpis)


def after_write(store: Store, events: list[dict[str, Any]], analysis: Analysis | None = None,
                fold: bool = True) -> dict[str, RunChanges]:
    """Run :data:`STEPS` after ``events`` were written to ``store``; what changed, by run id."""
    written = Written(store, events, analysis or Analysis(), fold)
    for step in STEPS:
        step(written)
    return written.changes
