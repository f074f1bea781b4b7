"""The vpt section at the end of pytest's terminal summary."""

from __future__ import annotations

from ..analytics.failures import describe
from ..analytics.rates import pass_rate
from ..events import RUN_COUNT_KEYS
from ..redaction import redact_text, redact_url
from ..sinks.base import SinkReport
from ..sinks.spool import SPOOL_DIR
from ..store.url import StoreURL
from ..wording import plural
from .recorder import RunResult


def store_shown(url: StoreURL) -> str:
    """A store as the summary names it: a SQLite store by its file's absolute path (never a
    URL relative to a folder the reader must guess), another by its URL without secrets."""
    return str(url.path.resolve()) if url.scheme == "sqlite" else str(url)


def summary_lines(result: RunResult | None, store: str, problems: list[str] = ()) -> list[str]:
    """Pass rate and counts, the failures by cause, the slowest tests, tests that passed on a
    rerun, where the data went."""
    if result is None:
        return [f"NOT recorded: {redact_text(problem)}" for problem in problems] or ["NOT recorded: the run did not finish"]
    counts = ", ".join(f"{result.totals.get(o, 0)} {o}" for o in RUN_COUNT_KEYS[1:] if result.totals.get(o))
    rate = pass_rate(result.totals)
    lines = [f"pass rate {rate:.1%}" + (f" ({counts})" if counts else "") if rate is not None else f"no test ran to a verdict ({counts or 'nothing ran'})"]
    causes = describe(result.failures, result.flaky_failures)
    if causes:
        lines.append(causes)
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
    what = f"{plural(result.tests, 'test')}, {plural(result.attempts, 'attempt')}, {plural(result.metrics, 'metric')}"
    if sink.target.startswith(("http://", "https://")):
        return _sent(result, what)
    if sink.ok:
        return [f"recorded run {result.run_id} ({what}) into {store}", *_resent(sink)]
    written = sink.written.get("test", 0)
    if written:
        lines.append(
            f"PARTLY recorded: run {result.run_id} into {store}: {written} of {plural(result.attempts, 'test attempt')} "
            f"and {sink.written.get('metric', 0)} of {plural(result.metrics, 'metric')} written"
        )
    else:
        counted = f" ({what})" if result.attempts else ""
        lines.append(f"NOT recorded: run {result.run_id}{counted} was not written to {store}")
    errors = sink.errors
    if sum(sink.spooled.values()):
        tests = sink.spooled.get("test", 0)
        kept = plural(tests, "result") if tests else plural(sum(sink.spooled.values()), "event")
        lines.append(f"  {kept} spooled to {SPOOL_DIR}: the store refused them ({redact_text(errors[0])}); "
                     "the next run writes them")
        errors = errors[1:]
    if sum(sink.lost.values()):
        lines.append(f"  {plural(sum(sink.lost.values()), 'event')} LOST")
    lines.extend(f"  reason: {redact_text(error)}" for error in errors)
    return lines + _resent(sink)


def _resent(sink: SinkReport) -> list[str]:
    """What earlier runs spooled that this run wrote into the store (or found refused)."""
    lines = []
    if sum(sink.resent.values()):
        lines.append(f"  and {plural(sink.resent.get('test', 0), 'result')} spooled by earlier runs "
                     f"{'was' if sink.resent.get('test', 0) == 1 else 'were'} written")
    if sum(sink.resent_rejected.values()):
        lines.append(f"  {plural(sum(sink.resent_rejected.values()), 'event')} spooled by earlier runs REJECTED, "
                     f"kept in {sink.rejected_in} (each with a .reason file)")
    return lines


def _sent(result: RunResult, what: str) -> list[str]:
    """Where a run sent to a server went: how many results were sent, spooled, refused."""
    sink = result.sink
    sent, spooled, rejected = sink.written.get("test", 0), sink.spooled.get("test", 0), sum(sink.rejected.values())
    lost = sum(sink.lost.values())
    complete = not spooled and not lost and not rejected
    lines = [f"{'sent' if complete else 'NOT all sent:'} run {result.run_id} ({what}) to {redact_url(sink.target)}: "
             f"{plural(sent, 'result')} sent, {spooled} spooled" + (f", {plural(rejected, 'event')} REJECTED" if rejected else "")
             + (f", {plural(lost, 'event')} LOST" if lost else "")]
    if spooled:
        lines.append("  spooled results are sent with the next run, or now with: vpt push --spool")
    if sum(sink.resent.values()):
        resent = sink.resent.get("test", 0)
        lines.append(f"  and {plural(resent, 'result')} spooled by earlier runs {'was' if resent == 1 else 'were'} sent")
    if sum(sink.resent_rejected.values()):
        refused = sum(sink.resent_rejected.values())
        lines.append(f"  {plural(refused, 'event')} spooled by earlier runs {'was' if refused == 1 else 'were'} REJECTED")
    if rejected or sum(sink.resent_rejected.values()):
        lines.append(f"  rejected batches (refused by the server as invalid) are kept in {sink.rejected_in}, "
                     "each with a .reason file")
    lines.extend(f"  reason: {redact_text(error)}" for error in sink.errors)
    return lines
