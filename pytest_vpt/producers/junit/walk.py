"""The structure both passes over a report walk alike: the open suites (what their cases
inherit), the open ``testcase``, its result elements and their ``stackTrace``; everything else
(``properties``, ``system-out``, ...) is passed over unread."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .fields import PLACEHOLDER_BEFORE, timestamp
from .xml_stream import ElementStream, Refused

#: levels of elements (a report needs about five; suites may nest)
DEPTH_MAX = 64
#: the children of a ``testcase`` that are results
RESULTS = frozenset(("failure", "error", "skipped", "flakyFailure", "flakyError", "rerunFailure", "rerunError"))
INTERIM = frozenset(("flakyFailure", "flakyError", "rerunFailure", "rerunError"))


@dataclass(slots=True, frozen=True)
class Suite:
    """What a ``testsuite`` gives its cases (a nested one inherits what it does not say)."""

    name: str | None = None
    file: str | None = None
    started_at: float | None = None
    pytest: bool = False  # written by pytest (its line numbers start at 0)
    never_ran: bool = False  # stamped 1970-01-01: jest-junit's suite that could not load


class Walk:
    """Walks the report at ``path``; a pass overrides the ``case_*`` and ``result_*`` hooks."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.stream = ElementStream(path, self._start, self._end)
        self.parser = self.stream.parser
        self.suites = [Suite()]  # the open suites, innermost last
        self._depth = 0
        self._case_depth = 0  # the open testcase's depth; 0 when none is open

    def chunks(self) -> Iterator[None]:
        """Parse the file, pausing after each chunk (see ElementStream.chunks)."""
        return self.stream.chunks()

    def _start(self, tag: str, attrs: dict[str, str]) -> None:
        depth = self._depth = self._depth + 1
        if depth > DEPTH_MAX:
            raise Refused(f"elements nested more than {DEPTH_MAX} levels deep")
        if self._case_depth:
            if depth == self._case_depth + 1:
                if tag in RESULTS:
                    self.result_start(tag, attrs)
            elif depth == self._case_depth + 2 and tag == "stackTrace":
                self.stack_trace_start()
        elif tag == "testcase":
            self._case_depth = depth
            self.case_start(attrs)
        elif tag == "testsuite" or depth == 1:
            self.suites.append(self._suite(tag, attrs, depth))

    def _end(self, tag: str) -> None:
        depth = self._depth
        self._depth = depth - 1
        if self._case_depth:
            if depth == self._case_depth:
                self._case_depth = 0
                self.case_end()
            elif depth == self._case_depth + 1:
                if tag in RESULTS:
                    self.result_end()
            elif depth == self._case_depth + 2 and tag == "stackTrace":
                self.stack_trace_end()
        elif tag == "testsuite" or depth == 1:
            self.suites.pop()

    def _suite(self, tag: str, attrs: dict[str, str], depth: int) -> Suite:
        outer = self.suites[-1]
        name = attrs.get("name") or None
        epoch = timestamp(attrs.get("timestamp"), f"<{tag}>")
        never_ran = epoch is not None and epoch < PLACEHOLDER_BEFORE
        started_at = None if never_ran else epoch
        if tag == "testsuites":  # the root: not a suite of its own
            return Suite(None, None, started_at, name == "pytest tests")
        return Suite(name or outer.name, attrs.get("file") or outer.file, started_at or outer.started_at,
                     outer.pytest or (name == "pytest" and depth <= 2), never_ran)

    def case_start(self, attrs: dict[str, str]) -> None:
        """A ``testcase`` opens."""

    def case_end(self) -> None:
        """The open ``testcase`` closes."""

    def result_start(self, tag: str, attrs: dict[str, str]) -> None:
        """A result of the open ``testcase`` opens."""

    def result_end(self) -> None:
        """The open result closes."""

    def stack_trace_start(self) -> None:
        """The open result's ``stackTrace`` opens."""

    def stack_trace_end(self) -> None:
        """The open ``stackTrace`` closes."""
