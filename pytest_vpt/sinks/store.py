"""A sink that writes events to a store in batches, and spools what the store refuses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..events import EventError
from ..store import StoreConflict, StoreError, StoreURL, open_store
from ..store.changes import RunChanges
from .base import SinkReport
from .spool import Spool


class StoreSink:
    """Buffers events and writes them to a store a batch at a time, in one transaction each.

    :meth:`emit` only appends to a list until a batch is full. After a failed write the
    sink stops writing, so a locked or full store costs one wait, not one per batch. With a
    ``spool_dir``, what the store refused (it cannot be opened, is locked, damaged or full)
    is kept there, and :meth:`open` writes what earlier runs kept there first; without one
    it is counted as lost with the reason. A batch no store would take (off the wire
    format, another project's ids) is never spooled. It never raises into its caller.
    """

    def __init__(self, url: StoreURL, batch_size: int = 1000, spool_dir: Path | None = None) -> None:
        self.url = url
        self.batch_size = batch_size
        self.spool = Spool(spool_dir) if spool_dir is not None else None
        self._buffer: list[dict[str, Any]] = []
        self.report = SinkReport(target=str(url))
        self._store = None

    def open(self) -> bool:
        """Open the store and write what earlier runs spooled; False (with the reason kept)
        if it cannot be opened."""
        try:
            self._store = open_store(self.url)
        except StoreError as exc:
            self.report.note(str(exc))
            return False
        self._write_spooled()
        return True

    def emit(self, event: dict[str, Any]) -> None:
        self._buffer.append(event)
        if len(self._buffer) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        """Write what is buffered now."""
        batch, self._buffer = self._buffer, []
        if batch:
            self.write(batch)

    def write(self, batch: list[dict[str, Any]]) -> None:
        """Write one batch in one transaction, or spool it (else count it as lost) with the reason."""
        if self._store is None:
            self._keep(batch, self.report.errors[0] if self.report.errors else f"{self.url}: not open")
            return
        try:
            self._store.write(batch)
        except (StoreConflict, EventError) as exc:  # refused for what it holds: writing it again cannot help
            self.report.fail(batch, f"{self.url}: {exc}")
        except StoreError as exc:
            self._keep(batch, str(exc))
            self._close_store()
        except Exception as exc:  # a bug must not break the run
            self.report.fail(batch, f"{self.url}: {type(exc).__name__}: {exc}")
            self._close_store()
        else:
            self.report.count(batch, self.report.written)

    def _keep(self, batch: list[dict[str, Any]], reason: str) -> None:
        """Spool a batch the store refused; lost (with the reason) when there is no spool or it fails."""
        if self.spool is None:
            self.report.fail(batch, reason)
            return
        self.report.note(reason)
        self.spool.keep(batch, self.report)

    def _write_spooled(self) -> None:
        """Write the batches earlier runs spooled, oldest first, and fold their finished runs into
        the flakiness verdicts. A batch no store would take moves to the spool's ``rejected/``;
        at the first other failure the rest stays for later."""
        if self.spool is None:
            return
        finished = []
        for path, events in self.spool.batches():
            try:
                self._store.write(events)
            except (StoreConflict, EventError) as exc:
                try:
                    self.spool.reject(path, f"{self.url}: {exc}")
                except OSError:
                    pass
                self.report.count(events, self.report.resent_rejected)
                self.report.rejected_in = str(self.spool.rejected)
                continue
            except StoreError as exc:
                self.report.note(f"{exc} (earlier runs' results stay in {self.spool.folder})")
                break
            path.unlink(missing_ok=True)
            self.report.count(events, self.report.resent)
            finished += [e["vpt.run.id"] for e in events if e["type"] == "run" and e.get("vpt.run.status") == "finished"]
        if self.report.resent:
            self._store.close_left_runs()  # runs that only their spooled start reached
        for run_id in finished:
            try:
                self._store.refresh_flakiness(run_id, policy=None)
            except Exception as exc:  # noqa: BLE001 - the run is written; its verdicts wait for a rebuild
                self.report.note(f"{self.url}: updating flakiness verdicts of run {run_id}: {exc}")

    def close_run(self, run_id: str, analysis: dict[str, Any], explicit: dict[str, tuple[str, str]]) -> RunChanges:
        """Fold the finished run into the flakiness verdicts and the quarantine; what changed."""
        from ..analytics.flakiness import FlakinessSettings
        from ..quarantine.rules import QuarantinePolicy

        self.flush()
        if self._store is None:
            return RunChanges()
        try:
            return self._store.refresh_flakiness(
                run_id, FlakinessSettings(**analysis.get("flakiness", {})),
                QuarantinePolicy(**analysis.get("policy", {})), explicit,
            )
        except Exception as exc:  # noqa: BLE001 - the run is recorded; its verdicts wait for a rebuild
            self.report.note(f"{self.url}: updating flakiness verdicts: {type(exc).__name__}: {exc}")
            return RunChanges()

    def close(self) -> SinkReport:
        """Write what is buffered, release the store and say what happened."""
        self.flush()
        self._close_store()
        return self.report

    def _close_store(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None
