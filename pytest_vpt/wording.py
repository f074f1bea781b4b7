"""Words for counts, the same in the terminal summary and every ``vpt`` command."""

from __future__ import annotations


def plural(count: int, noun: str, many: str | None = None) -> str:
    """``1 test``, ``2 tests``, ``0 tests``; ``many`` for nouns that do not just take an s
    (``plural(n, "entry", "entries")``)."""
    return f"{count} {noun if count == 1 else many or noun + 's'}"
