"""What every command needs: the settings, and the history in the store they point to."""

from __future__ import annotations

from contextlib import contextmanager
from collections.abc import Iterator
from functools import cached_property
from pathlib import Path

import click

from ..config import Settings, SettingsError, settings_outside_pytest
from ..history import History, HistoryError
from ..redaction import redact_text
from ..store import StoreError, open_store
from ..store.base import Store


class StoreOption:
    """The ``--store`` given to ``vpt`` (or None: resolve as the plugin does)."""

    def __init__(self, url: str | None) -> None:
        self.url = url

    @cached_property
    def _resolved(self) -> tuple[Settings, Path]:
        try:
            return settings_outside_pytest(store=self.url, flags={"store": "--store"})
        except SettingsError as exc:
            raise click.ClickException(redact_text(str(exc))) from None

    @property
    def settings(self) -> Settings:
        """Settings as pytest would resolve them here (environment, ini files, defaults)."""
        return self._resolved[0]

    @property
    def rootdir(self) -> Path:
        """The project's directory, as pytest would find it from here."""
        return self._resolved[1]

    @contextmanager
    def history(self, project: str | None = None) -> Iterator[History]:
        """The history in the store (which must exist), of ``project`` (None: every project's);
        store problems and runs or tests it cannot single out become click errors."""
        with self.open() as store:
            try:
                yield History(store, project, self.settings.flakiness)
            except HistoryError as exc:
                raise click.ClickException(str(exc)) from None

    @contextmanager
    def open(self, create: bool = False) -> Iterator[Store]:
        """The store itself (for ``vpt token``), which must exist unless ``create``; problems
        become click errors."""
        try:
            store = open_store(self.settings.store, create=create)
        except StoreError as exc:
            raise click.ClickException(f"{redact_text(str(exc))}\n(record a run first with: pytest --vpt)"
                                       if "no database" in str(exc) else redact_text(str(exc))) from None
        try:
            yield store
        except StoreError as exc:
            raise click.ClickException(redact_text(str(exc))) from None
        finally:
            store.close()

    def exists(self) -> bool:
        """Whether the store has a database yet."""
        store = self.settings.store
        return store.scheme != "sqlite" or store.path.exists()
