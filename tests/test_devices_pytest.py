"""Devices in pytest runs: probes before and on failure, background samples, offline failures told apart."""

from __future__ import annotations

import sqlite3

import pytest
from click.testing import CliRunner

from pytest_vpt.cli import cli

from endpoints import TcpListener, up_and_down_registry


@pytest.fixture
def lab(pytester: pytest.Pytester):
    """A registry with a device that answers (a real listener) and one that does not."""
    listener = TcpListener()
    pytester.makefile(".yaml", vpt=up_and_down_registry(listener.port))
    pytester.makeini("[pytest]\nvpt_project = lab\n")
    pytester.makepyfile(test_lab="""
        import time
        import pytest

        @pytest.mark.vpt_device("stb-up")
        def test_product_bug():
            time.sleep(0.3)
            assert 1 + 1 == 3

        @pytest.mark.vpt_device("stb-down")
        def test_on_a_dead_box():
            assert False, "no video"

        @pytest.mark.parametrize("vpt_device", ["stb-up", "stb-down"], indirect=True)
        def test_fixture(vpt_device):
            assert vpt_device.id == "stb-up"

        @pytest.mark.vpt_device("stb-up")
        def test_passes(vpt_device):
            assert vpt_device.kind == "set-top-box"
    """)
    yield listener
    listener.stop()


def attempts(pytester: pytest.Pytester) -> dict[str, tuple]:
    conn = sqlite3.connect(pytester.path / ".vpt" / "vpt.db")
    rows = conn.execute(
        "SELECT c.nodeid, a.outcome, a.device_id, a.device_offline FROM test_attempts a JOIN test_cases c USING (test_id)"
    ).fetchall()
    return {nodeid: rest for nodeid, *rest in rows}


def test_failures_while_the_device_was_offline_are_told_apart(pytester, lab, recorded) -> None:
    result = pytester.runpytest("--vpt")
    result.assert_outcomes(passed=2, failed=3)
    result.stdout.fnmatch_lines([
        "device offline, not a product failure (2):",
        "  test_lab.py::test_on_a_dead_box: failed; device stb-down offline: connection refused",
        "  test_lab.py::test_fixture[stb-down]: failed; device stb-down offline: connection refused",
    ])
    assert "test_product_bug: failed; device" not in result.stdout.str()
    out = CliRunner().invoke(cli, ["--store", f"sqlite:///{pytester.path / '.vpt' / 'vpt.db'}", "run",
                                   recorded.last_run()["run_id"], "--outcome", "failed", "--wide"]).output
    assert "[device stb-down offline] AssertionError: no video" in out
    assert attempts(pytester) == {
        "test_lab.py::test_product_bug": ["failed", "stb-up", 0],
        "test_lab.py::test_on_a_dead_box": ["failed", "stb-down", 1],
        "test_lab.py::test_fixture[stb-up]": ["passed", "stb-up", 0],
        "test_lab.py::test_fixture[stb-down]": ["failed", "stb-down", 1],
        "test_lab.py::test_passes": ["passed", "stb-up", 0],
    }


def test_devices_are_sampled_in_the_background_for_the_whole_session(pytester, lab) -> None:
    pytester.runpytest("--vpt")
    conn = sqlite3.connect(pytester.path / ".vpt" / "vpt.db")
    run_id = conn.execute("SELECT run_id FROM runs").fetchone()[0]
    counts = dict(conn.execute("SELECT device_id, count(*) FROM device_samples WHERE run_id = ? GROUP BY device_id",
                               (run_id,)).fetchall())
    assert counts.keys() == {"stb-up", "stb-down"} and min(counts.values()) >= 3  # 0.3 s and more at 0.1 s
    states = dict(conn.execute("SELECT device_id, last_online FROM device_status").fetchall())
    assert states == {"stb-up": 1, "stb-down": 0}
    assert conn.execute("SELECT kind FROM devices WHERE device_id = 'stb-up'").fetchone() == ("set-top-box",)


def test_skip_offline_skips_tests_whose_device_is_down(pytester, lab) -> None:
    result = pytester.runpytest("--vpt", "--vpt-skip-offline", "-rs")
    result.assert_outcomes(passed=2, failed=1, skipped=2)
    result.stdout.fnmatch_lines(["SKIPPED*device stb-down is offline: connection refused*"])
    assert attempts(pytester)["test_lab.py::test_on_a_dead_box"] == ["skipped", "stb-down", 1]


def test_under_xdist_workers_probe_their_tests_devices(pytester, lab) -> None:
    result = pytester.runpytest("--vpt", "-n", "2")
    result.assert_outcomes(passed=2, failed=3)
    result.stdout.fnmatch_lines(["device offline, not a product failure (2):"])
    found = attempts(pytester)
    assert found["test_lab.py::test_on_a_dead_box"] == ["failed", "stb-down", 1]
    assert found["test_lab.py::test_product_bug"] == ["failed", "stb-up", 0]


def test_a_device_that_goes_away_during_the_test_is_caught_when_it_fails(pytester) -> None:
    powered = pytester.path / "powered"
    powered.touch()
    check = pytester.path / "check_box"
    check.write_text(f"#!/bin/sh\n[ -e {powered} ] || {{ echo 'box is rebooting' >&2; exit 1; }}\n")
    check.chmod(0o755)
    pytester.makefile(".yaml", vpt=f"devices:\n  - id: stb\n    probe: {{type: command, command: {check}}}\n"
                                   "    interval: 30\n    timeout: 2\n")
    pytester.makepyfile(f"""
        import os
        import pytest

        @pytest.mark.vpt_device("stb")
        def test_a_real_bug():
            assert False, "wrong channel"

        @pytest.mark.vpt_device("stb")
        def test_box_reboots_midway():
            os.remove({str(powered)!r})  # the box goes away after the test started
            assert False, "lost the stream"
    """)
    result = pytester.runpytest("--vpt", "-p", "no:randomly")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines([
        "device offline, not a product failure (1):",
        "  test_a_device_that_goes_away_during_the_test_is_caught_when_it_fails.py::test_box_reboots_midway: "
        "failed; device stb offline: box is rebooting",
    ])
    found = {nodeid.split("::")[1]: offline for nodeid, (_, _, offline) in attempts(pytester).items()}
    assert found == {"test_a_real_bug": 0, "test_box_reboots_midway": 1}


def test_the_fixture_says_what_is_missing(pytester) -> None:
    pytester.makefile(".yaml", vpt="devices:\n  - id: stb\n    probe: {type: tcp, host: 127.0.0.1, port: 22}\n")
    pytester.makepyfile("""
        import pytest

        def test_no_marker(vpt_device):
            pass

        @pytest.mark.vpt_device("tv")
        def test_unknown(vpt_device):
            pass
    """)
    result = pytester.runpytest()
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines([
        "*vpt_device: name the device with @pytest.mark.vpt_device('id')*",
        "*vpt_device: no device 'tv' in the device registry */vpt.yaml (registered: stb)*",
    ])
