"""``vpt devices`` (state and health of each device) and ``vpt monitor`` (sample them 24/7)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from rich.console import Console
from rich.live import Live
from rich.table import Table
from rich.text import Text

from ..devices import Device, DeviceConfigError, load_devices
from ..producers.monitor import Monitor, MonitorStatus, run_until_signalled
from ..redaction import redact_text
from ..wording import plural
from . import render
from .context import StoreOption
from .producer_alerts import no_alerts_option, rules_beside, tell
from .progress import shown as progress_shown
from .sink_account import failed, problems, producer_sink, sent, server_option, target_of, to_server
from .timespec import parse_span

_C = render.Column
_DEVICE = render.Column("device", key=True)
_EVERY_DEVICE = "\0every device"  # what --values alone stands for
_STATE_STYLES = {"online": "green", "offline": "red", "stale": "yellow", "unknown": "dim"}


def _state(text: str) -> Text:
    return Text(text, style=_STATE_STYLES.get(text, ""))


@click.group(invoke_without_command=True)
@click.option("--project", help="only this project's devices")
@click.option("--window", default="24h", show_default=True, metavar="SPAN",
              help="health and incidents over this span (30m, 24h, 7d), from the start of its first hour")
@click.option("--incidents", "show_incidents", is_flag=True, help="list the incidents in the window instead")
@click.option("--values", "values_of", is_flag=False, flag_value=_EVERY_DEVICE, metavar="[DEVICE]",
              help="the numbers the probes reported in the window (of every device, or of DEVICE) instead")
@render.json_option
@render.wide_option
@click.pass_context
def devices(ctx: click.Context, project: str | None, window: str, show_incidents: bool, values_of: str | None,
            as_json: bool, wide: bool) -> None:
    """Devices: current state, uptime, error rate, flaps, response times, MTBF and MTTR."""
    if ctx.invoked_subcommand is not None:
        return
    span = parse_span(window)
    if values_of is not None:
        _print_values(ctx.obj, project, None if values_of == _EVERY_DEVICE else values_of, span, as_json, wide)
        return
    with ctx.obj.history(project) as history:
        found = [record.to_dict() for record in (history.device_incidents(window=span, limit=1000) if show_incidents
                                                 else history.devices(window=span))]
    if as_json:
        render.emit_json(found)
    elif not found:
        click.echo("no incidents in the window" if show_incidents else
                   "no devices recorded yet: list them in vpt.yaml, then run pytest --vpt or vpt monitor")
    elif show_incidents:
        render.table(None, [_DEVICE, _C("started", priority=1), _C("ended", priority=2),
                            _C("duration", right=True, priority=1), _C("error", priority=2, fit=render.WRAP)], [
            [i["device"], render.when(i["started_at"]), render.when(i["ended_at"]) or Text("ongoing", style="red"),
             render.span(i["duration"]), i["error"]]
            for i in found
        ], wide=wide)
    else:
        columns = [_DEVICE, _C("kind", priority=3), _C("state", priority=1), _C("since", priority=3),
                   _C("uptime", right=True, priority=1), _C("errors", right=True, priority=2),
                   _C("flaps/h", right=True, priority=3), _C("p50", right=True, priority=2),
                   _C("p95", right=True, priority=3), _C("incidents", right=True, priority=2),
                   _C("MTBF", right=True, priority=3), _C("MTTR", right=True, priority=3),
                   _C("values", priority=2, fit=render.WRAP), _C("last error", priority=2, fit=render.WRAP)]
        rows = [
            [d["device"], d["kind"], _state(d["state"]), render.when(d["since"]), render.percent(d["uptime"]),
             render.percent(d["error_rate"]), "" if d["flaps_per_hour"] is None else f"{d['flaps_per_hour']:.2f}",
             render.seconds(d["rt_p50"]), render.seconds(d["rt_p95"]), d["incidents"], render.span(d["mtbf"]),
             render.span(d["mttr"]), probe_values(d["values"]), d["last_error"]]
            for d in found
        ]
        if not any(d["values"] for d in found):  # the values column only when a probe reports numbers
            columns, rows = columns[:-2] + columns[-1:], [row[:-2] + row[-1:] for row in rows]
        render.table(None, columns, rows, wide=wide)


def probe_values(values: dict[str, float]) -> str:
    """A sample's numbers for people: ``temperature=41.5 load=0.3``."""
    return " ".join(f"{name}={value:.6g}" for name, value in sorted(values.items()))


def _print_values(store_option: StoreOption, project: str | None, device: str | None, span: float, as_json: bool,
                  wide: bool) -> None:
    """The history of the probes' numbers: time, device, name, value; newest first."""
    with store_option.history(project) as history:
        found = [v.to_dict() for v in history.device_values(device, since=time.time() - span, limit=10_000)]
    if as_json:
        render.emit_json(found)
    elif not found:
        click.echo(f"no probe values in the window{f' for device {device!r}' if device else ''} "
                   "(a command probe reports them: name=value lines)")
    else:
        column = render.Column
        render.table(None, [column("time", key=True), column("device", key=True), column("name", key=True),
                            column("value", right=True, priority=1)],
                     [[render.when(v["time"]), v["device"], v["name"], f"{v['value']:.6g}"] for v in found], wide=wide)


