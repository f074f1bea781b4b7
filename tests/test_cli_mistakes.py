"""Mistakes on the command line and in markers are refused with a message naming the bad value."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from pytest_vpt.cli import cli

SUITE = """
def test_tune_bbc(): pass
def test_tune_cnn(): pass
"""


def vpt(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


@pytest.fixture
def history(pytester: pytest.Pytester, monkeypatch) -> pytest.Pytester:
    pytester.makepyfile(test_box=SUITE)
    pytester.runpytest("--vpt").assert_outcomes(passed=2)
    monkeypatch.chdir(pytester.path)
    return pytester


def test_a_bad_store_url_blames_the_option_as_typed(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out = vpt("--store", "vpt.db", "runs")
    assert code == 1
    assert "--store: 'vpt.db' is not a store URL" in out and "--vpt-store" not in out


@pytest.mark.parametrize(("args", "option"), [
    (["watch", "udp://127.0.0.1:9", "--for", "5"], "--for"),
    (["devices", "--window", "5"], "--window"),
    (["video", "incidents", "--since", "tomorrow"], "--since"),
])
def test_a_bad_span_names_its_option_and_the_forms(history, args, option) -> None:
    code, out = vpt(*args)
    assert code == 2
    assert f"Invalid value for '{option}'" in out and "30m, 24h, 7d or 2w" in out
    assert "watching" not in out  # refused before anything starts


def test_a_bad_since_date_names_the_option_and_the_date_form(history) -> None:
    code, out = vpt("flaky", "--since", "last week")
    assert code == 2
    assert "Invalid value for '--since': 'last week'" in out and "2026-11-01" in out


def test_tests_of_an_unknown_node_id_suggests_near_matches(history) -> None:
    code, out = vpt("tests", "test_box.py::test_tune_bbcc")
    assert code == 1
    assert "no test 'test_box.py::test_tune_bbcc' recorded" in out
    assert "did you mean: test_box.py::test_tune_bbc, test_box.py::test_tune_cnn?" in out
    code, out = vpt("tests", "nothing/like/it.py::zzz")
    assert code == 1 and "did you mean" not in out and "node ids look like" in out


def test_quarantine_add_refuses_a_node_id_never_seen_unless_forced(history) -> None:
    listed = history.path / "vpt-quarantine.txt"
    code, out = vpt("quarantine", "add", "test_box.py::test_tune_bcc")
    assert code == 1
    assert "no test 'test_box.py::test_tune_bcc' recorded in project" in out
    assert "did you mean: test_box.py::test_tune_bbc" in out and "--force" in out
    assert not listed.exists() or "test_tune_bcc" not in listed.read_text()
    code, out = vpt("quarantine", "add", "test_box.py::test_tune_bbc")  # recorded: accepted as it is
    assert code == 0 and "added test_box.py::test_tune_bbc" in out
    code, out = vpt("quarantine", "add", "test_box.py::test_new_one", "--force")
    assert code == 0 and "test_box.py::test_new_one" in listed.read_text()


def test_token_revoke_of_an_unknown_name_fails_naming_it(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert vpt("token", "create", "--project", "box", "--name", "ci")[0] == 0
    code, out = vpt("token", "revoke", "--project", "box", "--name", "cj")
    assert code == 1 and "--name 'cj': project 'box' has no token of that name" in out
    assert vpt("token", "revoke", "--project", "box", "--name", "ci") == (0, "revoked 1 token\n")
    code, out = vpt("token", "revoke", "--project", "box", "--name", "ci")  # a second time: nothing to revoke
    assert code == 1 and "revoked already" in out


MARKED = """
import pytest

@pytest.mark.vpt_device("nope")
def test_on_a_typo():
    pass

def test_without_a_device():
    pass
"""


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["one process", "xdist"])
def test_a_marker_naming_an_unknown_device_fails_naming_it_and_the_registry(pytester, workers) -> None:
    pytester.makefile(".yaml", vpt="devices:\n  - id: stb\n    probe: {type: tcp, host: 127.0.0.1, port: 9}\n")
    pytester.makepyfile(test_lab=MARKED)
    result = pytester.runpytest("--vpt", *workers)
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines([f"*vpt_device: no device 'nope' in the device registry {pytester.path}/vpt.yaml "
                                 "(registered: stb)*"])


def test_a_marker_naming_a_device_with_no_registry_at_all_fails_too(pytester) -> None:
    pytester.makepyfile(test_lab=MARKED)
    result = pytester.runpytest("--vpt")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines([f"*no device 'nope' in the device registry {pytester.path}/vpt.yaml "
                                 "(registered: none: add a 'devices' list to it)*"])
