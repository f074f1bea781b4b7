"""Where the video checks look and how short an incident may be, from the command line, vpt.yaml's
streams: and the vpt_video fixture; frame drops as incidents."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner

from pytest_vpt.cli import cli
from pytest_vpt.video import Region, analyze
from pytest_vpt.video.streams import Area, AreaError, StreamsError, load_streams, make_checks

from photo_clips import Black, Clip, Freeze, Shot, score, short_set
from video_clips import BLACK, FPS, encode, moving, with_events


def vpt(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def found(report: dict) -> list[tuple]:
    return [(i["kind"], i["start_frame"], i["end_frame"]) for i in report["incidents"]]


def _logo_on_black(index: int) -> np.ndarray:
    """Black from frame 30 to 90 under a bright logo (top right, 72 x 48 px of 320 x 240)."""
    image = moving(index)
    if 30 <= index < 90:
        image = BLACK.copy()
        image[8:56, 240:312] = 255
    return image


@pytest.fixture(scope="module")
def logo_clip(tmp_path_factory):
    return encode(tmp_path_factory.mktemp("logo") / "logo.mp4", 150, _logo_on_black)


def test_rectangles_in_fractions_or_pixels() -> None:
    region = Area.parse("0,0.5,1,0.5", ["0,0,190px,36px", "1200,0,80,72"]).to_region(1280, 720)
    assert (region.x, region.y, region.width, region.height) == (0, 0.5, 1, 0.5)
    assert region.ignore == (pytest.approx((0, 0, 190 / 1280, 0.05)), pytest.approx((0.9375, 0, 0.0625, 0.1)))
    with pytest.raises(AreaError, match=r"--ignore 1200,0,100,72: outside the 1280x720 frame"):
        Area.parse(None, ["1200,0,100,72"]).to_region(1280, 720)
    for written, problem in (("0,0,1", "expected x,y,width,height"), ("0,0,1,x", "'x' is not a number"),
                             ("0.5,0,0.6,1", "outside the frame"), ("0,0,0,1", "its width and height must be above 0"),
                             ("-1,0,1,1", "'-1' is not a number")):
        with pytest.raises(AreaError, match=f"--region {written}: {problem}"):
            Area.parse(written)


def test_vpt_video_analyze_region_and_ignore(logo_clip) -> None:
    """The logo keeps the black screen from being black until it is ignored (in pixels or
    fractions); a rectangle outside the frame is refused naming it."""
    assert found(json.loads(vpt("video", "analyze", str(logo_clip), "--check", "black", "--json")[1])) == []
    for ignore in ("240,0,80,60", "0.75,0,0.25,0.25", "240px,0px,80px,60px"):
        code, out = vpt("video", "analyze", str(logo_clip), "--check", "black", "--ignore", ignore, "--json")
        assert code == 0 and found(json.loads(out)) == [("black_screen", 30, 90)], (ignore, out)
    code, out = vpt("video", "analyze", str(logo_clip), "--check", "black", "--region", "0,0.5,1,0.5", "--json")
    assert found(json.loads(out)) == [("black_screen", 30, 90)]  # the bottom half only: no logo there
    code, out = vpt("video", "analyze", str(logo_clip), "--ignore", "240,0,100,60")
    assert code == 1 and "--ignore 240,0,100,60: outside the 320x240 frame" in out


def _stalls(index: int) -> np.ndarray:
    return with_events(black=[(30, 42)], frozen=[(90, 105), (150, 174), (210, 216)])(index)


@pytest.fixture(scope="module")
def stalls(tmp_path_factory):
    """A 0.4 s black, freezes of 0.5 s and 0.8 s (buffering pauses) and one of 0.2 s."""
    return encode(tmp_path_factory.mktemp("stalls") / "stalls.mp4", 270, _stalls)


def test_sub_second_stalls_are_minor_incidents_by_default(stalls) -> None:
    code, out = vpt("video", "analyze", str(stalls), "--json")
    report = json.loads(out)
    assert found(report) == [("black_screen", 30, 42), ("freeze", 90, 105), ("freeze", 150, 174)]
    assert {i["severity"] for i in report["incidents"]} == {"minor"}
    assert found(json.loads(vpt("video", "analyze", str(stalls), "--json", "--min-black", "0.5")[1])) == [
        ("freeze", 90, 105), ("freeze", 150, 174)]
    assert found(json.loads(vpt("video", "analyze", str(stalls), "--json", "--min-freeze", "0.6")[1])) == [
        ("black_screen", 30, 42), ("freeze", 150, 174)]
    # --min-duration sets both; --min-black or --min-freeze given wins for its check
    assert found(json.loads(vpt("video", "analyze", str(stalls), "--json", "--min-duration", "0.6",
                                "--min-freeze", "0.1")[1])) == [("freeze", 90, 105), ("freeze", 150, 174),
                                                                ("freeze", 210, 216)]


def test_the_defaults_said_are_the_defaults() -> None:
    from pytest_vpt.video.incidents import MIN_DURATIONS

    for command in (("video", "analyze"), ("watch",)):
        out = " ".join(vpt(*command, "--help")[1].split())
        assert f"black screen lasts before it is an incident (default {MIN_DURATIONS['black']:g})" in out
        assert f"freeze lasts before it is an incident (default {MIN_DURATIONS['freeze']:g})" in out


def test_frame_drops_are_incidents_with_their_missing_frames(tmp_path) -> None:
    missing = {40, 41, 42, 100}
    times = [i / FPS for i in range(160) if i not in missing]
    clip = encode(tmp_path / "drops.mp4", len(times), lambda i: moving(round(times[i] * FPS)), times=lambda i: times[i])
    code, out = vpt("video", "analyze", str(clip), "--json")
    report = json.loads(out)
    drops = [i for i in report["incidents"] if i["kind"] == "frame_drop"]
    assert [(i["start_frame"], i["end_frame"], i["missing_frames"], i["severity"]) for i in drops] == [
        (40, 43, 3, "minor"), (97, 98, 1, "minor")]  # frame 97 is the 98th frame shown: 100 of the clip
    assert drops[0]["start"] == pytest.approx(40 / FPS, abs=0.01) and drops[0]["end"] == pytest.approx(43 / FPS, abs=0.01)
    assert drops[0]["duration"] == pytest.approx(3 / FPS, abs=0.01)
    assert report["drops"]["dropped"] == 4 and [gap[1] for gap in report["drops"]["gaps"]] == [3, 1]
    assert report["quality_score"] == json.loads(vpt("video", "analyze", str(clip), "--json", "--check", "drops",
                                                     "--check", "bitrate")[1])["quality_score"]
    code, out = vpt("video", "analyze", str(clip))
    assert "frame_drop  1.33 s  1.43 s  40-43" in out


YAML = """\
streams:
  - id: lobby
    source: logo.mp4
    ignore: ["240,0,80,60"]
    checks: [black, drops]
    black: {min_duration: 500ms}
