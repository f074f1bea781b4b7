"""Probes over the network: a TCP connect, an HTTP request, an ICMP echo."""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import os
import socket
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import h11
import icmplib

from ...redaction import redact_url
from .base import Probe, ProbeConfigError, ProbeFailed, ProbeOutcome, check_host, port_field, text_field

_BODY_LIMIT = 1 << 20  # bytes of a response a content check reads at most


async def _connect(sock: socket.socket, address: tuple) -> None:
    """Connect a non-blocking socket. The probes due at one moment start together, so by the
    time this one is resumed a nearby device has usually answered: only if it has not is the
    socket handed to the event loop to wait for."""
    code = sock.connect_ex(address)
    if code not in (0, errno.EINPROGRESS, errno.EWOULDBLOCK):
        raise OSError(code, os.strerror(code))
    if code:
        await asyncio.sleep(0)  # let the other probes due now start
        code = sock.connect_ex(address)
        if code not in (0, errno.EISCONN, errno.EALREADY, errno.EINPROGRESS):
            raise OSError(code, os.strerror(code))
        if code in (errno.EALREADY, errno.EINPROGRESS):
            await asyncio.get_running_loop().sock_connect(sock, address)


async def _receive(sock: socket.socket) -> bytes:
    """The next bytes from a non-blocking socket (b"" at its end), waiting for them only if needed."""
    try:
        return sock.recv(65536)
    except BlockingIOError:
        return await asyncio.get_running_loop().sock_recv(sock, 65536)


async def _address(host: str, port: int) -> tuple[int, tuple]:
    """The socket family and address to connect to (a host name is resolved off the loop)."""
    try:
        ip = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        family, _, _, _, address = infos[0]
        return family, address
    return (socket.AF_INET6, (str(ip), port)) if ip.version == 6 else (socket.AF_INET, (str(ip), port))


@dataclass(frozen=True)
class TcpProbe(Probe):
    """Online when a TCP connection to host:port is accepted."""

    host: str
    port: int
    kind = "tcp"
    fields = ("host", "port")

    @classmethod
    def _build(cls, config: Mapping[str, Any]) -> TcpProbe:
        return cls(text_field(config, "host"), port_field(config))

    async def check(self) -> ProbeOutcome:
        family, address = await _address(self.host, self.port)
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setblocking(False)
            await _connect(sock, address)
        finally:
            sock.close()
        return ProbeOutcome(True)

    def describe(self) -> str:
        return f"tcp {self.host}:{self.port}"

    def resolve(self) -> None:
        check_host(self.host)


