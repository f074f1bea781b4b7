"""The daily rollup folded in the background: after a batch, soon; under load, many batches at once.

A fold costs about the same for one batch as for fifty (the same tests, the same day), so
the service writes batches without folding and folds what they queued a moment later:
``delay`` seconds after the first batch written since the last fold (half a second, so a
test's result is in the dashboards' rollup well within two seconds of its end). At most one
fold runs at a time, and the next one waits at least as long as the last one took, so under
load folding takes at most about half of one core, folding more batches at once.
"""

from __future__ import annotations

import asyncio
import logging
import time

from fastapi.concurrency import run_in_threadpool

from .database import Database
from .errors import ApiError
from .generation import Generation

log = logging.getLogger("pytest_vpt.server")

DELAY = 0.5  # seconds from the first batch since the last fold to the next fold
RETRY = 30.0  # seconds before folding again when the store could not be reached


class BackgroundFold:
    """Folds the daily rollup ``delay`` seconds (or as long as the last fold took, if longer)
    after the first batch written since the last fold; each batch and each fold bumps
    ``generation`` (what live streams wait on)."""

    def __init__(self, database: Database, delay: float = DELAY) -> None:
        self.database = database
        self.delay = delay
        self.generation = Generation()
        self.folds = 0  # folds done
        self.fold_seconds = 0.0  # the time they took in all
        self._last = 0.0  # seconds the last fold took
        self._due = asyncio.Event()
        self._task: asyncio.Task | None = None

    def written(self) -> None:
        """A batch queued attempts: fold them soon."""
        self._due.set()
        self.generation.bump()

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        """Stop, folding what is queued (if the store can be reached)."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self._fold()

    async def _run(self) -> None:
        while True:
            await self._due.wait()
            await asyncio.sleep(max(self.delay, self._last))
            if not await self._fold():
                await asyncio.sleep(RETRY)

    async def _fold(self) -> bool:
        self._due.clear()
        started = time.perf_counter()
        try:
            await run_in_threadpool(self.database.run, lambda store: store.fold_daily())
        except ApiError as exc:  # the store is down: the queue waits in the database
            log.warning("could not fold the daily rollup: %s", exc.message)
            self._due.set()
            return False
        finally:
            self._last = time.perf_counter() - started
        self.folds += 1
        self.fold_seconds += self._last
        self.generation.bump()
        return True
