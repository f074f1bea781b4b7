"""CEA-608 closed captions (field 1, channel CC1) read from the cc_data an H.264 video carries.

FFmpeg exports the ATSC A/53 ``GA94`` caption data of a frame's SEI as side data (A53_CC):
triplets of a marker/valid/type byte and two bytes with odd parity. :class:`CaptionDecoder`
is fed each frame's triplets with its time and turns the CC1 byte pairs into cues:

- pop-on (RCL): text is loaded off screen; EOC shows it (a cue starts, the one shown ends),
  EDM erases what is shown (the cue ends), ENM erases what was loaded;
- roll-up (RU2, RU3, RU4): each CR shows the rows on screen as a cue, until the next CR or EDM;
- paint-on (RDC): text shown as it arrives, one cue from the first character to EDM.

Control codes sent twice in a row (as encoders do) act once. Only the basic North American
characters, the special characters (0x11 0x30-0x3F) and a few extended ones are known; the
others are skipped. Cues and their text are bounded.
"""

from __future__ import annotations

from .sources import _MAX_CUE_TEXT, _MAX_CUES, Cue

CODEC = "eia_608"  # as FFmpeg names the caption codec
_ROWS = 15  # rows of the caption screen
#: the basic characters that differ from ASCII
_BASIC = {0x2A: "á", 0x5C: "é", 0x5E: "í", 0x5F: "ó", 0x60: "ú", 0x7B: "ç", 0x7C: "÷", 0x7D: "Ñ", 0x7E: "ñ", 0x7F: "█"}
_SPECIAL = "®°½¿™¢£♪à\u00a0èâêîôû"  # 0x11 0x30-0x3F (0x39: a transparent space)
_EXTENDED = {(0x12, 0x20): "Á", (0x12, 0x21): "É", (0x12, 0x22): "Ó", (0x12, 0x23): "Ú", (0x12, 0x24): "Ü",
             (0x12, 0x25): "ü", (0x12, 0x26): "‘", (0x12, 0x27): "¡", (0x12, 0x2B): "©", (0x12, 0x2E): "“",
             (0x12, 0x2F): "”", (0x12, 0x30): "À", (0x12, 0x33): "È", (0x12, 0x34): "Ê", (0x12, 0x39): "Ç",
             (0x13, 0x20): "Ã", (0x13, 0x21): "ã", (0x13, 0x27): "Õ", (0x13, 0x28): "õ", (0x13, 0x2C): "Ä",
             (0x13, 0x2D): "ä", (0x13, 0x2E): "Ö", (0x13, 0x2F): "ö", (0x13, 0x31): "ß"}
_RCL, _BS, _DER, _RU2, _RU4, _RDC, _EDM, _CR, _ENM, _EOC = 0x20, 0x21, 0x24, 0x25, 0x27, 0x29, 0x2C, 0x2D, 0x2E, 0x2F


def _text(lines: list[str]) -> str:
    return "\n".join(line.strip() for line in lines if line.strip())[:_MAX_CUE_TEXT]


class CaptionDecoder:
    """CC1's cues from the cc_data of successive frames (see the module's docstring)."""

    def __init__(self) -> None:
        self.cues: list[Cue] = []
        self.mode = "pop-on"
        self.rows = 0  # roll-up rows (RU2: 2)
        self._loaded: list[str] = [""]  # pop-on: the memory off screen
        self._shown: list[str] = [""]  # what is on screen
        self._open: Cue | None = None  # the cue on screen
        self._last_control: tuple[int, int] | None = None
        self._channel = 1  # the data channel the last control code named

    def feed(self, time: float, cc_data: bytes) -> None:
        """The triplets of one frame, shown at ``time`` seconds."""
        for at in range(0, len(cc_data) - 2, 3):
            header = cc_data[at]
            if not header & 0x04 or header & 0x03:  # not valid, or not NTSC field 1
                continue
            self._pair(time, cc_data[at + 1] & 0x7F, cc_data[at + 2] & 0x7F)

    def _pair(self, time: float, first: int, second: int) -> None:
        if not first and not second:
            return  # padding
        if 0x10 <= first <= 0x1F:
            if self._last_control == (first, second):
                self._last_control = None  # the repeat of a doubled code
                return
            self._last_control = (first, second)
            self._channel = 2 if first & 0x08 else 1
            if self._channel == 1:
                self._control(time, first, second)
            return
        self._last_control = None
        if self._channel == 1 and first >= 0x20:
            self._write(time, "".join(_BASIC.get(b, chr(b)) for b in (first, second) if b >= 0x20))

    def _control(self, time: float, first: int, second: int) -> None:
        if first == 0x14 and 0x20 <= second <= 0x2F:
            self._command(time, second)
        elif first == 0x11 and 0x30 <= second <= 0x3F:
            self._write(time, _SPECIAL[second - 0x30])
        elif first == 0x11 and 0x20 <= second <= 0x2F:
            self._write(time, " ")  # a mid-row code (colour, italics) shows as a space
        elif (first, second) in _EXTENDED:
            self._target()[-1] = self._target()[-1][:-1]  # an extended character replaces the one before
            self._write(time, _EXTENDED[first, second])
        elif 0x40 <= second <= 0x7F:  # a preamble: another row
            if self.mode != "roll-up" and self._target()[-1].strip() and len(self._target()) < _ROWS:
                self._target().append("")

    def _command(self, time: float, code: int) -> None:
        if code == _RCL:
            self.mode = "pop-on"
        elif _RU2 <= code <= _RU4:
            if self.mode != "roll-up":  # roll-up starts on an empty screen
                self._shown, self._loaded = [""], [""]
                self._end(time)
            self.mode, self.rows = "roll-up", code - _RU2 + 2
        elif code == _RDC:
            self.mode = "paint-on"
        elif code == _EDM:
            self._shown = [""]
            self._end(time)
        elif code == _ENM:
            self._loaded = [""]
        elif code == _EOC:
            self._shown, self._loaded = self._loaded, self._shown
            self._end(time)
            self._start(time, _text(self._shown))
        elif code == _CR and self.mode == "roll-up":
            if self._shown[-1].strip():
                self._end(time)
                self._start(time, _text(self._shown[-self.rows:]))
                self._shown = (self._shown + [""])[-self.rows:]
        elif code == _BS:
            self._target()[-1] = self._target()[-1][:-1]
        elif code == _DER:
            self._target()[-1] = ""

    def _target(self) -> list[str]:
        return self._loaded if self.mode == "pop-on" else self._shown

    def _write(self, time: float, text: str) -> None:
        lines = self._target()
        lines[-1] = (lines[-1] + text)[:_MAX_CUE_TEXT]
        if self.mode == "paint-on":
            if self._open is None:
                self._start(time, _text(lines))
            else:
                self._open.text = _text(lines)

    def _start(self, time: float, text: str) -> None:
        if text and len(self.cues) < _MAX_CUES:
            self._open = Cue(round(time, 6), None, text)
            self.cues.append(self._open)

    def _end(self, time: float) -> None:
        if self._open is not None:
            self._open.end = round(time, 6)
            self._open = None
