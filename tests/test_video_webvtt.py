"""WebVTT subtitles of an HLS presentation: the parser's edge cases, a real presentation served
over HTTP on 127.0.0.1 (and from files), and hostile playlists (missing, huge or looping
segments, too many renditions, other schemes), which give warnings naming what was not read."""

from __future__ import annotations

import functools
import json
import shutil
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from pytest_vpt.cli import cli
from pytest_vpt.video import SubtitleCheck, analyze
from pytest_vpt.video.hls import MAX_RENDITIONS, HLSError, HLSSubtitles, attributes
from pytest_vpt.video.webvtt import WebVTTError, parse

from subtitle_clips import backdrop, hls_with_webvtt

SECONDS = 4  # of video: two 2 s subtitle segments


def test_webvtt_cues_their_timings_text_and_blocks() -> None:
    vtt = parse("\ufeffWEBVTT - a title\r\nX-TIMESTAMP-MAP=LOCAL:00:00:01.000,MPEGTS:900000\r\n\r\n"
                "NOTE a comment\nthat --> spans lines\n\n"
                "STYLE\n::cue { color: yellow }\n\n"
                "REGION\nid:fred width:40%\n\n"
                "first\n00:01.500 --> 00:02.250 align:start line:90%\n<v Anna>Where <i>were</i> you?</v>\n"
                "<c.yellow>Here &amp; there</c> &lt;3 caf&#233;&nbsp;!\n\n"
                "101:02:03.004 --> 101:02:04.000\n<00:00:01.000>Karaoke <b>line</b>\n\n"
                "bad\n00:61.000 --> 00:62.000\nno minute 61\n\n"
                "00:05.000 --> 00:04.000\nends before it starts\n\n"
                "no timing at all\n")
    assert (vtt.mpegts, vtt.local) == (900000, 1.0)
    assert [(cue.start, cue.end, cue.text) for cue in vtt.cues] == [
        (1.5, 2.25, "Where were you?\nHere & there <3 caf\u00e9\u00a0!"),
        (101 * 3600 + 123.004, 101 * 3600 + 124.0, "Karaoke line")]
    assert vtt.skipped == 3


@pytest.mark.parametrize("text", ["", "WEBVTTX\n", "1\n00:01.000 --> 00:02.000\nno header\n", "<?xml?>"])
def test_text_without_the_webvtt_header_is_refused(text) -> None:
    with pytest.raises(WebVTTError, match="not a WebVTT file"):
        parse(text)


def test_a_timestamp_map_that_cannot_be_read_is_no_map() -> None:
    vtt = parse("WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:lots,LOCAL:00:00:00.000\n\n00:01.000 --> 00:02.000\nHi\n")
    assert vtt.mpegts is None and [cue.text for cue in vtt.cues] == ["Hi"]


def test_attribute_lists_as_rfc_8216_writes_them() -> None:
    assert attributes('TYPE=SUBTITLES,GROUP-ID="subs",NAME="Deutsch, forced",DEFAULT=YES,URI="a b/s.m3u8"') == {
        "TYPE": "SUBTITLES", "GROUP-ID": "subs", "NAME": "Deutsch, forced", "DEFAULT": "YES", "URI": "a b/s.m3u8"}
    for bad in ('TYPE=SUBTITLES,NAME="unterminated', "type=lower", 'URI="a"x'):
        with pytest.raises(HLSError, match="attribute list unreadable"):
            attributes(bad)


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that stops reading a file too large for it resets the connection


class _Served:
    """A folder served over HTTP on 127.0.0.1, every path asked for recorded."""

    def __init__(self, folder: Path) -> None:
        self.asked: list[str] = []
        served = self

        class Handler(SimpleHTTPRequestHandler):
            def do_GET(self) -> None:
                served.asked.append(self.path)
                if self.path.startswith("/moved/"):
                    self.send_response(302)
                    self.send_header("Location", "/" + self.path.removeprefix("/moved/"))
                    self.end_headers()
                    return
                super().do_GET()

            def log_message(self, *args: object) -> None:
                pass

        self.server = _QuietServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(folder)))
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture(scope="module")
def video(tmp_path_factory) -> Path:
    """A 4 s presentation's video (video0.ts, video.m3u8), made once and copied into each test's folder."""
    folder = tmp_path_factory.mktemp("video")
    hls_with_webvtt(folder, SECONDS * 30, lambda index: backdrop("flat", index), [], "und")
    return folder


