"""Every table of the vpt command, read at 80 and at 200 columns, over a store of long node ids."""

from __future__ import annotations

import json
import re
import time

import pytest
from click.testing import CliRunner

from pytest_vpt.cli import cli
from pytest_vpt.cli.render import shorten_nodeid
from pytest_vpt.devices import Sample
from pytest_vpt.devices.events import sample_event
from pytest_vpt.producers.watcher import incident_event
from pytest_vpt.store import open_store
from pytest_vpt.video import Incident

FOLDER = "tests/integration/settop_boxes/living_room"
SUITE = """
import pytest, random
@pytest.mark.parametrize("channel", ["bbc-one-hd-1080p-uk-south", "cnn"])
def test_zapping_between_all_channels_under_network_load_keeps_audio_in_sync(channel):
    pass
def test_the_electronic_programme_guide_opens_within_two_seconds_after_standby():
    raise AssertionError("guide took 3.4 s to open after the box woke from standby; expected under 2 s")
"""
LONG = f"{FOLDER}/test_playback_and_channel_switching.py::test_zapping_between_all_channels_under_network_load_keeps_audio_in_sync[bbc-one-hd-1080p-uk-south]"
FAILING = f"{FOLDER}/test_playback_and_channel_switching.py::test_the_electronic_programme_guide_opens_within_two_seconds_after_standby"
DEVICE = "stb-living-room-4k"
STREAM = "rtsp://camera-7.lab.example:8554/live/hdmi-capture-of-the-set-top-box-in-the-living-room-box"


@pytest.fixture
def store(pytester: pytest.Pytester, monkeypatch) -> pytest.Pytester:
    """A project with three runs of long-named tests, a device's hour, and a video incident."""
    monkeypatch.chdir(pytester.path)
    pytester.makeini("[pytest]\nvpt_project = living-room-regression-suite\n")
    (pytester.path / FOLDER).mkdir(parents=True)
    (pytester.path / FOLDER / "test_playback_and_channel_switching.py").write_text(SUITE)
    for _ in range(3):
        pytester.runpytest("--vpt", "-p", "no:cacheprovider")
    start = time.time() - 3600
    with open_store(f"sqlite:///{pytester.path / '.vpt' / 'vpt.db'}") as db:
        db.write([sample_event(Sample(DEVICE, start + i * 60, not 30 <= i < 40, 0.020,
                                      None if not 30 <= i < 40 else "connection refused by 192.168.40.17:5555", {},
                                      60.0), "living-room-regression-suite") for i in range(60)])
        db.write([incident_event(Incident("black_screen", 12.5, 375, 15.0, 450, 2.5, "major"),
                                 "living-room-regression-suite", STREAM, time.time() - 600)])
    return pytester


def vpt(columns: int, *args: str) -> list[str]:
    result = CliRunner(env={"COLUMNS": str(columns)}).invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output.splitlines()


def run_id(store) -> str:
    return json.loads(CliRunner().invoke(cli, ["runs", "--json"]).output)[0]["run_id"]


def assert_readable(lines: list[str], width: int = 80) -> None:
    too_long = [line for line in lines if len(line) > width]
    assert not too_long, f"lines over {width} columns: {too_long}"


def header(lines: list[str], first: str) -> list[str]:
    """The header line's words (a header is never cut, so each is a whole column name)."""
    return next(line for line in lines if line.startswith(first)).split()


def footer(lines: list[str]) -> str:
    """The last line(s): which columns the terminal's width hid."""
    start = next(i for i, line in enumerate(lines) if re.match(r"\(\d+ columns? hidden: ", line))
    text = " ".join(" ".join(lines[start:]).split())
    assert text.endswith("; --wide shows all)")
    return text


def test_runs_keep_the_run_id_and_name_what_they_hide(store) -> None:
    narrow = vpt(80, "runs")
    assert_readable(narrow)
    assert all(line == line.rstrip() for line in narrow)  # no padding at the ends of lines in a log
    assert header(narrow, "run")[:2] == ["run", "started"] and "pass rate" in narrow[0]
    full_id = run_id(store)
    rows = [line for line in narrow if re.match("[0-9a-f]{8} ", line)]
    assert len(rows) == 3 and rows[0].startswith(full_id[:8] + " ") and full_id not in narrow[1]
    assert "project" in footer(narrow) and "branch" in footer(narrow) and "commit" in footer(narrow)
    wide = vpt(200, "runs")
    assert header(wide, "run")[:6] == ["run", "project", "started", "duration", "status", "tests"]
    assert "living-room-regression-suite" in wide[1] and not any("hidden" in line for line in wide)
    assert full_id in "\n".join(vpt(80, "runs", "--wide"))


