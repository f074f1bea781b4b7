"""Reading JUnit/xUnit XML reports of any producer as tests with their attempts.

``read_report(path)`` streams the tests of one file. It reads the file twice: the first pass
(check.py) checks all of it — safe, well-formed, every value readable — and counts each test
id's ``testcase`` elements in a compact table (id_table.py) that leaves one byte per element;
only then does the second pass (reader.py) yield tests, each once its last element is read. So a bad file raises
:class:`JUnitError` ("FILE:LINE: what is wrong") before anything is yielded, and memory does
not grow with the file: a test is held only while elements of it are still to come.

Test ids (ids.py), so that they equal ``pytest --vpt``'s node ids where the report allows:

- ``file::Class::name`` when the case (or its suite) has a ``file`` ending in ``.py`` and the
  ``classname`` is that file's dotted path, with classes after it (pytest's xunit1 family,
  unittest-xml-reporting): ``classname="tests.test_x.TestY" name="test_z[p]"
  file="tests/test_x.py"`` is ``tests/test_x.py::TestY::test_z[p]``;
- else ``classname::name``; else ``suite::name`` (the innermost ``testsuite``); else ``name``;
- cut as node ids are (events.fit_node_id). ``file`` falls back to the suite's ``file``.

How producers write retries, and how they are read (the elements of one id are one test):

- pytest + pytest-rerunfailures: one element per attempt, earlier failed ones empty, not
  adjacent under xdist: every element but the last is a rerun. A second element that only
  holds errors "failed on teardown with ..." (or "... setup ...") after a failed element of
  the same test is that attempt's teardown: its message is added ("...; then failed on
  teardown with ..."), its time too, the outcome stays. pytest's line numbers start at 0:
  ``line`` is made 1-based for pytest's reports (root "pytest tests" or suite "pytest");
- Surefire/Gradle: ``flakyFailure``/``flakyError`` (passed on a retry), ``rerunFailure``/
  ``rerunError`` (failed every time), see attempts.py; suite totals are never read;
- vitest: one ``failure`` per attempt in one element; jest, mocha, pytest-retry and the rest:
  the final result only. jest-junit's suite that could not load (stamped 1970-01-01) writes
  its test twice: one attempt, the first element's.

Outcomes: passed, failed, error, skipped, rerun. ``started_at`` is the case's ``timestamp``, else
its suite's (a time without a zone is UTC). Both passes run lxml's pull parser (libxml2, in C)
and see only suites, cases and results (walk.py), deleting what they are done with after each
chunk. Limits (each a JUnitError when exceeded): a tag's attributes or a comment 1 MiB, 32 MiB
parsed while no case or suite finishes (one case with its texts), 64 levels down to a result,
10,000,000 elements, 1,000 elements of one test, 1,000 results in one
element, 10,000 tests interleaved at one point; DOCTYPE, entities, external references and a
default namespace are refused (prolog.py, xml_stream.py). Of a text, only a result's is read,
up to its first line, when it has no ``message``; messages are cut to the wire format's 65,536
characters.
"""

from .model import JUnitError, ReportedAttempt, ReportedTest
from .reader import read_report

__all__ = ["JUnitError", "ReportedAttempt", "ReportedTest", "read_report"]
