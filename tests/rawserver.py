"""A small raw-socket HTTP/1.1 server for fault tests, on 127.0.0.1 only.

Each accepted connection is served in its own daemon thread by a *handler*:
a function that gets the connection's socket and the request it read, and
writes whatever bytes it likes. With ``keep_alive=True`` the server reads
further requests on the same connection until the client closes it, as real
providers do, and counts the connections still open (a truncated body, a lying Content-Length,
garbage, a gzip bomb, a reset, a stall, a trickle). The server listens on
port 0, records every request it read, stops by itself after ``lifetime``
seconds at the latest, and always closes every socket it opened.

Nothing here is part of the library; it exists so that the session tests can
meet real sockets as well as mocked transports.
"""

from __future__ import annotations

import functools
import gzip
import socket
import ssl
import struct
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Final

import attrs

__all__ = [
    "RawRequest",
    "RawServer",
    "gzip_bomb",
    "raw_server",
    "response",
]

#: Longest request head or body the server reads (it serves tests, not clients).
_MAX_REQUEST: Final = 64 * 1024
_IO_TIMEOUT: Final = 0.02


@attrs.frozen
class RawRequest:
    """A request as the server read it."""

    method: str
    target: str
    headers: dict[str, str]
    body: bytes
    raw: bytes


Handler = Callable[["RawServer", socket.socket, RawRequest], None]


def response(
    status: int = 200,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    *,
    content_length: int | None = None,
    reason: str = "X",
) -> bytes:
    """Serialise a response; ``content_length`` may lie about ``body``."""
    fields = {"Connection": "close", "Content-Type": "application/json"}
    fields.update(headers or {})
    if "Transfer-Encoding" not in fields:
        fields["Content-Length"] = str(len(body) if content_length is None else content_length)
    head = f"HTTP/1.1 {status} {reason}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in fields.items())
    return head.encode("latin-1") + b"\r\n" + body


@functools.cache
def gzip_bomb(decoded_size: int) -> bytes:
    """``decoded_size`` zero bytes, gzip-compressed (about a thousandth of the size)."""
    return gzip.compress(b"\0" * decoded_size, compresslevel=9)


