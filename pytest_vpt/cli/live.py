"""``vpt live``: the runs in progress (and those just ended) with their tallies so far; with
``--follow``, kept up to date until Ctrl-C."""

from __future__ import annotations

import json
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

import click
from rich.console import Console, Group
from rich.live import Live
from rich.text import Text

from ..history import BadLiveRead, RunIdAmbiguous, RunNotFound
from ..history.live import ITEMS_MAX, RUNS_MAX, WINDOW_MAX
from ..wording import plural
from . import render
from .context import StoreOption
from .timespec import parse_span, window_start

_C = render.Column
_RUNS = [render.run_id_column(), _C("status", priority=1), _C("tests", right=True, priority=1),
         _C("passed", right=True, priority=1), _C("failed", right=True, priority=1), _C("pass rate", right=True),
         _C("elapsed", right=True, priority=2), _C("last result", priority=3), _C("branch", priority=3, fit=render.MIDDLE),
         _C("host", priority=4, fit=render.MIDDLE)]


def _ago(moment: float | None, now: float) -> str:
    return "" if moment is None else f"{render.span(max(now - moment, 0.0))} ago"


def _runs_rows(runs: list[dict[str, Any]], now: float) -> list[list[Any]]:
    return [[run["run_id"], render.outcome(run["status"]) if run["status"] != "running" else Text("running", "cyan"),
             run["tests"], run["passed"], run["failed"] + run["error"], render.percent(run["pass_rate"]),
             render.span(run["elapsed"]), _ago(run["last_result_at"], now), run["vcs_branch"] or "",
             run["host_name"] or ""] for run in runs]


def _details(run: dict[str, Any]) -> list[tuple[str | None, list[_C], list[list[Any]]]]:
    """A run's failures so far and slowest tests, as tables (title, columns, rows)."""
    short = run["run_id"][:render.RUN_ID_LENGTH]
    so_far = " so far" if run["status"] == "running" else ""
    tables = []
    if run["failures"]:
        failed = run["failed"] + run["error"] + run["quarantined"]
        shown = f"the latest {len(run['failures'])} of " if failed > len(run["failures"]) else ""
        tables.append((f"{short}: {shown}{plural(failed, 'failure')}{so_far}",
                       [render.nodeid_column(), _C("outcome", priority=1), _C("error", priority=2),
                        _C("message", priority=3, fit=render.WRAP)],
                       [[f["nodeid"], render.outcome(f["outcome"]), f["error_type"] or "",
                         (f["message"] or "").splitlines()[0] if f["message"] else ""] for f in run["failures"]]))
    if run["slowest"]:
        tables.append((f"{short}: slowest{so_far}", [render.nodeid_column(), _C("outcome", priority=2),
                                                    _C("duration", right=True, priority=1)],
                       [[s["nodeid"], render.outcome(s["outcome"]), render.seconds(s["duration"])]
                        for s in run["slowest"]]))
    return tables


def _blocks(view: dict[str, Any], runs: list[dict[str, Any]], title: str) -> list[tuple[str | None, list, list]]:
    now = view["at"]
    blocks: list[tuple[str | None, list, list]] = [(title, _RUNS, _runs_rows(runs, now))]
    for run in runs:
        if run["status"] == "running" or len(runs) == 1:
            blocks.extend(_details(run))
    return blocks


def _title(view: dict[str, Any]) -> str:
    where = f" in {view['project']}" if view["project"] else ""
    return f"{plural(view['running'], 'run')} running{where} ({render.when(view['at'])})"


def _print(blocks: list[tuple[str | None, list, list]], wide: bool) -> None:
    title, _, rows = blocks[0]
    if not rows:
        click.echo(title.replace("0 runs running", "no run running, none just ended", 1))
        return
    for index, (title, columns, rows) in enumerate(blocks):
        if index:
            click.echo("")
        render.table(title, columns, rows, wide=wide)


