"""``vpt push``: JUnit XML reports (``vpt push FILES...``), a result file of ``pytest --vpt``
(``--vpt-result-file``) or the spool (``--spool``) into the history: a vpt server's
(``--server``, VPT_SERVER; token in VPT_TOKEN) or the store's.

Exit codes: 0 sent; 3 bad input (a file that cannot be read as it should: nothing is sent);
4 the server or store refused or could not be reached (what was not sent is spooled, and
``vpt push --spool`` sends it later); 2 a mistake on the command line; 1 GitHub mode's
``--fail-on`` applies, or ``--spool`` left or rejected batches. In GitHub Actions the run is
then reported to the workflow (pytest_vpt.ci.publish).
"""

from __future__ import annotations

import glob
import os
from pathlib import Path
from typing import Any

import click

from .. import __version__
from ..ci import FAIL_ON
from ..config import SettingsError, parse_labels
from ..context import detect
from ..redaction import redact_text, redact_url
from ..sinks import open_sink
from ..sinks.base import SinkReport
from ..sinks.file import ResultFileError, send_result_file
from ..store.after_write import Analysis
from ..wording import plural
from . import render
from .context import StoreOption
from .progress import shown as progress_shown

BAD_INPUT, BACKEND = 3, 4
SHOWN = 20  # entries of a list shown as text
#: test attempts (rows, see store.test_rows) a transaction into a store: a quarter fewer seconds
#: a test than the plugin's 1,000; more saves little (the store's indexes are written at random)
#: and holds more (20,000 rows: about 100 MB at the peak)
STORE_BATCH = 5000
_MAGIC = ("*", "?", "[")


@click.command()
@click.argument("files", nargs=-1)
@click.option("--junit", is_flag=True, help="read FILES as JUnit XML (implied for files ending in .xml)")
@click.option("--vpt-result-file", "result_file", metavar="PATH",
              help="send the result file that pytest --vpt --vpt-result-file PATH wrote")
@click.option("--spool", "from_spool", is_flag=True, help="send the batches spooled in .vpt/spool")
@click.option("--project", metavar="NAME", help="the project of the run (default: VPT_PROJECT, the ini file's, "
              "or the project folder's name)")
@click.option("--label", "labels", multiple=True, metavar="KEY=VALUE", help="a tag on the run (repeatable)")
@click.option("--run-id", metavar="ID", help="the run's id: shards of one build giving the same one join one run "
              "(default: the CI job's, else a digest of the files)")
@click.option("--server", metavar="URL", help="the vpt server (default: VPT_SERVER or the vpt_server setting; "
              "with neither, write into the store)")
@click.option("--github/--no-github", "github", default=None, help="report the run to GitHub Actions (job "
              "summary, annotations, outputs; default: when GITHUB_ACTIONS=true)")
@click.option("--fail-on", type=click.Choice(FAIL_ON), default="never", show_default=True, envvar="VPT_FAIL_ON",
              help="in GitHub mode: exit 1 on any failure, or on regressions only")
@click.option("--json", "as_json", is_flag=True,
              help="print what was pushed as JSON (the exit code still says a problem)")
@click.pass_obj
def push(store_option: StoreOption, files: tuple[str, ...], junit: bool, result_file: str | None, from_spool: bool,
         project: str | None, labels: tuple[str, ...], run_id: str | None, server: str | None, github: bool | None,
         fail_on: str, as_json: bool) -> None:
    """Send JUnit XML FILES (globs welcome), a result file or the spool to a vpt server, or
    write them into the store."""
    sources = [bool(files), result_file is not None, from_spool]
    if sum(sources) != 1:
        raise click.UsageError("say what to push: FILES..., --vpt-result-file PATH or --spool (one of them)")
    url = server or store_option.settings.server
    if from_spool:
        _push_spool(store_option, url, as_json)
        return
    project = project or store_option.settings.project
    if result_file is not None:
        code, pushed_run = _push_result_file(store_option, url, Path(result_file), as_json)
    else:
        paths = expand(files, junit)
        try:
            run_labels = {**store_option.settings.labels, **parse_labels(list(labels), "--label")}
        except SettingsError as exc:
            raise click.UsageError(str(exc)) from None
        code, pushed_run = _push_junit(store_option, url, paths, project, run_labels, run_id, as_json)
    if pushed_run and (github if github is not None else os.environ.get("GITHUB_ACTIONS") == "true"):
        code = code or _publish(store_option, url, pushed_run, project, fail_on)
    if code:
        raise SystemExit(code)