class RawServer:
    """A threaded raw-socket server bound to 127.0.0.1 on an ephemeral port.

    Args:
        handler: Writes the response for each request.
        ssl_context: Wraps accepted sockets in TLS when given.
        lifetime: Seconds after which the server stops on its own.
    """

    def __init__(
        self,
        handler: Handler,
        *,
        ssl_context: ssl.SSLContext | None = None,
        lifetime: float = 20.0,
        keep_alive: bool = False,
    ) -> None:
        self.handler = handler
        self.ssl_context = ssl_context
        self.keep_alive = keep_alive
        self.requests: list[RawRequest] = []
        self.connections = 0
        #: Connections accepted and not yet closed by the client or the server.
        self.open_connections = 0
        self.stopped = threading.Event()
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(128)
        self._listener.settimeout(_IO_TIMEOUT)
        self.port: int = self._listener.getsockname()[1]
        self._deadline = time.monotonic() + lifetime
        self._acceptor = threading.Thread(target=self._accept_loop, daemon=True)
        self._acceptor.start()

    @property
    def base_url(self) -> str:
        """The server's origin, ``http://`` or ``https://`` as configured."""
        scheme = "https" if self.ssl_context else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    def _accept_loop(self) -> None:
        while not self.stopped.is_set() and time.monotonic() < self._deadline:
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                break
            with self._lock:
                self.connections += 1
                self._sockets.append(conn)
                thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
                self._threads.append(thread)
            thread.start()
        self.stopped.set()

    def _serve(self, conn: socket.socket) -> None:
        with self._lock:
            self.open_connections += 1
        try:
            conn.settimeout(2.0)
            if self.ssl_context is not None:
                try:
                    conn = self.ssl_context.wrap_socket(conn, server_side=True)
                except (OSError, ssl.SSLError):
                    return  # the client refused our certificate: what TLS tests want
                with self._lock:
                    self._sockets.append(conn)
            if self.keep_alive:
                conn.settimeout(None)  # idle until the client closes or stop() closes it
            while True:
                request = self._read_request(conn)
                if request is None:
                    return
                with self._lock:
                    self.requests.append(request)
                self.handler(self, conn, request)
                if not self.keep_alive:
                    return
        except OSError:
            pass  # the client went away; nothing to serve
        finally:
            self._close(conn)
            with self._lock:
                self.open_connections -= 1

    def wait_until_closed(self, seconds: float = 5.0) -> int:
        """Wait (up to ``seconds``) for the clients to close every connection; the number left."""
        deadline = time.monotonic() + seconds
        while self.open_connections and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.open_connections

    def _read_request(self, conn: socket.socket) -> RawRequest | None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(4096)
            if not chunk or len(data) > _MAX_REQUEST:
                return None
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, target, _ = ([*lines[0].split(" ", 2), "", ""])[:3]
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = min(int(headers.get("content-length", "0") or 0), _MAX_REQUEST)
        while len(body) < length:
            chunk = conn.recv(4096)
            if not chunk:
                break
            body += chunk
        return RawRequest(method, target, headers, body, data)

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``, waking early when the server stops; True if stopped."""
        return self.stopped.wait(seconds)

    @staticmethod
    def _close(conn: socket.socket) -> None:
        with suppress(OSError):
            conn.close()

    def stop(self) -> None:
        """Stop accepting, close every socket, and join the threads (bounded)."""
        self.stopped.set()
        self._acceptor.join(timeout=5)
        self._listener.close()
        with self._lock:
            sockets, threads = list(self._sockets), list(self._threads)
        for conn in sockets:
            with suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)  # wakes a thread blocked reading it
            self._close(conn)
        for thread in threads:
            thread.join(timeout=5)

    # --- canned handlers ----------------------------------------------------

    @staticmethod
    def send(data: bytes) -> Handler:
        """Send ``data`` and close."""

        def handler(server: RawServer, conn: socket.socket, request: RawRequest) -> None:
            conn.sendall(data)

        return handler

    @staticmethod
    def reset() -> Handler:
        """Answer nothing and reset the connection (RST, not FIN)."""

        def handler(server: RawServer, conn: socket.socket, request: RawRequest) -> None:
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

        return handler

    @staticmethod
    def stall(head: bytes = b"") -> Handler:
        """Send ``head`` (maybe nothing), then say nothing until the server stops."""

        def handler(server: RawServer, conn: socket.socket, request: RawRequest) -> None:
            if head:
                conn.sendall(head)
            server.wait(30.0)

        return handler

    @staticmethod
    def trickle(head: bytes, byte: bytes = b" ", interval: float = 0.05) -> Handler:
        """Send ``head``, then one byte every ``interval`` seconds until stopped."""

        def handler(server: RawServer, conn: socket.socket, request: RawRequest) -> None:
            conn.sendall(head)
            while not server.wait(interval):
                conn.sendall(byte)

        return handler

    @staticmethod
    def stream(head: bytes, chunk: bytes, count: int) -> Handler:
        """Send ``head`` then ``chunk`` ``count`` times (stops early if the client leaves)."""

        def handler(server: RawServer, conn: socket.socket, request: RawRequest) -> None:
            conn.sendall(head)
            for _ in range(count):
                if server.stopped.is_set():
                    return
                conn.sendall(chunk)

        return handler


@contextmanager
def raw_server(
    handler: Handler,
    *,
    ssl_context: ssl.SSLContext | None = None,
    lifetime: float = 20.0,
    keep_alive: bool = False,
) -> Iterator[RawServer]:
    """Run a :class:`RawServer` for the duration of a ``with`` block."""
    server = RawServer(handler, ssl_context=ssl_context, lifetime=lifetime, keep_alive=keep_alive)
    try:
        yield server
    finally:
        server.stop()
