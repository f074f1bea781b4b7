"""One HTTP request of a channel, through the standard library (no logger of a client library
writes the URL, which for Slack is the secret), and its answer turned into a
:class:`DeliveryError`: 429 with its Retry-After, other 4xx as permanent, the rest retryable.
No message holds the URL, a header or a secret: only the channel, the status and the
service's short answer, scrubbed."""

from __future__ import annotations

import base64
import email.utils
import functools
import http.client
import socket
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from ..notification import DeliveryError
from ..secrets import scrub

MAX_ANSWER = 64 * 1024  # bytes of a response read
USER_AGENT = "pytest-vpt alerts"


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Mapping[str, str]
    body: bytes


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # a redirected POST is an error, not a GET elsewhere
        return None


def post(where: str, url: str, body: bytes, headers: Mapping[str, str], timeout: float,
         secrets: Iterable[str] = (), ca_file: Path | None = None) -> Answer:
    """POST ``body`` to ``url``; the answer if it is 2xx, else a :class:`DeliveryError` whose
    message starts with ``where`` (the channel) and holds none of ``secrets``."""
    handlers = [_NoRedirect()]
    if url.startswith("https:"):
        handlers.append(urllib.request.HTTPSHandler(context=tls_context(ca_file)))
    opener = urllib.request.build_opener(*handlers)
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"User-Agent": USER_AGENT, **headers})
    secrets = tuple(secrets)
    try:
        with opener.open(request, timeout=timeout) as response:
            return Answer(response.status, dict(response.headers.items()), response.read(MAX_ANSWER))
    except urllib.error.HTTPError as exc:
        with exc:
            answer = Answer(exc.code, dict(exc.headers.items()) if exc.headers else {}, _read(exc))
        raise refusal(where, answer, secrets) from None
    except (TimeoutError, socket.timeout):
        raise DeliveryError(f"{where}: no answer within {timeout:g} s") from None
    except urllib.error.URLError as exc:
        raise DeliveryError(f"{where}: {_reason(exc.reason)}") from None
    except (http.client.HTTPException, OSError) as exc:
        raise DeliveryError(f"{where}: the connection failed ({type(exc).__name__})") from None


@functools.lru_cache(maxsize=8)
def tls_context(ca_file: Path | None = None) -> ssl.SSLContext:
    """The verifying TLS context (the system's CAs, or ``ca_file``), made once: loading the
    CA store is the slow part of a request."""
    return ssl.create_default_context(cafile=str(ca_file) if ca_file else None)


def _read(exc: urllib.error.HTTPError) -> bytes:
    try:
        return exc.read(MAX_ANSWER)
    except (OSError, http.client.HTTPException):
        return b""


def refusal(where: str, answer: Answer, secrets: Iterable[str] = ()) -> DeliveryError:
    """The error of a non-2xx answer: 429 with its Retry-After, 4xx permanent (but 408)."""
    said = scrub(answer.body.decode("utf-8", "replace"), secrets)
    said = " ".join(said.split())[:300]
    message = f"{where}: HTTP {answer.status}" + (f": {said}" if said else "")
    if answer.status == 429:
        return DeliveryError(message, retry_after=retry_after(answer.headers.get("Retry-After")))
    if 300 <= answer.status < 500 and answer.status != 408:
        return DeliveryError(message, permanent=True)
    return DeliveryError(message)


def retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds from a Retry-After header: a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    return max(0.0, seconds) if seconds == seconds else None  # NaN: not a delay


def _reason(reason: object) -> str:
    if isinstance(reason, ssl.SSLError):
        return f"TLS failed ({reason.reason or type(reason).__name__})"
    if isinstance(reason, ConnectionRefusedError):
        return "the connection was refused"
    if isinstance(reason, (TimeoutError, socket.timeout)):
        return "no answer in time"
    if isinstance(reason, socket.gaierror):
        return "the host name does not resolve"
    if isinstance(reason, OSError):
        return f"cannot connect ({reason.strerror or type(reason).__name__})"
    return "cannot connect"


def basic_auth(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
