"""The structure both passes over a report walk alike: each ``testcase`` once it is closed, with
the suites around it (what it inherits from them) and its result elements; everything else
(``properties``, ``system-out``, ...) is parsed but never looked at from Python."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree

from .fields import PLACEHOLDER_BEFORE, timestamp
from .model import JUnitError, Refused
from .xml_stream import MARKUP_MAX, TOO_LONG, ElementStream

#: levels of elements down to a result (a report needs about four; suites may nest)
DEPTH_MAX = 64
#: the children of a ``testcase`` that are results
RESULTS = frozenset(("failure", "error", "skipped", "flakyFailure", "flakyError", "rerunFailure", "rerunError"))
INTERIM = frozenset(("flakyFailure", "flakyError", "rerunFailure", "rerunError"))
#: the elements the walk is handed
TAGS = ("testsuite", "testcase", *sorted(RESULTS))


@dataclass(slots=True, frozen=True)
class Suite:
    """What a ``testsuite`` gives its cases (a nested one inherits what it does not say)."""

    name: str | None = None
    file: str | None = None
    started_at: float | None = None
    pytest: bool = False  # written by pytest (its line numbers start at 0)
    never_ran: bool = False  # stamped 1970-01-01: jest-junit's suite that could not load


class Walk:
    """Walks the report at ``path``; a pass overrides ``case`` (and ``result``)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.stream = ElementStream(path, TAGS)
        self._parent: etree._Element | None = None  # the last case's parent, and its suite
        self._suite: Suite | None = None

    def walk(self) -> Iterator[Any]:
        """Parse the whole file, calling ``case`` for each test case; yields what it returns
        when that is not None. A :class:`JUnitError` for what is refused or malformed."""
        stream = self.stream
        results: list[etree._Element] = []
        element = None
        try:
            for element in stream.elements():
                tag = element.tag
                if tag == "testcase":
                    parent = element.getparent()
                    if parent is not self._parent:
                        self._suite = self._suite_of(parent, 1)
                        self._parent = parent
                    if self._suite is None:
                        continue  # inside another testcase: not a test of its own
                    if results:
                        results = [result for result in results if result.getparent() is element]
                    found = self.case(element, self._suite, results)
                    results = []
                    stream.done = element
                    if found is not None:
                        yield found
                elif tag == "testsuite":
                    self._suite_of(element, 0)
                    stream.done = element
                elif (parent := element.getparent()) is not None and parent.tag == "testcase":
                    self.result(element)
                    results.append(element)
        except Refused as refused:
            line = refused.line if refused.line is not None else element.sourceline if element is not None else None
            raise JUnitError(str(self.path), str(refused), line) from None

    def _suite_of(self, node: etree._Element | None, below: int) -> Suite | None:
        """What the elements ``below`` levels under ``node`` inherit; None inside a testcase."""
        if node is None:
            raise Refused("a <testcase> as the root element: not a JUnit report")
        chain = [node, *node.iterancestors()]
        if len(chain) + below > DEPTH_MAX:
            raise Refused(f"elements nested more than {DEPTH_MAX} levels deep", node.sourceline)
        suite = Suite()
        for depth, element in enumerate(reversed(chain), 1):
            tag = element.tag
            if tag == "testcase":
                return None
            if tag == "testsuite" or depth == 1:
                try:
                    suite = _suite(suite, tag, element, depth)
                except Refused as refused:
                    raise Refused(str(refused), element.sourceline) from None
        return suite

    def case(self, element: etree._Element, suite: Suite, results: list[etree._Element]) -> Any:
        """A ``testcase`` was read: its element, its suite, its results in the order written."""

    def result(self, element: etree._Element) -> None:
        """A result of a ``testcase`` was read (before the case is)."""


def _suite(outer: Suite, tag: str, element: etree._Element, depth: int) -> Suite:
    if sum(map(len, element.values())) > MARKUP_MAX:
        raise Refused(TOO_LONG)
    get = element.get
    name = get("name") or None
    epoch = timestamp(get("timestamp"), f"<{tag}>")
    never_ran = epoch is not None and epoch < PLACEHOLDER_BEFORE
    started_at = None if never_ran else epoch
    if tag == "testsuites":  # the root: not a suite of its own
        return Suite(None, None, started_at, name == "pytest tests")
    return Suite(name or outer.name, get("file") or outer.file, started_at or outer.started_at,
                 outer.pytest or (name == "pytest" and depth <= 2), never_ran)
