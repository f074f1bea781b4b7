"""A node id the store has never seen: the message, with the recorded ids it may have meant."""

from __future__ import annotations

import difflib
from collections.abc import Sequence


def near_matches(nodeid: str, known: Sequence[str], count: int = 3) -> list[str]:
    """The recorded node ids closest to ``nodeid`` (by difflib's ratio), best first."""
    return difflib.get_close_matches(nodeid, known, n=count, cutoff=0.6)


def unknown(nodeid: str, known: Sequence[str], where: str) -> str:
    """``no test 'x' recorded in ...; did you mean: ...?`` (or the form node ids take)."""
    near = near_matches(nodeid, known)
    hint = ("; did you mean: " + ", ".join(near) + "?") if near else " (node ids look like tests/test_x.py::test_y)"
    return f"no test {nodeid!r} recorded {where}{hint}"
