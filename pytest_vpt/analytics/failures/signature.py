"""A failure's signature: its error type and its message with the values that vary taken out.

Two failures whose messages differ only in numbers, ids, addresses, paths, times or quoted
values share a signature; another error type or other wording does not. The message's
first non-empty line is read (at most :data:`READ_MAX` characters of it), each kind of
value replaced by a placeholder, whitespace collapsed, and the result cut to
:data:`MESSAGE_MAX` characters:

==========================================  ===============================  ==============
value                                       example                          placeholder
==========================================  ===============================  ==============
URL: port, path and query (host kept)       ``http://api:8080/v1/42?x=1``    ``http://api/<path>``
quoted value                                ``'user-17'``, ``"abc"``         ``<str>``
UUID                                        ``1b4e28ba-2fa1-11d2-883f-...``  ``<uuid>``
date and time (ISO 8601), time of day       ``2026-11-01T08:00:00Z``         ``<time>``
IPv4 / IPv6 address (with its port)         ``10.0.0.7:554``, ``fe80::1``    ``<ip>``
a host's port                               ``localhost:8080``               ``localhost:<port>``
file path                                   ``/tmp/x/clip.ts``, ``C:\\a\\b``  ``<path>``
memory address                              ``0x7f3a2c``                     ``<addr>``
hex id (8+ hex digits, a digit among them)  ``9f86d081884c7d65``             ``<hex>``
number                                      ``42``, ``-3.5e-2``              ``<n>``
==========================================  ===============================  ==============

The result is a fixed point: normalising a signature's message again changes nothing.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

READ_MAX = 2000  # characters of the message's first line that are read
MESSAGE_MAX = 300  # characters of a normalised message
TYPE_MAX = 200  # characters of an error type
_PASSES = 8  # a cut can leave new matches at the end: normalise again until nothing changes

_URL = re.compile(r"\b([A-Za-z][A-Za-z0-9+.-]{0,15})://(?:[^\s/@'\"<>]*@)?(\[[^\]\s]*\]|[^\s/:'\"<>?#]*)"
                  r"(?::\d*)?([/?#][^\s'\"]*)?")
_QUOTED = re.compile(r"(?<![\w'\"])(?:'[^'\n]{0,200}'|\"[^\"\n]{0,200}\")(?![\w'\"])")
_UUID = re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b")
_DATETIME = re.compile(r"(?<![\w.])\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?"
                       r"(?:Z|[+-]\d{2}:?\d{2})?(?![\w])")
_TIME = re.compile(r"(?<![\w:.])\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?(?![\w:])")
_IPV4 = re.compile(r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?(?![\w.])")
_IPV6 = re.compile(r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{1,4}(?![\w:.])|\[[0-9A-Fa-f:.]+\](?::\d{1,5})?")
_PORT = re.compile(r"\b(localhost|[A-Za-z][\w-]*(?:\.[\w-]+)+):\d{1,5}(?![\w.])")
_PATH = re.compile(r"(?<![\w<>/\\.~:])(?:[A-Za-z]:[\\/]|~?/|\.{1,2}/)[^\s'\"<>:,;()\[\]{}|]*"
                   r"|(?<![\w<>/\\.~])[\w.-]+(?:/[\w.-]+)+\.[A-Za-z]\w{0,7}\b")
_ADDRESS = re.compile(r"\b0[xX][0-9a-fA-F]+\b")
_HEX = re.compile(r"\b(?=[a-fA-F]*\d)[0-9a-fA-F]{8,}\b")
_NUMBER = re.compile(r"(?<![A-Za-z0-9_.])[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?![0-9])|(?<=_)\d+\b")
_SPACE = re.compile(r"\s+")

_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (_QUOTED, "<str>"), (_UUID, "<uuid>"), (_DATETIME, "<time>"), (_TIME, "<time>"), (_IPV4, "<ip>"),
    (_IPV6, "<ip>"), (_PORT, r"\1:<port>"), (_PATH, "<path>"), (_ADDRESS, "<addr>"), (_HEX, "<hex>"),
    (_NUMBER, "<n>"),
)


def _url(found: re.Match[str]) -> str:
    scheme, host, rest = found.group(1), found.group(2), found.group(3)
    if _IPV4.fullmatch(host) or host.startswith("["):
        host = "<ip>"
    return f"{scheme}://{host}" + ("/<path>" if rest else "")


def _replace(text: str) -> str:
    text = _URL.sub(_url, text)
    for pattern, placeholder in _RULES:
        text = pattern.sub(placeholder, text)
    return _SPACE.sub(" ", text).strip()


def first_line(text: str | None) -> str:
    """The first line of ``text`` that is not blank, at most :data:`READ_MAX` characters of it."""
    if not text:
        return ""
    for line in text[: READ_MAX * 4].splitlines():
        if line.strip():
            return line.strip()[:READ_MAX]
    return ""


def normalize_message(text: str | None) -> str:
    """``text``'s first line with its varying values replaced by placeholders (see the module)."""
    found = _replace(first_line(text))[:MESSAGE_MAX].rstrip()
    for _ in range(_PASSES):
        again = _replace(found)[:MESSAGE_MAX].rstrip()
        if again == found:
            break
        found = again
    return found


def normalize_type(error_type: str | None) -> str:
    """The error type as it is, whitespace collapsed, at most :data:`TYPE_MAX` characters."""
    return _SPACE.sub(" ", (error_type or "")[: TYPE_MAX * 4]).strip()[:TYPE_MAX].rstrip()


@dataclass(frozen=True)
class Signature:
    """What failures that differ only in their values have in common."""

    error_type: str  # "" when the failure named none
    message: str  # normalised

    @property
    def text(self) -> str:
        """``Type: message``, or either alone, or ``(no message)``."""
        if self.error_type and self.message:
            return f"{self.error_type}: {self.message}"
        return self.error_type or self.message or "(no message)"

    @property
    def id(self) -> str:
        """12 hex digits that stand for the signature (in URLs and scripts)."""
        return hashlib.sha1(f"{self.error_type}\n{self.message}".encode("utf-8", "surrogatepass")).hexdigest()[:12]


def signature(error_type: str | None, message: str | None) -> Signature:
    """The signature of a failure with ``error_type`` and ``message``."""
    return Signature(normalize_type(error_type), normalize_message(message))
