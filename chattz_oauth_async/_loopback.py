"""A small threaded HTTP server that listens on loopback only.

The ``login`` and ``demo`` commands serve their callback pages with it, and
the testing kit serves the fake provider with it. It is the standard
library's ``ThreadingHTTPServer`` on a background thread, so the core install
needs nothing more.
"""

from __future__ import annotations

import contextlib
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .protocol import is_loopback_host

__all__ = ["LoopbackHTTPServer", "QuietHandler"]

#: Seconds a served connection may sit idle before the server gives up on it.
_CONNECTION_TIMEOUT = 30.0
#: The largest request body read.
_MAX_BODY = 1024 * 1024


class LoopbackHTTPServer(ThreadingHTTPServer):
    """A threaded HTTP server that only listens on loopback and never blocks exit."""

    daemon_threads = True
    allow_reuse_address = False
    # The standard library's 5 made 32-64 clients connecting at once see resets.
    request_queue_size = 128

    def __init__(
        self,
        host: str,
        port: int,
        handler: type[BaseHTTPRequestHandler],
        *,
        reuse_address: bool = False,
    ) -> None:
        """Bind ``host:port`` (loopback only) and listen.

        Args:
            host: A loopback address.
            port: The port; 0 picks a free one.
            handler: The request handler class.
            reuse_address: Set ``SO_REUSEADDR``, so a port whose last
                connections are still in TIME_WAIT (the command ran a
                moment ago) can be bound again; a port another program
                listens on is still refused. Not on Windows, where the
                option lets a second program take a port in use.

        Raises:
            ValueError: ``host`` is not a loopback address.
            OSError: The port cannot be bound.
        """
        if not is_loopback_host(host):
            raise ValueError(f"refusing to listen on {host!r}: only loopback hosts are allowed")
        if ":" in host:
            self.address_family = socket.AF_INET6
        self.allow_reuse_address = reuse_address and sys.platform != "win32"
        super().__init__((host.strip("[]"), port), handler)
        self._thread: threading.Thread | None = None
        self._idle = threading.Condition()
        self._connections: set[socket.socket] = set()

    def get_request(self) -> tuple[socket.socket, Any]:
        """Accept a connection with Nagle's algorithm off (``TCP_NODELAY``).

        An answer goes out as two writes (the head, then the body). With
        Nagle's algorithm on, the body waits for the client to acknowledge the
        head, and a client on a kept-alive connection delays that ACK by about
        40 ms: every answer after the first few stalled ~44 ms. Set here, on
        every accepted socket, whatever handler class serves it.
        """
        request, client_address = super().get_request()
        with contextlib.suppress(OSError):  # a client already gone: its handler sees it
            request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return request, client_address

    def process_request(self, request: Any, client_address: Any) -> None:
        """Count the connection as open, then handle it on its own thread."""
        with self._idle:
            self._connections.add(request)
        super().process_request(request, client_address)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        """Handle one connection's requests, then count it as closed."""
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self._idle:
                self._connections.discard(request)
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
        """Stop serving, let requests in flight finish (up to ``grace`` seconds), close.

        Kept-alive connections waiting for their next request are ended: their
        read side is shut, so a request already read still gets its answer.
        """
        if self._thread is not None:
            self.shutdown()
            self._thread.join(timeout=grace)
            self._thread = None
        with self._idle:
            for connection in self._connections:
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RD)
            # Daemon handler threads die with the process: let them answer first.
            self._idle.wait_for(lambda: not self._connections, timeout=grace)
        self.server_close()


class QuietHandler(BaseHTTPRequestHandler):
    """A request handler that logs nothing (request lines may carry codes or state).

    It closes each connection after one answer; a subclass with
    ``protocol_version = "HTTP/1.1"`` keeps connections alive, as real
    providers do, unless the client asks to close.
    """

    timeout = _CONNECTION_TIMEOUT
    server_version = "ChattzFake/1"

    def log_message(self, format: str, *args: Any) -> None:
        """Stay silent."""

    def read_body(self) -> bytes:
        """The request body, by Content-Length (capped at 1 MiB)."""
        length = self.headers.get("content-length", "0")
        size = int(length) if length.isascii() and length.isdigit() else 0
        if size > _MAX_BODY or "transfer-encoding" in self.headers:
            self.close_connection = True  # the rest of the body is not read: no next request
        return self.rfile.read(min(size, _MAX_BODY)) if size else b""

    def answer(self, status: int, headers: Any, body: bytes) -> None:
        """Send a whole response; close the connection unless it is kept alive."""
        self.send_response(status)
        for name, value in headers:
            if name.lower() not in ("connection", "content-length", "transfer-encoding"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