@pytest.fixture
def presentation(tmp_path, video):
    """Writes a presentation: the video, ``renditions`` (EXT-X-MEDIA attribute lists after
    TYPE=SUBTITLES) and ``files`` (path -> text); gives the folder and its server."""
    served: list[_Served] = []

    def make(renditions: list[str], files: dict[str, str | bytes]) -> _Served:
        for name in ("video0.ts", "video.m3u8"):
            shutil.copy(video / name, tmp_path / name)
        media = "".join(f'#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",{line}\n' for line in renditions)
        (tmp_path / "master.m3u8").write_text(f'#EXTM3U\n{media}#EXT-X-STREAM-INF:BANDWIDTH=800000,SUBTITLES="subs"\n'
                                              "video.m3u8\n")
        for name, text in files.items():
            (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
            getattr(tmp_path / name, "write_bytes" if isinstance(text, bytes) else "write_text")(text)
        served.append(_Served(tmp_path))
        return served[-1]

    yield make
    for server in served:
        server.close()


def playlist(*segments: str, seconds: float = 2.0, live: bool = False) -> str:
    listed = "".join(f"#EXTINF:{seconds:.3f},\n{segment}\n" for segment in segments)
    return (f"#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:{int(seconds) + 1}\n{listed}"
            + ("" if live else "#EXT-X-ENDLIST\n"))


def vtt(*cues: tuple[str, str, str], header: str = "") -> str:
    return "WEBVTT\n" + header + "".join(f"\n{start} --> {end}\n{text}\n" for start, end, text in cues)


def test_an_hls_presentation_over_http_gives_each_rendition_with_its_cues(presentation, tmp_path) -> None:
    """Two renditions (the DEFAULT one first), segments in a folder of their own with
    relative URIs, a cue repeated in the next segment read once, a segment with a timestamp
    map, and a redirect; only the segments the analysis reaches are fetched."""
    server = presentation(
        ['NAME="Deutsch",LANGUAGE="de",DEFAULT=NO,URI="subs/de.m3u8"',
         'NAME="English",LANGUAGE="en",DEFAULT=YES,AUTOSELECT=YES,URI="/moved/subs/en.m3u8"'],
        {"subs/de.m3u8": playlist("de/0.vtt", "de/1.vtt"),
         "subs/de/0.vtt": vtt(("00:00.500", "00:01.500", "Wo warst <i>du</i>?"), ("00:01.800", "00:02.400", "Hier.")),
         "subs/de/1.vtt": vtt(("00:01.600", "00:02.200", "Hier."),
                              ("00:02.300", "00:02.800", "Und &amp; dann?"),  # LOCAL 1.8 s is 2.0 s: 0.2 s later
                              header="X-TIMESTAMP-MAP=MPEGTS:180000,LOCAL:00:00:01.800\n"),
         "subs/en.m3u8": playlist("en0.vtt", "en1.vtt"),
         "subs/en0.vtt": vtt(("00:00.500", "00:01.500", "Where were you?")),
         "subs/en1.vtt": vtt(("00:02.500", "00:03.500", "Here."))})
    shown = analyze(f"{server.url}/master.m3u8", checks=["subtitles"]).subtitles
    assert [(s.language, s.codec) for s in shown.streams] == [("en", "webvtt"), ("de", "webvtt")]
    assert (shown.origin, shown.language, shown.texts) == ("stream", "en", ["Where were you?", "Here."])
    assert shown.intervals == [(0.5, 1.5), (2.5, 3.5)] and shown.warnings == []
    german = analyze(f"{server.url}/master.m3u8", checks=[SubtitleCheck(lang="de")]).subtitles
    assert german.texts == ["Wo warst du?", "Hier.", "Und & dann?"]
    assert german.intervals == [(0.5, 1.5), (1.8, 2.4), (2.5, 3.0)]
    server.asked.clear()
    analyze(f"{server.url}/master.m3u8", checks=["subtitles"], seconds=1.5)
    assert "/subs/de/0.vtt" in server.asked and "/subs/de/1.vtt" not in server.asked


def test_a_local_presentation_with_a_map_across_the_33_bit_wrap(presentation, tmp_path) -> None:
    """MPEG-TS time 2^33 - 0.5 s is half a second before the video's first timestamp (0)."""
    presentation(['NAME="fr",LANGUAGE="fr",URI="fr.m3u8"'], {
        "fr.m3u8": playlist("fr 0.vtt", seconds=4.0),
        "fr 0.vtt": vtt(("00:02.000", "00:03.000", "Ici."), header=f"X-TIMESTAMP-MAP=MPEGTS:{(1 << 33) - 45000},"
                                                                   "LOCAL:00:00:00.000\n")})
    shown = analyze(tmp_path / "master.m3u8", checks=["subtitles"]).subtitles
    assert (shown.texts, shown.intervals, shown.warnings) == (["Ici."], [(1.5, 2.5)], [])


def test_hostile_playlists_give_warnings_naming_what_was_not_read(presentation, tmp_path) -> None:
    huge = b"WEBVTT\n\n" + b"00:00.000 --> 00:01.000\n" + b"x" * (2 << 20)
    server = presentation(
        ['NAME="ok",LANGUAGE="en",DEFAULT=YES,URI="ok.m3u8"',
         'NAME="local",LANGUAGE="it",URI="local.m3u8"',
         'NAME="gone",LANGUAGE="es",URI="gone.m3u8?token=s3cr3t"',
         'NAME="locked",LANGUAGE="nl",URI="locked.m3u8"',
         'NAME="live",LANGUAGE="sv",URI="live.m3u8"'],
        {"ok.m3u8": playlist("missing.vtt?sig=s3cr3t", "huge.vtt", "ok.vtt", seconds=1.0),
         "huge.vtt": huge, "ok.vtt": vtt(("00:02.500", "00:03.000", "Still here.")),
         "0.vtt": "not WebVTT\n",
         "local.m3u8": playlist("file:///etc/passwd"),
         "locked.m3u8": '#EXTM3U\n#EXT-X-KEY:METHOD=AES-128,URI="key"\n#EXTINF:2,\n0.vtt\n#EXT-X-ENDLIST\n',
         "live.m3u8": playlist("live0.vtt", live=True), "live0.vtt": vtt(("00:01.000", "00:02.000", "Live."))})
    result = CliRunner().invoke(cli, ["video", "analyze", f"{server.url}/master.m3u8", "--check", "subtitles",
                                      "--json"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)["subtitles"]
    assert (shown["texts"], shown["language"]) == (["Still here."], "en")
    assert [stream["language"] for stream in shown["streams"]] == ["en", "it", "es", "nl", "sv"]
    warnings = "\n".join(shown["warnings"])
    assert "s3cr3t" not in warnings
    for expected in ("subtitles 'ok' (ok.m3u8): segment 'missing.vtt?sig=***' cannot be read: HTTP 404 File not found",
                     "subtitles 'ok' (ok.m3u8): segment 'huge.vtt' cannot be read: larger than 1024 KiB",
                     "subtitles 'local' (local.m3u8): segment 'file:///etc/passwd' cannot be read: a file URI from "
                     "this playlist is not followed",
                     "subtitles 'gone' (gone.m3u8?token=***): its playlist cannot be read: HTTP 404 File not found",
                     "subtitles 'locked' (locked.m3u8): its segments are encrypted: not read",
                     "subtitles 'live' (live.m3u8): a live playlist (no #EXT-X-ENDLIST): its segments are read as "
                     "listed when it was opened"):
        assert expected in warnings
    assert [s["cues"] for s in shown["streams"] if s["language"] == "sv"] == [[{"start": 1.0, "end": 2.0,
                                                                               "text": "Live."}]]
    text = CliRunner().invoke(cli, ["video", "analyze", f"{server.url}/master.m3u8", "--check", "subtitles"])
    assert text.exit_code == 0 and "s3cr3t" not in text.output
    assert "  warning: subtitles 'locked' (locked.m3u8): its segments are encrypted: not read" in text.output


def test_loops_are_not_followed(presentation, tmp_path) -> None:
    """A rendition whose playlist is the master, or whose segment is its own playlist: FFmpeg
    itself cannot open such a presentation; read here, each is a warning, the rest is read."""
    server = presentation(['NAME="loop",LANGUAGE="de",URI="master.m3u8"', 'NAME="self",LANGUAGE="fr",URI="self.m3u8"'],
                          {"self.m3u8": playlist("self.m3u8", "0.vtt", "0.vtt", "1.vtt"), "0.vtt": "not WebVTT\n",
                           "1.vtt": vtt(("00:04.500", "00:05.000", "Read."))})
    renditions = HLSSubtitles(f"{server.url}/master.m3u8", 5.0, [])
    renditions.read_until(10.0)
    assert [(s.language, [cue.text for cue in s.cues]) for s in renditions.streams] == [("de", []), ("fr", ["Read."])]
    assert renditions.warnings == [
        "subtitles 'loop' (master.m3u8): its playlist is a master playlist, not a media playlist",
        "subtitles 'self' (self.m3u8): segment 'self.m3u8' is the playlist itself: not read",
        "subtitles 'self' (self.m3u8): segment '0.vtt' is listed again: read once",
        "subtitles 'self' (self.m3u8): segment '0.vtt' cannot be read: not a WebVTT file (it starts with 'not WebVTT', "
        "not WEBVTT)"]
    assert server.asked.count("/self.m3u8") == 1 and server.asked.count("/0.vtt") == 1


def test_too_many_renditions_and_segments_failing_in_a_row(presentation, tmp_path) -> None:
    names = [f'NAME="r{n}",LANGUAGE="l{n}",URI="r.m3u8"' for n in range(MAX_RENDITIONS + 2)]
    server = presentation(names, {"r.m3u8": playlist(*(f"{n}.vtt" for n in range(5)), seconds=0.5),
                                  "4.vtt": vtt(("00:01.000", "00:02.000", "Never read."))})
    shown = analyze(f"{server.url}/master.m3u8", checks=["subtitles"]).subtitles
    assert len(shown.streams) == MAX_RENDITIONS and not any(s.cues for s in shown.streams)
    assert f"subtitles: more than {MAX_RENDITIONS} subtitle renditions: the rest are not read" in shown.warnings
    assert "subtitles 'r0' (r.m3u8): 3 segments in a row cannot be read: the rest are not read" in shown.warnings
    assert "/4.vtt" not in server.asked
    assert len(shown.warnings) == 21 and shown.warnings[-1].startswith("... and ")
    assert shown.origin == "pixels"
