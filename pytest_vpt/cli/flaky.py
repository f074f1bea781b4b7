"""``vpt flaky``: tests ranked by flakiness, the evidence behind a verdict, and a rebuild."""

from __future__ import annotations

import click

from ..analytics.flakiness import STATUSES
from ..wording import plural
from . import render
from .context import StoreOption
from .progress import shown as progress_shown
from .timespec import parse_since

_C = render.Column
_STATUS_STYLES = {"flaky": "yellow", "broken": "red", "fixed": "green", "stable": "", "new": "cyan"}


@click.group(invoke_without_command=True)
@click.option("--project", help="only this project's tests")
@click.option("--branch", help="only tests flaky on this branch, or last run on it")
@click.option("--since", metavar="WHEN", help="only tests run since WHEN (7d, 12h, 2026-11-01)")
@click.option("--status", "statuses", multiple=True, type=click.Choice([*STATUSES, "all"]),
              help="only tests with this status (repeatable; default flaky)")
@click.option("-n", "--limit", default=50, show_default=True, type=click.IntRange(min=1))
@click.option("--explain", metavar="NODEID", help="the evidence behind one test's verdict")
@render.json_option
@render.wide_option
@click.pass_context
def flaky(ctx: click.Context, project: str | None, branch: str | None, since: str | None,
          statuses: tuple[str, ...], limit: int, explain: str | None, as_json: bool, wide: bool) -> None:
    """Tests ranked by flakiness score (PFS), with their status and why."""
    if ctx.invoked_subcommand:
        return
    store_option: StoreOption = ctx.obj
    if explain:
        _explain(store_option, explain, project, as_json, wide)
        return
    chosen = [] if "all" in statuses else list(statuses or ["flaky"])
    with store_option.history(project) as history:
        rows = [r.to_dict() for r in history.flaky(chosen, branch, parse_since(since) if since else None, limit)]
    if as_json:
        render.emit_json(rows)
        return
    if not rows:
        click.echo(f"no {'/'.join(chosen) or ''} tests".replace("no  tests", "no tests") + " recorded"
                   + (f" for project {project!r}" if project else ""))
        return
    render.table(
        None,
        [render.nodeid_column(), _C("status", priority=1), _C("score", right=True, priority=1),
         _C("P(flaky)", right=True, priority=3), _C("flip rate", right=True, priority=3),
         _C("runs", right=True, priority=2), _C("failed", right=True, priority=3),
         _C("retry-pass", right=True, priority=3), _C("since", priority=3), _C("reason", priority=2, fit=render.WRAP)],
        [
            [
                r["nodeid"], status_text(r["status"]), f"{r['score']:.3f}", f"{r['probability']:.2f}",
                f"{r['flip_rate']:.2f}", r["runs"], r["failed_runs"] or "", r["pass_on_retry"] or "",
                render.when(r["status_since"]), r["reason"],
            ]
            for r in rows
        ],
        wide=wide,
    )


def status_text(status: str) -> render.Text:
    return render.Text(status, style=_STATUS_STYLES.get(status, ""))


def _explain(store_option: StoreOption, nodeid: str, project: str | None, as_json: bool, wide: bool) -> None:
    settings = store_option.settings.flakiness
    with store_option.history(project) as opened:
        found = opened.verdict(nodeid)
    if as_json:
        render.emit_json(found.to_dict())
        return
    row, verdict, history = found.test.to_dict(), found.verdict, found.runs
    evidence = {e.run_id: e for e in verdict.evidence}
    click.echo(f"{row['nodeid']} ({row['project']})")
    click.echo(f"  status    {verdict.status}: {verdict.reason}")
    click.echo(f"  score     PFS {verdict.score:.3f}, flip rate {verdict.flip_rate:.2f}, "
               f"P(flaky) {verdict.probability:.2f} over the last {plural(verdict.window, 'run')} "
               f"(window {plural(settings.window_runs, 'run')} / {settings.window_days:g} days)")
    click.echo(f"  counts    {plural(row['runs'], 'run')}, {plural(row['attempts'], 'attempt')}, "
               f"{plural(row['failed_runs'], 'failed run')}, {row['pass_on_retry']} passed on retry, "
               f"{plural(verdict.mixed_commits, 'commit')} with mixed outcomes")
    if row["first_flaky_at"]:
        click.echo(f"  flaky     first evidence {render.when(row['first_flaky_at'])}, "
                   f"last {render.when(row['last_flaky_at'])}")
    render.table(
        "runs behind the verdict (oldest first)",
        [render.run_id_column(), _C("started", priority=1), _C("branch", priority=3, fit=render.WRAP),
         _C("commit", priority=3), _C("attempts", right=True, priority=2), _C("evidence", priority=1, fit=render.WRAP)],
        [
            [
                run.run_id, render.when(run.started_at), run.branch or "",
                (run.revision or "")[:10] + ("+local" if run.dirty else ""), run.attempts,
                f"{evidence[run.run_id].kind}: {evidence[run.run_id].detail}" if run.run_id in evidence else "",
            ]
            for run in history
        ],
        wide=wide,
    )


@flaky.command()
@click.option("--project", help="only this project's tests")
@render.json_option
@click.pass_obj
def rebuild(store_option: StoreOption, project: str | None, as_json: bool) -> None:
    """Recompute every verdict from the whole history (after changing the flaky_* settings)."""
    with store_option.history(project) as history:
        with progress_shown("flakiness verdicts", "runs", quiet=as_json) as bar:
            done = history.rebuild_flakiness(on_progress=bar.update)
    if as_json:
        render.emit_json(done.to_dict())
        return
    click.echo(f"rebuilt the verdicts of {plural(done.tests, 'test')} from {plural(done.runs, 'run')}: "
               + ", ".join(f"{n} {status}" for status, n in done.by_status.items() if n))