@devices.command()
@click.option("--project", help="only this project's devices")
@render.json_option
@click.pass_obj
def rebuild(store_option: StoreOption, project: str | None, as_json: bool) -> None:
    """Derive incidents and hourly health again from all samples."""
    with store_option.history(project) as history:
        with progress_shown("device health", "devices", quiet=as_json) as bar:
            count = history.rebuild_devices(on_progress=bar.update)
    if as_json:
        render.emit_json({"devices": count})
        return
    click.echo(f"rebuilt the health of {plural(count, 'device')}")


def registry(store_option: StoreOption, config: str | None) -> list[Device]:
    """The device registry (``--config``, else VPT_CONFIG / vpt_config, else vpt.yaml or pyproject.toml)."""
    path = _config_path(store_option, config)
    try:
        found = load_devices(store_option.rootdir, path)
    except DeviceConfigError as exc:
        raise click.ClickException(str(exc)) from None
    if not found:
        raise click.ClickException(f"no devices registered: add a 'devices' list to {path or 'vpt.yaml'}")
    return found


def _config_path(store_option: StoreOption, config: str | None) -> Path | None:
    """``--config`` (in the project), else VPT_CONFIG / vpt_config, else None (vpt.yaml)."""
    return store_option.settings.config_file if config is None else store_option.rootdir / config


@click.command()
@click.option("--config", metavar="PATH", help="the file with the device registry and the alert rules "
              "(default: vpt.yaml)")
@click.option("--project", help="record under this project (default: as pytest --vpt would)")
@click.option("--flush", "flush_every", default=5.0, show_default=True, type=click.FloatRange(min=0.1),
              help="seconds between writes to the store")
@click.option("--for", "seconds", metavar="SPAN", help="stop after this span (30m, 24h); default: until Ctrl-C")
@server_option
@no_alerts_option
@click.pass_obj
def monitor(store_option: StoreOption, config: str | None, project: str | None, flush_every: float,
            seconds: str | None, server: str | None, no_alerts: bool) -> None:
    """Sample every registered device until stopped (Ctrl-C or SIGTERM), writing to the store
    or sending to a vpt server (token in VPT_TOKEN); the rules of the alerts: section are
    evaluated beside it while it writes a local store."""
    until = parse_span(seconds) if seconds else None  # a bad --for is refused before anything starts
    found = registry(store_option, config)
    settings = store_option.settings
    sink = producer_sink(store_option, server)
    beside, note = rules_beside(store_option, sink.report, _config_path(store_option, config), no_alerts)
    click.echo(f"monitoring {plural(len(found), 'device')} {target_of(sink.report)}; Ctrl-C stops", err=True)
    tell(note)
    watcher = Monitor(found, sink, project or settings.project, flush_every, beside)
    console = Console(highlight=False)
    if console.is_terminal:
        with Live(_view(watcher.status, console.width), console=console, refresh_per_second=2, transient=False) as live:
            status = run_until_signalled(watcher, until,
                                         lambda s: live.update(_view(s, console.width)))
    else:
        status = run_until_signalled(watcher, until, _Changes().print)
    samples = sum(view.samples for view in status.devices.values())
    alerts = f"; {status.beside}" if status.beside else ""
    click.echo(f"stopped: {plural(samples, 'sample')}, {sent(status.sink)}{problems(status.sink)}{alerts}", err=True)
    if failed(status.sink):
        sys.exit(1)


def _view(status: MonitorStatus, width: int) -> Table:
    """The live table of ``vpt monitor``, laid out for the terminal's width."""
    report = status.sink
    error = f"; NOT WRITTEN: {redact_text(report.errors[-1])}" if failed(report) and report.errors else ""
    alerts = f"; {status.beside}" if status.beside else ""
    title = (f"vpt monitor: {plural(len(status.devices), 'device')} since {render.when(status.started_at)}; "
             f"{sent(report)}{error}{alerts}")
    columns = [_DEVICE, _C("state", priority=1), _C("since", priority=3), _C("response", right=True, priority=2),
               _C("samples", right=True, priority=2), _C("failed", right=True, priority=1),
               _C("incidents", right=True, priority=2), _C("last error", priority=1, fit=render.WRAP)]
    rows = []
    for ident, view in status.devices.items():
        last = view.last
        state = "unknown" if last is None else "online" if last.online else "offline"
        rows.append([ident, _state(state), render.when(view.state.since), render.seconds(last and last.response_time),
                     view.samples, view.failed, view.incidents, (last and last.error) or ""])
    return render.layout(title, columns, rows, width=width).table


class _Changes:
    """Without a terminal: one line per change of state."""

    def __init__(self) -> None:
        self.seen: dict[str, bool | None] = {}
        self.told = 0  # the sink's errors already said
        self.alerts: str | None = None  # what the rules beside said last

    def print(self, status: MonitorStatus) -> None:
        for ident, view in status.devices.items():
            online = view.last.online if view.last else None
            if online is not None and self.seen.get(ident) != online:
                detail = "online" if online else f"offline: {view.last.error}"
                click.echo(f"{render.when(view.last.time)} {ident} {detail}")
            self.seen[ident] = online
        report = status.sink
        for reason in report.errors[self.told:]:
            click.echo(f"{'server' if to_server(report) else 'store'} error ({sent(report)}): {redact_text(reason)}",
                       err=True)
        self.told = len(report.errors)
        if status.beside and status.beside != self.alerts:
            click.echo(status.beside)
        self.alerts = status.beside
