"""The first pass over a report: the whole file is checked (safe, well-formed, every value
readable) and each test id's elements are counted, before anything is read out of it."""

from __future__ import annotations

from collections import deque
from pathlib import Path

from .fields import line_number, seconds, timestamp
from .id_table import IdTable, most_open
from .ids import test_id
from .model import JUnitError, Refused
from .walk import INTERIM, Walk
from .xml_stream import MARKUP_MAX, TOO_LONG

#: ``testcase`` elements in one report
CASES_MAX = 10_000_000
#: ``testcase`` elements of one test (its attempts, and pytest's teardown errors)
ELEMENTS_MAX = 1_000
#: results in one ``testcase`` element
RESULTS_MAX = 1_000
#: tests the second pass may hold at once: tests whose elements lie on both sides of one point
#: of the file (pytest-xdist interleaves a few, about one per worker)
HELD_MAX = 10_000


class CheckPass(Walk):
    """Checks the report at ``path`` and counts its elements per test id."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.table = IdTable()
        self._results = 0

    def run(self) -> bytearray:
        """Check the whole file; the marks of its elements (see IdTable), or a :class:`JUnitError`."""
        deque(self.walk(), maxlen=0)
        table = self.table
        marks = table.finish()
        if table.repeated > HELD_MAX and (held := most_open(marks)) > HELD_MAX:
            raise JUnitError(str(self.path), f"the elements of {held} tests are interleaved at one point of the "
                             f"file; at most {HELD_MAX} are held while reading")
        return marks

    def case(self, element, suite, results) -> None:
        self._results = 0
        attrs = dict(element.items())
        name = attrs.get("name")
        if not name:
            raise Refused("a <testcase> without a name")
        if sum(map(len, attrs.values())) > MARKUP_MAX:
            raise Refused(TOO_LONG)
        nodeid = test_id(name, attrs.get("classname") or None, attrs.get("file") or suite.file, suite.name)
        if self.table.add(hash(nodeid)) > ELEMENTS_MAX:
            raise Refused(f"more than {ELEMENTS_MAX} <testcase> elements of one test ({nodeid[:200]})")
        if self.table.elements > CASES_MAX:
            raise Refused(f"more than {CASES_MAX} <testcase> elements")
        seconds(attrs.get("time"), "<testcase>")
        if "line" in attrs:
            line_number(attrs["line"], "<testcase>")
        if "timestamp" in attrs:
            timestamp(attrs["timestamp"], "<testcase>")

    def result(self, element) -> None:
        self._results += 1
        if self._results > RESULTS_MAX:
            raise Refused(f"more than {RESULTS_MAX} results in one <testcase>")
        if sum(map(len, element.values())) > MARKUP_MAX:
            raise Refused(TOO_LONG)
        tag = element.tag
        if tag in INTERIM:
            seconds(element.get("time"), f"<{tag}>")