@dataclass(frozen=True)
class HttpProbe(Probe):
    """Online when a GET of the URL answers with an expected status (and holds the expected text)."""

    url: str
    status: tuple[int, ...] = (200,)
    contains: str | None = None
    verify_tls: bool = True
    kind = "http"
    fields = ("url", "status", "contains", "verify_tls")

    @classmethod
    def _build(cls, config: Mapping[str, Any]) -> HttpProbe:
        url = text_field(config, "url")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ProbeConfigError(f"field 'probe.url': expected an http:// or https:// URL, got {redact_url(url)!r}")
        try:
            parts.port
        except ValueError:  # Python's message quotes the text after the ":", which may be a password
            raise ProbeConfigError(f"field 'probe.url': the port of {redact_url(url)!r} is not a number "
                                   "from 0 to 65535") from None
        status = config.get("status", 200)
        statuses = status if isinstance(status, list) else [status]
        if not statuses or not all(isinstance(s, int) and not isinstance(s, bool) and 100 <= s <= 599 for s in statuses):
            raise ProbeConfigError(f"field 'probe.status': expected an HTTP status (100-599) or a list of them, got {status!r}")
        verify = config.get("verify_tls", True)
        if not isinstance(verify, bool):
            raise ProbeConfigError(f"field 'probe.verify_tls': expected true or false, got {verify!r}")
        return cls(url, tuple(statuses), text_field(config, "contains", required=False), verify)

    async def check(self) -> ProbeOutcome:
        parts = urlsplit(self.url)
        if parts.scheme == "https":
            context = ssl.create_default_context()
            if not self.verify_tls:
                context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
            reader, writer = await asyncio.open_connection(parts.hostname, parts.port or 443, ssl=context)
            try:
                conn, request = self._request(parts)
                writer.write(request)
                return await self._judge(conn, lambda: reader.read(65536))
            finally:
                writer.close()
        # Plain HTTP on the socket itself: no transport or stream objects to build per probe.
        loop = asyncio.get_running_loop()
        family, address = await _address(parts.hostname, parts.port or 80)
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setblocking(False)
            await _connect(sock, address)
            conn, request = self._request(parts)
            await loop.sock_sendall(sock, request)
            await asyncio.sleep(0)  # as for connecting: the answer may be there by the time this resumes
            return await self._judge(conn, lambda: _receive(sock))
        finally:
            sock.close()

    @staticmethod
    def _request(parts: Any) -> tuple[h11.Connection, bytes]:
        """The client's side of one exchange, and the GET request to send."""
        conn = h11.Connection(h11.CLIENT)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        headers = [("Host", parts.netloc.rpartition("@")[2]), ("User-Agent", "pytest-vpt"), ("Connection", "close")]
        return conn, conn.send(h11.Request(method="GET", target=target, headers=headers)) + conn.send(h11.EndOfMessage())

    async def _judge(self, conn: h11.Connection, read: Any) -> ProbeOutcome:
        """Read the answer (``read`` returns the next bytes, b"" at the end) and judge it."""
        status, body = None, bytearray()
        try:
            while True:
                event = conn.next_event()
                if event is h11.NEED_DATA:
                    conn.receive_data(await read())
                elif isinstance(event, h11.Response):
                    status = event.status_code
                    if status not in self.status:
                        raise ProbeFailed(f"HTTP {status} {event.reason.decode(errors='replace')}".strip())
                    if self.contains is None:
                        break
                elif isinstance(event, h11.Data):
                    body += event.data
                    if len(body) >= _BODY_LIMIT:
                        break
                elif isinstance(event, (h11.EndOfMessage, h11.ConnectionClosed)):
                    break
        except h11.RemoteProtocolError as exc:
            raise ProbeFailed(f"not an HTTP answer: {exc}") from None
        if self.contains is not None and self.contains not in body.decode("utf-8", errors="replace"):
            raise ProbeFailed(f"HTTP {status}: the response does not contain {self.contains!r}")
        return ProbeOutcome(True)

    def describe(self) -> str:
        return f"http {redact_url(self.url)}"  # recorded and shown: no user:password@ or ?token=

    def resolve(self) -> None:
        check_host(urlsplit(self.url).hostname or "", "probe.url")


_ICMP_REFUSED = ("ping needs an ICMP socket: run as root, or let your group open one "
                 "(sysctl net.ipv4.ping_group_range='0 2147483647')")


def _unprivileged_icmp_allowed() -> bool:
    """Whether the kernel lets this process open ICMP datagram sockets (net.ipv4.ping_group_range
    on Linux; other systems allow them)."""
    try:
        low, high = map(int, Path("/proc/sys/net/ipv4/ping_group_range").read_text().split())
    except OSError:
        return True
    return any(low <= gid <= high for gid in {os.getegid(), *os.getgroups()})


@dataclass(frozen=True)
class PingProbe(Probe):
    """Online when the host answers one ICMP echo; the response time is its round trip. No
    ``ping`` program: an ICMP datagram socket where the kernel allows one, else (as root) a raw socket."""

    host: str
    kind = "ping"
    fields = ("host",)

    @classmethod
    def _build(cls, config: Mapping[str, Any]) -> PingProbe:
        return cls(text_field(config, "host"))

    async def check(self) -> ProbeOutcome:
        privileged = not _unprivileged_icmp_allowed()
        try:
            host = await icmplib.async_ping(self.host, count=1, timeout=1, privileged=privileged)
        except icmplib.NameLookupError:
            raise ProbeFailed(f"host {self.host!r} does not resolve") from None
        except icmplib.SocketPermissionError:
            raise ProbeFailed(_ICMP_REFUSED) from None
        except icmplib.ICMPSocketError as exc:
            raise ProbeFailed(f"ping {self.host}: {exc}") from None
        if not host.is_alive:
            raise ProbeFailed(f"no answer from {self.host}")
        return ProbeOutcome(True, response_time=host.min_rtt / 1000)

    def describe(self) -> str:
        return f"ping {self.host}"

    def resolve(self) -> None:
        if os.geteuid() != 0 and not _unprivileged_icmp_allowed():
            raise ProbeConfigError(f"field 'probe.type': {_ICMP_REFUSED}")
        check_host(self.host)
