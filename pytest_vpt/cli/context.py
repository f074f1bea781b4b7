"""What every command needs: the store, opened read-only from the resolved settings."""

from __future__ import annotations

from contextlib import contextmanager
from collections.abc import Iterator

import click

from ..config import SettingsError, settings_outside_pytest
from ..store import StoreError, open_store
from ..store.sqlite import SQLiteStore


class StoreOption:
    """The ``--store`` given to ``vpt`` (or None: resolve as the plugin does)."""

    def __init__(self, url: str | None) -> None:
        self.url = url

    @contextmanager
    def open(self) -> Iterator[SQLiteStore]:
        try:
            settings, _ = settings_outside_pytest(store=self.url)
            store = open_store(settings.store, create=False)
        except (SettingsError, StoreError) as exc:
            raise click.ClickException(f"{exc}\n(record a run first with: pytest --vpt)"
                                       if "no database" in str(exc) else str(exc)) from None
        try:
            yield store
        except StoreError as exc:
            raise click.ClickException(str(exc)) from None
        finally:
            store.close()