def _publish(store_option: StoreOption, url: str | None, run_id: str, project: str, fail_on: str) -> int:
    """GitHub mode: the run's job summary, annotations and outputs; the exit code fail-on asks for."""
    from ..ci import PublishError, publish

    try:
        if url:
            return publish(url, run_id, os.environ, fail_on=fail_on).exit_code
        with store_option.history(project) as history:
            return publish(history, run_id, os.environ, fail_on=fail_on).exit_code
    except (PublishError, ValueError) as exc:
        click.echo(f"Error: GitHub mode: {redact_text(str(exc))}", err=True)
        return BACKEND


def expand(files: tuple[str, ...], junit: bool) -> list[Path]:
    """The files named, globs expanded (for shells that do not), each once; a name that
    matches nothing is bad input, a file not ending in .xml a mistake unless ``junit``."""
    paths: list[Path] = []
    for name in files:
        found = sorted(glob.glob(name, recursive=True)) if any(c in name for c in _MAGIC) else [name]
        if not found:
            _fail(BAD_INPUT, f"{name}: no file matches it")
        for path in map(Path, found):
            if not path.is_file():
                _fail(BAD_INPUT, f"{path}: no such file")
            if not junit and path.suffix.lower() != ".xml":
                raise click.UsageError(f"{path}: not a .xml file; pass --junit to read it as JUnit XML")
            if path not in paths:
                paths.append(path)
    return paths


def _sink(store_option: StoreOption, url: str | None) -> tuple[Any, str]:
    settings = store_option.settings
    batching = {} if url else {"batch_size": STORE_BATCH}
    sink = open_sink(url or settings.store, store_option.rootdir, Analysis(settings.flakiness, settings.policy),
                     **batching)
    return sink, redact_url(url) if url else sink.report.target


def _push_junit(store_option: StoreOption, url: str | None, paths: list[Path], project: str,
                labels: dict[str, str], run_id: str | None, as_json: bool) -> tuple[int, str]:
    """Push the reports; the exit code, and the run pushed."""
    from ..producers.junit import JUnitError
    from ..producers.junit.push import push_reports
    from .run_totals import server_totals, store_totals

    context = detect(os.environ, cwd=Path.cwd())
    context["vpt.version"] = __version__
    token = os.environ.get("VPT_TOKEN")
    totals = server_totals(url, token) if url else store_totals(store_option.settings.store, project)
    sink, target = _sink(store_option, url)
    sink.open()
    try:
        with progress_shown(f"pushing to {target}", "tests", quiet=as_json) as bar:
            pushed = push_reports(paths, sink, project=project, run_id=run_id, labels=labels, context=context,
                                  on_progress=bar.update, run_totals=totals)
    except JUnitError as exc:
        sink.close()
        _fail(BAD_INPUT, f"{exc}\nnothing was pushed", as_json)
    report = sink.close()
    problems = _problems(report, url)
    outcome = {**pushed.to_json(), "target": target, "project": project, "written": dict(report.written),
               "spooled": dict(report.spooled), "problems": problems}
    if as_json:
        render.emit_json(outcome)
    else:
        _say_pushed(pushed, target)
    return _said(problems), pushed.run_id


def _say_pushed(pushed: Any, target: str) -> None:
    counts = ", ".join(f"{n} {outcome}" for outcome, n in sorted(pushed.outcomes.items()))
    click.echo(f"run {pushed.run_id}: {plural(pushed.tests, 'test')} ({counts or 'none'}), "
               f"{plural(pushed.attempts, 'attempt')} from {plural(len(pushed.files), 'file')} into {target}")
    if pushed.counts.get("tests", 0) != pushed.tests:
        click.echo(f"the run now holds {plural(pushed.counts['tests'], 'test')} (with the other pushes of its id)")
    _listed("passed on a rerun", pushed.flaky)
    for status in ("flaky", "broken"):
        _listed(f"became {status}", [f"{n}: {why}" for n, s, why in pushed.changes.became if s == status])
    for what in ("entered", "left"):
        _listed(f"{what} quarantine", [f"{n}: {why}" for n, w, why in pushed.changes.quarantine if w == what])


