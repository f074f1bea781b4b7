"""Subtitles: seen on the pixels in the common styles over real photographs (and what is no
subtitle not seen), read by Tesseract, and read from a subtitle stream in the container."""

from __future__ import annotations

import difflib
import json

import pytest
from click.testing import CliRunner

from pytest_vpt.cli import cli
from pytest_vpt.video import SubtitleCheck, analyze

from subtitle_clips import BACKDROPS, LINES, NEGATIVES, STYLES, backdrop, hls_with_webvtt, subtitled, \
    with_subtitle_streams, without_subtitles
from video_clips import encode

FPS = 30
CUES = [(15, 75), (75, 130)]  # 0.5-2.5 s, then at once another line until 4.33 s (of 5 s)
LOOK = SubtitleCheck().every + 1 / FPS  # a boundary is found at the first look after it


def _similar(read: str, expected: str) -> float:
    return difflib.SequenceMatcher(None, read.lower(), expected.lower()).ratio()


@pytest.mark.parametrize("kind", BACKDROPS)
@pytest.mark.parametrize("style", STYLES)
def test_each_style_is_found_over_flat_dark_and_busy_photographs(tmp_path, style, kind) -> None:
    seed = STYLES.index(style)
    clip = encode(tmp_path / f"{style}-{kind}.mp4", 150, subtitled(style, kind, CUES, seed), FPS)
    shown = analyze(clip, checks=[SubtitleCheck()]).subtitles
    assert shown.origin == "pixels"
    assert len(shown.intervals) == 2, shown.intervals  # the switch starts a new subtitle
    for (start, end), (first, last) in zip(shown.intervals, CUES):
        assert first / FPS <= start <= first / FPS + LOOK and last / FPS <= end <= last / FPS + LOOK
    assert shown.share == pytest.approx((130 - 15) / 150, abs=0.1)


@pytest.mark.parametrize("kind", NEGATIVES)
def test_logos_tickers_timecodes_credits_and_photographs_are_no_subtitles(tmp_path, kind) -> None:
    for seed, over in enumerate(("busy", "dark")):
        clip = encode(tmp_path / f"{kind}-{over}.mp4", 300, without_subtitles(kind, over, seed), FPS)
        shown = analyze(clip, checks=["subtitles"]).subtitles
        assert (shown.intervals, shown.share) == ([], 0.0)


def test_a_line_that_stays_too_long_is_a_caption_not_a_subtitle(tmp_path) -> None:
    """The same line for 12 s (a lower third, a channel's name) is not a subtitle; 3 s of it is."""
    still = encode(tmp_path / "long.mp4", 390, subtitled("white_outline", "busy", [(15, 375)]), FPS)
    assert analyze(still, checks=["subtitles"]).subtitles.intervals == []
    [(start, end)] = analyze(still, checks=[SubtitleCheck(max_duration=15)]).subtitles.intervals
    assert start == pytest.approx(0.5, abs=LOOK) and end == pytest.approx(12.5, abs=LOOK)
    with pytest.raises(ValueError, match="max_duration 0.3 must be above min_duration 0.5"):
        SubtitleCheck(max_duration=0.3)


def test_ocr_reads_the_subtitles_in_each_style(tmp_path) -> None:
    for style, kind in (("white_outline", "busy"), ("yellow_outline", "dark"), ("box", "busy"), ("plain", "flat")):
        clip = encode(tmp_path / f"{style}.mp4", 150, subtitled(style, kind, CUES, 1), FPS)
        texts = analyze(clip, checks=[SubtitleCheck(ocr=True)]).subtitles.texts
        assert len(texts) == 2
        for read, expected in zip(texts, LINES[1:3]):
            assert _similar(read, expected) >= 0.8, (style, read)


