"""Serving a fake provider's handler over real HTTP on loopback.

Connections are kept alive between requests (HTTP/1.1), as real providers
do, so clients exercise a real connection pool; :meth:`FakeServer.stop` ends
the idle ones. ``keep_alive=False`` closes each connection after one answer.
"""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Callable
from types import TracebackType

from .. import _checks as checks
from .._loopback import LoopbackHTTPServer, QuietHandler
from ..errors import ConfigurationError
from ..protocol import is_loopback_host
from ._values import Handler

__all__ = ["FakeServer"]


class _HandlerAdapter(QuietHandler):
    handler: Handler
    protocol_version = "HTTP/1.1"

    def _handle(self) -> None:
        body = self.read_body()
        answer = self.handler(self.command, self.path, list(self.headers.items()), body)
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
    """A fake provider's handler served over HTTP on loopback from a background thread.

    Use it as a context manager, or call :meth:`start` and :meth:`stop`.
    :meth:`FakeChattz.serve() <chattz_oauth_async.testing.FakeChattz.serve>`
    builds one.

    Args:
        handler: Answers each request: ``(method, target, headers, body)`` in,
            a :class:`FakeResponse` out.
        host: The address to listen on: a loopback host only (127.0.0.1,
            ``::1`` or localhost).
        port: The port asked for, 0 to 65535 (0: any free port).
        on_url: A function called with the served URL once listening, and
            with None once stopped; or None.
        keep_alive: Keep connections open between requests (HTTP/1.1), as
            real providers do; False answers each request on its own
            connection and closes it.
        reuse_address: Set ``SO_REUSEADDR`` (never on Windows), so a fixed
            port can be bound again at once after a stop, while its last
            connections sit in TIME_WAIT (``chattz-oauth fake`` sets it).
            ``keep_alive`` and ``reuse_address`` are True or False.

    Raises:
        ConfigurationError: An argument outside these (the message names it).
    """

    # Declared here, not only assigned in __init__: pyright's completeness check
    # (scripts/type_completeness.py) counts an attribute set from a call as ambiguous.
    host: str
    port: int
    keep_alive: bool
    reuse_address: bool

    def __init__(
        self,
        handler: Handler,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        on_url: Callable[[str | None], None] | None = None,
        keep_alive: bool = True,
        reuse_address: bool = False,
    ) -> None:
        if not is_loopback_host(host):
            raise ConfigurationError(
                "host must be a loopback host (127.0.0.1, ::1 or localhost): "
                "the fake never serves on another interface"
            )
        checks.function("handler", handler)
        checks.optional(checks.function)("on_url", on_url)
        self.handler = handler
        self.host = host
        self.port = checks.whole("port", port, low=0, high=65_535)
        self._on_url = on_url
        self.keep_alive = checks.flag("keep_alive", keep_alive)
        self.reuse_address = checks.flag("reuse_address", reuse_address)
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
            members = {
                "handler": staticmethod(self.handler),
                "protocol_version": "HTTP/1.1" if self.keep_alive else "HTTP/1.0",
            }
            request_handler = type("FakeHandler", (_HandlerAdapter,), members)
            server = LoopbackHTTPServer(
                self.host, self.port, request_handler, reuse_address=self.reuse_address
            )
            server.start_thread("chattz-fake-server")
            self._server = server
            if self._on_url is not None:
                self._on_url(server.base_url)
        return self

    def stop(self) -> None:
        """Stop serving and release the port (idempotent)."""
        server, self._server = self._server, None
        if server is not None:
            if self._on_url is not None:
                self._on_url(None)
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
