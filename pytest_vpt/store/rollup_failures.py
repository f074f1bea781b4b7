"""What the rollups could not fold, set aside (``rollup_failures``) so that everything else folds.

One row per kind and test: ``daily`` (the test's queued attempts were taken off the queue
unfolded), ``duration`` (attempts counted without their duration, which was out of range),
``flakiness`` (a verdict that failed: the run was not folded into that test's row). Each
keeps the latest error, when, and how many items so far. A rebuild of a rollup clears its
kinds: what still fails is set aside again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

KINDS = ("daily", "duration", "flakiness")
_ERROR_LENGTH = 500

SET_ASIDE = (
    "INSERT INTO rollup_failures (what, test_id, project, run_id, error, at, count) "
    "VALUES (?, ?, (SELECT project FROM test_cases WHERE test_id = ?), ?, ?, ?, ?) "
    "ON CONFLICT (what, test_id) DO UPDATE SET run_id = excluded.run_id, error = excluded.error, "
    "at = excluded.at, count = rollup_failures.count + excluded.count"
)


def reason(exc: BaseException) -> str:
    """An error's first line, as kept: its type when it says nothing."""
    text = (str(exc).strip().splitlines() or [""])[0] or type(exc).__name__
    return text[:_ERROR_LENGTH]


def attempt(conn: Any, action: Callable[..., None], *args: Any) -> Exception | None:
    """Run ``action(*args)`` inside a savepoint: None if it went through, else its error
    (and nothing of it was kept), so the caller can narrow down to the poison item.

    Any error of its statements is the data's (a rollup holds the write lock); a connection
    that broke fails the rollback to the savepoint too, and that goes up."""
    conn.execute("SAVEPOINT vpt_rollup")
    try:
        action(*args)
    except Exception as exc:  # the engine's error, whichever engine, or a verdict's
        conn.execute("ROLLBACK TO SAVEPOINT vpt_rollup")
        conn.execute("RELEASE SAVEPOINT vpt_rollup")
        return exc
    conn.execute("RELEASE SAVEPOINT vpt_rollup")
    return None


def set_aside(conn: Any, what: str, test_id: int, error: str, count: int = 1, run_id: str | None = None) -> None:
    """Record that ``count`` items of a test could not be folded (inside the caller's transaction)."""
    conn.execute(SET_ASIDE, (what, test_id, test_id, run_id, error[:_ERROR_LENGTH], time.time(), count))


def clear(conn: Any, kinds: tuple[str, ...], project: str | None = None) -> None:
    """Forget the failures of these kinds (of one project): their rollup is being derived again."""
    where, args = ("AND project = ?", (project,)) if project else ("", ())
    conn.execute(f"DELETE FROM rollup_failures WHERE what IN ({', '.join('?' * len(kinds))}) {where}",
                 (*kinds, *args))


def listed(conn: Any) -> list[dict[str, Any]]:
    """Every failure, newest first, with its test's node id."""
    return [dict(row) for row in conn.execute(
        "SELECT f.what, f.project, c.nodeid, f.test_id, f.run_id, f.error, f.at, f.count FROM rollup_failures f "
        "LEFT JOIN test_cases c ON c.test_id = f.test_id ORDER BY f.at DESC, f.what, f.test_id"
    )]


def by_kind(conn: Any) -> dict[str, int]:
    """How many tests each kind of failure names."""
    return {what: n for what, n in conn.execute("SELECT what, count(*) FROM rollup_failures GROUP BY what")}
