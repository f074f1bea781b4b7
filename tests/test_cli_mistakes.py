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