"""


def test_a_streams_entry_by_its_id(logo_clip, tmp_path, monkeypatch) -> None:
    (tmp_path / "logo.mp4").write_bytes(logo_clip.read_bytes())
    (tmp_path / "vpt.yaml").write_text(YAML)
    monkeypatch.chdir(tmp_path)
    [stream] = load_streams(tmp_path).values()
    assert stream.source == str(tmp_path / "logo.mp4") and stream.checks == ("black", "drops")
    code, out = vpt("video", "analyze", "lobby", "--json")
    report = json.loads(out)
    assert code == 0 and found(report) == [("black_screen", 30, 90)] and report["checks"] == ["black", "drops"]
    code, out = vpt("video", "analyze", "lobby", "--json", "--min-black", "2.5")  # the command line wins
    assert found(json.loads(out)) == []
    code, out = vpt("video", "analyze", "lobby", "--json", "--ignore", "0,0,0.1,0.1")  # its ignore replaced
    assert found(json.loads(out)) == []


@pytest.mark.parametrize("entry, where, problem", [
    ("  - id: a\n    source: x.mp4\n    region: 0,0,2", "line 4, column 13", "region 0,0,2: expected x,y,width,height"),
    ("  - id: a\n    source: x.mp4\n    ignore: [[0, 0, 1, 1], 0.5,0,0.6,1]", "line 4, column 28",
     "ignore 0.5: expected x,y,width,height"),
    ("  - id: a\n    source: x.mp4\n    freeze: {noise: 5, block_noise: 1}", "line 4, column 13",
     "freeze: 0 <= noise <= block_noise"),
    ("  - id: a\n    source: x.mp4\n    black: {min_duration: soon}", "line 4, column 27",
     "expected a number for min_duration (seconds: 0.3, 300ms), not 'soon'"),
    ("  - id: a\n    source: x.mp4\n    freez: {}", "line 4, column 12", "unknown setting 'freez'"),
    ("  - id: a\n    source: x.mp4\n    checks: [black, motion]", "line 4, column 13", "expected a list of checks"),
    ("  - id: a b\n    source: x.mp4", "line 2, column 9", "expected an id"),
    ("  - id: a\n    source: x.mp4\n  - id: a\n    source: y.mp4", "line 4, column 9", "a second stream with the id 'a'"),
    ("  - id: a", "line 2, column 5", "expected the stream's source"),
])
def test_a_bad_entry_names_the_file_line_and_what_was_expected(tmp_path, entry, where, problem) -> None:
    (tmp_path / "vpt.yaml").write_text("streams:\n" + entry + "\n")
    with pytest.raises(StreamsError) as caught:
        load_streams(tmp_path)
    assert str(caught.value).startswith(f"{tmp_path / 'vpt.yaml'}, {where}: {problem}"), str(caught.value)


def test_vpt_watch_a_stream_by_id_writes_its_incidents_and_frame_drops(tmp_path) -> None:
    missing = {40, 41, 42}
    times = [i / FPS for i in range(150) if i not in missing]
    encode(tmp_path / "hall.mp4", len(times), lambda i: with_events(black=[(90, 102)])(round(times[i] * FPS)),
           times=lambda i: times[i])
    (tmp_path / "vpt.yaml").write_text("streams:\n  - id: hall\n    source: hall.mp4\n")
    store = f"sqlite:///{tmp_path / 'vpt.db'}"
    result = subprocess.run([sys.executable, "-m", "pytest_vpt", "--store", store, "watch", "hall", "--project", "lab",
                             "--no-alerts"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    code, out = vpt("--store", store, "video", "incidents", "--json")
    rows = sorted((i["kind"], i["start_frame"], i["end_frame"]) for i in json.loads(out))
    assert rows == [("black_screen", 87, 99), ("frame_drop", 40, 43)]  # 87: frame 90 of the clip, 3 being missing
    result = subprocess.run([sys.executable, "-m", "pytest_vpt", "--store", store, "watch", "hall", "--no-alerts",
                             "--region", "0,0,400,10"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and "--region 0,0,400,10: outside the 320x240 frame" in result.stderr


def test_the_vpt_video_fixture_uses_a_stream_by_its_id(pytester: pytest.Pytester, logo_clip) -> None:
    (pytester.path / "logo.mp4").write_bytes(logo_clip.read_bytes())
    pytester.makefile(".yaml", vpt=YAML)
    pytester.makepyfile(test_tv="""
        def test_entry(vpt_video):
            vpt_video.assert_no_black_screen("lobby")

        def test_settings_win(vpt_video):
            vpt_video.assert_no_black_screen("lobby", min_duration=2.5)

        def test_analyze(vpt_video):
            report = vpt_video.analyze("lobby")
            assert [(i.kind, i.start_frame) for i in report.incidents] == [("black_screen", 30)]
            assert report.checks == ["black", "drops"]
    """)
    result = pytester.runpytest("--vpt", "-p", "no:randomly")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*logo.mp4: 1 black screen incident: black_screen from 1.00 s (frame 30)*"])


def test_the_vpt_video_fixture_reads_the_streams_of_the_file_vpt_config_names(pytester: pytest.Pytester,
                                                                               logo_clip) -> None:
    """The streams: of a vpt.yaml elsewhere (--vpt-config), not only the rootdir's."""
    (pytester.path / "logo.mp4").write_bytes(logo_clip.read_bytes())
    (pytester.path / "conf").mkdir()
    (pytester.path / "conf" / "bench.yaml").write_text(YAML, encoding="utf-8")
    pytester.makepyfile(test_tv="""
        def test_analyze(vpt_video):
            report = vpt_video.analyze("lobby")
            assert [(i.kind, i.start_frame) for i in report.incidents] == [("black_screen", 30)]
    """)
    result = pytester.runpytest("--vpt", "-p", "no:randomly", "--vpt-config", "conf/bench.yaml")
    result.assert_outcomes(passed=1)


