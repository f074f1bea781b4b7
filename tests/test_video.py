"""Video checks on real H.264 clips the tests encode, with events injected at known frames."""

from __future__ import annotations

import numpy as np
import pytest

from pytest_vpt.video import BitrateCheck, BlackCheck, FreezeCheck, Region, SourceError, analyze

from video_clips import BLACK, FPS, H, W, cut, encode, faststart, moving, texture, with_events

PICTURE = [BlackCheck(min_duration=0.3), FreezeCheck(min_duration=0.3)]


def spans(report, kind: str) -> list[tuple[int, int | None]]:
    return [(incident.start_frame, incident.end_frame) for incident in report.of_kind(kind)]


def test_every_black_and_freeze_event_is_found_whole_with_exact_boundaries(tmp_path) -> None:
    black, frozen = [(30, 45), (120, 300), (400, 421)], [(60, 75), (200, 290), (330, 510)]
    clip = encode(tmp_path / "events.mp4", 600, with_events(black, frozen), gop=25)  # keyframes inside freezes
    report = analyze(clip, checks=PICTURE)
    assert spans(report, "black_screen") == black
    # a freeze inside a black screen is black only; a black screen inside a freeze splits it
    assert spans(report, "freeze") == [(60, 75), (330, 400), (421, 510)]
    first = report.of_kind("black_screen")[0]
    assert (first.start, first.end, first.duration) == pytest.approx((1.0, 1.5, 0.5))
    assert report.of_kind("freeze")[1].severity == "major" and first.severity == "minor"  # 2.33 s, 0.5 s
    assert report.of_kind("black_screen")[1].severity == "critical"
    assert report.frames == 600 and report.duration == pytest.approx(20.0)


def test_an_incident_still_going_at_the_end_is_open(tmp_path) -> None:
    clip = encode(tmp_path / "ends_black.mp4", 120, with_events(black=[(90, 120)]))
    [incident] = analyze(clip, checks=PICTURE).incidents
    assert incident.open and incident.end is None and incident.start_frame == 90
    assert incident.duration == pytest.approx(1.0)
    assert "until the end (still open)" in incident.describe()


def test_events_shorter_than_the_minimum_are_not_incidents(tmp_path) -> None:
    clip = encode(tmp_path / "short.mp4", 150, with_events(black=[(30, 36)], frozen=[(90, 96)]))
    assert analyze(clip, checks=PICTURE).incidents == []
    assert len(analyze(clip, checks=[BlackCheck(min_duration=0.1), FreezeCheck(min_duration=0.1)]).incidents) == 2


def _dark(index: int) -> np.ndarray:
    """A night scene: mostly dark texture, some lit windows, slowly panning."""
    image = np.roll(texture(3, low=5, high=45), index, axis=1).copy()
    image[40:60, (index * 3) % 280:(index * 3) % 280 + 12] = 200
    image[150:170, 60:80] = 180
    return image


def _grain(index: int) -> np.ndarray:
    """A static shot with sensor noise."""
    rng = np.random.default_rng(index)
    return np.clip(texture(4).astype(np.int16) + rng.normal(0, 4, (H, W, 3)), 0, 255).astype(np.uint8)


def _fade(index: int) -> np.ndarray:
    """A still picture fading to dark grey over 3 s and back."""
    level = 1 - 0.75 * min(index, 180 - index if index < 180 else 0) / 90 if index < 180 else 1
    return (texture(5) * max(0.25, level)).astype(np.uint8)


_LOGO = texture(6)[:24, :48]


def _logo(index: int) -> np.ndarray:
    image = moving(index)
    image[8:32, 264:312] = _LOGO
    return image


_STILL = texture(7)


def _ticker(index: int) -> np.ndarray:
    """A still picture with a news ticker scrolling along the bottom."""
    image = _STILL.copy()
    band = np.roll(texture(8, h=32), -4 * index, axis=1)
    image[200:232] = band
    return image


@pytest.mark.parametrize("content", [_dark, _grain, _fade, _logo, _ticker])
def test_no_incident_on_hard_negatives(tmp_path, content) -> None:
    clip = encode(tmp_path / f"{content.__name__}.mp4", 180, content)
    assert analyze(clip, checks=PICTURE).incidents == []


