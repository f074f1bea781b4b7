"""A safe streaming parse of one report (as strict as defusedxml): expat, fed 64 KiB at a time,
calls a start and an end handler per element; text is never collected here.

Refused, each a :class:`JUnitError` naming the file and the line: a DOCTYPE (so no DTD, no
entity declaration, no external reference: no XXE, no billion laughs), an entity reference
(only XML's five and character references exist without a DTD), any markup (a tag with its
attributes, a comment, an instruction) longer than ``MARKUP_MAX`` bytes, a root that is neither
``testsuites`` nor ``testsuite``, and whatever expat finds wrong: a truncated file, non-XML, an
unknown encoding or bytes not in the declared one. Texts stream through expat in pieces, so a
gigantic ``system-out`` costs time, not memory.
"""

from __future__ import annotations

import pyexpat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from .model import JUnitError

#: bytes read and handed to expat at a time
CHUNK = 64 * 1024
#: bytes in one tag (with its attributes), comment or processing instruction
MARKUP_MAX = 1024 * 1024
ROOTS = ("testsuites", "testsuite")


class Refused(Exception):
    """Raised by a handler: what is wrong at the element being parsed."""


class ElementStream:
    """Parses the file at ``path``, calling ``start(tag, attrs)`` and ``end(tag)``; ``parser``
    is the expat parser, for handlers that want text (its ``CharacterDataHandler``) or the line."""

    def __init__(self, path: Path, start: Callable[[str, dict[str, str]], Any], end: Callable[[str], Any]) -> None:
        self.path = path
        self._start = start
        parser = self.parser = pyexpat.ParserCreate()
        parser.SetParamEntityParsing(pyexpat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.StartDoctypeDeclHandler = self._refuse_doctype
        parser.EntityDeclHandler = self._refuse_entity
        parser.ExternalEntityRefHandler = self._refuse_entity
        parser.StartElementHandler = self._root
        parser.EndElementHandler = end

    def chunks(self) -> Iterator[None]:
        """Parse the whole file, pausing after each chunk (so a caller can hand on what its
        handlers collected); a :class:`JUnitError` for what is refused or malformed."""
        parser = self.parser
        try:
            with open(self.path, "rb") as stream:
                fed = 0
                while chunk := stream.read(CHUNK):
                    parser.Parse(chunk, False)
                    fed += len(chunk)
                    if fed - parser.CurrentByteIndex > MARKUP_MAX:
                        raise Refused(f"markup longer than {MARKUP_MAX} bytes (a tag with its attributes, "
                                      "a comment or an instruction)")
                    yield
                parser.Parse(b"", True)
                yield
        except Refused as refused:
            raise JUnitError(str(self.path), str(refused), parser.CurrentLineNumber) from None
        except pyexpat.ExpatError as error:
            what = pyexpat.ErrorString(error.code)
            raise JUnitError(str(self.path), f"not a well-formed XML file: {what} (column {error.offset + 1})",
                             error.lineno) from None
        except (LookupError, ValueError) as error:  # an encoding Python has no codec for, or expat cannot use
            raise JUnitError(str(self.path), f"an encoding that cannot be read ({error})", parser.CurrentLineNumber) from None
        except OSError as error:
            raise JUnitError(str(self.path), f"cannot be read: {error.strerror or error}") from None

    def _root(self, tag: str, attrs: dict[str, str]) -> None:
        if tag not in ROOTS:
            raise Refused(f"the root element is <{tag[:100]}>, not <testsuites> or <testsuite>: not a JUnit report")
        self.parser.StartElementHandler = self._start
        self._start(tag, attrs)

    @staticmethod
    def _refuse_doctype(*_: object) -> None:
        raise Refused("a DOCTYPE declaration: DTDs and entities are refused in a report")

    @staticmethod
    def _refuse_entity(*_: object) -> None:
        raise Refused("an entity declaration or an external reference: refused in a report")
