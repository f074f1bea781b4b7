"""vpt video incidents: where in the file each incident is (frames), the test that recorded it, or none."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from pytest_vpt.cli import cli
from video_clips import FPS, encode, moving, with_events


def vpt(*args: str, width: int = 200) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), env={"COLUMNS": str(width)})
    return result.exit_code, result.output


def test_incidents_say_their_position_and_test(pytester: pytest.Pytester, monkeypatch) -> None:
    encode(pytester.path / "clip.mp4", 120, with_events(black=[(30, 60)]))
    pytester.makepyfile(test_tv="""
def test_clip(vpt_video):
    vpt_video.analyze("clip.mp4")
""")
    pytester.runpytest("--vpt").assert_outcomes(passed=1)
    monkeypatch.chdir(pytester.path)
    [incident] = json.loads(vpt("video", "incidents", "--json")[1])
    assert (incident["kind"], incident["start_frame"], incident["end_frame"], incident["nodeid"]) == (
        "black_screen", 30, 60, "test_tv.py::test_clip")
    assert incident["position"] == pytest.approx(1.0)  # frame 30 of a 30 fps clip: one second in
    code, out = vpt("video", "incidents")
    header, row = out.splitlines()
    assert code == 0
    assert header.split() == ["started", "source", "kind", "duration", "position", "severity", "end", "test"]
    assert "1.0 s f30-60" in row and "test_tv.py::test_clip" in row and "1.0 s" in row
    code, out = vpt("video", "incidents", width=80)
    assert code == 0 and "clip.mp4" in out and "1.0 s f30-60" in out


def test_no_incidents_is_said(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out = vpt("--store", f"sqlite:///{tmp_path / 'vpt.db'}", "db", "init")
    assert code == 0, out
    code, out = vpt("--store", f"sqlite:///{tmp_path / 'vpt.db'}", "video", "incidents")
    assert (code, out) == (0, "no video incidents since 24h ago\n")


def test_frame_drops_are_listed_with_the_frames_missing(pytester: pytest.Pytester, monkeypatch) -> None:
    times = [i / FPS for i in range(120) if i not in {60, 61}]
    encode(pytester.path / "drops.mp4", len(times), lambda i: moving(round(times[i] * FPS)), times=lambda i: times[i])
    pytester.makepyfile(test_tv="""
def test_clip(vpt_video):
    vpt_video.assert_frame_drop_rate_below(100, "drops.mp4")
""")
    pytester.runpytest("--vpt").assert_outcomes(passed=1)
    monkeypatch.chdir(pytester.path)
    [incident] = json.loads(vpt("video", "incidents", "--json")[1])
    assert (incident["kind"], incident["start_frame"], incident["end_frame"], incident["severity"]) == (
        "frame_drop", 60, 62, "minor")
    assert incident["position"] == pytest.approx(2.0, abs=0.01) and incident["duration"] == pytest.approx(2 / FPS, abs=0.01)
    code, out = vpt("video", "incidents")
    assert code == 0 and "frame_drop" in out and "2.0 s f60-62" in out
