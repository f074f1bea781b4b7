"""uvicorn's HTTP protocol with bounds on a request's headers: time to send them, and size.

uvicorn times out idle keep-alive connections, but not a client that sends headers slowly
(or a line at a time, for ever): here the headers must be complete within ``read_timeout``
seconds of their first byte (or of the connection), and within ``max_header_bytes``, else
the client is answered 408 or 431 and the connection closed. The body's own deadline is
:mod:`.deadline`'s.
"""

from __future__ import annotations

import functools
import json
from typing import Any

try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as _Base
except ImportError:  # uvicorn without httptools: the pure-Python parser
    from uvicorn.protocols.http.h11_impl import H11Protocol as _Base

MAX_HEADER_BYTES = 64 * 1024  # a request line and headers; far beyond a browser's or a CI client's
_REASONS = {408: b"Request Timeout", 431: b"Request Header Fields Too Large"}


class BoundedProtocol(_Base):  # type: ignore[misc, valid-type]
    def __init__(self, *args: Any, read_timeout: float, max_header_bytes: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._read_timeout, self._max_header_bytes = read_timeout, max_header_bytes
        self._timer: Any = None
        self._header_bytes = 0

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if not self._awaiting_headers():
            self._disarm()
            self._header_bytes = 0
            return
        self._header_bytes += len(data)
        if self._header_bytes > self._max_header_bytes:
            self._refuse(431, f"the request's headers are larger than {self._max_header_bytes} bytes")
        else:
            self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _awaiting_headers(self) -> bool:
        return self.cycle is None or self.cycle.response_complete

    def _arm(self) -> None:
        if self._timer is None:
            self._timer = self.loop.call_later(self._read_timeout, self._timed_out)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _timed_out(self) -> None:
        self._timer = None
        if self._awaiting_headers() and not self.transport.is_closing():
            self._refuse(408, f"the request's headers did not arrive within {self._read_timeout:g} s")

    def _refuse(self, status: int, message: str) -> None:
        """Answer ``status`` with a JSON error, as the app would, and close the connection."""
        self._disarm()
        body = json.dumps({"error": message, "field": "headers"}).encode()
        self.transport.write(b"HTTP/1.1 %d %s\r\ncontent-type: application/json\r\ncontent-length: %d\r\n"
                             b"connection: close\r\n\r\n%s" % (status, _REASONS[status], len(body), body))
        self.transport.close()


def bounded_protocol(read_timeout: float, max_header_bytes: int) -> Any:
    """The protocol for ``uvicorn.run(http=...)`` (a picklable partial, for worker processes too)."""
    return functools.partial(BoundedProtocol, read_timeout=read_timeout, max_header_bytes=max_header_bytes)
