"""The JUnit/xUnit reader: real reports from nine producers, each producer's way of writing
retries, hostile files, and property tests (any bytes, mutated and generated reports)."""

from __future__ import annotations

import json
from pathlib import Path
from xml.sax.saxutils import quoteattr

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_vpt.producers.junit import JUnitError, ReportedTest, read_report
from pytest_vpt.producers.junit import check

DATA = Path(__file__).parent / "data" / "junit"
PRODUCERS = sorted(path.parent.name for path in DATA.glob("*/expected.json"))
_ANY_FILE = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def write(tmp_path: Path, text: str | bytes, name: str = "report.xml") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def read(tmp_path: Path, text: str | bytes) -> dict[str, ReportedTest]:
    return {test.nodeid: test for test in read_report(write(tmp_path, text))}


def outcomes(test: ReportedTest) -> list[str]:
    return [attempt.outcome for attempt in test.attempts]


@pytest.mark.parametrize("producer", PRODUCERS)
def test_real_reports_read_as_their_tool_counted(producer: str) -> None:
    expected = json.loads((DATA / producer / "expected.json").read_text())
    tests = list(read_report(DATA / producer / "report.xml"))
    finals = [test.attempts[-1].outcome for test in tests]
    assert {test.nodeid: test.attempts[-1].outcome for test in tests} == expected["cases"]
    assert len(tests) == expected["tests"]
    assert sum(len(test.attempts) for test in tests) == expected["attempts"]
    for outcome in ("passed", "failed", "error", "skipped"):
        assert finals.count(outcome) == expected[outcome], outcome
    assert sum(1 for test in tests if finals and test.attempts[-1].outcome == "passed"
               and len(test.attempts) > 1) == expected["flaky"]
    assert len(PRODUCERS) >= 6


def test_pytest_reruns_under_xdist_are_one_test_whose_earlier_empty_elements_are_reruns(tmp_path: Path) -> None:
    tests = read(tmp_path, """<testsuites name="pytest tests"><testsuite name="pytest" tests="3">
      <testcase classname="tests.test_a.TestB" name="test_c[1]" file="tests/test_a.py" line="9" time="0.5"/>
      <testcase classname="tests.test_a" name="test_other" file="tests/test_a.py" line="3" time="0.1"/>
      <testcase classname="tests.test_a.TestB" name="test_c[1]" file="tests/test_a.py" line="9" time="0.25">
        <failure message="assert 1 == 2">long trace</failure></testcase>
      <testcase classname="tests.test_a" name="test_flaky" file="tests/test_a.py" line="5" time="0.1"/>
      <testcase classname="tests.test_a" name="test_flaky" file="tests/test_a.py" line="5" time="0.2"/>
    </testsuite></testsuites>""")
    retried = tests["tests/test_a.py::TestB::test_c[1]"]
    assert outcomes(retried) == ["rerun", "failed"]
    assert [a.duration for a in retried.attempts] == [0.5, 0.25]
    assert retried.attempts[-1].message == "assert 1 == 2"
    assert retried.line == 10  # pytest writes 0-based lines
    assert outcomes(tests["tests/test_a.py::test_flaky"]) == ["rerun", "passed"]
    assert outcomes(tests["tests/test_a.py::test_other"]) == ["passed"]


def test_pytest_teardown_error_of_a_failing_test_is_part_of_its_attempt(tmp_path: Path) -> None:
    tests = read(tmp_path, """<testsuites><testsuite name="pytest">
      <testcase classname="t" name="test_x" time="1.0"><failure message="boom">...</failure></testcase>
      <testcase classname="t" name="test_y" time="1.0"/>
      <testcase classname="t" name="test_x" time="0.5"><error message='failed on teardown with "OSError"'>...</error>
      </testcase>
      <testcase classname="t" name="test_z" time="0.1"><error message='failed on setup with "E"'>x</error></testcase>
    </testsuite></testsuites>""")
    folded = tests["t::test_x"]
    assert outcomes(folded) == ["failed"]
    assert folded.attempts[0].message == 'boom; then failed on teardown with "OSError"'
    assert folded.attempts[0].duration == 1.5
    assert outcomes(tests["t::test_z"]) == ["error"]


