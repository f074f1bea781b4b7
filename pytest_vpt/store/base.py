"""What every store has in common: writing events, refreshing rollups (reads go through pytest_vpt.history)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from ..events import validate_batch


class StoreError(RuntimeError):
    """A store could not be opened, read or written; the message names the store and why."""


class StoreConflict(StoreError):
    """A batch would change rows of another project (an id it sends is that project's): the
    batch is refused whole. The message names the id, never the project that holds it."""

    def __init__(self, field: str, value: str) -> None:
        super().__init__(f"{field} {value!r} belongs to another project: refused (use an id of your own)")
        self.field = field
        self.value = value


class Store(ABC):
    """A database holding runs, test attempts, metrics, devices and their rollups.

    An engine opens a connection that speaks the store modules' SQL (``conn``), runs
    transactions, and names the exceptions its driver raises (``errors``).
    """

    engine: str
    errors: tuple[type[BaseException], ...] = ()

    @property
    @abstractmethod
    def conn(self) -> Any:
        """The open connection."""

    @abstractmethod
    def transaction(self) -> AbstractContextManager[Any]:
        """One transaction: all of it or none of it."""

    @abstractmethod
    def close(self) -> None:
        """Release the connection."""

    def reason(self, exc: BaseException) -> str:
        return str(exc) or type(exc).__name__

    def close_left_runs(self) -> None:
        """Close as ``interrupted`` the runs left ``running`` by a writer that is gone (an
        engine that can tell; see store.leases)."""

    def write(self, events: list[dict[str, Any]], fold: bool = True, checked: bool = False) -> None:
        """Write a batch of events in one transaction: all of it or none of it; then fold the
        daily rollup, unless ``fold`` is false (a service folding in the background).
        An event off the wire format raises EventError (``checked``: the caller validated
        the batch already); a batch naming another project's ids raises StoreConflict.
        Either way nothing is written."""
        if not checked:
            validate_batch(events)
        self._write(events, fold)

    def _write(self, events: list[dict[str, Any]], fold: bool) -> None:
        """Write a valid batch, folding in the same transaction (an engine may do it its own way)."""
        from . import daily
        from .writes import write_events

        with self.transaction() as conn:
            write_events(conn, events)
            if fold:
                daily.fold(conn)

    def write_tests(self, rows: list[tuple], fold: bool = True, checked: bool = False) -> None:
        """Write test attempts given as rows (see store.test_rows) in one transaction, as
        :meth:`write` writes their events: the same checks (once per column; ``checked``: the
        caller checked them), the same rows stored, the same errors."""
        from .test_rows import check_rows

        if not checked:
            check_rows(rows)
        self._write_tests(rows, fold)

    def _write_tests(self, rows: list[tuple], fold: bool) -> None:
        """Write valid test rows, folding in the same transaction (an engine may do it its own way)."""
        from . import daily
        from .writes import write_test_rows

        with self.transaction() as conn:
            write_test_rows(conn, rows)
            if fold:
                daily.fold(conn)

    def fold_daily(self) -> None:
        """Fold the attempts queued since the last fold into the daily rollup (see store.daily)."""
        from . import daily

        with self.transaction() as conn:
            daily.fold(conn)

    def rebuild_daily(self, project: str | None = None,
                      on_progress: Callable[[int, int], Any] | None = None) -> int:
        """Derive the daily rollup (of one project) again from the attempts; returns how many.
        ``on_progress(done, total)`` hears of the attempts queued, then folded."""
        from . import daily

        queued = self.apply(daily.requeue, project)
        if on_progress is not None:
            on_progress(0, queued)
        self.fold_daily()
        if on_progress is not None:
            on_progress(queued, queued)
        return queued

    def refresh_flakiness(self, run_id: str, *args: Any, **kwargs: Any) -> Any:
        """Fold a finished run into the flakiness rollup and the quarantine (see store.flakiness)."""
        from . import flakiness

        return self.apply(flakiness.refresh, run_id, *args, **kwargs)

    def apply(self, change: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run ``change(connection, ...)`` (one of the store modules' functions) in one transaction."""
        with self.transaction() as conn:
            return change(conn, *args, **kwargs)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

