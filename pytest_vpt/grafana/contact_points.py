"""The channels of ``alerts: channels:`` as Grafana contact points, no secret written: a secret
from the environment becomes Grafana's ``$__env{NAME}``, one from a file ``$__file{PATH}``,
which Grafana expands when it reads the provisioning file.

=============  ==========================  ====================================================
channel        Grafana contact point       what is carried over
=============  ==========================  ====================================================
slack          slack                       the incoming webhook's URL
email          email                       the addresses (Grafana sends through its own [smtp])
pagerduty      pagerduty                   the routing key, the source, a custom Events URL
webhook        webhook                     the URL, the bearer token, at most N alerts
alertmanager   prometheus-alertmanager     the URL (Grafana's takes no bearer token)
sms (Twilio)   webhook                     to a bridge: Grafana has no Twilio integration
ntfy           webhook                     the topic's URL, its token or user and password
=============  ==========================  ====================================================
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..alerts.channels.pagerduty import EVENTS_URL
from ..alerts.secrets import Secret

ORG = 1
_ENV_WORD = re.compile(r"[^A-Z0-9]+")


@dataclass(frozen=True)
class Receiver:
    """One channel as a Grafana integration (``type`` and ``settings``), and what its user should know."""

    channel: str
    kind: str
    settings: dict[str, Any]
    notes: tuple[str, ...] = ()


def expansion(secret: str | Secret) -> str:
    """``$__env{NAME}`` or ``$__file{PATH}`` for a secret (text stays as it is)."""
    if not isinstance(secret, Secret):
        return secret
    return f"$__env{{{secret.env}}}" if secret.env else f"$__file{{{secret.file}}}"  # where it is, never what it holds


def receiver(name: str, channel: Any) -> Receiver:
    """The Grafana integration of the channel ``name`` (a built channel of alerts.channels)."""
    kind = channel.kind
    if kind == "slack":
        return Receiver(name, "slack", {"url": expansion(channel.url)})
    if kind == "email":
        login = f", user = {channel.user}, password = {expansion(channel.password)}" if channel.user else ""
        return Receiver(name, "email", {"addresses": ";".join(channel.to), "singleEmail": True},
                        (f"channel {name}: Grafana sends e-mail through its own [smtp] settings in grafana.ini, not "
                         f"the channel's server: host = {channel.host}:{channel.port}, "
                         f"from_address = {channel.sender}{login}",))
    if kind == "pagerduty":
        settings = {"integrationKey": expansion(channel.routing_key),
                    "severity": '{{ or .CommonLabels.severity "critical" }}', "source": channel.source}
        if channel.url != EVENTS_URL:
            settings["url"] = expansion(channel.url)
        return Receiver(name, "pagerduty", settings)
    if kind == "webhook":
        settings = {"url": expansion(channel.url), "httpMethod": "POST"}
        if channel.token is not None:
            settings |= {"authorization_scheme": "Bearer", "authorization_credentials": expansion(channel.token)}
        if channel.max_alerts:
            settings["maxAlerts"] = channel.max_alerts
        return Receiver(name, "webhook", settings)
    if kind == "alertmanager":
        notes = ((f"channel {name}: Grafana's Alertmanager contact point sends no bearer token; give the "
                  "Alertmanager (or its proxy) basic auth or a network of its own"),) if channel.token else ()
        return Receiver(name, "prometheus-alertmanager", {"url": expansion(channel.url)}, notes)
    if kind == "ntfy":
        settings = {"url": expansion(channel.url), "httpMethod": "POST"}
        if channel.token is not None:
            settings |= {"authorization_scheme": "Bearer", "authorization_credentials": expansion(channel.token)}
        elif channel.user is not None:
            settings |= {"username": channel.user, "password": expansion(channel.password)}
        return Receiver(name, "webhook", settings,
                        (f"channel {name} (ntfy): Grafana has no ntfy integration; a webhook posts Grafana's JSON to "
                         "the topic, which ntfy shows as the message",))
    if kind == "sms":
        variable = "VPT_SMS_BRIDGE_URL_" + _ENV_WORD.sub("_", name.upper()).strip("_")
        settings = {"url": f"$__env{{{variable}}}", "httpMethod": "POST",
                    "username": expansion(channel.account_sid), "password": expansion(channel.auth_token)}
        return Receiver(name, "webhook", settings,
                        (f"channel {name} (sms): Grafana has no Twilio integration; a webhook posts Grafana's JSON, "
                         f"with the account SID and auth token as basic auth, to the bridge at ${variable} (set it in "
                         f"Grafana's environment), which sends it by SMS to {', '.join(channel.to)}",))
    raise ValueError(f"channel {name}: Grafana has no contact point for a {kind} channel")


def contact_points(receivers: Mapping[str, Receiver], wanted: list[tuple[str, ...]]) -> tuple[list[dict], dict]:
    """The contact points for ``wanted`` (each the channels one rule notifies, by name): one per
    channel, and one holding several channels' integrations for a rule notifying more than one.
    Returns them, and each wanted tuple's contact point name."""
    points: dict[str, dict[str, Any]] = {}
    names: dict[tuple[str, ...], str] = {}
    for channels in dict.fromkeys(wanted):
        name = point_name(channels, len(receivers))
        names[channels] = name
        if name not in points:
            points[name] = {"orgId": ORG, "name": name, "receivers": [
                {"uid": uid(f"{name}\0{channel}"), "type": receivers[channel].kind,
                 "settings": receivers[channel].settings, "disableResolveMessage": False}
                for channel in channels]}
    return [points[name] for name in sorted(points)], names


def point_name(channels: tuple[str, ...], known: int) -> str:
    if len(channels) == 1:
        return f"vpt {channels[0]}"
    return "vpt all channels" if len(channels) == known else "vpt " + " + ".join(channels)


def uid(text: str, prefix: str = "vpt-") -> str:
    """A uid Grafana takes (at most 40 letters, digits, '-'), the same for the same text on every run."""
    return prefix + hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]
