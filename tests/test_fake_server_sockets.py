"""What the library serves on loopback answers at once: TCP_NODELAY on every accepted socket.

An answer goes out as two writes (the head, then the body). With Nagle's
algorithm on, the body waited for the client's ACK of the head, which a client
on a kept-alive connection delays by about 40 ms: each answer of the served
fake (and of the ``login`` and ``demo`` commands' pages) stalled ~44 ms
instead of well under a millisecond. These tests look at the option on the
server's side of the connection, so that no test depends on a clock.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import pytest

from chattz_oauth_async._loopback import LoopbackHTTPServer
from chattz_oauth_async.testing import FakeChattz
from tests.test_fake_server import REQUEST, read_response

pytestmark = pytest.mark.network


def ipv6_loopback() -> bool:
    """True when ::1 can be bound here."""
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


HOSTS = [
    "127.0.0.1",
    pytest.param(
        "::1", marks=pytest.mark.skipif(not ipv6_loopback(), reason="no IPv6 loopback here")
    ),
]


class ReportsNoDelay(BaseHTTPRequestHandler):
    """A plain standard-library handler (not the library's): answers its socket's TCP_NODELAY."""

    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        value = self.connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        body = b"on" if value else b"off"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Stay silent."""


@contextlib.contextmanager
def served(host: str) -> Iterator[LoopbackHTTPServer]:
    server = LoopbackHTTPServer(host, 0, ReportsNoDelay)
    server.start_thread("test-nodelay")
    try:
        yield server
    finally:
        server.stop_thread()


@pytest.mark.parametrize("host", HOSTS)
def test_loopback_server_turns_nagle_off_for_any_handler(host: str) -> None:
    """Each kept-alive request's socket, as the handler sees it, has TCP_NODELAY set."""
    with served(host) as server, socket.create_connection((host, server.server_port), 10) as sock:
        answers = []
        for _ in range(3):
            sock.sendall(REQUEST)
            answers.append(read_response(sock)[1])
    assert [b"on", b"on", b"on"] == answers


@pytest.mark.parametrize("host", HOSTS)
@pytest.mark.parametrize("keep_alive", [True, False])
def test_served_fake_accepts_with_nagle_off(
    host: str, keep_alive: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """FakeChattz.serve(): every connection it accepts has TCP_NODELAY, kept alive or not."""
    accept = LoopbackHTTPServer.get_request
    options = []

    def spy(self: LoopbackHTTPServer) -> tuple[socket.socket, object]:
        request, address = accept(self)
        options.append(bool(request.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)))
        return request, address

    monkeypatch.setattr(LoopbackHTTPServer, "get_request", spy)
    fake = FakeChattz()
    heads = []
    with fake.serve(host=host, keep_alive=keep_alive) as server:
        port = int(server.base_url.rsplit(":", 1)[1])
        for _ in range(3):
            with socket.create_connection((host, port), 10) as sock:
                for _ in range(2 if keep_alive else 1):
                    sock.sendall(REQUEST)
                    heads.append(read_response(sock)[0][9:12])
    assert [b"401"] * (6 if keep_alive else 3) == heads
    assert [True, True, True] == options
