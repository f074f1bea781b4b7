"""Progress of long work, on a terminal only: how much is done, the rate, and the time left
when the length is known. Piped output, or ``--json``, shows nothing extra."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (BarColumn, Progress, ProgressColumn, SpinnerColumn, Task, TextColumn, TimeElapsedColumn,
                           TimeRemainingColumn)
from rich.text import Text


class Bar:
    """What the work reports: ``update(done)`` as it goes, with ``total`` once it is known."""

    def __init__(self, progress: Progress | None = None, task: int = 0) -> None:
        self._progress, self._task = progress, task

    def update(self, done: float, total: float | None = None) -> None:
        if self._progress is not None:
            self._progress.update(self._task, completed=done, **({} if total is None else {"total": total}))


class _Done(ProgressColumn):
    def render(self, task: Task) -> Text:
        unit = task.fields["unit"]
        of = "" if task.total is None else f"/{task.total:,.0f}"
        return Text(f"{task.completed:,.0f}{of} {unit}")


class _Rate(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("" if speed is None else f"{speed:,.1f} {task.fields['unit']}/s")


@contextmanager
def shown(description: str, unit: str, total: float | None = None, quiet: bool = False) -> Iterator[Bar]:
    """A progress line on stderr while the block runs, if stderr is a terminal and not ``quiet``."""
    if quiet or not sys.stderr.isatty():
        yield Bar()
        return
    columns = [SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), _Done(), _Rate(),
               TextColumn("eta"), TimeRemainingColumn(), TextColumn("elapsed"), TimeElapsedColumn()]
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        yield Bar(progress, progress.add_task(description, total=total, unit=unit))
