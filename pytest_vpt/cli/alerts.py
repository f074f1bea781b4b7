"""``vpt alerts``: evaluate the rules once (``check``, exit 1 while something fires) or every
``--every`` (``run``), list the alerts (``list``), hold a rule's messages back (``silence``),
and send a test message through a channel (``test``).

One process at a time evaluates a store's rules (alerts.lead.Lead): ``run`` stands by while
another leads and takes over when it ends; ``check`` waits :data:`LEAD_WAIT` seconds for the
lead and, when another process keeps it, evaluates nothing (that process tells what fires)
and answers from the alerts as stored, its exit status the same: 1 while one fires."""

from __future__ import annotations

import json
import signal
import sys
import threading
import time
from pathlib import Path

import click

from ..alerts import Dispatcher, Evaluation, Evaluator, RuleSet, RulesError, load
from ..alerts.channels import ChannelConfigError, build_channels
from ..alerts.delivery import deliver
from ..alerts.lead import Lead
from ..alerts.loop import DRAIN, followed
from ..alerts.loop import run as run_loop
from ..alerts.notification import AlertInstance, Notification
from ..alerts.state import shown
from ..config_file import ConfigFileError
from ..history import History
from ..sla import Schedule
from ..wording import plural
from .context import StoreOption
from .render import Column, emit_json, json_option, span, table, when
from .timespec import parse_span

