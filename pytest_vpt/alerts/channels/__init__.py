"""The alert channels, one module each, and :func:`build_channels`, which reads the
``channels:`` mapping of vpt.yaml's ``alerts:`` section (name -> ``{type: ..., fields}``)::

    alerts:
      channels:
        ops-slack: {type: slack, url: {env: SLACK_WEBHOOK_URL}}
        oncall: {type: pagerduty, routing_key: {file: /run/secrets/pd_key}}

Each mistake is a :class:`ChannelConfigError` naming the file, the channel and the field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..notification import Channel
from .alertmanager import AlertmanagerChannel
from .ntfy import NtfyChannel
from .options import ChannelConfigError, Options
from .pagerduty import PagerDutyChannel
from .slack import SlackChannel
from .smtp import EmailChannel
from .twilio import TwilioChannel
from .webhook import WebhookChannel

#: channel type (``type:`` in the configuration) -> its class
KINDS: dict[str, Any] = {each.kind: each for each in (
    SlackChannel, EmailChannel, PagerDutyChannel, WebhookChannel, TwilioChannel, NtfyChannel, AlertmanagerChannel)}
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
MAX_CHANNELS = 100

__all__ = ["KINDS", "ChannelConfigError", "build_channels"]


def build_channels(config: Mapping[str, Any] | None, source: str = "vpt.yaml") -> dict[str, Channel]:
    """The channels of ``config`` (the ``channels:`` mapping), by name; ``source`` names the
    file in the errors."""
    if config is None:
        return {}
    if not isinstance(config, Mapping):
        raise ChannelConfigError(f"{source}: alerts.channels must be a mapping of names to channels, "
                                 f"not {type(config).__name__}")
    if len(config) > MAX_CHANNELS:
        raise ChannelConfigError(f"{source}: alerts.channels holds {len(config)} channels; at most {MAX_CHANNELS}")
    built: dict[str, Channel] = {}
    for name, values in config.items():
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise ChannelConfigError(f"{source}: alerts.channels: {str(name)[:70]!r} is not a channel name "
                                     "(letters, digits, '.', '_', '-'; at most 64)")
        if not isinstance(values, Mapping):
            raise ChannelConfigError(f"{source}: alerts.channels.{name}: must be a mapping with a type, "
                                     f"not {type(values).__name__}")
        kind = values.get("type")
        if kind not in KINDS:
            raise ChannelConfigError(f"{source}: alerts.channels.{name}: field 'type': must be one of "
                                     f"{', '.join(KINDS)}, not {str(kind)[:40]!r}")
        options = Options(name, kind, values, source)
        channel = KINDS[kind].from_options(options)
        options.done()
        built[name] = channel
    return built
