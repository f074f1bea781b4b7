"""A request's body must arrive in bounded time: a client that trickles it is answered 408.

Plain ASGI middleware around ``receive``: each read of the body waits at most until
``timeout`` seconds after the request began. Once the whole body is in, a read waits for the
client to go away (a stream of server-sent events does) with no limit. The ApiError it raises is answered by the app's error handler, with
``Connection: close`` (the rest of the body will not be read).
"""

from __future__ import annotations

import asyncio
from typing import Any

from .errors import ApiError


class ReadDeadline:
    def __init__(self, app: Any, timeout: float) -> None:
        self.app = app
        self.timeout = timeout

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout
        body_done = False

        async def receiving() -> dict:
            nonlocal body_done
            if body_done:
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), max(deadline - loop.time(), 0.0))
            except asyncio.TimeoutError:
                raise ApiError(408, f"the request body did not arrive within {self.timeout:g} s", "body") from None
            body_done = message.get("type") == "http.request" and not message.get("more_body", False)
            return message

        await self.app(scope, receiving, send)
