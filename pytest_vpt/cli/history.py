"""``vpt runs``, ``vpt run RUN_ID`` and ``vpt tests NODEID``: the recorded history."""

from __future__ import annotations

import click

from ..events import OUTCOMES
from ..history import RunIdAmbiguous, RunNotFound
from ..analytics.rates import pass_rate
from ..wording import plural
from . import nodeids, render
from .context import StoreOption
from .failures import categories_for
from .metrics import print_summary

_RUN_COUNTS = ("passed", "failed", "error", "skipped", "rerun")  # the table's; --json has all
_C = render.Column


@click.command()
@click.option("--project", help="only this project's runs")
@click.option("-n", "--limit", default=20, show_default=True, type=click.IntRange(min=1), help="how many runs")
@render.json_option
@render.wide_option
@click.pass_obj
def runs(store_option: StoreOption, project: str | None, limit: int, as_json: bool, wide: bool) -> None:
    """Recent runs, newest first."""
    with store_option.history(project) as history:
        found = [r.to_dict() for r in history.runs(limit)]
    if as_json:
        render.emit_json(found)
        return
    if not found:
        click.echo("no runs recorded yet" + (f" for project {project!r}" if project else ""))
        return
    render.table(
        None,
        [render.run_id_column(), _C("project", priority=3, fit=render.WRAP), _C("started", priority=1),
         _C("duration", right=True, priority=2), _C("status", priority=1), _C("tests", right=True, priority=1),
         *(_C(o, right=True, priority=1 if o == "failed" else 2) for o in _RUN_COUNTS),
         _C("pass rate", right=True, priority=1), _C("branch", priority=3, fit=render.WRAP),
         _C("commit", priority=3, cut=10)],
        [
            [
                r["run_id"], r["project"], render.when(r["started_at"]), render.seconds(r["duration"]),
                _status(r), r["tests"], *(r[o] or "" for o in _RUN_COUNTS), render.percent(pass_rate(r)),
                r["vcs_branch"], r["vcs_revision"],
            ]
            for r in found
        ],
        wide=wide,
    )


def _status(run: dict) -> str:
    if run["status"] != "finished":
        return run["status"]
    return "ok" if run["exit_status"] == 0 else f"exit {run['exit_status']}"


@click.command()
@click.argument("run_id")
@click.option("--outcome", "outcomes", multiple=True, type=click.Choice(OUTCOMES),
              help="only tests with this outcome (repeatable)")
@click.option("--attempts", "all_attempts", is_flag=True, help="every attempt, not only each test's final one")
@render.json_option
@render.wide_option
@click.pass_obj
def run(store_option: StoreOption, run_id: str, outcomes: tuple[str, ...], all_attempts: bool, as_json: bool,
        wide: bool) -> None:
    """The tests of one run (RUN_ID may be abbreviated), and its failures by category."""
    categories = None if as_json else categories_for(store_option, None)
    with store_option.history() as history:
        try:
            detail = history.run_detail(run_id, outcomes, all_attempts).to_dict()
        except RunNotFound:
            raise click.ClickException(f"no run {run_id!r} in {history.url}") from None
        except RunIdAmbiguous as exc:
            raise click.ClickException(str(exc)) from None
        if as_json:  # the run's detail as the façade gives it (History.run_categories has the line's counts)
            render.emit_json(detail)
            return
        causes = history.run_categories(detail["run"]["run_id"], categories).to_dict()
    the_run, rows, recorded = detail["run"], detail["tests"], detail["metrics"]
    title = (f"run {the_run['run_id']} · {the_run['project']} · {render.when(the_run['started_at'])} · "
             f"{plural(the_run['tests'] or 0, 'test')} · {_status(the_run)}")
    render.table(
        title,
        [render.nodeid_column(), _C("outcome", priority=1), _C("attempt", right=True, priority=2),
         _C("duration", right=True, priority=1), _C("worker", priority=3), _C("error", priority=1, fit=render.WRAP)],
        [
            [
                r["nodeid"], render.outcome(r["outcome"]),
                f"{r['attempt']}/{r['attempts']}" if r["attempts"] > 1 else r["attempt"],
                render.seconds(r["duration"]), r["worker"], _error(r),
            ]
            for r in rows
        ],
        wide=wide,
    )
    if not rows:
        click.echo("no tests" + (f" with outcome {', '.join(outcomes)}" if outcomes else ""))
    if causes["line"]:
        click.echo(causes["line"])
    if recorded:
        click.echo("")
        print_summary(recorded, wide)


@click.command()
@click.argument("nodeid")
@click.option("--project", help="only this project's history of the test")
@click.option("-n", "--limit", default=50, show_default=True, type=click.IntRange(min=1))
@click.option("--attempts", "all_attempts", is_flag=True, help="every attempt, not only each run's final one")
@render.json_option
@render.wide_option
@click.pass_obj
def tests(store_option: StoreOption, nodeid: str, project: str | None, limit: int, all_attempts: bool,
          as_json: bool, wide: bool) -> None:
    """The history of one test (its pytest node id), newest first."""
    with store_option.history(project) as history:
        rows = [r.to_dict() for r in history.test_history(nodeid, limit, all_attempts)]
        known = [] if rows else history.nodeids()
    if not rows and not as_json:
        raise click.ClickException(nodeids.unknown(nodeid, known, f"in project {project!r}" if project else "in the store"))
    if as_json:
        render.emit_json(rows)
        return
    render.table(
        f"{nodeid}",
        [render.run_id_column(), _C("started", priority=1), _C("outcome", priority=1),
         _C("attempt", right=True, priority=2), _C("duration", right=True, priority=1),
         _C("branch", priority=3, fit=render.WRAP), _C("commit", priority=3, cut=10),
         _C("error", priority=2, fit=render.WRAP)],
        [
            [
                r["run_id"], render.when(r["started_at"]), render.outcome(r["outcome"]), r["attempt"],
                render.seconds(r["duration"]), r["vcs_branch"], r["vcs_revision"], _error(r),
            ]
            for r in rows
        ],
        wide=wide,
    )


def _error(row: dict) -> str:
    """The error; first, that the test's device was offline (then it is not a product failure)."""
    offline = f"[device {row['device_id']} offline] " if row["device_offline"] else ""
    if row["error_type"] and row["error_message"]:
        return f"{offline}{row['error_type']}: {row['error_message']}"
    return offline + (row["error_type"] or row["error_message"] or "")
