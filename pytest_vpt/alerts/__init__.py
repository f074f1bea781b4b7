"""Alert rules evaluated for real: a rules file (rules.py, built-in rules in builtin.py), a
condition language (expression/), the named series it reads (series.py), state per rule and
group (state.py), one evaluation (evaluator.py), evaluations on a schedule (loop.py); the
channels notifications go to (channels/, delivery.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from .evaluator import Evaluation, Evaluator
from .rules import Rule, RulesError, RuleSet, load


def open_evaluator(store: Any, rootdir: Path, config: Path | None = None,
                   rules_file: Path | None = None) -> tuple[Evaluator, Callable[[], None]]:
    """An evaluator of the project's rules over ``store`` (a URL) with its channels, and how to
    close the history it opened."""
    from ..history import History
    from .channels import build_channels

    ruleset = load(rootdir, config, rules_file)
    channels = build_channels(dict(ruleset.channels), ruleset.source)
    history = History.open(store, rootdir)
    return Evaluator(history, ruleset, channels), history.close


__all__ = ["Evaluation", "Evaluator", "Rule", "RuleSet", "RulesError", "load", "open_evaluator"]