def test_editing_cuts_through_black_and_stills_are_no_incident_by_default(tmp_path) -> None:
    """Real photographs cut through 2 and 4 black frames (0.08 and 0.16 s at 25 fps) are no
    black screen with the defaults (0.2 s); a 0.4 s black and freezes of 0.5 s and 0.8 s are,
    each whole within a frame."""
    clip = Clip("cuts", [Shot("astronaut.png", 60, zoom=(1.1, 1.25)), Shot("coffee.png", 60, zoom=(1.25, 1.1)),
                         Shot("rocket.jpg", 60, centre=((0.45, 0.5), (0.55, 0.5))),
                         Shot("chelsea.png", 100, zoom=(1.1, 1.3))],
                [Black(58, 60), Black(118, 122), Black(150, 160), Freeze(190, 203), Freeze(240, 260)])
    report = analyze(clip.write(tmp_path), checks=make_checks(["black", "freeze"]))
    incidents = [(i.kind, i.start_frame, i.end_frame) for i in report.incidents]
    events = [event for event in clip.events if event.end - event.start >= 5]
    result = score(events, incidents, clip.frames)
    assert (result.found, result.total, result.split, result.false) == (3, 3, 0, 0), incidents
    assert result.max_error <= 1, incidents


@pytest.mark.parametrize("clip", short_set(), ids=lambda clip: clip.name)
def test_the_default_minimums_find_no_false_incident_on_real_footage(tmp_path, clip) -> None:
    """Pans, slow zooms, grain, night, fades, a dissolve, credits, overlays over a still: with
    the product's minimums (black 0.2 s, freeze 0.3 s) nothing but the clips' events."""
    region = Region(ignore=clip.ignore)
    checks = [dataclasses.replace(check, region=region) for check in make_checks(["black", "freeze"])]
    report = analyze(clip.write(tmp_path), checks=checks)
    result = score(clip.events, [(i.kind, i.start_frame, i.end_frame) for i in report.incidents], clip.frames)
    assert (result.found, result.split, result.false) == (result.total, 0, 0), report.incidents
    assert result.max_error <= 1