def test_vpt_video_analyze_ocr_and_lang(tmp_path) -> None:
    clip = encode(tmp_path / "box.mp4", 150, subtitled("box", "busy", CUES, 2), FPS)
    result = CliRunner().invoke(cli, ["video", "analyze", str(clip), "--ocr", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert "subtitles" in report["checks"] and report["subtitles"]["origin"] == "pixels"
    assert _similar(report["subtitles"]["texts"][0], LINES[2]) >= 0.8
    result = CliRunner().invoke(cli, ["video", "analyze", str(clip), "--ocr", "--lang", "eng+deu", "--check", "black"])
    assert result.exit_code == 0, result.output
    [first] = [line for line in result.output.splitlines() if line.startswith("  0.6 s: ")]  # the first look after 0.5 s
    assert "subtitles: shown 76% of the time (0.6-2.6 s, 2.6-4.4 s)" in result.output
    assert _similar(first.removeprefix("  0.6 s: "), LINES[2]) >= 0.8
    result = CliRunner().invoke(cli, ["video", "analyze", str(clip), "--ocr", "--lang", "fra"])
    assert result.exit_code == 1
    assert "subtitles: Tesseract has no language fra (it has: deu, eng)" in result.output
    result = CliRunner().invoke(cli, ["video", "analyze", str(clip), "--ocr", "--lang", "eng;rm -rf"])
    assert result.exit_code == 1 and "lang 'eng;rm -rf' is not a Tesseract language" in result.output


CUE_TEXTS = [(0.5, 2.0, "Where were you?"), (2.5, 4.0, "{\\i1}At the station{\\i0},\\Nwaiting.")]


@pytest.mark.parametrize("name, codec", [("clip.mp4", "mov_text"), ("clip.mkv", "subrip"), ("clip.mkv", "ass"),
                                         ("clip.mkv", "webvtt")])
def test_a_subtitle_stream_in_the_container_is_read_with_its_cues(tmp_path, name, codec) -> None:
    clip = with_subtitle_streams(tmp_path / name, 150, lambda i: backdrop("busy", i), [(codec, "deu", CUE_TEXTS)])
    shown = analyze(clip, checks=["subtitles"]).subtitles
    read_as = {"subrip": "subrip", "ass": "ass", "mov_text": "mov_text", "webvtt": "webvtt"}[codec]
    assert (shown.origin, shown.language, shown.codec) == ("stream", "deu", read_as)
    assert shown.intervals == [pytest.approx((0.5, 2.0)), pytest.approx((2.5, 4.0))]
    assert shown.texts == ["Where were you?", "At the station,\nwaiting."]
    assert shown.share == pytest.approx(3.0 / 5.0, abs=0.01)
    assert [(s.language, s.codec, len(s.cues)) for s in shown.streams] == [("deu", read_as, 2)]


def test_the_stream_of_the_language_asked_for_and_the_pixels_when_asked(tmp_path) -> None:
    picture = subtitled("white_outline", "busy", CUES)
    clip = with_subtitle_streams(tmp_path / "two.mkv", 150, picture, [
        ("subrip", "eng", [(0.5, 2.5, "Where were you last night?")]), ("subrip", "deu", [(1.0, 2.0, "Wo warst du?")])])
    assert analyze(clip, checks=["subtitles"]).subtitles.texts == ["Where were you last night?"]  # the first
    german = analyze(clip, checks=[SubtitleCheck(lang="deu")]).subtitles
    assert (german.language, german.texts, german.intervals) == ("deu", ["Wo warst du?"], [pytest.approx((1.0, 2.0))])
    pixels = analyze(clip, checks=[SubtitleCheck(stream=False)]).subtitles
    assert pixels.origin == "pixels" and len(pixels.intervals) == 2 and len(pixels.streams) == 2
    result = CliRunner().invoke(cli, ["video", "analyze", str(clip), "--check", "subtitles", "--lang", "deu"])
    assert result.exit_code == 0, result.output
    assert "subtitles from its subrip stream (deu): shown 20% of the time (1.0-2.0 s)" in result.output
    assert "  1.0 s: Wo warst du?" in result.output


def test_an_hls_webvtt_rendition_is_read_with_its_cues(tmp_path) -> None:
    """FFmpeg's HLS demuxer lists a WebVTT rendition but hands over none of its cues: they are
    read from the rendition's playlist and segments, as a container's stream's are."""
    master = hls_with_webvtt(tmp_path, 150, subtitled("box", "busy", CUES), [(0.5, 2.5, "Where were you?")], "deu")
    shown = analyze(master, checks=["subtitles"]).subtitles
    assert [(s.language, s.codec, len(s.cues)) for s in shown.streams] == [("deu", "webvtt", 1)]
    assert (shown.origin, shown.language, shown.codec, shown.texts) == ("stream", "deu", "webvtt", ["Where were you?"])
    assert shown.intervals == [pytest.approx((0.5, 2.5))] and shown.warnings == []
    pixels = analyze(master, checks=[SubtitleCheck(stream=False)]).subtitles
    assert pixels.origin == "pixels" and len(pixels.intervals) == 2
