"""Real endpoints on 127.0.0.1 for the alert channels: one HTTP server that answers like
Slack, PagerDuty, Twilio, ntfy, a webhook receiver and Alertmanager, records every request
(path, headers, body, when) and, when told, answers 429 with Retry-After or 500 a number of
times; and a real SMTP server (aiosmtpd) with STARTTLS or SMTPS on a self-signed certificate
and AUTH.

    with AlertEndpoints() as endpoints:
        url = endpoints.slack_url("ops")       # http://127.0.0.1:PORT/slack/services/T0/B0/ops
        endpoints.fail("/slack/", status=429, times=1, retry_after=2)
        ...
        (request,) = endpoints.received("/slack/")
"""

from __future__ import annotations

import base64
import contextlib
import datetime
import json
import secrets
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from pytest_vpt.alerts.notification import AlertInstance, Notification

MAX_BODY = 8 << 20
PD_ACTIONS = {"trigger", "acknowledge", "resolve"}
PD_SEVERITIES = {"critical", "error", "warning", "info"}


@dataclass
class Recorded:
    """One request as the endpoint received it."""

    method: str
    path: str
    headers: dict[str, str]  # names as sent
    body: bytes
    at: float  # time.time() when it arrived
    status: int = 0  # what the endpoint answered

    def header(self, name: str) -> str | None:
        return next((value for key, value in self.headers.items() if key.lower() == name.lower()), None)

    def json(self):
        return json.loads(self.body)

    def form(self) -> dict[str, list[str]]:
        return parse_qs(self.body.decode("ascii"), keep_blank_values=True, strict_parsing=True)

    def basic_auth(self) -> tuple[str, str] | None:
        value = self.header("Authorization") or ""
        if not value.startswith("Basic "):
            return None
        user, _, password = base64.b64decode(value[6:]).decode().partition(":")
        return user, password


@dataclass
class _Rule:
    prefix: str
    status: int
    times: int
    retry_after: str | None
    body: bytes
    delay: float = 0.0
    until: str | None = None  # held until a request under this prefix has arrived
    after: int = 0  # requests let through first