def test_run_shortens_node_ids_in_the_middle(store) -> None:
    narrow = vpt(80, "run", run_id(store)[:8])
    assert_readable(narrow)
    shown = [line.split()[0] for line in narrow if "test_playback" in line]
    assert len(shown) == 3 and all("…" in nodeid for nodeid in shown)
    for nodeid in shown:  # the file and the end of the test's name stay
        assert nodeid.startswith("test_playback") and nodeid.endswith(("-uk-south]", "cnn]", "after_standby"))
    assert "3 tests" in narrow[0] + narrow[1]
    wide = "\n".join(vpt(200, "run", run_id(store)[:8], "--wide"))
    assert LONG in wide and FAILING in wide and "guide took 3.4 s" in wide


def test_flaky_keeps_the_test_column_at_80(store) -> None:
    narrow = vpt(80, "flaky", "--status", "all")
    assert_readable(narrow)
    assert header(narrow, "test")[:3] == ["test", "status", "score"]
    rows = [line for line in narrow[1:] if "test_playback" in line]
    assert len(rows) == 3  # one line each: the test's name is never wrapped
    assert any(row.split()[0].endswith("-uk-south]") for row in rows)
    assert "since" in footer(narrow)
    wide = vpt(200, "flaky", "--status", "all")
    assert_readable(wide, 200)
    assert "since" in header(wide, "test") and not any("hidden" in line for line in wide)


def test_tests_history_keeps_run_ids_and_full_errors_when_wide(store) -> None:
    narrow = vpt(80, "tests", FAILING)
    assert_readable(narrow)
    assert "error" in header(narrow, "run")
    assert sum(bool(re.match("[0-9a-f]{8} ", line)) for line in narrow) == 3
    wide = "\n".join(vpt(200, "tests", FAILING, "--wide"))
    assert "guide took 3.4 s to open after the box woke from standby; expected under 2 s" in wide


def test_devices_keep_the_device_id(store) -> None:
    narrow = vpt(80, "devices", "--window", "3h")
    assert_readable(narrow)
    assert {"device", "state", "uptime"} <= set(header(narrow, "device"))
    assert narrow[1].startswith(DEVICE + " ")
    assert "MTBF" in footer(narrow) and "MTBF" not in narrow[0]
    wide = vpt(200, "devices", "--window", "3h")
    assert {"MTBF", "MTTR", "since"} <= set(header(wide, "device")) and not any("hidden" in line for line in wide)
    incidents = vpt(80, "devices", "--incidents", "--window", "3h")
    assert_readable(incidents)
    assert incidents[1].startswith(DEVICE + " ")


def test_video_incidents_keep_their_source(store) -> None:
    narrow = vpt(80, "video", "incidents")
    assert_readable(narrow)
    (source,) = [line for line in narrow if "black_screen" in line]
    assert "rtsp://camera-7" in source and "…" in source and source.split()[2].endswith("living-room-box")
    assert STREAM in "\n".join(vpt(200, "video", "incidents"))


def test_quarantine_list_keeps_the_test(store) -> None:
    vpt(80, "quarantine", "add", LONG, "--reason", "audio drifts out of sync under load on the lab network since the update")
    narrow = vpt(80, "quarantine", "list")
    assert_readable(narrow)
    (row,) = [line for line in narrow if "test_playback" in line]
    assert row.split()[0].endswith("-uk-south]") and "…" in row
    assert LONG in "\n".join(vpt(80, "quarantine", "list", "--wide"))


def test_plurals(store) -> None:
    out = "\n".join(vpt(80, "devices", "rebuild"))
    assert out == "rebuilt the health of 1 device"
    out = "\n".join(vpt(80, "flaky", "--explain", FAILING))
    assert "3 runs, 3 attempts, 3 failed runs" in out and "0 commits with mixed outcomes" in out


@pytest.mark.parametrize(("width", "expected"), [
    (200, "tests/a/b/test_x.py::test_long_name[p]"),
    (34, "test…/test_x.py::test_long_name[p]"),
    (30, "…/test_x.py::test_long_name[p]"),
    (24, "test_x.py::…long_name[p]"),
    (12, "test_…ame[p]"),
])
def test_shorten_nodeid(width, expected) -> None:
    assert shorten_nodeid("tests/a/b/test_x.py::test_long_name[p]", width) == expected


def test_monitor_live_view_fits_the_terminal(tmp_path) -> None:
    from endpoints import TcpListener, up_and_down_registry
    from test_cli_progress import on_terminal

    listener = TcpListener()
    (tmp_path / "vpt.yaml").write_text(up_and_down_registry(listener.port))
    try:
        code, seen = on_terminal(tmp_path, "monitor", "--for", "2s", "--flush", "0.5", columns=80)
    finally:
        listener.stop()
    assert code == 0, seen
    screen = [line for line in re.split(r"[\r\n]", seen) if line.strip()]
    assert_readable(screen)
    assert any(line.startswith("stb-down ") and "offline" in line for line in screen), seen
    assert any("vpt monitor: 2 devices since" in line for line in screen)
