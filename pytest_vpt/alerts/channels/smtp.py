"""E-mail over SMTP (the standard library's smtplib and EmailMessage): one message to every
recipient, plain text with an HTML alternative (a notification's, or content of the caller's
own through :meth:`EmailChannel.send_mail`: the SLA report); STARTTLS (port 587, the default), SMTPS
(``security: ssl``, port 465) or none (a relay on the same host); authentication when a user
is given, its password the secret."""

from __future__ import annotations

import html
import smtplib
import socket
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import ClassVar

from ..notification import DeliveryError, Notification
from ..secrets import Secret, scrub
from . import render
from .http import tls_context
from .options import Options

PORTS = {"starttls": 587, "ssl": 465, "none": 25}
TEXT_CHARS = 100_000


@dataclass(frozen=True)
class EmailChannel:
    kind: ClassVar[str] = "email"
    name: str
    host: str
    sender: str
    to: tuple[str, ...]
    port: int = 587
    security: str = "starttls"
    user: str | None = None
    password: Secret | None = None
    ca_file: Path | None = None  # a private CA (or a self-signed server's certificate)
    subject_prefix: str = "[vpt]"
    timeout: float = 20.0

    @classmethod
    def from_options(cls, options: Options) -> EmailChannel:
        security = options.choice("security", tuple(PORTS), "starttls")
        sender = options.addresses("from")
        if len(sender) != 1:
            raise options.error("from", "must be one e-mail address")
        channel = cls(options.name, options.text("host", required=True, limit=253),
                      sender[0], options.addresses("to"),
                      int(options.number("port", PORTS[security], 1, 65535)), security,
                      options.text("user", limit=256), options.secret("password", required=False),
                      options.path("ca_file"), options.text("subject_prefix", "[vpt]", limit=40),
                      options.number("timeout", 20.0, 0.1, 120))
        if (channel.user is None) != (channel.password is None):
            raise options.error("user" if channel.user is None else "password", "user and password go together")
        if channel.user is not None and security == "none":
            raise options.error("security", "a password is not sent without TLS: use starttls or ssl")
        return channel

    def send(self, notification: Notification) -> None:
        self._submit(message(notification, self.sender, self.to, self.subject_prefix))

    def send_mail(self, subject: str, text: str, html_body: str, recipients: tuple[str, ...] | None = None) -> None:
        """Send a mail of the caller's own: ``subject`` (after the channel's prefix), the
        text, and ``html_body`` as its HTML alternative, to ``recipients`` (None: the
        channel's ``to``); a :class:`DeliveryError` when it could not."""
        to = self.to if recipients is None else tuple(recipients)
        if not 1 <= len(to) <= 100 or not all(isinstance(each, str) and "@" in each and "\n" not in each for each in to):
            raise DeliveryError(f"email channel {self.name!r}: 1 to 100 recipient addresses are needed", permanent=True)
        self._submit(own_message(f"{self.subject_prefix} {subject}".strip(), text, html_body, self.sender, to))

    def _submit(self, mail: EmailMessage) -> None:
        where = f"email channel {self.name!r}"
        password = self.password.reveal() if self.password is not None else None
        context = tls_context(self.ca_file)
        try:
            if self.security == "ssl":
                client = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
            else:
                client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            with client:
                if self.security == "starttls":
                    client.starttls(context=context)
                if password is not None:
                    client.login(self.user, password)
                client.send_message(mail)
        except smtplib.SMTPResponseException as exc:
            said = scrub(exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes)
                         else str(exc.smtp_error), [password or ""])
            permanent = 500 <= exc.smtp_code < 600
            raise DeliveryError(f"{where}: the server said {exc.smtp_code} {' '.join(said.split())[:200]}",
                                permanent=permanent) from None
        except smtplib.SMTPRecipientsRefused as exc:
            raise DeliveryError(f"{where}: every recipient was refused ({len(exc.recipients)})", permanent=True) from None
        except smtplib.SMTPNotSupportedError:
            raise DeliveryError(f"{where}: the server does not offer {self.security.upper()} or AUTH", permanent=True) from None
        except ssl.SSLError as exc:
            raise DeliveryError(f"{where}: TLS failed ({exc.reason or type(exc).__name__})") from None
        except (TimeoutError, socket.timeout):
            raise DeliveryError(f"{where}: no answer within {self.timeout:g} s") from None
        except (smtplib.SMTPException, OSError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
            raise DeliveryError(f"{where}: cannot deliver to {self.host}:{self.port} ({reason})") from None


def own_message(subject: str, text: str, html_body: str, sender: str, to: tuple[str, ...]) -> EmailMessage:
    """An e-mail of ``subject`` (one line, cut to 200 characters), ``text`` and the
    ``html_body`` as its alternative (multipart/alternative)."""
    mail = _headed(subject, sender, to)
    mail.set_content(render.cut(text, TEXT_CHARS))
    mail.add_alternative(html_body, subtype="html")
    return mail


def _headed(subject: str, sender: str, to: tuple[str, ...]) -> EmailMessage:
    mail = EmailMessage()
    mail["Subject"] = render.cut(" ".join(subject.split()), 200)
    mail["From"] = sender
    mail["To"] = ", ".join(to)
    mail["Date"] = formatdate(usegmt=True)
    mail["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    return mail


def message(notification: Notification, sender: str, to: tuple[str, ...], prefix: str = "[vpt]") -> EmailMessage:
    """The e-mail: a one-line subject, the text, and the same as HTML."""
    mail = _headed(f"{prefix} {render.headline(notification)}".strip(), sender, to)
    lines = [render.alert_line(alert, notification.status) for alert in notification.alerts]
    summary = render.one_line(notification.summary) if notification.summary != notification.rule else ""
    text = "\n".join([render.headline(notification), *([summary] if summary else []), "", *(f"- {line}" for line in lines)])
    if notification.url:
        text += f"\n\n{notification.url}"
    mail.set_content(render.cut(text, TEXT_CHARS))
    mail.add_alternative(_html(notification, summary, lines), subtype="html")
    return mail


def _html(notification: Notification, summary: str, lines: list[str]) -> str:
    colour = {"firing": "#c62828", "resolved": "#2e7d32"}[notification.status]
    items = "".join(f"<li>{html.escape(line)}</li>" for line in lines[:1000])
    if len(lines) > 1000:
        items += f"<li>{render.more(len(lines) - 1000)}</li>"
    link = (f'<p><a href="{html.escape(notification.url, quote=True)}">Open in pytest-vpt</a></p>'
            if notification.url and notification.url.startswith(("http://", "https://")) else "")
    return (f'<!doctype html><html><body style="font-family:sans-serif">'
            f'<h2 style="color:{colour}">{html.escape(render.headline(notification))}</h2>'
            + (f"<p>{html.escape(summary)}</p>" if summary else "")
            + f"<ul>{items}</ul>{link}</body></html>")