_rules_option = click.option("--rules", "rules_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                             help="a rules file (alerts: [...]) besides vpt.yaml's alerts: section")
_config_option = click.option("--config", "config", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                              help="the configuration file (default: vpt.yaml in the project)")


def _ruleset(store_option: StoreOption, config: Path | None, rules_file: Path | None) -> RuleSet:
    try:
        return load(store_option.rootdir, config, rules_file)
    except (RulesError, ConfigFileError) as exc:
        raise click.ClickException(str(exc)) from None


def _channels(ruleset: RuleSet) -> dict:
    try:
        return build_channels(dict(ruleset.channels), ruleset.source)
    except (ChannelConfigError, ConfigFileError) as exc:
        raise click.ClickException(str(exc)) from None


#: seconds ``vpt alerts check`` waits for the lead of the rules (another check, a run's end)
LEAD_WAIT = 3.0


def _group(labels: dict) -> str:
    shown_labels = {k: v for k, v in labels.items() if k != "project"} or labels
    return ", ".join(f"{k}={v}" if k not in ("device", "stream") else v for k, v in sorted(shown_labels.items()))


@click.group()
def alerts() -> None:
    """Alert rules: evaluate them, list their alerts, silence them, test a channel."""


@alerts.command()
@_rules_option
@_config_option
@json_option
@click.pass_obj
def check(store_option: StoreOption, rules_file: Path | None, config: Path | None, as_json: bool) -> None:
    """Evaluate every rule once, now (exit 1 while an alert fires: for a CI job). While another
    process evaluates the rules (vpt server, vpt alerts run), tell what it stored instead."""
    ruleset = _ruleset(store_option, config, rules_file)
    channels = _channels(ruleset)
    with store_option.history() as history, history.alert_leadership() as leadership:
        if not leadership.lead_within(LEAD_WAIT):
            result = Evaluation(time.time(), firing=[s for s in history.alert_states() if s.state == "firing"])
            _tell_stored(result, leadership.where, as_json)
            sys.exit(1 if result.firing else 0)
        evaluator = Evaluator(history, ruleset, channels, Dispatcher(channels))
        try:
            result = evaluator.evaluate(time.time())
        finally:
            evaluator.close()  # every delivery ended and recorded: its failures in the result
    if as_json:
        emit_json({"evaluated": True, **result.to_dict()})
    else:
        _print_evaluation(result, len(ruleset.rules))
    if result.firing:
        sys.exit(1)


def _tell_stored(result: Evaluation, where: str, as_json: bool) -> None:
    """What ``check`` says when another process leads: that one evaluates, and what it stored."""
    who = f"another process evaluates the rules over {where} (vpt server, vpt alerts run)"
    if as_json:
        emit_json({"evaluated": False, "why": f"{who}: not evaluated here", **result.to_dict()})
        return
    click.echo(f"{who}:\nnot evaluated here; the alerts as it stored them:")
    _print_firing(result, "nothing fires")


def _print_firing(result: Evaluation, nothing: str) -> None:
    if not result.firing:
        click.echo(nothing)
        return
    rows = [(s.rule, _group(s.labels), shown(s.value), span(result.now - (s.firing_since or result.now)))
            for s in sorted(result.firing, key=lambda s: (s.rule, _group(s.labels)))]
    table(f"{plural(len(rows), 'alert')} firing", [Column("rule", key=True), Column("group", key=True),
                                                   Column("value", priority=3), Column("for", right=True)], rows)


def _print_evaluation(result: Evaluation, rules: int) -> None:
    for notification in result.notifications:
        click.echo(f"{'resolved' if notification.status == 'resolved' else 'firing'}: {notification.summary}")
    for rule, why in result.errors.items():
        click.echo(f"could not evaluate {rule!r}: {why}", err=True)
    for failure in result.failed_deliveries:
        click.echo(f"not delivered: {failure}", err=True)
    _print_firing(result, f"{plural(rules, 'rule')} evaluated: nothing fires")


@alerts.command("run")
@click.option("--every", default=None, metavar="SPAN", help="how often (default: alerts.every of vpt.yaml, 10s)")
@click.option("--for", "for_span", default=None, metavar="SPAN", help="stop after this long (default: Ctrl-C)")
@_rules_option
@_config_option
@json_option
@click.pass_obj
def run_command(store_option: StoreOption, every: str | None, for_span: str | None, rules_file: Path | None,
                config: Path | None, as_json: bool) -> None:
    """Evaluate the rules every --every until stopped, telling each notification as it goes;
    while another process evaluates them, stand by and take over when it ends."""
    ruleset = _ruleset(store_option, config, rules_file)
    interval = parse_span(every) if every else ruleset.every
    if interval < 1:
        raise click.BadParameter("at least 1s", param_hint="--every")
    channels = _channels(ruleset)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    if for_span:
        threading.Timer(parse_span(for_span), stop.set).start()
    if not as_json:
        click.echo(f"evaluating {plural(len(ruleset.rules), 'rule')} every {span(interval)} (Ctrl-C stops)")

    def told(result: Evaluation) -> None:
        if as_json:
            if result.notifications or result.errors or result.failed_deliveries:
                click.echo(json.dumps(result.to_dict()))
            return
        for notification in result.notifications:
            click.echo(f"{when(result.now)}  {notification.status}: {notification.summary}")
        for rule, why in result.errors.items():
            click.echo(f"{when(result.now)}  could not evaluate {rule!r}: {why}", err=True)
        for failure in result.failed_deliveries:
            click.echo(f"{when(result.now)}  not delivered: {failure}", err=True)

    with store_option.history() as history:
        project = store_option.settings.project  # the SLA's: the project's as pytest --vpt names it

        def sla_schedule(evaluated: History) -> Schedule | None:
            own = History(evaluated.store, project, evaluated.flakiness_settings)
            return Schedule.from_config(own, store_option.rootdir, config)

        def said(text: str) -> None:  # standing by, taking over
            if as_json:
                click.echo(json.dumps({"now": time.time(), "lead": text}))
            else:
                click.echo(f"{when(time.time())}  {text}")

        evaluator = Evaluator(history, ruleset, channels, Dispatcher(channels))
        evaluate = followed(evaluator, sla_schedule)  # and the SLA report when due
        lead = Lead(history.alert_leadership(), interval, said)
        try:
            count = run_loop(evaluate, interval, stop, told, lead=lead)
        finally:
            try:
                if evaluator.dispatcher.pending and not as_json:
                    click.echo(f"stopping: waiting {span(DRAIN)} at most for "
                               f"{plural(evaluator.dispatcher.pending, 'notification')} still being sent")
                late = evaluator.close(DRAIN)  # the deliveries still under way: waited for, the rest recorded undelivered
            finally:
                lead.release()
    for failure in late:
        if as_json:
            click.echo(json.dumps({"failed_deliveries": [failure]}))
        else:
            click.echo(f"not delivered: {failure}", err=True)
    if not as_json:
        click.echo(f"stopped after {plural(count, 'evaluation')}")


@alerts.command("rules")
@_rules_option
@_config_option
@json_option
@click.pass_obj
def rules_command(store_option: StoreOption, rules_file: Path | None, config: Path | None, as_json: bool) -> None:
    """The rules in force (the built-in ones included) and their conditions."""
    ruleset = _ruleset(store_option, config, rules_file)
    if as_json:
        emit_json({"every": ruleset.every, "rules": [rule.to_dict() for rule in ruleset.rules]})
        return
    table(f"{plural(len(ruleset.rules), 'rule')}, evaluated every {span(ruleset.every)}",
          [Column("rule", key=True), Column("condition", fit="wrap"), Column("for", right=True),
           Column("severity", priority=3)], [(r.name, r.condition, span(r.duration) if r.duration else "0s", r.severity)
                                             for r in ruleset.rules])


@alerts.command("list")
@_rules_option
@_config_option
@json_option
@click.pass_obj
def list_command(store_option: StoreOption, rules_file: Path | None, config: Path | None, as_json: bool) -> None:
    """The alerts pending, firing and lately resolved: since when, when last told, why the last
    delivery failed; and the silences."""
    now = time.time()
    with store_option.history() as history:
        states = history.alert_states()
        silences = history.alert_silences(now)
    if as_json:
        emit_json({"alerts": [s.to_dict() for s in states], "silences": [s.to_dict() for s in silences]})
        return
    if not states:
        click.echo("no alert pending, firing or lately resolved")
    else:
        order = {"firing": 0, "pending": 1, "resolved": 2}
        rows = [(s.rule, _group(s.labels), s.state,
                 _ago(now, s.resolved_at if s.state == "resolved" else s.firing_since or s.pending_since),
                 _ago(now, s.notified_at), shown(s.value))
                for s in sorted(states, key=lambda s: (order[s.state], s.rule, _group(s.labels)))]
        table(None, [Column("rule", key=True), Column("group", key=True), "state", Column("since", right=True),
                     Column("notified", right=True, priority=3), Column("value", priority=4)], rows)
        for s in states:
            if s.delivery_error:
                click.echo(f"not delivered: {s.rule} ({_group(s.labels)}): {s.delivery_error}")
    for silence in silences:
        click.echo(f"silenced: {silence.rule} until {when(silence.until)}" + (f" ({silence.reason})" if silence.reason else ""))


def _ago(now: float, at: float | None) -> str:
    return "never" if at is None else f"{span(max(0.0, now - at))} ago"


@alerts.command()
@click.argument("rule")
@click.option("--for", "for_span", default="2h", show_default=True, metavar="SPAN", help="how long")
@click.option("--reason", default="", help="why (shown by vpt alerts list)")
@click.option("--end", is_flag=True, help="end the rule's silence now instead")
@_rules_option
@_config_option
@json_option
@click.pass_obj
def silence(store_option: StoreOption, rule: str, for_span: str, reason: str, end: bool, rules_file: Path | None,
            config: Path | None, as_json: bool) -> None:
    """Hold back RULE's notifications for --for (its alerts are still evaluated)."""
    names = [each.name for each in _ruleset(store_option, config, rules_file).rules]
    if rule not in names:
        raise click.ClickException(f"no rule named {rule!r} (rules: {', '.join(names) or 'none'})")
    now = time.time()
    with store_option.history() as history:
        if end:
            ended = history.end_alert_silence(rule, now)
            if as_json:
                emit_json({"rule": rule, "ended": ended})
            else:
                click.echo(f"{rule}: {plural(ended, 'silence')} ended")
            return
        try:
            made = history.silence_alert(rule, parse_span(for_span), now, reason)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--for") from None
    if as_json:
        emit_json(made.to_dict())
    else:
        click.echo(f"{rule}: silenced until {when(made.until)}")


@alerts.command("test")
@click.argument("channel")
@_rules_option
@_config_option
@json_option
@click.pass_obj
def test_command(store_option: StoreOption, channel: str, rules_file: Path | None, config: Path | None,
                 as_json: bool) -> None:
    """Send a test message through CHANNEL (a name under alerts.channels)."""
    channels = _channels(_ruleset(store_option, config, rules_file))
    if channel not in channels:
        raise click.ClickException(f"no channel named {channel!r} (channels: {', '.join(sorted(channels)) or 'none'})")
    now = time.time()
    instance = AlertInstance({"rule": "vpt alerts test", "severity": "info"}, None, now, None,
                             f"test-{int(now)}", "a test message from vpt alerts test")
    notification = Notification("vpt alerts test", "info", "firing", (instance,),
                                "a test message from vpt alerts test", test=True)
    (result,) = deliver({channel: channels[channel]}, notification)
    if as_json:
        emit_json({"channel": result.channel, "kind": result.kind, "delivered": result.delivered,
                   "attempts": result.attempts, "error": result.error})
    elif result.delivered:
        click.echo(f"{channel}: delivered ({result.kind}, {plural(result.attempts, 'attempt')})")
    if not result.delivered:
        raise click.ClickException(result.error or f"{channel}: not delivered")