def test_surefire_flaky_and_rerun_children_are_attempts_and_suite_totals_are_ignored(tmp_path: Path) -> None:
    tests = read(tmp_path, """<testsuite name="S" tests="99" failures="42">
      <testcase classname="S" name="flaky" time="0.3">
        <flakyFailure message="first" type="AssertionError" time="0.1"><stackTrace>trace</stackTrace></flakyFailure>
        <flakyError type="IllegalState"><stackTrace>
          java.lang.IllegalStateException: second
          at S.flaky</stackTrace></flakyError>
      </testcase>
      <testcase classname="S" name="broken" time="0.2">
        <error message="e0" type="E"/><rerunError message="e1" type="E"/><rerunFailure message="f2" type="F"/>
      </testcase>
    </testsuite>""")
    flaky = tests["S::flaky"]
    assert outcomes(flaky) == ["rerun", "rerun", "passed"]
    assert [a.message for a in flaky.attempts] == ["first", "java.lang.IllegalStateException: second", None]
    assert [a.duration for a in flaky.attempts] == [0.1, None, 0.3]
    assert [a.error_type for a in flaky.attempts] == ["AssertionError", "IllegalState", None]
    broken = tests["S::broken"]
    assert outcomes(broken) == ["rerun", "rerun", "failed"]
    assert [a.message for a in broken.attempts] == ["e0", "e1", "f2"]
    assert len(tests) == 2


def test_vitest_failure_per_attempt_and_final_only_producers(tmp_path: Path) -> None:
    tests = read(tmp_path, """<testsuites><testsuite name="a.test.js" timestamp="2024-05-01T12:00:00.500Z">
      <testcase classname="a.test.js" name="s &gt; t" time="0.3">
        <failure message="one" type="AssertionError"/><failure message="two" type="AssertionError"/>
      </testcase>
      <testcase classname="a.test.js" name="skipped" time="0"><skipped/></testcase>
      <testcase classname="a.test.js" name="jest" time="0"><failure>

        Error: expected 1
        at line 2</failure></testcase>
    </testsuite></testsuites>""")
    retried = tests["a.test.js::s > t"]
    assert outcomes(retried) == ["rerun", "failed"]
    assert [a.message for a in retried.attempts] == ["one", "two"]
    assert {a.started_at for a in retried.attempts} == {1714564800.5}
    assert outcomes(tests["a.test.js::skipped"]) == ["skipped"]
    assert tests["a.test.js::jest"].attempts[0].message == "Error: expected 1"


def test_ids_fall_back_from_pytest_node_ids_to_classname_then_suite(tmp_path: Path) -> None:
    tests = read(tmp_path, """<testsuites>
      <testsuite name="outer" file="spec/a.js" timestamp="2024-05-01T12:00:00+02:00">
        <testcase name="no class" time="1"/>
        <testcase classname="pkg.mod" name="not pytest" file="other.py"/>
        <testcase classname="pkg.mod.Cls" name="t[a.b]" file="pkg\\mod.py" line="4"/>
        <testsuite name="inner"><testcase name="nested" timestamp="2024-05-01T10:00:01"/></testsuite>
      </testsuite>
      <testcase name="top"/>
    </testsuites>""")
    assert set(tests) == {"outer::no class", "pkg.mod::not pytest", "pkg/mod.py::Cls::t[a.b]", "inner::nested", "top"}
    assert tests["outer::no class"].file == "spec/a.js"
    assert tests["outer::no class"].attempts[0].started_at == 1714557600.0
    assert tests["inner::nested"].attempts[0].started_at == 1714557601.0
    assert tests["inner::nested"].suite == "inner"
    assert tests["pkg/mod.py::Cls::t[a.b]"].line == 4  # not pytest's: as written
    assert tests["top"].suite is None and tests["top"].attempts[0].started_at is None


def test_long_texts_stream_through_and_long_messages_are_cut(tmp_path: Path) -> None:
    output = "x" * 12_000_000  # past libxml2's default cap on one text
    tests = read(tmp_path, f"""<testsuite name="s"><testcase classname="c" name="t">
        <failure message="{'m' * 100_000}">{'y' * 3_000_000}</failure>
        <system-out>{output}</system-out><system-out><![CDATA[{output}]]></system-out>
      </testcase></testsuite>""")
    message = tests["c::t"].attempts[0].message
    assert 65_000 < len(message) <= 65_536 and message.endswith("characters cut]")


