"""The vpt section at the end of pytest's terminal summary."""

from __future__ import annotations

from .events import OUTCOMES
from .recording.recorder import RunResult


def pass_rate(counts: dict) -> float | None:
    """Passed tests among those that ran to a verdict (passed, failed, error); None if none did."""
    judged = counts.get("passed", 0) + counts.get("failed", 0) + counts.get("error", 0)
    return counts.get("passed", 0) / judged if judged else None


def summary_lines(result: RunResult, store: str) -> list[str]:
    """Pass rate and counts, the slowest tests, tests that passed on a rerun, where the data went."""
    counts = ", ".join(f"{result.totals[o]} {o}" for o in OUTCOMES if result.totals[o])
    rate = pass_rate(result.totals)
    lines = [f"pass rate {rate:.1%}" + (f" ({counts})" if counts else "") if rate is not None else f"no test ran to a verdict ({counts or 'nothing ran'})"]
    if result.slowest:
        lines.append("slowest:")
        lines.extend(f"  {duration:8.2f}s  {nodeid}" for duration, nodeid in result.slowest)
    if result.passed_on_rerun:
        lines.append(f"passed on a rerun ({len(result.passed_on_rerun)}):")
        lines.extend(f"  {nodeid} (attempt {attempt})" for nodeid, attempt in result.passed_on_rerun)
    lines.extend(_where(result, store))
    return lines


def _where(result: RunResult, store: str) -> list[str]:
    sink = result.sink
    lines = [f"vpt internal error: {problem}" for problem in result.problems]
    what = f"{result.tests} tests, {result.attempts} attempts, {result.metrics} metrics"
    if sink is not None and sink.ok:
        return [*lines, f"recorded run {result.run_id} ({what}) into {store}"]
    written = sink.written.get("test", 0) if sink else 0
    if written:
        lines.append(
            f"PARTLY recorded: run {result.run_id} into {store}: {written} of {result.attempts} test attempts "
            f"and {sink.written.get('metric', 0)} of {result.metrics} metrics written"
        )
    else:
        lines.append(f"NOT recorded: run {result.run_id} ({what}) was not written to {store}")
    lines.extend(f"  reason: {error}" for error in (sink.errors if sink else ()))
    return lines
