"""The tokenizer of the condition language: numbers (with ``%`` or a duration unit), quoted
strings, names and operators, each with its offset in the text; bounded in length, count and
number size."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import ExpressionError

MAX_LENGTH = 1000  # characters in one condition
MAX_TOKENS = 300
MAX_NUMBER = 1e12  # the largest magnitude of a number literal (a duration in seconds included)
MAX_DIGITS = 16  # characters in a number literal
#: a duration's unit -> seconds
UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
OPERATORS = ("==", "!=", "<=", ">=", "<", ">", "(", ")", ",", ".", "=", "+", "-", "*", "/")
KEYWORDS = {"and", "or", "not", "true", "false"}


@dataclass(frozen=True)
class Token:
    kind: str  # number, duration, percent, string, name, keyword, op, end
    text: str
    value: float | str | None
    offset: int


def tokenize(text: str) -> list[Token]:
    """The tokens of ``text``, ending with an ``end`` token; else an :class:`ExpressionError`."""
    if not isinstance(text, str):
        raise ExpressionError(f"a condition is text, not {type(text).__name__}", 0)
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"longer than {MAX_LENGTH} characters ({len(text)})", MAX_LENGTH)
    found: list[Token] = []
    at = 0
    while at < len(text):
        char = text[at]
        if char in " \t\r\n":
            at += 1
            continue
        if len(found) >= MAX_TOKENS:
            raise ExpressionError(f"more than {MAX_TOKENS} tokens", at)
        if char.isdigit() or (char == "." and text[at + 1:at + 2].isdigit()):
            token, at = _number(text, at)
        elif char in "\"'":
            token, at = _string(text, at)
        elif char.isalpha() or char == "_":
            end = at
            while end < len(text) and (text[end].isalnum() or text[end] == "_") and text[end].isascii():
                end += 1
            word = text[at:end]
            if word.startswith("_"):
                raise ExpressionError(f"names cannot begin with '_' ({word!r})", at)
            token, at = Token("keyword" if word in KEYWORDS else "name", word, word, at), end
        else:
            op = next((op for op in OPERATORS if text.startswith(op, at)), None)
            if op is None:
                raise ExpressionError(f"unexpected character {char!r}", at)
            token, at = Token("op", op, op, at), at + len(op)
        found.append(token)
    found.append(Token("end", "", None, len(text)))
    return found


def _number(text: str, start: int) -> tuple[Token, int]:
    end = start
    while end < len(text) and (text[end].isdigit() or text[end] in "._"):
        end += 1
    digits = text[start:end]
    if len(digits) > MAX_DIGITS:
        raise ExpressionError(f"a number of more than {MAX_DIGITS} characters ({digits[:20]}...)", start)
    try:
        value = float(digits.replace("_", ""))
    except ValueError:
        raise ExpressionError(f"{digits!r} is not a number", start) from None
    unit_end = end
    while unit_end < len(text) and text[unit_end].isalpha() and text[unit_end].isascii():
        unit_end += 1
    unit = text[end:unit_end]
    kind, scale = "number", 1.0
    if text.startswith("%", end) and not unit:
        kind, scale, unit_end = "percent", 0.01, end + 1
    elif unit:
        if unit not in UNITS:
            raise ExpressionError(f"unknown unit {unit!r} after {digits} (expected one of "
                                  f"{', '.join(UNITS)} or %)", end)
        kind, scale = "duration", UNITS[unit]
    if value > MAX_NUMBER:
        raise ExpressionError(f"{digits} is larger than {MAX_NUMBER:.0e}, the largest number a condition may hold",
                              start)
    return Token(kind, text[start:unit_end], value * scale, start), unit_end


def _string(text: str, start: int) -> tuple[Token, int]:
    quote, at, out = text[start], start + 1, []
    while at < len(text):
        char = text[at]
        if char == quote:
            return Token("string", text[start:at + 1], "".join(out), start), at + 1
        if char == "\\" and at + 1 < len(text) and text[at + 1] in (quote, "\\"):
            out.append(text[at + 1])
            at += 2
            continue
        if char == "\n":
            break
        out.append(char)
        at += 1
    raise ExpressionError(f"a string opened with {quote} is not closed", start)
