"""Server-sent events: a response that sends events as they come, heartbeats between them,
and ends cleanly when the client goes away, when the service stops, or at the request's
read deadline (the client reconnects, as EventSource does by itself after ``retry``).

The slots bound how many streams a token (and the whole service) holds open at once.
"""

from __future__ import annotations

import asyncio
import hashlib
import signal
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from starlette.responses import Response

from .errors import ApiError

RETRY_MS = 1000  # what a client waits before reconnecting to a stream that ended
HEADERS = [(b"content-type", b"text/event-stream; charset=utf-8"), (b"cache-control", b"no-cache"),
           (b"x-accel-buffering", b"no")]  # no proxy buffering (nginx)


def event(data: bytes, name: str, ident: int | None = None) -> bytes:
    """One event in the text/event-stream format (``data`` holds no line break: compact JSON)."""
    head = b"" if ident is None else b"id: %d\n" % ident
    return head + b"event: " + name.encode() + b"\ndata: " + data + b"\n\n"


class Slots:
    """Streams open at once: at most ``per_token`` for one token, ``total`` in all."""

    def __init__(self, per_token: int, total: int) -> None:
        self.per_token, self.total = per_token, total
        self._open: Counter = Counter()

    def take(self, token: str) -> Callable[[], None]:
        """A slot for ``token`` (kept by its digest, never as it is), or ApiError 429; call
        what it returns to give it back."""
        key = hashlib.sha256(token.encode()).hexdigest()
        if self._open[key] >= self.per_token:
            raise ApiError(429, f"this token has {self.per_token} live streams open already: close one", "Authorization")
        if sum(self._open.values()) >= self.total:
            raise ApiError(429, f"the service has {self.total} live streams open: try again later", "stream")
        self._open[key] += 1
        given = False

        def release() -> None:
            nonlocal given
            if not given:
                given = True
                self._open[key] -= 1
                if not self._open[key]:
                    del self._open[key]

        return release

    def count(self) -> int:
        return sum(self._open.values())


class Stopping:
    """Set when the process is asked to stop (SIGINT, SIGTERM), so that open streams end
    rather than hold the server's graceful shutdown open: the handler the server installed
    is chained, not replaced (installed from the event loop in the main thread)."""

    def __init__(self) -> None:
        self.event = asyncio.Event()
        self._installed = False

    def install(self) -> None:
        if self._installed or threading.current_thread() is not threading.main_thread():
            return
        self._installed = True
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous = signal.getsignal(sig)
            if not callable(previous):
                continue

            def chained(signum: int, frame: Any, previous: Any = previous) -> None:
                loop.call_soon_threadsafe(self.event.set)
                previous(signum, frame)

            signal.signal(sig, chained)


class EventStream(Response):
    """An ASGI response: the events ``events(wake)`` yields (``await wake(seconds, sooner)``
    waits that long or until ``sooner`` is done, and says whether to go on), with a heartbeat
    comment when nothing was sent for ``heartbeat`` seconds; ``release`` is called once it ends."""

    def __init__(self, events: Callable[[Callable[[float], Any]], AsyncIterator[bytes]], heartbeat: float,
                 release: Callable[[], None], stopping: Stopping) -> None:
        self.events, self.heartbeat, self.release, self.stopping = events, heartbeat, release, stopping
        self.status_code, self.background = 200, None
        self.media_type = "text/event-stream"

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:  # type: ignore[override]
        ended = asyncio.Event()
        self.stopping.install()
        listener = asyncio.get_running_loop().create_task(self._listen(receive, ended))
        last = time.monotonic()

        async def wake(seconds: float, sooner: Awaitable[Any] | None = None) -> bool:
            """Wait ``seconds``, or until ``sooner`` is done, sending heartbeats meanwhile;
            False once the stream is ending."""
            nonlocal last
            until = time.monotonic() + seconds
            early = None if sooner is None else asyncio.ensure_future(sooner)
            try:
                while not ended.is_set() and not self.stopping.event.is_set():
                    now = time.monotonic()
                    if now >= until or (early is not None and early.done()):
                        return True
                    if now - last >= self.heartbeat:
                        await send({"type": "http.response.body", "body": b": heartbeat\n\n", "more_body": True})
                        last = now
                    waits = [asyncio.ensure_future(ended.wait()), asyncio.ensure_future(self.stopping.event.wait())]
                    try:
                        await asyncio.wait([*waits, *([early] if early is not None else [])],
                                           timeout=min(until, last + self.heartbeat) - now,
                                           return_when=asyncio.FIRST_COMPLETED)
                    finally:
                        for waiting in waits:
                            waiting.cancel()
                return False
            finally:
                if early is not None:
                    early.cancel()

        try:
            await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
            await send({"type": "http.response.body", "body": b"retry: %d\n\n" % RETRY_MS, "more_body": True})
            async for chunk in self.events(wake):
                if ended.is_set() or self.stopping.event.is_set():
                    break
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
                last = time.monotonic()
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            listener.cancel()
            self.release()

    @staticmethod
    async def _listen(receive: Any, ended: asyncio.Event) -> None:
        """Until the client goes away, or the request's read deadline (server/deadline.py) ends it."""
        try:
            while (await receive())["type"] != "http.disconnect":
                pass
        except ApiError:  # the read deadline: the stream ends, the client reconnects
            pass
        finally:
            ended.set()
