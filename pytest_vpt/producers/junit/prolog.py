"""What comes before a report's root element, checked from the file's first bytes before any of
it is parsed: a DOCTYPE (a DTD, entity declarations, an external reference) is refused, and so
is a root that is neither ``testsuites`` nor ``testsuite``. libxml2 reads a DTD before it
reports any element, so this is the one place to refuse it before it is read.
"""

from __future__ import annotations

import codecs
import re

from .model import Refused

#: bytes before the root element (an XML declaration, comments, processing instructions)
PROLOG_MAX = 1024 * 1024
ROOTS = ("testsuites", "testsuite")

_NAME = re.compile(r"[^\s/>]*")
_WIDE = (  # encodings that are not ASCII-compatible, by their first bytes
    (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
    (b"<\0\0\0", "utf-32-le"), (b"\0\0\0<", "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"),
    (b"<\0", "utf-16-le"), (b"\0<", "utf-16-be"),
)


def check_prolog(head: bytes, whole: bool) -> None:
    """Refuse what ``head`` (the file's first bytes; ``whole`` when that is all of it) holds
    before its root element. Whatever is not XML is left to the parser, which says what is
    wrong with it before it builds anything."""
    text = _decoded(head)
    at = 0
    while True:
        while at < len(text) and text[at] in " \t\r\n\ufeff":
            at += 1
        if text.startswith("<?", at):
            at = _after(text, "?>", at, whole)
        elif text.startswith("<!--", at):
            at = _after(text, "-->", at + 4, whole)
        elif text.startswith("<!DOCTYPE", at):
            raise Refused("a DOCTYPE declaration: DTDs and entities are refused in a report", _line(text, at))
        elif text.startswith("<", at) and not text.startswith("<!", at):
            name = _NAME.match(text, at + 1).group()
            if at + 1 + len(name) >= len(text) and not whole:
                raise Refused(f"more than {PROLOG_MAX} bytes before the root element", _line(text, at))
            if name and name not in ROOTS:
                raise Refused(f"the root element is <{name[:100]}>, not <testsuites> or <testsuite>: not a JUnit report",
                              _line(text, at))
            return
        else:
            return  # not XML, or cut short: the parser says so
        if at < 0:
            return


def _after(text: str, end: str, start: int, whole: bool) -> int:
    found = text.find(end, start)
    if found < 0:
        if not whole:
            raise Refused(f"more than {PROLOG_MAX} bytes before the root element", _line(text, start))
        return -1
    return found + len(end)


def _decoded(head: bytes) -> str:
    for start, encoding in _WIDE:
        if head.startswith(start):
            return codecs.getincrementaldecoder(encoding)(errors="replace").decode(head)
    return head.decode("latin-1")  # ASCII-compatible: the markup before the root is ASCII


def _line(text: str, at: int) -> int:
    return text.count("\n", 0, at) + 1
