"""SMS through Twilio's Messages API: ``POST /2010-04-01/Accounts/{AccountSid}/Messages.json``
with HTTP Basic (AccountSid:AuthToken), form-encoded ``To``, ``From`` (or
``MessagingServiceSid``) and ``Body`` (at most 1,600 characters), one message per recipient.
The auth token is the secret. Twilio answers 201 ``{"sid": "SM...", "status": "queued"}``.
A retry of a notification sends only to the recipients not reached yet (no second SMS)."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import ClassVar
from urllib.parse import quote, urlencode

from ..notification import Notification
from ..secrets import Secret
from . import render
from .http import basic_auth, post
from .options import Options

API_URL = "https://api.twilio.com"
BODY_CHARS = 1600
_SID = re.compile(r"(AC|MG)[0-9a-fA-F]{32}")


@dataclass(frozen=True)
class TwilioChannel:
    kind: ClassVar[str] = "sms"
    name: str
    account_sid: str | Secret
    auth_token: Secret
    to: tuple[str, ...]
    sender: str | None = None  # From, E.164
    messaging_service_sid: str | None = None
    url: str = API_URL
    timeout: float = 10.0
    _reached: OrderedDict = field(default_factory=OrderedDict, init=False, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False, compare=False)

    @classmethod
    def from_options(cls, options: Options) -> TwilioChannel:
        sid = options.text_or_secret("account_sid", required=True)
        if isinstance(sid, str) and not sid.startswith("AC"):
            raise options.error("account_sid", "must be a Twilio Account SID (AC followed by 32 hex digits)")
        channel = cls(options.name, sid, options.secret("auth_token"), options.phone_numbers("to"),
                      options.phone_number("from"), options.text("messaging_service_sid", limit=34),
                      options.url("url", API_URL), options.number("timeout", 10.0, 0.1, 120))
        if (channel.sender is None) == (channel.messaging_service_sid is None):
            raise options.error("from", "give either from (a phone number) or messaging_service_sid")
        if channel.messaging_service_sid and not _SID.fullmatch(channel.messaging_service_sid):
            raise options.error("messaging_service_sid", "must be MG followed by 32 hex digits")
        return channel

    def send(self, notification: Notification) -> None:
        sid = self.account_sid.reveal() if isinstance(self.account_sid, Secret) else self.account_sid
        token = self.auth_token.reveal()
        url = f"{self.url.rstrip('/')}/2010-04-01/Accounts/{quote(sid, safe='')}/Messages.json"
        headers = {"Authorization": basic_auth(sid, token), "Content-Type": "application/x-www-form-urlencoded",
                   "Accept": "application/json"}
        text = render.plain(notification, BODY_CHARS)
        reached = self._reached_for(notification)
        for number in self.to:
            if number in reached:
                continue
            fields = {"To": number, "Body": text}
            fields.update({"From": self.sender} if self.sender else {"MessagingServiceSid": self.messaging_service_sid})
            post(f"sms channel {self.name!r}", url, urlencode(fields).encode(), headers, self.timeout,
                 secrets=(token, sid) if isinstance(self.account_sid, Secret) else (token,))
            reached.add(number)

    def _reached_for(self, notification: Notification) -> set[str]:
        """The recipients this notification reached already (kept for the last few sent)."""
        with self._lock:
            key = id(notification)
            if key not in self._reached or self._reached[key][0] is not notification:
                self._reached[key] = (notification, set())
                while len(self._reached) > 32:
                    self._reached.popitem(last=False)
            return self._reached[key][1]
