"""Words for counts, the same in the terminal summary and every ``vpt`` command."""

from __future__ import annotations


def plural(count: int, noun: str, many: str | None = None) -> str:
    """``1 test``, ``2 tests``, ``0 tests``; ``many`` for nouns that do not just take an s
    (``plural(n, "entry", "entries")``)."""
    return f"{count} {noun if count == 1 else many or noun + 's'}"


def duration(seconds: float, gap: str = "") -> str:
    """A finite, non-negative duration for people: ``850ms``, ``42s``, ``12m 05s``, ``3h 20m``,
    ``2d 04h`` (``gap`` between a number and a lone unit: ``850 ms``, ``42 s``)."""
    if seconds < 1:
        return f"{seconds * 1000:.0f}{gap}ms"
    whole = int(round(seconds))
    for unit, size, small, small_size in (("d", 86400, "h", 3600), ("h", 3600, "m", 60), ("m", 60, "s", 1)):
        if whole >= size:
            return f"{whole // size}{unit} {whole % size // small_size:02d}{small}"
    return f"{seconds:.0f}{gap}s" if seconds >= 10 else f"{seconds:.1f}{gap}s"