def test_a_region_and_ignored_rectangles(tmp_path) -> None:
    """A black screen with a bright channel logo is black once the logo is ignored; a check
    limited to the top half does not see the bottom half go black."""
    def picture(index: int) -> np.ndarray:
        image = moving(index)
        if 30 <= index < 90:
            image = BLACK.copy()
            image[8:56, 240:312] = 255  # a logo: 4.5 % of the frame
        if 120 <= index < 180:
            image[120:] = 0
        return image

    clip = encode(tmp_path / "logo.mp4", 210, picture)
    assert spans(analyze(clip, checks=[BlackCheck(min_duration=0.3)]), "black_screen") == []
    logo = Region(ignore=((0.7, 0.0, 0.3, 0.3),))
    assert spans(analyze(clip, checks=[BlackCheck(min_duration=0.3, region=logo)]), "black_screen") == [(30, 90)]
    bottom = Region(0, 0.5, 1, 0.5)
    assert spans(analyze(clip, checks=[BlackCheck(min_duration=0.3, region=bottom)]), "black_screen") == [(30, 90), (120, 180)]


def test_frame_drops_and_repeats(tmp_path) -> None:
    missing = {40, 41, 42, 100}  # presentation times skipped
    times = [i / FPS for i in range(160) if i not in missing]
    repeated = {70, 130}  # the previous picture shown again

    def picture(index: int) -> np.ndarray:
        shown = round(times[index] * FPS)
        return moving(shown - 1 if shown in repeated else shown)

    clip = encode(tmp_path / "drops.mp4", len(times), picture, times=lambda i: times[i])
    report = analyze(clip, checks=["drops"])
    drops = report.drops
    assert drops.dropped == 4 and [missing for _, missing in drops.gaps] == [3, 1]
    # each gap an incident: the frames missing numbered as they would have been (frame 97 shown is 100 of the clip)
    assert [(i.kind, i.start_frame, i.end_frame, i.missing_frames) for i in report.incidents] == [
        ("frame_drop", 40, 43, 3), ("frame_drop", 97, 98, 1)]
    assert report.incidents[0].describe() == "frame_drop at 1.33 s (frame 40): 3 frames missing, 0.10 s"
    assert drops.duplicated == 2
    assert drops.rate_per_minute == pytest.approx(6 / (160 / FPS / 60), rel=1e-3)


def test_bitrate_per_second_and_dips(tmp_path) -> None:
    def picture(index: int) -> np.ndarray:  # seconds 2-3 hold a still picture: hardly any bits
        return moving(60) if 60 <= index < 120 else _grain(index)

    report = analyze(encode(tmp_path / "rate.mp4", 180, picture), checks=[BitrateCheck()])
    rate = report.bitrate
    assert len(rate.per_second) == 5 and rate.per_second[2] < rate.mean / 2 < rate.per_second[0]
    assert rate.dips == [(2.0, 4.0)] and rate.variation > 0.3
    assert analyze(encode(tmp_path / "steady.mp4", 120, _grain), checks=["bitrate"]).bitrate.variation < 0.2


def test_sampling_every_third_frame_bounds_the_boundaries(tmp_path) -> None:
    clip = encode(tmp_path / "sampled.mp4", 300, with_events(black=[(31, 95)], frozen=[(150, 250)]))
    report = analyze(clip, checks=PICTURE, sample_every=3)
    assert report.analysed == 100 and report.frames == 300
    for incident, (start, end) in zip(report.incidents, [(31, 95), (150, 250)]):
        assert abs(incident.start_frame - start) <= 2 and abs(incident.end_frame - end) <= 2
        assert incident.uncertainty_frames == 2


def test_frames_from_a_callable_and_thumbnails(tmp_path) -> None:
    pictures = iter(range(90))

    def grab():
        index = next(pictures, None)
        if index is None:
            return None
        image = BLACK if 30 <= index < 60 else moving(index)
        return index / FPS, image[:, :, ::-1].copy()  # BGR, as capture APIs give it

    report = analyze(grab, checks=PICTURE, thumbnails=tmp_path / "shots")
    [incident] = report.incidents
    assert (incident.kind, incident.start_frame, incident.end_frame) == ("black_screen", 30, 60)
    assert incident.thumbnail.endswith("black_screen-000030.png")
    assert (tmp_path / "shots" / "black_screen-000030.png").read_bytes().startswith(b"\x89PNG")


def test_the_quality_score(tmp_path) -> None:
    clean = analyze(encode(tmp_path / "clean.mp4", 150, moving), checks=PICTURE)
    assert clean.quality_score == 100.0
    half = analyze(encode(tmp_path / "half.mp4", 150, with_events(black=[(75, 150)])), checks=PICTURE)
    assert half.quality_score == pytest.approx(50.0)


@pytest.mark.parametrize(("make", "message"), [
    (lambda p: p / "nothing.mp4", "nothing.mp4: no such file"),
    (lambda p: p, ": not a file"),
    (lambda p: (p / "junk.mp4").write_bytes(b"\x00\x01junk" * 200) and p / "junk.mp4", "junk.mp4: cannot be opened"),
    (lambda p: "rtsp://127.0.0.1:9/none", "rtsp://127.0.0.1:9/none: cannot be opened"),
    (lambda p: "/dev/video77", "/dev/video77: cannot be opened"),
])
def test_a_source_that_cannot_be_read_is_named(tmp_path, make, message) -> None:
    with pytest.raises(SourceError, match=message.replace("(", r"\(")):
        analyze(make(tmp_path), timeout=3)


