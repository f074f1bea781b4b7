"""A safe streaming parse of one report: lxml's pull parser (libxml2, in C), fed 64 KiB at a
time, hands Python only the elements asked for, once each is closed; what the walk has finished
with is deleted after each chunk, so the tree never holds more than about one chunk and the
test case being read.

Refused, each a :class:`JUnitError` naming the file and the line: a DOCTYPE (so no DTD, no
entity declaration, no external reference: no XXE, no billion laughs; see prolog.py), a root
that is neither ``testsuites`` nor ``testsuite``, a default namespace, an entity reference (only
XML's five and character references exist without a DTD), a comment longer than
``MARKUP_MAX``, more than ``SPAN_MAX`` bytes with no element finished (one test case with its
texts), and whatever libxml2 finds wrong: a truncated file, non-XML, an unknown encoding or
bytes not in the declared one. A text (a ``system-out`` of a chatty test) may be as long as
the span allows: libxml2's own 10,000,000-byte cap on one text is lifted (``huge_tree``), which
only widens its limits, as nothing is ever loaded or expanded from a DTD.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from .model import JUnitError, Refused
from .prolog import PROLOG_MAX, check_prolog

#: bytes read and handed to the parser at a time
CHUNK = 64 * 1024
#: characters in one tag's attributes, or in one comment
MARKUP_MAX = 1024 * 1024
TOO_LONG = f"markup longer than {MARKUP_MAX} bytes (a tag with its attributes, or a comment)"
#: bytes parsed while no element the walk reads is finished: one test case, texts included
SPAN_MAX = 32 * 1024 * 1024

#: libxml2 with nothing loaded or resolved from outside; one text may be longer than its
#: default cap (SPAN_MAX bounds a test case, texts included).
#: Internal entities are resolved only because with ``resolve_entities=False`` lxml's pull parser
#: loses libxml2's error for an undeclared one; none can be declared, as no DTD is ever read.
_SAFE = dict(resolve_entities="internal", no_network=True, load_dtd=False, huge_tree=True, remove_pis=True,
             remove_comments=False)  # comments are reported, to bound them, and deleted with the rest
_WHAT = {
    etree.ErrorTypes.ERR_DOCUMENT_EMPTY: "no element found",
    etree.ErrorTypes.ERR_UNDECLARED_ENTITY: "undefined entity",
    etree.ErrorTypes.WAR_UNDECLARED_ENTITY: "undefined entity",
    etree.ErrorTypes.ERR_UNSUPPORTED_ENCODING: "unknown encoding",
    etree.ErrorTypes.ERR_INVALID_ENCODING: "not well-formed (bytes not in the declared encoding)",
    etree.ErrorTypes.ERR_INVALID_CHAR: "not well-formed (a character XML does not allow)",
    etree.ErrorTypes.ERR_RESOURCE_LIMIT: "beyond the parser's limits",
}
_WHERE = re.compile(r", line \d+, column \d+$")


class ElementStream:
    """The elements of the file at ``path`` whose tag is one of ``tags``, each once it is closed
    (its attributes, text and children read); ``done`` is set by the reader to the last element
    it has finished with: it and all before it are deleted after the chunk."""

    def __init__(self, path: Path, tags: tuple[str, ...]) -> None:
        self.path = path
        self.tags = tags
        self.done: etree._Element | None = None

    def elements(self) -> Iterator[etree._Element]:
        """Parse the whole file; a :class:`JUnitError` for what is refused or malformed."""
        parser = etree.XMLPullParser(events=("end", "comment", "start-ns"), tag=self.tags, **_SAFE)
        lines = 1  # the line the parser has reached, at least
        span = 0
        try:
            with open(self.path, "rb") as stream:
                head = stream.read(PROLOG_MAX)
                check_prolog(head, len(head) < PROLOG_MAX)
                checked = False
                chunk, head = head[:CHUNK], memoryview(head)[CHUNK:]
                while chunk:
                    parser.feed(chunk)
                    lines += chunk.count(b"\n")
                    for event, element in parser.read_events():
                        if event == "end":
                            if not checked:
                                _check_document(element)
                                checked = True
                            yield element
                        else:
                            _check_other(event, element)
                    span += len(chunk)
                    if self.done is not None:
                        _delete_up_to(self.done)
                        self.done, span = None, 0
                    elif span > SPAN_MAX:
                        raise Refused(f"more than {SPAN_MAX // (1024 * 1024)} MiB with no test case or suite "
                                      "finished", lines)
                    if head:
                        chunk, head = bytes(head[:CHUNK]), head[CHUNK:]
                    else:
                        chunk = stream.read(CHUNK)
                parser.close()
                for event, element in parser.read_events():
                    if event == "end":
                        yield element
        except Refused as refused:
            raise JUnitError(str(self.path), str(refused), lines if refused.line is None else refused.line) from None
        except etree.XMLSyntaxError as error:
            raise JUnitError(str(self.path), _described(error), error.lineno or 1) from None
        except OSError as error:
            raise JUnitError(str(self.path), f"cannot be read: {error.strerror or error}") from None


def _check_document(element: etree._Element) -> None:
    """At the first element: no DTD was read (prolog.py refused it before; this is the parser's
    own word)."""
    info = element.getroottree().docinfo
    if info.internalDTD is not None or info.externalDTD is not None or info.doctype:
        raise Refused("a DOCTYPE declaration: DTDs and entities are refused in a report", 1)


def _check_other(event: str, value: object) -> None:
    if event == "comment":
        if len(value.text or "") > MARKUP_MAX:
            raise Refused(TOO_LONG,
                          value.sourceline)
    elif not value[0]:  # start-ns: a default namespace would hide every element from the walk
        raise Refused(f"a default namespace (xmlns={str(value[1])[:100]!r}): a JUnit report has none")


def _delete_up_to(element: etree._Element) -> None:
    """Delete ``element``'s content and, at each level up, everything before it."""
    element.clear()
    node = element
    while (parent := node.getparent()) is not None:
        index = parent.index(node)
        if index:
            del parent[:index]
        node = parent


def _described(error: etree.XMLSyntaxError) -> str:
    message = _WHERE.sub("", error.msg or "")
    what = _WHAT.get(error.code)
    if what and what.lower() not in message.lower():
        message = f"{what}: {message}"
    column = error.position[1] if error.position else 0
    return f"not a well-formed XML file: {message}" + (f" (column {column})" if column else "")
