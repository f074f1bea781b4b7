"""A test's failure episodes on one branch, folded from its runs in time order.

An episode starts at the test's first failing run (final outcome failed or error) and ends
at its next passing run; runs that only skipped it are not in the timeline, and a failure
that passed on a retry is a passing run (its final outcome passed). Each episode counts its
failing runs and remembers when the episode before it ended, so that

- time to repair = ``ended_at - started_at`` (and ``runs`` failing runs), of ended episodes;
- passing time between episodes = ``started_at - previous_end``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass
class Episode:
    started_at: float
    start_run: str
    last_fail_at: float
    runs: int = 1
    ended_at: float | None = None  # None: still open
    end_run: str | None = None
    previous_end: float | None = None


def fold_episodes(runs: Iterable[tuple[float, str, bool]]) -> list[Episode]:
    """The episodes of a timeline of ``(run start, run id, failed)`` in time order."""
    episodes: list[Episode] = []
    current: Episode | None = None
    previous_end: float | None = None
    for at, run_id, failed in runs:
        if failed:
            if current is None:
                current = Episode(at, run_id, at, previous_end=previous_end)
                episodes.append(current)
            else:
                current.runs += 1
                current.last_fail_at = at
        elif current is not None:
            current.ended_at, current.end_run = at, run_id
            previous_end, current = at, None
    return episodes