HOSTILE = {
    "billion laughs": ('<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
                       '<testsuite><testcase name="&b;"/></testsuite>', 1, "DOCTYPE"),
    "external entity": ('<?xml version="1.0"?>\n<!DOCTYPE t [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
                        '<testsuite><testcase name="&x;"/></testsuite>', 2, "DOCTYPE"),
    "external DTD": ('<!DOCTYPE testsuite SYSTEM "http://127.0.0.1:9/x.dtd"><testsuite/>', 1, "DOCTYPE"),
    "undefined entity": ('<testsuite>\n<testcase name="&x;"/></testsuite>', 2, "undefined entity"),
    "gigantic attribute": (f'<testsuite>\n<testcase name="{"n" * 1_200_000}"/></testsuite>', 2, "markup longer"),
    "gigantic comment": (f'<testsuite><!-- {"c" * 1_200_000} --></testsuite>', 1, "markup longer"),
    "truncated": ('<testsuite name="s">\n<testcase name="a"/>\n<testcase name="b"', 3, "not a well-formed XML"),
    "not XML": ('{"tests": []}', 1, "not a well-formed XML"),
    "empty": ("", 1, "no element found"),
    "bytes not in the encoding": (b'<?xml version="1.0" encoding="utf-8"?>\n<testsuite name="\xff\xfe"/>', 2,
                                  "not well-formed"),
    "unknown encoding": ('<?xml version="1.0" encoding="x-no-such"?><testsuite/>', 1, "unknown encoding"),
    "another root": ('<html><body/></html>', 1, "the root element is <html>"),
    "too deep": ("<testsuites>\n" + "<testsuite>" * 70 + "</testsuite>" * 70 + "</testsuites>", 2, "64 levels deep"),
    "time not a number": ('<testsuite>\n\n<testcase name="a" time="soon"/></testsuite>', 3, "time 'soon'"),
    "negative time": ('<testsuite><testcase name="a" time="-1"/></testsuite>', 1, "is not 0 to"),
    "bad timestamp": ('<testsuite timestamp="yesterday"><testcase name="a"/></testsuite>', 1, "timestamp 'yesterday'"),
    "bad line": ('<testsuite><testcase name="a" line="x1"/></testsuite>', 1, "line 'x1'"),
    "no name": ('<testsuite>\n<testcase classname="c"/></testsuite>', 2, "without a name"),
}


@pytest.mark.parametrize("kind", HOSTILE)
def test_hostile_and_broken_files_are_refused_naming_file_and_line(tmp_path: Path, kind: str) -> None:
    text, line, what = HOSTILE[kind]
    path = write(tmp_path, text)
    with pytest.raises(JUnitError) as caught:
        read_report(path)  # refused before the first test is asked for
    assert caught.value.path == str(path) and caught.value.line == line
    assert str(caught.value).startswith(f"{path}:{line}: ") and what in str(caught.value)


def test_a_file_broken_at_its_end_yields_nothing(tmp_path: Path) -> None:
    cases = "".join(f'<testcase classname="c" name="t{i}"/>' for i in range(5000))
    path = write(tmp_path, f"<testsuite>{cases}<testcase name='last'>")
    with pytest.raises(JUnitError, match="not a well-formed XML"):
        next(iter(read_report(path)))


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(JUnitError) as caught:
        read_report(tmp_path / "none.xml")
    assert caught.value.line is None and str(caught.value).startswith(f"{tmp_path / 'none.xml'}: cannot be read")


def test_too_many_tests_interleaved_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(check, "HELD_MAX", 3)
    first = "".join(f'<testcase classname="c" name="t{i}"/>' for i in range(5))
    path = write(tmp_path, f"<testsuite>{first}{first}</testsuite>")
    with pytest.raises(JUnitError, match="the elements of 5 tests are interleaved"):
        read_report(path)
    few = "".join(f'<testcase classname="c" name="t{i}"/>' for i in range(3))
    assert [outcomes(test) for test in read_report(write(tmp_path, f"<testsuite>{few}{few}</testsuite>"))] == [
        ["rerun", "passed"]] * 3


@_ANY_FILE
@given(data=st.binary(max_size=400))
def test_any_bytes_read_or_raise_junit_error(tmp_path: Path, data: bytes) -> None:
    try:
        list(read_report(write(tmp_path, data)))
    except JUnitError:
        pass


_VALID = (DATA / "pytest-xdist" / "report.xml").read_bytes()[:6000] + b"</testcase></testsuite></testsuites>"


@_ANY_FILE
@given(at=st.integers(0, len(_VALID)), cut=st.integers(0, 40), insert=st.binary(max_size=12))
def test_mutated_reports_read_or_raise_junit_error(tmp_path: Path, at: int, cut: int, insert: bytes) -> None:
    try:
        list(read_report(write(tmp_path, _VALID[:at] + insert + _VALID[at + cut:])))
    except JUnitError:
        pass


_NAMES = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=30)
_RESULTS = st.sampled_from(["", "<failure message='f'/>", "<error type='E'>trace</error>", "<skipped/>"])


@_ANY_FILE
@given(cases=st.dictionaries(_NAMES, _RESULTS, min_size=1, max_size=20))
def test_generated_reports_read_back_their_cases(tmp_path: Path, cases: dict[str, str]) -> None:
    body = "".join(f"<testcase classname='k' name={quoteattr(name)}>{result}</testcase>" for name, result in cases.items())
    tests = read(tmp_path, f"<testsuites><testsuite name='s'>{body}</testsuite></testsuites>")
    expected = {"": "passed", "<failure message='f'/>": "failed", "<skipped/>": "skipped"}
    assert {nodeid: outcomes(test) for nodeid, test in tests.items()} == {
        f"k::{name}": [expected.get(result, "error")] for name, result in cases.items()}
