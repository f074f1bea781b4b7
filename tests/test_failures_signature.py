"""Failure signatures and categories: pure functions, exact examples and properties."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_vpt.analytics.failures import (
    DEFAULT_CATEGORIES, UNKNOWN, CategoriesError, Failure, categories_from_yaml, categorize, describe,
    normalize_message, signature,
)
from pytest_vpt.analytics.failures.signature import MESSAGE_MAX, TYPE_MAX


@pytest.mark.parametrize("message, normalised", [
    ("expected 25 fps, got 12 at /tmp/run-1/clip.ts", "expected <n> fps, got <n> at <path>"),
    ("[Errno 111] Connection refused to 10.0.0.7:554", "[Errno <n>] Connection refused to <ip>"),
    ("GET http://user:secret@api.lab:8080/v1/users/42?page=3 gave 503",
     "GET http://api.lab/<path> gave <n>"),
    ("rtsp://192.168.1.20:554/live lost", "rtsp://<ip>/<path> lost"),
    ("KeyError 'user-17' at 0x7f3a2c9d", "KeyError <str> at <addr>"),
    ("can't open \"C:\\clips\\a.ts\" at 2026-11-01T08:00:00Z (12:03:04.5)", "can't open <str> at <time> (<time>)"),
    ("session 1b4e28ba-2fa1-11d2-883f-0016d3cca427 build 9f86d081884c7d65", "session <uuid> build <hex>"),
    ("no route to fe80::1 nor [::1]:80", "no route to <ip> nor <ip>"),
    ("test_42 timed out on localhost:8080 (h264, v1.2.3)", "test_<n> timed out on localhost:<port> (h264, v1.2.3)"),
    ("  \n\n  black   screen\tfor 4.2 s\nsecond line", "black screen for <n> s"),
    ("assert -3.5e-2 == +7", "assert <n> == <n>"),
    ("see tests/test_play.py::test_zap and ./logs/x", "see <path>::test_zap and <path>"),
    ("", ""),
    (None, ""),
])
def test_the_values_that_vary_are_taken_out(message, normalised) -> None:
    assert normalize_message(message) == normalised


def test_failures_differing_only_in_values_share_a_signature_and_others_do_not() -> None:
    one = signature("AssertionError", "expected 25 fps, got 12 at /tmp/run-1/clip.ts")
    two = signature("AssertionError", "expected 30 fps, got 7 at /tmp/run-2/clip.ts")
    assert one == two and one.id == two.id and len(one.id) == 12
    assert one.text == "AssertionError: expected <n> fps, got <n> at <path>"
    assert signature("ValueError", "expected 25 fps, got 12 at /tmp/run-1/clip.ts") != one  # another type
    assert signature("AssertionError", "wanted 25 fps, got 12") != one  # other wording
    assert signature(None, None).text == "(no message)"
    assert signature("  requests.exceptions.ReadTimeout ", "").text == "requests.exceptions.ReadTimeout"


def test_a_long_message_is_cut_and_stays_a_fixed_point() -> None:
    long = "frame " + " ".join(f"f{i}x" for i in range(1000))
    found = normalize_message(long)
    assert len(found) <= MESSAGE_MAX and found.startswith("frame f0x f1x")
    assert normalize_message(found) == found
    assert len(signature("E" * 10_000, "x").error_type) == TYPE_MAX


_PIECES = st.sampled_from([
    *"abcxyzAF019_.:/\\-'\"<>[]@?#=+ ~eEZT\n\t", "http://", "0x", "::", "localhost", "2026-11-01", "12:00:00",
    "10.0.0.1", "<n>", "<path>", "C:\\", "1b4e28ba-2fa1-11d2-883f-0016d3cca427",
])
_TEXTS = st.one_of(st.text(max_size=400), st.lists(_PIECES, max_size=200).map("".join))


@settings(max_examples=2000, suppress_health_check=list(HealthCheck), deadline=None)
@given(_TEXTS)
def test_normalising_never_raises_is_bounded_and_idempotent(text: str) -> None:
    found = normalize_message(text)
    assert len(found) <= MESSAGE_MAX
    assert normalize_message(found) == found
    assert "\n" not in found and "  " not in found


@settings(max_examples=300, suppress_health_check=list(HealthCheck), deadline=None)
@given(st.text(max_size=300), st.text(max_size=300))
def test_a_signature_of_any_text_is_made(error_type: str, message: str) -> None:
    found = signature(error_type, message)
    assert found.text and len(found.id) == 12
    assert signature(found.error_type, found.message) == found


@pytest.mark.parametrize("failure, category", [
    (Failure("failed", "AssertionError", "x", device_offline=True), "device offline"),
    (Failure("rerun", "AssertionError", "x", flaky=True), "flaky"),
    (Failure("failed", "ConnectionResetError", "peer"), "infrastructure"),
    (Failure("failed", "requests.exceptions.ReadTimeout", "slow"), "infrastructure"),
    (Failure("failed", "Failed", "Timeout >5.0s"), "infrastructure"),
    (Failure("error", "AssertionError", "in a fixture"), "test defect"),
    (Failure("failed", "NameError", "name 'x' is not defined"), "test defect"),
    (Failure("failed", "AssertionError", "assert 1 == 2"), "product defect"),
    (Failure("failed", "ValueError", "bad"), UNKNOWN),
    (Failure("failed", None, None), UNKNOWN),
])
def test_the_built_in_categories(failure, category) -> None:
    assert categorize(failure, DEFAULT_CATEGORIES) == category


def test_a_file_s_categories_match_in_order_first_wins() -> None:
    categories = categories_from_yaml("""