def _listed(title: str, lines: list[str]) -> None:
    """A titled list, its first SHOWN lines and how many more (--json has them all)."""
    if lines:
        click.echo(f"{title} ({len(lines)}):")
        for line in lines[:SHOWN]:
            click.echo(f"  {line}")
        if len(lines) > SHOWN:
            click.echo(f"  ... and {len(lines) - SHOWN} more (--json lists them all)")


def _push_result_file(store_option: StoreOption, url: str | None, path: Path, as_json: bool) -> tuple[int, str | None]:
    """Send the result file; the exit code, and its last run."""
    sink, target = _sink(store_option, url)
    sink.open()
    try:
        done = send_result_file(path, sink)
    except ResultFileError as exc:
        sink.close()
        _fail(BAD_INPUT, f"{exc}\nnothing was pushed", as_json)
    report = sink.close()
    problems = _problems(report, url)
    if as_json:
        render.emit_json({"file": done.path, "runs": done.runs, "events": dict(done.events), "target": target,
                          "written": dict(report.written), "spooled": dict(report.spooled), "problems": problems})
    else:
        click.echo(f"{plural(sum(done.events.values()), 'event')} of {plural(len(done.runs), 'run')} "
                   f"({', '.join(done.runs)}) from {path} into {target}")
    return _said(problems), done.runs[-1] if done.runs else None


def _said(problems: list[str]) -> int:
    """Say the target's problems on stderr; the exit code they make."""
    if problems:
        click.echo("Error: " + "\n".join(problems), err=True)
    return BACKEND if problems else 0


def _problems(report: SinkReport, server: str | None) -> list[str]:
    """What the target did not take, and where it went."""
    problems = [redact_text(error) for error in report.errors]
    if report.spooled:
        problems.append(f"{plural(sum(report.spooled.values()), 'event')} spooled in .vpt/spool: "
                        "vpt push --spool sends them")
    if report.rejected:
        problems.append(f"{plural(sum(report.rejected.values()), 'event')} REJECTED by "
                        f"{'the server' if server else 'the store'}, kept in {report.rejected_in}")
    if report.lost:
        problems.append(f"{plural(sum(report.lost.values()), 'event')} NOT written")
    return problems


def _fail(code: int, message: str, as_json: bool = False) -> None:
    if as_json and code == BAD_INPUT:
        render.emit_json({"problems": [message]})
    click.echo(f"Error: {message}", err=True)
    raise SystemExit(code)


def _push_spool(store_option: StoreOption, server: str | None, as_json: bool) -> None:
    outcome, spool = _resend(store_option, server)
    if as_json:
        render.emit_json(outcome)
    else:
        click.echo(f"{plural(outcome['batches'], 'batch', 'batches')} ({plural(outcome['events'], 'event')}) "
                   f"{'sent to' if server else 'written into'} {outcome['target']}; "
                   f"{plural(outcome['left'], 'batch', 'batches')} left in {spool}")
    if outcome["problems"]:
        if as_json:
            raise SystemExit(1)
        raise click.ClickException("\n".join(outcome["problems"]))


def _resend(store_option: StoreOption, server: str | None) -> tuple[dict[str, Any], str]:
    """Send the spooled batches, oldest first, through the sink the next run would use; what
    was pushed, and the spool's folder."""
    sink, target = _sink(store_option, server)
    with progress_shown(f"sending to {target}" if server else f"writing into {target}", "batches") as bar:
        done = sink.resend(on_progress=bar.update)
    sink.close()
    spool = sink.spool
    problems = []
    if done.rejected_batches:
        refuser = "the server as invalid" if server else "the store"
        problems.append(f"{plural(done.rejected_batches, 'batch', 'batches')} ({plural(sum(done.rejected.values()), 'event')}) "
                        f"REJECTED by {refuser}, moved to {spool.rejected} (each with a .reason file)")
    if done.stopped:
        problems.append(f"{redact_text(done.stopped)}\nthe {plural(spool.depth(), 'batch', 'batches')} left are sent by "
                        "the next run or vpt push --spool")
    rejected = sum(done.rejected.values())
    return {"target": target, "batches": done.batches, "events": sum(done.sent.values()), "rejected_events": rejected,
            "rejected_in": str(spool.rejected) if rejected else None, "left": spool.depth(),
            "problems": problems}, str(spool.folder)
