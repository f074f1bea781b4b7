"""The second pass over a report (after the first has checked it): tests with their attempts,
streamed; ``read_report`` runs both."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from ...events import MESSAGE_MAX, NODE_ID_MAX, TEXT_MAX, cut_text
from .attempts import element_attempts, pytest_aftermath, results_of, then
from .check import CheckPass
from .fields import line_number, seconds, start_time
from .id_table import FIRST, LAST
from .ids import test_id
from .model import JUnitError, ReportedAttempt, ReportedTest, Refused
from .walk import Suite, Walk


def read_report(path: Path) -> Iterator[ReportedTest]:
    """Stream the tests of one JUnit/xUnit file. Raises JUnitError before yielding anything when the
    file is unsafe or not a well-formed report (the whole file is checked first, so nothing is half
    written), and never holds the whole file in memory."""
    path = Path(path)
    before = _identity(path)
    marks = CheckPass(path).run()
    if _identity(path) != before:
        raise JUnitError(str(path), "the file changed while it was read")
    return ReadPass(path, marks).tests()


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        status = os.stat(path)
    except OSError:
        return None
    return status.st_size, status.st_mtime_ns


class ReadPass(Walk):
    """Reads the tests of the report at ``path``, whose elements the first pass marked (``marks``:
    which is the first, which the last of its test's elements)."""

    def __init__(self, path: Path, marks: bytearray) -> None:
        super().__init__(path)
        self.marks = marks
        self._index = 0
        self._held: dict[int, ReportedTest] = {}  # tests with elements still to come, by digest (as counted)

    def tests(self) -> Iterator[ReportedTest]:
        """The tests, each once its last element is read."""
        yield from self.walk()
        if self._index != len(self.marks) or self._held:
            raise JUnitError(str(self.path), "the file changed while it was read")

    def case(self, element: etree._Element, suite: Suite, results: list[etree._Element]) -> ReportedTest | None:
        index = self._index
        if index >= len(self.marks):
            raise Refused("the file changed while it was read")
        mark = self.marks[index]
        self._index = index + 1
        attrs = dict(element.items())
        get = attrs.get
        name, classname = attrs["name"], get("classname") or None
        file = get("file") or suite.file
        nodeid = test_id(name, classname, file, suite.name)
        duration = seconds(get("time"), "<testcase>")
        stamp = get("timestamp")
        started_at = start_time(stamp, "<testcase>") if stamp is not None else None
        started_at = started_at or suite.started_at
        models = results_of(results) if results else None
        if mark & FIRST:
            line = get("line")
            line = None if line is None else line_number(line, "<testcase>")
            test = ReportedTest(nodeid, cut_text(name, NODE_ID_MAX), cut_text(classname, TEXT_MAX),
                                cut_text(file, TEXT_MAX), line + 1 if line is not None and suite.pytest else line,
                                cut_text(suite.name, TEXT_MAX), _attempts(models, duration, started_at))
        else:
            test = self._held.pop(hash(nodeid), None)
            if test is None:
                raise Refused("the file changed while it was read")
            _add_element(test, suite, models, duration, started_at)
        if mark & LAST:
            return test
        self._held[hash(nodeid)] = test
        return None


def _add_element(test: ReportedTest, suite: Suite, models: list | None, duration: float | None,
                 started_at: float | None) -> None:
    """A later element of ``test``: a retry, pytest's teardown error of the last attempt, or
    jest-junit's second copy of a suite that could not load."""
    if suite.never_ran:
        return  # jest-junit writes a suite that could not load twice (an error, then "{}"): one attempt
    if models and (aftermath := pytest_aftermath(models)) and test.attempts[-1].outcome in ("failed", "error"):
        last = test.attempts[-1]
        last.message = cut_text(then(last.message, aftermath), MESSAGE_MAX)
        if duration is not None:
            last.duration = duration if last.duration is None else last.duration + duration
        return
    for attempt in test.attempts:
        attempt.outcome = "rerun"
    test.attempts.extend(_attempts(models, duration, started_at))


def _attempts(models: list | None, duration: float | None, started_at: float | None) -> list[ReportedAttempt]:
    """The attempts of one element: passed when it holds no result."""
    if not models:
        return [ReportedAttempt("passed", duration, None, None, started_at)]
    return element_attempts(models, duration, started_at)
