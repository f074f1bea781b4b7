"""The second pass over a report (after the first has checked it): tests with their attempts,
streamed; ``read_report`` runs both."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

from junitparser.xunit2 import TestCase

from ...events import MESSAGE_MAX, NODE_ID_MAX, TEXT_MAX, cut_text
from .attempts import element_attempts, first_line, model, pytest_aftermath, then
from .check import CheckPass
from .fields import line_number, seconds, start_time
from .id_table import IdTable
from .ids import test_id
from .model import JUnitError, ReportedAttempt, ReportedTest
from .walk import Walk
from .xml_stream import Refused

#: characters of a result's text kept to find its first line (when it has no message)
TEXT_KEPT = 65_536


def read_report(path: Path) -> Iterator[ReportedTest]:
    """Stream the tests of one JUnit/xUnit file. Raises JUnitError before yielding anything when the
    file is unsafe or not a well-formed report (the whole file is checked first, so nothing is half
    written), and never holds the whole file in memory."""
    path = Path(path)
    before = _identity(path)
    table = CheckPass(path).run()
    if _identity(path) != before:
        raise JUnitError(str(path), "the file changed while it was read")
    return ReadPass(path, table).tests()


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        status = os.stat(path)
    except OSError:
        return None
    return status.st_size, status.st_mtime_ns


class ReadPass(Walk):
    """Reads the tests of the report at ``path``, which the first pass counted into ``table``."""

    def __init__(self, path: Path, table: IdTable) -> None:
        super().__init__(path)
        self.table = table
        self._ready: list[ReportedTest] = []
        self._held: dict[int, ReportedTest] = {}  # tests with elements still to come, by digest
        self._attrs: dict[str, str] = {}  # the open testcase's attributes
        self._case: ET.Element | None = None  # the open testcase, once it has a result
        self._result: ET.Element | None = None
        self._text_into: ET.Element | None = None
        self._text: list[str] = []
        self._kept = 0

    def tests(self) -> Iterator[ReportedTest]:
        """The tests, each once its last element is read."""
        for _ in self.chunks():
            if self._ready:
                yield from self._ready
                self._ready.clear()

    def case_start(self, attrs: dict[str, str]) -> None:
        self._attrs = attrs

    def result_start(self, tag: str, attrs: dict[str, str]) -> None:
        if self._case is None:
            self._case = ET.Element("testcase", self._attrs)
        result = self._result = ET.SubElement(self._case, tag, attrs)
        if not attrs.get("message"):
            self._keep_text(result)

    def stack_trace_start(self) -> None:
        result = self._result
        if result is not None and not result.get("message") and not (result.text or "").strip():
            self._keep_text(ET.SubElement(result, "stackTrace"))

    def result_end(self) -> None:
        self._end_text()
        self._result = None

    def stack_trace_end(self) -> None:
        self._end_text()

    def _keep_text(self, into: ET.Element) -> None:
        self._text_into, self._text, self._kept = into, [], 0
        self.parser.CharacterDataHandler = self._on_text

    def _on_text(self, data: str) -> None:
        self._text.append(data)
        self._kept += len(data)
        if self._kept >= TEXT_KEPT or ("\n" in data and first_line("".join(self._text))):
            self._end_text()

    def _end_text(self) -> None:
        if self._text_into is not None:
            self.parser.CharacterDataHandler = None
            self._text_into.text = first_line("".join(self._text)[:TEXT_KEPT])
            self._text_into, self._text = None, []

    def case_end(self) -> None:
        attrs, element = self._attrs, self._case
        self._case = None
        suite = self.suites[-1]
        name, classname = attrs["name"], attrs.get("classname") or None
        file = attrs.get("file") or suite.file
        nodeid = test_id(name, classname, file, suite.name)
        digest = hash(nodeid)
        left = self.table.take(digest)
        if left < 0:
            raise Refused("the file changed while it was read")
        duration = seconds(attrs.get("time"), "<testcase>")
        started_at = start_time(attrs.get("timestamp"), "<testcase>") or suite.started_at
        case = None if element is None else model(TestCase, element)
        test = self._held.pop(digest, None)
        if test is None:
            line = line_number(attrs.get("line"), "<testcase>")
            test = ReportedTest(nodeid, cut_text(name, NODE_ID_MAX), cut_text(classname, TEXT_MAX),
                                cut_text(file, TEXT_MAX), line + 1 if line is not None and suite.pytest else line,
                                cut_text(suite.name, TEXT_MAX), _attempts(case, duration, started_at))
        elif suite.never_ran:
            pass  # jest-junit writes a suite that could not load twice (an error, then "{}"): one attempt
        elif case is not None and (aftermath := pytest_aftermath(case)) and test.attempts[-1].outcome in (
                "failed", "error"):
            last = test.attempts[-1]
            last.message = cut_text(then(last.message, aftermath), MESSAGE_MAX)
            if duration is not None:
                last.duration = duration if last.duration is None else last.duration + duration
        else:
            for attempt in test.attempts:
                attempt.outcome = "rerun"
            test.attempts.extend(_attempts(case, duration, started_at))
        if left:
            self._held[digest] = test
        else:
            self._ready.append(test)


def _attempts(case: TestCase | None, duration: float | None, started_at: float | None) -> list[ReportedAttempt]:
    """The attempts of one element: passed when it holds no result (and junitparser need not
    read it)."""
    if case is None:
        return [ReportedAttempt("passed", duration, None, None, started_at)]
    return element_attempts(case, duration, started_at)
