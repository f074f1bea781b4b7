"""Alert rules evaluated for real: a rules file (rules.py, built-in rules in builtin.py), a
condition language (expression/), the named series it reads (series.py), state per rule and
group (state.py), one evaluation (evaluator.py), evaluations on a schedule (loop.py); the
channels notifications go to (channels/), how they are retried (delivery.py) and handed over
off the evaluating thread (dispatch.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from .dispatch import Dispatcher
from .evaluator import Evaluation, Evaluator
from .rules import Rule, RulesError, RuleSet, load


def open_evaluator(store: Any, rootdir: Path, config: Path | None = None, rules_file: Path | None = None,
                   drain: float | None = None) -> tuple[Evaluator, Callable[[], None]]:
    """An evaluator of the project's rules over ``store`` (a URL) with its channels, each
    delivering off the evaluating thread, and how to close it: wait for the deliveries handed
    over (at most ``drain`` seconds; None: as long as one may take), record them, then close
    the history it opened. Call both on one thread."""
    from ..history import History
    from .channels import build_channels

    ruleset = load(rootdir, config, rules_file)
    channels = build_channels(dict(ruleset.channels), ruleset.source)
    history = History.open(store, rootdir)
    evaluator = Evaluator(history, ruleset, channels, Dispatcher(channels))

    def close() -> None:
        try:
            evaluator.close(drain)
        finally:
            history.close()

    return evaluator, close


__all__ = ["Dispatcher", "Evaluation", "Evaluator", "Rule", "RuleSet", "RulesError", "load", "open_evaluator"]
