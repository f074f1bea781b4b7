"""CEA-608 closed captions carried in an H.264 video's SEI (A/53 cc_data), read as a subtitle stream."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from video_clips import encode, moving

from pytest_vpt.cli import cli
from pytest_vpt.video.analysis import analyze
from pytest_vpt.video.cea608 import CaptionDecoder

RCL, EOC, EDM, ENM, CR, RU2, RDC = ((0x14, code) for code in (0x20, 0x2F, 0x2C, 0x2E, 0x2D, 0x25, 0x29))
ROW_15 = (0x14, 0x70)  # a preamble: row 15, white
HALF = (0x11, 0x32)  # the special character ½


def _odd_parity(byte: int) -> int:
    return byte | (0x80 if bin(byte).count("1") % 2 == 0 else 0)


def _text(text: str) -> list[tuple[int, int]]:
    codes = [ord(char) for char in text] + ([0] if len(text) % 2 else [])
    return [(codes[at], codes[at + 1]) for at in range(0, len(codes), 2)]


def _twice(*codes: tuple[int, int]) -> list[tuple[int, int]]:
    """Control codes as encoders send them: each twice in a row."""
    return [code for code in codes for _ in range(2)]


def _sei(pairs: list[tuple[int, int]]) -> bytes:
    """An SEI NAL unit (Annex B) with the ATSC A/53 GA94 cc_data of ``pairs`` for field 1."""
    body = bytes([0xB5, 0x00, 0x31]) + b"GA94" + bytes([0x03, 0x40 | len(pairs), 0xFF])
    body += b"".join(bytes([0xFC, _odd_parity(a), _odd_parity(b)]) for a, b in pairs) + b"\xff"
    payload, escaped, zeros = bytes([4, len(body)]) + body + b"\x80", bytearray(), 0
    for byte in payload:  # emulation prevention
        if zeros >= 2 and byte <= 3:
            escaped.append(3)
            zeros = 0
        escaped.append(byte)
        zeros = zeros + 1 if byte == 0 else 0
    return b"\x00\x00\x00\x01\x06" + bytes(escaped)


def _before_first_slice(access_unit: bytes, nal: bytes) -> bytes:
    """``nal`` inserted into an Annex B access unit after its parameter sets, before its first slice."""
    at = 0
    while (at := access_unit.find(b"\x00\x00\x01", at)) >= 0:
        if access_unit[at + 3] & 0x1F in (1, 5):
            start = at - 1 if at and access_unit[at - 1] == 0 else at
            return access_unit[:start] + nal + access_unit[start:]
        at += 3
    raise AssertionError("no slice in the access unit")


def captioned(path: Path, frames: int, script: dict[int, list[tuple[int, int]]]) -> Path:
    """An MPEG-TS H.264 clip whose frames, from each frame of ``script`` on, carry its byte pairs, one a frame."""
    import av

    plain = encode(path.with_suffix(".plain.ts"), frames, moving)
    carried = {start + offset: pair for start, pairs in script.items() for offset, pair in enumerate(pairs)}
    with av.open(str(plain)) as source, av.open(str(path), "w") as target:
        video = source.streams.video[0]
        copy = target.add_stream_from_template(video)
        for index, packet in enumerate(p for p in source.demux(video) if p.dts is not None):
            data = bytes(packet)
            if index in carried:
                data = _before_first_slice(data, _sei([carried[index]]))
            out = av.Packet(data)
            out.pts, out.dts, out.time_base, out.is_keyframe = packet.pts, packet.dts, packet.time_base, packet.is_keyframe
            out.stream = copy
            target.mux(out)
    return path


SCRIPT = {
    0: _twice(RCL, ROW_15) + _text("HELLO") + _twice(EOC),  # the EOC's first at frame 7: shown at 7/30 s
    45: _twice(EDM),  # erased at 1.5 s
    50: _twice(ENM, RCL) + _text("A ") + _twice(HALF) + _text(" B") + _twice(EOC),  # shown at frame 58
    75: _twice(RU2) + _text("LINE ONE") + _twice(CR),  # the pop-on erased at 2.5 s, the row shown at frame 81
    90: _text("LINE TWO") + _twice(CR),  # shown at frame 94 with the row above it
}


def test_the_captions_in_the_video_are_read_with_their_texts_and_intervals(tmp_path) -> None:
    clip = captioned(tmp_path / "captioned.ts", 120, SCRIPT)
    shown = analyze(clip, checks=["subtitles"]).subtitles
    assert (shown.origin, shown.language, shown.codec) == ("stream", None, "eia_608")
    assert shown.texts == ["HELLO", "A ½ B", "LINE ONE", "LINE ONE\nLINE TWO"]
    expected = [(7 / 30, 1.5), (58 / 30, 2.5), (81 / 30, 94 / 30), (94 / 30, None)]  # the last still shown at the end
    assert [end is None for _, end in shown.intervals] == [False, False, False, True]
    assert [time for interval in shown.intervals for time in interval if time is not None] == \
        pytest.approx([time for interval in expected for time in interval if time is not None], abs=1e-5)
    assert [(s.codec, len(s.cues)) for s in shown.streams] == [("eia_608", 4)]
    result = CliRunner().invoke(cli, ["video", "analyze", str(clip), "--check", "subtitles", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["subtitles"]["texts"] == shown.texts
    told = CliRunner().invoke(cli, ["video", "analyze", str(clip), "--check", "subtitles"]).output
    assert "subtitles from its eia_608 stream (no language)" in told
    assert "  3.1 s: LINE ONE\n         LINE TWO\n" in told  # a cue's second line under its first


def test_a_video_without_captions_reports_no_caption_stream(tmp_path) -> None:
    clip = encode(tmp_path / "plain.ts", 60, moving)
    shown = analyze(clip, checks=["subtitles"]).subtitles
    assert shown.origin == "pixels" and shown.streams == [] and shown.texts == []


def _triplets(*pairs: tuple[int, int], field: int = 0) -> bytes:
    return b"".join(bytes([0xFC | field, _odd_parity(a), _odd_parity(b)]) for a, b in pairs)


def test_paint_on_text_shows_as_it_arrives_and_other_channels_and_fields_are_not_cc1() -> None:
    decoder = CaptionDecoder()
    decoder.feed(1.0, _triplets(RDC, RDC, *_text("HI")))
    decoder.feed(1.5, _triplets(*_text(" YOU")))
    decoder.feed(1.6, _triplets((0x1C, 0x29), (0x1C, 0x29), *_text("CC2")))  # CC2's paint-on: not CC1
    decoder.feed(1.7, _triplets(*_twice(RDC), *_text("XX"), field=1))  # field 2
    decoder.feed(2.0, _triplets(*_twice(EDM)))
    assert [(cue.start, cue.end, cue.text) for cue in decoder.cues] == [(1.0, 2.0, "HI YOU")]


def test_an_unknown_or_invalid_triplet_is_skipped_and_the_text_is_bounded() -> None:
    decoder = CaptionDecoder()
    decoder.feed(0.0, bytes([0xF8, 0x41, 0x41]) + _triplets(*_twice(RCL)) + b"\xfc\x94")  # not valid; a cut triplet
    for _ in range(2_000):
        decoder.feed(0.1, _triplets(*_text("ABCD")))
    decoder.feed(0.2, _triplets(*_twice(EOC)))
    assert len(decoder.cues) == 1 and len(decoder.cues[0].text) == 2_000 and set(decoder.cues[0].text) == set("ABCD")
