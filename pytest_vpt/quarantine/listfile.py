"""The committed quarantine list: one pytest node id per line, an optional ``# reason``.

    tests/test_player.py::test_seek        # races the decoder, see issue 42
    tests/test_epg.py::test_refresh[dvb]
"""

from __future__ import annotations

from pathlib import Path

HEADER = "# Quarantined tests (pytest-vpt): one node id per line, then '# reason' if you like.\n"


class ListFileError(OSError):
    """The list file exists but cannot be read or written; the message names it."""


def read_list(path: Path) -> dict[str, str]:
    """Node id -> reason ("" when none is given); an absent file is an empty list."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise ListFileError(f"cannot read the quarantine list {path}: {exc}") from None
    entries = {}
    for line in text.splitlines():
        nodeid, _, reason = line.partition(" #")
        nodeid = nodeid.strip()
        if nodeid and not nodeid.startswith("#"):
            entries[nodeid] = reason.strip()
    return entries


def add_to_list(path: Path, nodeid: str, reason: str = "") -> bool:
    """Add (or give a new reason to) ``nodeid``; False if it was listed with that reason."""
    _check(nodeid)
    entries = read_list(path)
    if entries.get(nodeid) == reason.strip() and nodeid in entries:
        return False
    lines = _lines(path)
    line = f"{nodeid}  # {reason.strip()}\n" if reason.strip() else f"{nodeid}\n"
    for index, existing in enumerate(lines):
        if existing.partition(" #")[0].strip() == nodeid:
            lines[index] = line
            break
    else:
        lines.append(line)
    _write(path, lines)
    return True


def remove_from_list(path: Path, nodeid: str) -> bool:
    """Remove ``nodeid``; False if it was not listed."""
    lines = _lines(path)
    kept = [line for line in lines if line.partition(" #")[0].strip() != nodeid]
    if len(kept) == len(lines):
        return False
    _write(path, kept)
    return True


def _check(nodeid: str) -> None:
    if not nodeid.strip() or nodeid.strip().startswith("#") or "\n" in nodeid or " #" in nodeid:
        raise ValueError(f"{nodeid!r} is not a pytest node id (like tests/test_x.py::test_y)")


def _lines(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return [HEADER]
    except (OSError, UnicodeDecodeError) as exc:
        raise ListFileError(f"cannot read the quarantine list {path}: {exc}") from None
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    return lines


def _write(path: Path, lines: list[str]) -> None:
    try:
        path.write_text("".join(lines), encoding="utf-8")
    except OSError as exc:
        raise ListFileError(f"cannot write the quarantine list {path}: {exc}") from None