@dataclass
class AlertEndpoints:
    """The HTTP side; each channel has its own path prefix."""

    _requests: list[Recorded] = field(default_factory=list)
    _rules: list[_Rule] = field(default_factory=list)
    _auth: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._changed = threading.Condition()
        handler = type("Handler", (_Handler,), {"endpoints": self})
        self._server = _QuietServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()

    # where each channel points
    def slack_url(self, name: str = "ops") -> str:
        return f"{self.url}/slack/services/T0000/B0000/{name}"

    @property
    def pagerduty_url(self) -> str:
        return f"{self.url}/v2/enqueue"

    @property
    def twilio_url(self) -> str:
        return self.url

    def ntfy_url(self, topic: str = "vpt-alerts") -> str:
        return f"{self.url}/ntfy/{topic}"

    def webhook_url(self, name: str = "hook") -> str:
        return f"{self.url}/webhook/{name}"

    @property
    def alertmanager_url(self) -> str:
        return f"{self.url}/alertmanager"

    # what it answers
    def fail(self, prefix: str, status: int = 500, times: int = 1, retry_after: float | str | None = None,
             body: str = "", delay: float = 0.0, after: int = 0) -> None:
        """Answer ``times`` requests under ``prefix`` with ``status`` (``delay`` s late), once
        ``after`` more have been answered normally."""
        with self._changed:
            self._rules.append(_Rule(prefix, status, times, None if retry_after is None else str(retry_after),
                                     body.encode(), delay, after=after))

    def slow(self, prefix: str, seconds: float, times: int = 1) -> None:
        """Answer the next ``times`` requests under ``prefix`` normally, ``seconds`` late."""
        self.fail(prefix, status=0, times=times, delay=seconds)

    def hold(self, prefix: str, until: str, times: int = 1) -> None:
        """Hold the answer to the next request under ``prefix`` until one under ``until`` has
        arrived (at most 10 s): proof that the two were sent at once, not one after the other."""
        with self._changed:
            self._rules.append(_Rule(prefix, 0, times, None, b"", until=until))

    def _wait_arrival(self, prefix: str, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        with self._changed:
            while not any(each.path.startswith(prefix) for each in self._requests) and time.monotonic() < deadline:
                self._changed.wait(deadline - time.monotonic())

    def require(self, prefix: str, authorization: str) -> None:
        """Refuse (401) requests under ``prefix`` without this Authorization header."""
        self._auth[prefix] = authorization

    # what it received
    def received(self, prefix: str = "/") -> list[Recorded]:
        with self._changed:
            return [each for each in self._requests if each.path.startswith(prefix)]

    def wait_for(self, prefix: str, count: int, timeout: float = 10.0) -> list[Recorded]:
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(found := [each for each in self._requests if each.path.startswith(prefix)]) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{len(found)} requests under {prefix}, not {count}, after {timeout} s")
                self._changed.wait(left)
            return found

    def clear(self) -> None:
        with self._changed:
            self._requests.clear()
            self._rules.clear()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> AlertEndpoints:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _take_rule(self, path: str) -> _Rule | None:
        with self._changed:
            for rule in self._rules:
                if path.startswith(rule.prefix) and rule.times > 0:
                    if rule.after > 0:
                        rule.after -= 1
                        return None
                    rule.times -= 1
                    return rule
        return None

    def _record(self, request: Recorded) -> None:
        with self._changed:
            self._requests.append(request)
            self._changed.notify_all()


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:  # a client that gave up (a timeout test)
        pass


class _Handler(BaseHTTPRequestHandler):
    endpoints: AlertEndpoints
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        self._answer(405, b"", "text/plain")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(min(length, MAX_BODY))
        request = Recorded("POST", urlsplit(self.path).path, dict(self.headers.items()), body, time.time())
        rule = self.endpoints._take_rule(request.path)
        if rule and rule.delay:
            time.sleep(rule.delay)
        if rule and rule.until:
            self.endpoints._wait_arrival(rule.until)
        if rule and rule.status:
            status, answer, kind = rule.status, rule.body, "text/plain"
            extra = {"Retry-After": rule.retry_after} if rule.retry_after is not None else {}
        else:
            status, answer, kind = self._service(request)
            extra = {}
        request.status = status
        self.endpoints._record(request)
        self._answer(status, answer, kind, extra)

    def _answer(self, status: int, body: bytes, kind: str, extra: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def _service(self, request: Recorded) -> tuple[int, bytes, str]:
        for prefix, wanted in self.endpoints._auth.items():
            if request.path.startswith(prefix) and request.header("Authorization") != wanted:
                return 401, json.dumps({"code": 40101, "http": 401, "error": "unauthorized"}).encode(), "application/json"
        path = request.path
        if path.startswith("/slack/"):
            return _slack(request)
        if path == "/v2/enqueue":
            return _pagerduty(request)
        if path.startswith("/2010-04-01/Accounts/") and path.endswith("/Messages.json"):
            return _twilio(request)
        if path.startswith("/ntfy/"):
            topic = path.removeprefix("/ntfy/")
            return 200, json.dumps({"id": secrets.token_hex(6), "time": int(time.time()), "event": "message",
                                    "topic": topic, "message": request.body.decode()}).encode(), "application/json"
        if path.startswith("/webhook/"):
            return 200, b"", "text/plain"
        if path == "/alertmanager/api/v2/alerts":
            return _alertmanager(request)
        return 404, b"404 page not found", "text/plain"


def _slack(request: Recorded) -> tuple[int, bytes, str]:
    try:
        message = request.json()
    except ValueError:
        return 400, b"invalid_payload", "text/plain"
    if not isinstance(message, dict) or not (message.get("text") or message.get("blocks")):
        return 400, b"no_text", "text/plain"
    blocks = message.get("blocks") or []
    if len(blocks) > 50 or any(len(block.get("text", {}).get("text", "")) > 3000 for block in blocks):
        return 400, b"invalid_blocks", "text/plain"
    return 200, b"ok", "text/html"


def _pagerduty(request: Recorded) -> tuple[int, bytes, str]:
    errors = []
    try:
        event = request.json()
    except ValueError:
        event = {}
        errors.append("Event object is invalid")
    if len(str(event.get("routing_key", ""))) != 32:
        errors.append("'routing_key' is invalid")
    if event.get("event_action") not in PD_ACTIONS:
        errors.append("'event_action' is missing or blank")
    if event.get("event_action") != "trigger" and not event.get("dedup_key"):
        errors.append("'dedup_key' is required for acknowledge and resolve")
    if event.get("event_action") == "trigger":
        payload = event.get("payload") or {}
        if not payload.get("summary") or len(payload["summary"]) > 1024:
            errors.append("'payload.summary' is missing or too long")
        if not payload.get("source"):
            errors.append("'payload.source' is missing or blank")
        if payload.get("severity") not in PD_SEVERITIES:
            errors.append("'payload.severity' is invalid")
    if len(str(event.get("dedup_key", ""))) > 255:
        errors.append("'dedup_key' is too long")
    if errors:
        body = {"status": "invalid event", "message": "Event object is invalid", "errors": errors}
        return 400, json.dumps(body).encode(), "application/json"
    body = {"status": "success", "message": "Event processed", "dedup_key": event.get("dedup_key") or secrets.token_hex(16)}
    return 202, json.dumps(body).encode(), "application/json"


def _twilio(request: Recorded) -> tuple[int, bytes, str]:
    sid = request.path.split("/")[3]
    auth = request.basic_auth()
    if auth is None or auth[0] != sid or not auth[1]:
        return _twilio_error(401, 20003, "Authenticate")
    try:
        form = {key: values[0] for key, values in request.form().items()}
    except ValueError:
        return _twilio_error(400, 21602, "Message body is required.")
    if not form.get("Body"):
        return _twilio_error(400, 21602, "Message body is required.")
    if len(form["Body"]) > 1600:
        return _twilio_error(400, 21617, "The concatenated message body exceeds the 1600 character limit.")
    if not form.get("To"):
        return _twilio_error(400, 21604, "A 'To' phone number is required.")
    if not (form.get("From") or form.get("MessagingServiceSid")):
        return _twilio_error(400, 21603, "A 'From' or 'MessagingServiceSid' parameter is required to send a message.")
    body = {"sid": "SM" + secrets.token_hex(16), "account_sid": sid, "status": "queued", "to": form["To"],
            "from": form.get("From"), "messaging_service_sid": form.get("MessagingServiceSid"), "body": form["Body"]}
    return 201, json.dumps(body).encode(), "application/json"


def _twilio_error(status: int, code: int, message: str) -> tuple[int, bytes, str]:
    body = {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}", "status": status}
    return status, json.dumps(body).encode(), "application/json"


def _alertmanager(request: Recorded) -> tuple[int, bytes, str]:
    try:
        alerts = request.json()
    except ValueError:
        return 400, json.dumps({"code": 400, "message": "invalid JSON"}).encode(), "application/json"
    if not isinstance(alerts, list) or not all(isinstance(each, dict) and each.get("labels") for each in alerts):
        return 400, json.dumps({"code": 400, "message": "labels are required"}).encode(), "application/json"
    return 200, b"", "application/json"


def sample_notification(groups: int = 1, status: str = "firing", rule: str = "Device Offline",
                        severity: str = "critical", **fields) -> Notification:
    """A notification of ``rule`` for ``groups`` devices (stb-000, stb-001, ...)."""
    alerts = tuple(AlertInstance(labels={"rule": rule, "severity": severity, "device": f"stb-{index:03d}"},
                                 value=0 if status == "firing" else None, starts_at=START + index,
                                 ends_at=START + 600 if status == "resolved" else None,
                                 fingerprint=f"{index:03d}" + "f" * 29, summary=f"stb-{index:03d} is offline")
                   for index in range(groups))
    return Notification(rule=rule, severity=severity, status=status, alerts=alerts,
                        summary=fields.pop("summary", f"{rule}: {groups} device(s)"), **fields)


START = 1764590400.0  # 2025-12-01T12:00:00Z


# --- SMTP -------------------------------------------------------------------------------------

@dataclass
class Mail:
    sender: str
    recipients: list[str]
    message: EmailMessage
    tls: bool  # the session was encrypted when it sent DATA
    login: str | None  # the user it authenticated as


def self_signed_certificate(directory: Path, host: str = "127.0.0.1") -> tuple[Path, Path]:
    """A certificate for ``host`` and its key, made now with the ``cryptography`` package."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number())
                   .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
                   .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(host))]), critical=False)
                   .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                   .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "smtp-cert.pem", directory / "smtp-key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


class SmtpServer:
    """A real SMTP server on 127.0.0.1 (aiosmtpd): ``security`` ``none``, ``starttls`` (required
    before MAIL) or ``ssl`` (SMTPS), with a self-signed certificate made in ``directory``
    (its path in :attr:`certificate`, for the client's ca_file); AUTH when ``login`` is given."""

    def __init__(self, directory: Path, security: str = "none", login: tuple[str, str] | None = None) -> None:
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult

        self.mails: list[Mail] = []
        self.refused_logins = 0
        self._arrived = threading.Condition()
        self.certificate: Path | None = None
        kwargs: dict = {}
        if security != "none":
            self.certificate, key = self_signed_certificate(directory)
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(self.certificate, key)
            if security == "starttls":
                kwargs.update(tls_context=context, require_starttls=True)
            else:
                kwargs.update(ssl_context=context)
        if login is not None:
            def authenticate(server, session, envelope, mechanism, data):
                ok = (data.login.decode(), data.password.decode()) == login
                if not ok:
                    self.refused_logins += 1
                return AuthResult(success=ok, handled=False, auth_data=data)

            kwargs.update(authenticator=authenticate, auth_required=True, auth_require_tls=security != "none")
        self.port = _free_port()
        self._controller = Controller(_Collector(self), hostname="127.0.0.1", port=self.port,
                                      server_hostname="127.0.0.1", **kwargs)
        self._controller.start()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Mail]:
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self.mails) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{len(self.mails)} mails, not {count}, after {timeout} s")
                self._arrived.wait(left)
            return list(self.mails)

    def close(self) -> None:
        self._controller.stop()

    def __enter__(self) -> SmtpServer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class _Collector:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_DATA(self, server, session, envelope) -> str:
        message = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        data = session.auth_data
        login = data.login.decode() if session.authenticated and hasattr(data, "login") else None
        tls = session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None
        mail = Mail(envelope.mail_from, list(envelope.rcpt_tos), message, tls, login)
        with self.server._arrived:
            self.server.mails.append(mail)
            self.server._arrived.notify_all()
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def slack_project(folder: Path, monkeypatch: Any, config: str) -> Iterator[AlertEndpoints]:
    """Recording endpoints for a project in ``folder`` (the working directory) whose vpt.yaml
    is ``config``, its ``${SLACK_WEBHOOK}`` the endpoints' Slack channel ``ops``."""
    with AlertEndpoints() as endpoints:
        monkeypatch.setenv("SLACK_WEBHOOK", endpoints.slack_url("ops"))
        monkeypatch.chdir(folder)
        (folder / "vpt.yaml").write_text(config, encoding="utf-8")
        yield endpoints
