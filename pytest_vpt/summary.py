"""The vpt section at the end of pytest's terminal summary."""

from __future__ import annotations

from .events import RUN_COUNT_KEYS
from .recording.recorder import RunResult
from .redaction import redact_text, redact_url


def pass_rate(counts: dict) -> float | None:
    """Passed tests among those that ran to a verdict (passed, failed, error, and failures
    made non-blocking by a quarantine); None if none did."""
    judged = sum(counts.get(key) or 0 for key in ("passed", "failed", "error", "quarantined"))
    return counts.get("passed", 0) / judged if judged else None


def summary_lines(result: RunResult | None, store: str, problems: list[str] = ()) -> list[str]:
    """Pass rate and counts, the slowest tests, tests that passed on a rerun, where the data went."""
    if result is None:
        return [f"NOT recorded: {redact_text(problem)}" for problem in problems] or ["NOT recorded: the run did not finish"]
    counts = ", ".join(f"{result.totals.get(o, 0)} {o}" for o in RUN_COUNT_KEYS[1:] if result.totals.get(o))
    rate = pass_rate(result.totals)
    lines = [f"pass rate {rate:.1%}" + (f" ({counts})" if counts else "") if rate is not None else f"no test ran to a verdict ({counts or 'nothing ran'})"]
    if result.slowest:
        lines.append("slowest:")
        lines.extend(f"  {duration:8.2f}s  {nodeid}" for duration, nodeid in result.slowest)
    if result.passed_on_rerun:
        lines.append(f"passed on a rerun ({len(result.passed_on_rerun)}):")
        lines.extend(f"  {nodeid} (attempt {attempt})" for nodeid, attempt in result.passed_on_rerun)
    _group(lines, "QUARANTINED, failed without failing the run", result.quarantined)
    _group(lines, "device offline, not a product failure", [
        (nodeid, f"{outcome}; device {device} offline: {error}") for nodeid, outcome, device, error in result.device_offline
    ])
    for status in ("flaky", "broken"):
        _group(lines, f"became {status}", [(n, why) for n, s, why in result.changes.became if s == status])
    for what in ("entered", "left"):
        _group(lines, f"{what} quarantine", [(n, why) for n, w, why in result.changes.quarantine if w == what])
    lines.extend(f"vpt internal error: {redact_text(problem)}" for problem in problems)
    lines.extend(_where(result, store))
    return lines


def _group(lines: list[str], title: str, entries: list[tuple[str, str]]) -> None:
    if entries:
        lines.append(f"{title} ({len(entries)}):")
        lines.extend(f"  {nodeid}: {reason}" for nodeid, reason in entries)


def _where(result: RunResult, store: str) -> list[str]:
    sink = result.sink
    lines = []
    what = f"{result.tests} tests, {result.attempts} attempts, {result.metrics} metrics"
    if sink.target.startswith(("http://", "https://")):
        return _sent(result, what)
    if sink.ok:
        return [f"recorded run {result.run_id} ({what}) into {store}"]
    written = sink.written.get("test", 0)
    if written:
        lines.append(
            f"PARTLY recorded: run {result.run_id} into {store}: {written} of {result.attempts} test attempts "
            f"and {sink.written.get('metric', 0)} of {result.metrics} metrics written"
        )
    else:
        counted = f" ({what})" if result.attempts else ""
        lines.append(f"NOT recorded: run {result.run_id}{counted} was not written to {store}")
    lines.extend(f"  reason: {redact_text(error)}" for error in sink.errors)
    return lines


def _sent(result: RunResult, what: str) -> list[str]:
    """Where a run sent to a server went: how many results were sent, spooled, refused."""
    sink = result.sink
    sent, spooled, rejected = sink.written.get("test", 0), sink.spooled.get("test", 0), sum(sink.rejected.values())
    lost = sum(sink.lost.values())
    complete = not spooled and not lost and not rejected
    lines = [f"{'sent' if complete else 'NOT all sent:'} run {result.run_id} ({what}) to {redact_url(sink.target)}: "
             f"{sent} results sent, {spooled} spooled" + (f", {rejected} events REJECTED" if rejected else "")
             + (f", {lost} events LOST" if lost else "")]
    if spooled:
        lines.append("  spooled results are sent with the next run, or now with: vpt push --spool")
    if sum(sink.resent.values()):
        lines.append(f"  and {sink.resent.get('test', 0)} results spooled by earlier runs were sent")
    if sum(sink.resent_rejected.values()):
        lines.append(f"  {sum(sink.resent_rejected.values())} events spooled by earlier runs were REJECTED")
    if rejected or sum(sink.resent_rejected.values()):
        lines.append(f"  rejected batches (refused by the server as invalid) are kept in {sink.rejected_in}, "
                     "each with a .reason file")
    lines.extend(f"  reason: {redact_text(error)}" for error in sink.errors)
    return lines
