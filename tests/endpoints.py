"""Real endpoints on 127.0.0.1 that tests start, stop and slow down to make outages."""

from __future__ import annotations

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class TcpListener:
    """A TCP port that accepts connections while it is up; it keeps its port across restarts."""

    def __init__(self) -> None:
        self.port = 0
        self._sock: socket.socket | None = None
        self.start()

    def start(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        sock.listen(128)
        self.port = sock.getsockname()[1]
        self._sock = sock
        threading.Thread(target=self._accept, args=(sock,), daemon=True).start()

    def _accept(self, sock: socket.socket) -> None:
        while True:
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            conn.close()

    def stop(self) -> None:
        if self._sock is not None:
            try:
                self._sock.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread; the port stops listening
            except OSError:
                pass
            self._sock.close()
            self._sock = None

    @property
    def up(self) -> bool:
        return self._sock is not None


class HttpEndpoint:
    """An HTTP server answering GET with ``status`` and ``body`` after ``delay`` seconds."""

    def __init__(self) -> None:
        self.status, self.body, self.delay = 200, b"ok: all systems go", 0.0
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
                time.sleep(endpoint.delay)
                self.send_response(endpoint.status)
                self.send_header("Content-Length", str(len(endpoint.body)))
                self.end_headers()
                self.wfile.write(endpoint.body)

            def log_message(self, *args: object) -> None:
                pass

        class Server(ThreadingHTTPServer):
            def handle_error(self, request: object, client_address: object) -> None:
                pass  # a probe that has read the status hangs up before the body: not an error

        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/health"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def up_and_down_registry(port: int) -> str:
    """A vpt.yaml with ``stb-up`` (a set-top box answering on ``port``) and ``stb-down`` (nothing there),
    both sampled every 0.1 s."""
    return f"""\
devices:
  - id: stb-up
    kind: set-top-box
    probe: {{type: tcp, host: 127.0.0.1, port: {port}}}
    interval: 0.1
    timeout: 0.1
  - id: stb-down
    probe: {{type: tcp, host: 127.0.0.1, port: {closed_port()}}}
    interval: 0.1
    timeout: 0.1
"""