def test_unknown_checks_and_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown check 'colour'"):
        analyze("x.mp4", checks=["colour"])
    with pytest.raises(ValueError, match="picture_ratio"):
        BlackCheck(picture_ratio=2)
    with pytest.raises(ValueError, match="fractions of the frame"):
        Region(0.5, 0, 0.8, 1)


def _soft(index: int) -> np.ndarray:
    import cv2

    return cv2.GaussianBlur(moving(index), (0, 0), 5)


def _subtitled(index: int) -> np.ndarray:
    """Soft moving content with a line of white, outlined text at the bottom in 1-3 s and 4-5 s."""
    import cv2

    image = _soft(index)
    if 30 <= index < 90 or 120 <= index < 150:
        text = "Where were you last night?" if index < 90 else "At the station, waiting."
        cv2.putText(image, text, (30, 215), cv2.FONT_HERSHEY_SIMPLEX, 0.7, (0, 0, 0), 4, cv2.LINE_AA)
        cv2.putText(image, text, (30, 215), cv2.FONT_HERSHEY_SIMPLEX, 0.7, (255, 255, 255), 2, cv2.LINE_AA)
    return image


def test_subtitle_lines_are_found_without_ocr(tmp_path) -> None:
    from pytest_vpt.video import SubtitleCheck

    report = analyze(encode(tmp_path / "subtitled.mp4", 180, _subtitled), checks=[SubtitleCheck()])
    shown = report.subtitles.intervals
    assert len(shown) == 2
    for (start, end), (first, last) in zip(shown, [(1.0, 3.0), (4.0, 5.0)]):
        assert abs(start - first) <= 0.21 and abs(end - last) <= 0.21  # looked at every 0.2 s
    assert report.subtitles.share == pytest.approx(0.5, abs=0.1)
    plain = analyze(encode(tmp_path / "plain.mp4", 180, _soft), checks=["subtitles"])
    assert plain.subtitles.intervals == [] and plain.subtitles.share == 0


def test_the_vpt_video_fixture_asserts_and_records(pytester, tmp_path) -> None:
    """Assertions name the incidents' times; each analysis's figures are the test's metrics."""
    broken = encode(tmp_path / "broken.mp4", 150, with_events(black=[(30, 60)], frozen=[(90, 130)]))
    clean = encode(tmp_path / "clean.mp4", 150, moving)
    subtitled = encode(tmp_path / "subtitled.mp4", 180, _subtitled)
    pytester.makepyfile(f"""
        def test_black(vpt_video):
            vpt_video.assert_no_black_screen({str(broken)!r}, min_duration=0.3)

        def test_freeze(vpt_video):
            vpt_video.assert_no_freeze({str(broken)!r}, min_duration=0.3)

        def test_drops(vpt_video):
            vpt_video.assert_frame_drop_rate_below(1, {str(clean)!r})

        def test_clean(vpt_video):
            report = vpt_video.assert_no_black_screen({str(clean)!r})
            vpt_video.assert_no_freeze(report)

        def test_subtitles(vpt_video):
            vpt_video.assert_subtitles_present({str(subtitled)!r}, min_share=0.3)

        def test_no_subtitles(vpt_video):
            vpt_video.assert_subtitles_present({str(clean)!r})
    """)
    result = pytester.runpytest("--vpt", "-p", "no:randomly")
    result.assert_outcomes(passed=3, failed=3)
    result.stdout.fnmatch_lines([
        "*broken.mp4: 1 black screen incident: black_screen from 1.00 s (frame 30) to 2.00 s (frame 60), 1.00 s",
        "*broken.mp4: 1 freeze incident: freeze from 3.00 s (frame 90) to 4.33 s (frame 130), 1.33 s",
        "*clean.mp4: subtitles shown 0% of 5.0 s: none found",
    ])
    from pytest_vpt.store import open_store

    with open_store(f"sqlite:///{pytester.path / '.vpt' / 'vpt.db'}") as store:
        recorded = {(row[0], row[1]): row[2] for row in store.conn.execute(
            "SELECT c.nodeid, m.name, m.value FROM metrics m JOIN test_cases c ON c.test_id = m.test_id")}
    assert recorded["test_the_vpt_video_fixture_asserts_and_records.py::test_black", "video.black_screen_seconds"] == \
        pytest.approx(1.0)
    assert recorded["test_the_vpt_video_fixture_asserts_and_records.py::test_clean", "video.quality_score"] == 100.0
    with open_store(f"sqlite:///{pytester.path / '.vpt' / 'vpt.db'}") as store:
        found = sorted(tuple(row) for row in store.conn.execute(
            "SELECT c.nodeid, i.kind, i.start_frame, i.end_frame, i.run_id IS NOT NULL FROM video_incidents i "
            "JOIN test_cases c ON c.test_id = i.test_id"))
    module = "test_the_vpt_video_fixture_asserts_and_records.py"
    assert found == [(f"{module}::test_black", "black_screen", 30, 60, 1),  # each analysis's incidents
                     (f"{module}::test_freeze", "black_screen", 30, 60, 1), (f"{module}::test_freeze", "freeze", 90, 130, 1)]


