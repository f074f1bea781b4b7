"""Failures as annotations: ``::error`` for those that block (new failures, then regressions,
then those already failing on the base branch), ``::warning`` for quarantined ones; GitHub
shows about 10 per level and step, so each level stops there and the rest are counted."""

from __future__ import annotations

from dataclasses import dataclass

from .commands import command
from .findings import Failure

PER_LEVEL = 10
MESSAGE_MAX = 4000
_TITLES = {"new": "new failure", "regression": "regression", "on_base": "failing on the base branch too",
           "quarantined": "quarantined failure"}


@dataclass
class Annotations:
    lines: list[str]  # the workflow commands, in the order they are printed
    left: int  # failures not annotated


def annotate(failures: list[Failure], per_level: int = PER_LEVEL) -> Annotations:
    """The workflow commands for ``failures`` (the most important first, as findings sorts them)."""
    levels: dict[str, list[str]] = {"error": [], "warning": []}
    left = 0
    for failure in failures:
        level = "warning" if failure.kind == "quarantined" else "error"
        if len(levels[level]) >= per_level:
            left += 1
            continue
        levels[level].append(_annotation(level, failure))
    return Annotations(levels["error"] + levels["warning"], left)


def _annotation(level: str, failure: Failure) -> str:
    test = failure.test
    message = ": ".join(part for part in (test.error_type, test.error_message) if part) or test.outcome
    if len(message) > MESSAGE_MAX:
        message = message[: MESSAGE_MAX - 1] + "…"
    line = getattr(test, "line", None)  # recorded by producers that know it
    return command(level, message, file=test.file, line=line if isinstance(line, int) and line > 0 else None,
                   title=f"{_TITLES[failure.kind]}: {test.nodeid}"[:500])
