"""vpt video incidents: where in the file each incident is (frames), the test that recorded it, or none."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from pytest_vpt.cli import cli
from video_clips import encode, with_events


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