def test_vpt_video_analyze(tmp_path) -> None:
    from click.testing import CliRunner

    from pytest_vpt.cli import cli

    clip = encode(tmp_path / "events.mp4", 150, with_events(black=[(30, 60)], frozen=[(90, 130)]))
    result = CliRunner().invoke(cli, ["video", "analyze", str(clip), "--min-duration", "0.3"])
    assert result.exit_code == 0, result.output
    assert "150 frames, 5.0 s analysed" in result.output
    score = float(result.output.split("quality score ")[1].split()[0])
    assert 40 < score < 55  # 2.3 of 5 s impaired, and an unsteady bitrate
    assert "black_screen  1.00 s  2.00 s  30-60" in result.output
    assert "freeze        3.00 s  4.33 s  90-130" in result.output
    assert "frame drops: 0 dropped, 0 repeated, 0.0 per minute" in result.output
    result = CliRunner().invoke(cli, ["video", "analyze", str(clip), "--json", "--check", "freeze", "--min-duration", "0.3"])
    report = __import__("json").loads(result.output)
    assert [(i["kind"], i["start_frame"], i["end_frame"]) for i in report["incidents"]] == [("freeze", 90, 130)]
    result = CliRunner().invoke(cli, ["video", "analyze", str(tmp_path / "none.mp4")])
    assert result.exit_code == 1 and "none.mp4: no such file" in result.output


def test_regression_truncated_file_says_it_ended_early(tmp_path) -> None:
    """A faststart mp4 cut in half was analysed as 3 s of 6 s with no word that it was cut."""
    import json

    from click.testing import CliRunner

    from pytest_vpt.cli import cli

    whole = faststart(encode(tmp_path / "clip.mp4", 180, moving), tmp_path / "fast.mp4")
    half = cut(whole, tmp_path / "half.mp4", 0.5)
    report = analyze(half)
    assert (report.ended_early, report.expected_seconds) == (True, 6.0) and 2.5 <= report.duration <= 3.5
    assert report.shortfall() == f"ended early: {report.duration:.1f} s of 6.0 s analysed ({report.ended_because})"
    result = CliRunner().invoke(cli, ["video", "analyze", str(half)])
    assert result.exit_code == 0, result.output
    assert f"{half} ended early: {report.duration:.1f} s of 6.0 s analysed (" in result.output
    shown = json.loads(CliRunner().invoke(cli, ["video", "analyze", str(half), "--json"]).output)
    assert (shown["ended_early"], shown["expected_seconds"], shown["duration"]) == (True, 6.0, report.duration)

    stream = encode(tmp_path / "clip.ts", 180, moving)  # MPEG-TS declares no duration: cut inside a packet
    short = analyze(cut(stream, tmp_path / "short.ts", 0.5))
    assert (short.ended_early, short.expected_seconds, short.ended_because) == (
        True, None, "it ends inside a transport packet")
    assert 2.5 <= short.duration <= 3.5

    for complete in (analyze(whole), analyze(stream), analyze(half, seconds=2.0)):  # asked for 2 s: not early
        assert (complete.ended_early, complete.ended_because) == (False, None)
    assert analyze(whole).expected_seconds == 6.0 and "ended early" not in CliRunner().invoke(
        cli, ["video", "analyze", str(whole)]).output
    with pytest.raises(SourceError, match=r"index.mp4: no frame could be decoded \(shorter than the 6.0 s"):
        analyze(cut(whole, tmp_path / "index.mp4", whole.read_bytes().index(b"mdat") + 4))  # the index, no frame


def test_ocr_reads_the_lines_with_tesseract_and_says_when_it_is_missing(tmp_path, monkeypatch) -> None:
    from pytest_vpt.video import SubtitleCheck

    report = analyze(encode(tmp_path / "subtitled.mp4", 180, _subtitled), checks=[SubtitleCheck(ocr=True)])
    assert report.subtitles.texts == ["Where were you last night?", "At the station, waiting."]
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ValueError, match=r"ocr=True needs Tesseract \(apt install tesseract-ocr\)"):
        SubtitleCheck(ocr=True)
