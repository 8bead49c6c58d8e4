"""A small threaded HTTP server that listens on loopback only.

The ``login`` and ``demo`` commands serve their callback pages with it, and
the testing kit serves the fake provider with it. It is the standard
library's ``ThreadingHTTPServer`` on a background thread, so the core install
needs nothing more.
"""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .protocol import is_loopback_host

__all__ = ["LoopbackHTTPServer", "QuietHandler"]

#: Seconds a served connection may sit idle before the server gives up on it.
_CONNECTION_TIMEOUT = 30.0


class LoopbackHTTPServer(ThreadingHTTPServer):
    """A threaded HTTP server that only listens on loopback and never blocks exit."""

    daemon_threads = True
    allow_reuse_address = False

    def __init__(self, host: str, port: int, handler: type[BaseHTTPRequestHandler]) -> None:
        if not is_loopback_host(host):
            raise ValueError(f"refusing to listen on {host!r}: only loopback hosts are allowed")
        if ":" in host:
            self.address_family = socket.AF_INET6
        super().__init__((host.strip("[]"), port), handler)
        self._thread: threading.Thread | None = None
        self._idle = threading.Condition()
        self._busy = 0

    def process_request(self, request: Any, client_address: Any) -> None:
        """Count the request as in flight, then handle it on its own thread."""
        with self._idle:
            self._busy += 1
        super().process_request(request, client_address)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        """Handle one request, then count it as done."""
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self._idle:
                self._busy -= 1
                self._idle.notify_all()

    @property
    def base_url(self) -> str:
        """``http://host:port`` of the listening socket."""
        host, port = self.server_address[:2]
        host = host.decode() if isinstance(host, bytes) else host
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}"

    def start_thread(self, name: str) -> None:
        """Serve from a daemon thread until :meth:`stop_thread`."""
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.05}, name=name, daemon=True
        )
        self._thread.start()

    def stop_thread(self, grace: float = 5.0) -> None:
        """Stop serving, let requests in flight finish (up to ``grace`` seconds), close."""
        if self._thread is not None:
            self.shutdown()
            self._thread.join(timeout=grace)
            self._thread = None
        with self._idle:
            # Daemon handler threads die with the process: let them answer first.
            self._idle.wait_for(lambda: self._busy == 0, timeout=grace)
        self.server_close()


class QuietHandler(BaseHTTPRequestHandler):
    """A request handler that logs nothing (request lines may carry codes or state)."""

    timeout = _CONNECTION_TIMEOUT
    server_version = "ChattzFake/1"

    def log_message(self, format: str, *args: Any) -> None:
        """Stay silent."""

    def read_body(self) -> bytes:
        """The request body, by Content-Length (capped at 1 MiB)."""
        length = self.headers.get("content-length", "0")
        size = int(length) if length.isascii() and length.isdigit() else 0
        return self.rfile.read(min(size, 1024 * 1024)) if size else b""

    def answer(self, status: int, headers: Any, body: bytes) -> None:
        """Send a whole response and close the connection."""
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