categories:
  - name: lab network
    outcomes: [failed, error]
    message: "refused|unreachable"
  - name: decoder
    error_type: ".*Decode.*"
    markers: [video]
  - name: lab network
    error_types: socket.timeout
  - name: everything else failed
    outcomes: failed
""", "vpt-categories.yaml")
    assert categorize(Failure("failed", "OSError", "host unreachable"), categories) == "lab network"
    assert categorize(Failure("error", "av.error.InvalidDataDecodeError", "x", ("video",)), categories) == "decoder"
    assert categorize(Failure("error", "DecodeError", "x", ("audio",)), categories) == UNKNOWN
    assert categorize(Failure("error", "socket.timeout", "x"), categories) == "lab network"
    assert categorize(Failure("error", "timeout", "x"), categories) == UNKNOWN  # the name given is the whole type
    assert categorize(Failure("failed", "AssertionError", "x"), categories) == "everything else failed"
    assert categorize(Failure("rerun", "AssertionError", "x", flaky=True), categories) == UNKNOWN


@pytest.mark.parametrize("text, error", [
    ("- name: lab\n- name: infra\n  message: '(unclosed'",
     'vpt-categories.yaml: category 2 ("infra"): message: invalid regex \'(unclosed\': missing ), '
     "unterminated subpattern at position 0"),
    ("categories:\n  - name: infra\n    messages: refused",
     'vpt-categories.yaml: category 1 ("infra"): messages: unknown key (known: name, outcomes, error_types, markers, '
     "error_type, message, device_offline, flaky, description)"),
    ("- name: infra\n  flaky: 'yes'", 'vpt-categories.yaml: category 1 ("infra"): flaky: expected true or false, '
     "not the text 'yes'"),
    ("- name: infra\n  outcomes: [broken]",
     'vpt-categories.yaml: category 1 ("infra"): outcomes: \'broken\' is not one of failed, error, rerun'),
    ("- name: infra\n  error_types: 3", 'vpt-categories.yaml: category 1 ("infra"): error_types: expected a name or '
     "a list of names, not the number 3"),
    ("- outcomes: [failed]", "vpt-categories.yaml: category 1: name: missing (every category needs a name)"),
    ("- name: unknown", "vpt-categories.yaml: category 1 (\"unknown\"): name: 'unknown' is what a failure no "
     "category takes; choose another name"),
    ("- 3", "vpt-categories.yaml: category 1: expected a mapping (name: ..., and its rules), not the number 3"),
    ("tests: []", "vpt-categories.yaml: unknown key 'tests' at the top (known: categories)"),
    ("categories: {name: x}", "vpt-categories.yaml: categories: expected a list of categories, not a mapping"),
    ("", "vpt-categories.yaml: no categories (list them under categories:)"),
    ("- name: [", "vpt-categories.yaml: not valid YAML: line 1, column 10: while parsing a flow node, expected the "
     "node content, but found '<stream end>'"),
    ("[" * 5000, "vpt-categories.yaml: refused: nested too deeply"),
    ("- {name: x}\n" * 201, "vpt-categories.yaml: 201 categories, more than the 200 a file may hold"),
])
def test_a_bad_categories_file_is_named_with_its_category_and_key(text, error) -> None:
    with pytest.raises(CategoriesError) as raised:
        categories_from_yaml(text, "vpt-categories.yaml")
    assert str(raised.value) == error


@settings(max_examples=300, suppress_health_check=list(HealthCheck), deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
                        st.sampled_from(["name", "message", "outcomes", "flaky", "x", "categories"]), inner, max_size=4),
                    max_leaves=20))
def test_any_parsed_value_is_categories_or_a_categories_error(data) -> None:
    from pytest_vpt.analytics.failures import parse_categories

    try:
        found = parse_categories(data, "f.yaml")
    except CategoriesError as exc:
        assert str(exc).startswith("f.yaml: ")
    else:
        assert all(category.name for category in found)


def test_the_line_says_how_many_failures_each_category_took() -> None:
    assert describe({"device offline": 1, "product defect": 3}) == "4 failures: 3 product defect, 1 device offline"
    assert describe({"flaky": 2, "infrastructure": 2, "unknown": 1}, reruns=2) == (
        "5 failures (2 flaky reruns): 2 flaky, 2 infrastructure, 1 unknown")
    assert describe({}) is None
