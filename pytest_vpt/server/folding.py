"""The daily rollup folded in the background: after a batch, soon; under load, many batches at once.

A fold costs about the same for one batch as for fifty (the same tests, the same day), so
the service writes batches without folding and folds what they queued a moment later.
"""

from __future__ import annotations

import asyncio
import logging

from fastapi.concurrency import run_in_threadpool

from .database import Database
from .errors import ApiError

log = logging.getLogger("pytest_vpt.server")


class BackgroundFold:
    """Folds the daily rollup ``delay`` seconds after the first batch written since the last fold."""

    def __init__(self, database: Database, delay: float = 5.0) -> None:
        self.database = database
        self.delay = delay
        self._due = asyncio.Event()
        self._task: asyncio.Task | None = None

    def written(self) -> None:
        """A batch queued attempts: fold them soon."""
        self._due.set()

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
            await asyncio.sleep(self.delay)
            if not await self._fold():
                await asyncio.sleep(self.delay * 10)

    async def _fold(self) -> bool:
        self._due.clear()
        try:
            await run_in_threadpool(self.database.run, lambda store: store.fold_daily())
        except ApiError as exc:  # the store is down: the queue waits in the database
            log.warning("could not fold the daily rollup: %s", exc.message)
            self._due.set()
            return False
        return True