def _renderable(blocks: list[tuple[str | None, list, list]], width: int) -> Group:
    parts: list[Any] = []
    for title, columns, rows in blocks:
        parts += [render.layout(title, columns, rows, width=width).table, Text("")]
    return Group(*parts)


@click.command()
@click.argument("run_id", required=False)
@click.option("--project", help="this project's runs (default: as pytest --vpt would name it)")
@click.option("--since", default="1d", show_default=True, metavar="WHEN",
              help="runs started since WHEN (12h, 7d, 2026-11-01)")
@click.option("--recent", default="5m", show_default=True, metavar="SPAN",
              help="runs that ended this recently are shown too (0 for none)")
@click.option("-n", "--limit", default=20, show_default=True, type=click.IntRange(1, RUNS_MAX), help="runs at most")
@click.option("--failures", default=10, show_default=True, type=click.IntRange(0, ITEMS_MAX),
              help="latest failures shown per run")
@click.option("--slowest", default=5, show_default=True, type=click.IntRange(0, ITEMS_MAX),
              help="slowest tests shown per run")
@click.option("-f", "--follow", is_flag=True, help="keep refreshing until Ctrl-C (with --json: a JSON line per change)")
@click.option("--every", default=1.0, show_default=True, type=click.FloatRange(0.2, 3600),
              help="seconds between two reads with --follow")
@render.json_option
@render.wide_option
@click.pass_obj
def live(store_option: StoreOption, run_id: str | None, project: str | None, since: str, recent: str, limit: int,
         failures: int, slowest: int, follow: bool, every: float, as_json: bool, wide: bool) -> None:
    """Runs in progress: tests, passed and failed so far, the pass rate so far, the latest
    failures and the slowest tests so far (RUN_ID: one run, running or not)."""
    start = window_start(since, longest=WINDOW_MAX)
    ended = 0.0 if recent.strip() == "0" else parse_span(recent)
    with store_option.history(project or store_option.settings.project) as history:
        def read() -> dict[str, Any]:
            now = time.time()
            try:
                if run_id is not None:
                    found = history.live(run_id, failures, slowest).to_dict()
                    return {"project": history.project, "at": now, "running": int(found["status"] == "running"),
                            "runs": [found]}
                return history.live_runs(now - start, ended, limit, failures, slowest, now).to_dict()
            except (RunNotFound, RunIdAmbiguous) as exc:
                raise click.BadParameter(str(exc), param_hint="'RUN_ID'") from None
            except BadLiveRead as exc:
                raise click.BadParameter(str(exc), param_hint=f"'--{exc.field}'") from None

        if not follow:
            view = read()
            if as_json:
                render.emit_json(view if run_id is None else view["runs"][0])
            else:
                _print(_blocks(view, view["runs"], _title(view)), wide)
            return
        _follow(read, every, as_json, run_id is not None)


def _follow(read: Callable[[], dict[str, Any]], every: float, as_json: bool, one: bool) -> None:
    """Read every ``every`` seconds until Ctrl-C or SIGTERM: a live table on a terminal, else
    a JSON line (``--json``) or the tables each time the view changed."""
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    console = Console(highlight=False)
    try:
        if console.is_terminal and not as_json:
            with Live(console=console, refresh_per_second=4, transient=False) as shown:
                while not stop.is_set():
                    view = read()
                    shown.update(_renderable(_blocks(view, view["runs"], _title(view)), console.width))
                    stop.wait(every)
            return
        told = None
        while not stop.is_set():
            view = read()
            mark = _fingerprint(view)
            if mark != told:
                told = mark
                if as_json:
                    click.echo(json.dumps(view if not one else view["runs"][0], separators=(",", ":")))
                else:
                    _print(_blocks(view, view["runs"], _title(view)), False)
                    click.echo("")
            stop.wait(every)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)


def _fingerprint(view: dict[str, Any]) -> Any:
    """The view without its clock (when it was read, each run's elapsed time)."""
    return [{key: value for key, value in run.items() if key != "elapsed"} for run in view["runs"]]
