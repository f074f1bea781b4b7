"""The attempts one ``testcase`` element records, read through junitparser's model of its results
(xunit2: final results and Surefire's interim ones), oldest first:

- ``flakyFailure``/``flakyError`` (Surefire, Gradle: passed on a retry): one rerun attempt each,
  then the final result (passed);
- ``rerunFailure``/``rerunError`` (failed every time): the first run's ``failure`` (or ``error``)
  and each rerun in order; the last of them is the final attempt (failed, or error);
- several ``failure`` elements (vitest: one per attempt): all but the last are reruns;
- ``skipped`` makes the final attempt skipped whatever else the element holds (``node --test``
  writes a failing ``todo`` test as skipped plus failure);
- an ``error`` beside a ``failure``, or a second ``error`` (pytest: errors in setup and in
  teardown) belongs to the same attempt: the final message says "...; then <that error>".

The final attempt's duration is the element's ``time``; a rerun's is its own ``time`` if the
element has one. A message is the result's ``message``, else the first non-blank line of its
text (of its ``stackTrace`` for an interim result), cut to the wire format's length.
"""

from __future__ import annotations

from junitparser.junitparser import Error, Failure, Result, Skipped
from junitparser.xunit2 import FlakyError, FlakyFailure, InterimResult, RerunError, RerunFailure, TestCase
from lxml import etree

from ...events import MESSAGE_MAX, TEXT_MAX, cut_text
from .fields import seconds
from .model import ReportedAttempt

#: how pytest begins an error's message; a second element of a failing test that holds only
#: such errors is not an attempt of its own (see :func:`pytest_aftermath`)
PYTEST_PHASE_ERRORS = ("failed on teardown with", "failed on setup with")
#: characters of a result's text looked at for its first line (when it has no message)
TEXT_KEPT = 65_536
_OUTCOMES = {Failure: "failed", RerunFailure: "failed", Error: "error", RerunError: "error"}


def element_attempts(results: list[Result], duration: float | None, started_at: float | None) -> list[ReportedAttempt]:
    """The attempts of one ``testcase`` element from its ``results``, oldest first; all but the
    last are reruns."""
    failures, errors, skipped, flaky, reruns = [], [], [], [], []
    for result in results:
        kind = type(result)
        if kind is Failure:
            failures.append(result)
        elif kind is Error:
            errors.append(result)
        elif kind is Skipped:
            skipped.append(result)
        elif kind is FlakyFailure or kind is FlakyError:
            flaky.append(result)
        elif kind is RerunFailure or kind is RerunError:
            reruns.append(result)
    attempts = [_rerun(result, started_at) for result in flaky]
    if skipped:
        attempts.append(ReportedAttempt("skipped", duration, _message(skipped[0]), None, started_at))
        return attempts
    runs = (failures or errors[:1]) + reruns  # the failed runs, oldest first
    if not runs:
        attempts.append(ReportedAttempt("passed", duration, None, None, started_at))
        return attempts
    attempts.extend(_rerun(result, started_at) for result in runs[:-1])
    final = runs[-1]
    message = _message(final)
    for later in errors if failures else errors[1:]:
        message = then(message, _message(later))
    attempts.append(ReportedAttempt(_OUTCOMES[type(final)], duration, cut_text(message, MESSAGE_MAX),
                                    cut_text(final.type, TEXT_MAX), started_at))
    return attempts


def pytest_aftermath(results: list[Result]) -> str | None:
    """The message of a pytest element (its ``results``) that only reports a phase error ("failed
    on teardown with ..."): when the same test's previous element failed, this is that attempt's
    teardown, not an attempt of its own. None for any other element."""
    if not results or any(type(result) is not Error for result in results):
        return None
    messages = [result.message or "" for result in results]
    if not all(message.startswith(PYTEST_PHASE_ERRORS) for message in messages):
        return None
    note = messages[0]
    for message in messages[1:]:
        note = then(note, message)
    return note


def results_of(elements: list[etree._Element]) -> list[Result]:
    """junitparser's model of each result element (its ``fromelem``, without the element its
    constructor builds only to throw away)."""
    kinds = TestCase.ITER_TYPES
    results = []
    for element in elements:
        result = object.__new__(kinds[element.tag])
        result._elem = element
        results.append(result)
    return results


def then(message: str | None, later: str | None) -> str | None:
    """``message`` followed by what happened after it in the same attempt."""
    if not later:
        return message
    return f"{message}; then {later}" if message else later


def _rerun(result: Failure | Error | InterimResult, started_at: float | None) -> ReportedAttempt:
    duration = seconds(result._elem.get("time"), f"<{result._tag}>")  # a rerun's own time, if it has one
    return ReportedAttempt("rerun", duration, cut_text(_message(result), MESSAGE_MAX), cut_text(result.type, TEXT_MAX), started_at)


def _message(result: Failure | Error | Skipped | InterimResult) -> str | None:
    if result.message:
        return result.message
    text = result.stack_trace if isinstance(result, InterimResult) and not result.text else result.text
    return first_line(text)


def first_line(text: str | None) -> str | None:
    """The first non-blank line of ``text`` (of its first ``TEXT_KEPT`` characters), stripped;
    None if it has none."""
    for line in (text or "")[:TEXT_KEPT].splitlines():
        if line.strip():
            return line.strip()
    return None
