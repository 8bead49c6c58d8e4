"""Serving :class:`~chattz_oauth_async.testing.FakeChattz` over ASGI and over real HTTP.

The loopback server is the standard library's ``ThreadingHTTPServer`` on a
background thread, so the core install needs nothing more. Each connection
carries one request (HTTP/1.0 style), which keeps shutdown simple: no
keep-alive connection outlives :meth:`FakeServer.stop`.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import TYPE_CHECKING, Any

from ..protocol import is_loopback_host

if TYPE_CHECKING:
    from ._fake import FakeChattz

__all__ = ["FakeServer", "LoopbackHTTPServer", "asgi_app"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

#: Seconds a served connection may sit idle before the server gives up on it.
_CONNECTION_TIMEOUT = 30.0


def asgi_app(fake: FakeChattz) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    """Wrap a fake in an ASGI 3 application."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        import anyio

        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            raise RuntimeError(f"FakeChattz serves HTTP only, not {scope['type']!r}")
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        target = scope.get("raw_path") or scope["path"].encode()
        if scope.get("query_string"):
            target += b"?" + scope["query_string"]
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
        answer = fake.handle(scope["method"], target.decode("latin-1"), headers, body)
        if answer.delay:
            await anyio.sleep(answer.delay)
        if answer.drop:
            raise ConnectionAbortedError("FakeChattz dropped the connection (fail_next drop=True)")
        await send(
            {
                "type": "http.response.start",
                "status": answer.status,
                "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in answer.headers],
            }
        )
        await send({"type": "http.response.body", "body": answer.body})

    return app


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


class _FakeHandler(QuietHandler):
    fake: FakeChattz

    def _handle(self) -> None:
        body = self.read_body()
        answer = self.fake.handle(self.command, self.path, list(self.headers.items()), body)
        if answer.delay:
            time.sleep(answer.delay)
        if answer.drop:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.answer(answer.status, answer.headers, answer.body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _handle


class FakeServer:
    """A :class:`FakeChattz` served over HTTP on loopback from a background thread.

    Use it as a context manager, or call :meth:`start` and :meth:`stop`.
    While it runs, the fake's ``base_url`` is :attr:`base_url`.

    Attributes:
        fake: The provider being served.
        host: The address to listen on (loopback only).
        port: The port asked for (0: any free port).
    """

    def __init__(self, fake: FakeChattz, host: str = "127.0.0.1", port: int = 0) -> None:
        if not is_loopback_host(host):
            raise ValueError(f"refusing to serve on {host!r}: only loopback hosts are allowed")
        self.fake = fake
        self.host = host
        self.port = port
        self._server: LoopbackHTTPServer | None = None

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` while running.

        Raises:
            RuntimeError: The server is not running.
        """
        if self._server is None:
            raise RuntimeError("the fake server is not running: call start()")
        return self._server.base_url

    def start(self) -> FakeServer:
        """Bind the port and start serving; returns self.

        Raises:
            OSError: The port cannot be bound (for example, it is in use).
        """
        if self._server is None:
            handler = type("FakeHandler", (_FakeHandler,), {"fake": self.fake})
            server = LoopbackHTTPServer(self.host, self.port, handler)
            server.start_thread("chattz-fake-server")
            self._server = server
            self.fake._set_served_url(server.base_url)
        return self

    def stop(self) -> None:
        """Stop serving and release the port (idempotent)."""
        server, self._server = self._server, None
        if server is not None:
            self.fake._set_served_url(None)
            server.stop_thread()

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self._server.base_url if self._server else "stopped"
        return f"FakeServer({where})"
