"""The service's generation: a count of what changed its data (a batch written, a rollup
folded), and a way for a reader to wait for the next change (see routes/live.py)."""

from __future__ import annotations

import asyncio


class Generation:
    """Bumped by the ingest (through :class:`~.folding.BackgroundFold`) and after each fold;
    awaited by the live streams. Used on the event loop only."""

    def __init__(self) -> None:
        self.value = 0
        self._changed = asyncio.Event()

    def bump(self) -> None:
        self.value += 1
        self._changed.set()
        self._changed = asyncio.Event()  # the next waiters wait for the next change

    async def past(self, seen: int) -> int:
        """The generation, once it is past ``seen``."""
        while self.value == seen:
            await self._changed.wait()
        return self.value
