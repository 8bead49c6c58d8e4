"""A minimal, fast fake Chattz provider for the benchmarks: plain HTTP or TLS on loopback.

Only what one login flow needs: ``POST /oauth/token`` answers a canned bearer
token and ``GET /oauth/userinfo`` a canned user (401 without a Bearer header).
It is an asyncio protocol on the standard library, HTTP/1.1 with keep-alive,
so that the server costs as little as possible and the clients' differences
show. It is not a general HTTP server: no chunked request bodies, no pipelining
guarantees beyond in-order answers.

Every connection is kept alive until the client closes it (or sends
``Connection: close``), as a real provider does. Run as
``python benchmarks/provider.py [--cert CERT --key KEY]``; it prints
``READY <port>`` once listening and exits on SIGTERM, SIGINT or when its
standard input closes (so it never outlives the benchmark that started it).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import ssl
import sys

TOKEN = {"access_token": "abcdef1234567890", "token_type": "Bearer", "expires_in": 3600}
USER = {
    "id": 123,
    "username": "johndoe",
    "email": "johndoe@example.com",
    "first_name": "John",
    "last_name": "Doe",
    "avatar": "https://chattz.net/avatars/123.png",
}
TOKEN_BODY = json.dumps(TOKEN).encode()
USER_BODY = json.dumps(USER).encode()
MAX_HEAD = 16 * 1024
MAX_BODY = 64 * 1024


def _response(status: bytes, body: bytes, close: bool = False) -> bytes:
    return (
        b"HTTP/1.1 " + status + b"\r\n"
        b"content-type: application/json\r\n"
        b"content-length: "
        + str(len(body)).encode()
        + b"\r\n"
        + (b"connection: close\r\n" if close else b"")
        + b"\r\n"
        + body
    )


TOKEN_RESPONSE = _response(b"200 OK", TOKEN_BODY)
USER_RESPONSE = _response(b"200 OK", USER_BODY)
UNAUTHORIZED = (
    b"HTTP/1.1 401 Unauthorized\r\n"
    b'www-authenticate: Bearer error="invalid_token"\r\n'
    b"content-type: application/json\r\ncontent-length: 25\r\n\r\n"
    b'{"error":"invalid_token"}'
)
NOT_FOUND = _response(b"404 Not Found", b'{"error":"not_found"}')
BAD_REQUEST = _response(b"400 Bad Request", b'{"error":"bad_request"}', close=True)


class ProviderProtocol(asyncio.Protocol):
    """One connection: parse requests as bytes arrive, answer from canned bytes."""

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while self.transport is not None:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buffer) > MAX_HEAD:
                    self._finish(BAD_REQUEST, close=True)
                return
            head = bytes(self.buffer[:end]).lower()
            length = 0
            at = head.find(b"\r\ncontent-length:")
            if at >= 0:
                line_end = head.find(b"\r\n", at + 2)
                value = head[at + 17 : line_end if line_end >= 0 else len(head)]
                try:
                    length = int(value.strip() or b"0")
                except ValueError:
                    self._finish(BAD_REQUEST, close=True)
                    return
                if not 0 <= length <= MAX_BODY:
                    self._finish(BAD_REQUEST, close=True)
                    return
            if len(self.buffer) < end + 4 + length:
                return
            del self.buffer[: end + 4 + length]
            close = b"\r\nconnection: close" in head
            if head.startswith(b"post /oauth/token "):
                answer = TOKEN_RESPONSE
            elif head.startswith(b"get /oauth/userinfo "):
                answer = USER_RESPONSE if b"\r\nauthorization: bearer " in head else UNAUTHORIZED
            else:
                answer = NOT_FOUND
            self._finish(answer, close=close)

    def _finish(self, answer: bytes, *, close: bool) -> None:
        assert self.transport is not None
        self.transport.write(answer)
        if close:
            self.transport.close()
            self.transport = None

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None


async def serve(host: str, port: int, cert: str | None, key: str | None) -> None:
    """Serve until SIGTERM/SIGINT or until standard input reaches end of file.

    Over TLS when ``cert`` and ``key`` are given, else plain HTTP.
    """
    context = None
    if cert is not None and key is not None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        ProviderProtocol, host, port, ssl=context, backlog=1024, reuse_address=True
    )
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    # The parent holds our stdin open; EOF means it is gone, so we go too.
    loop.add_reader(sys.stdin.fileno(), lambda: sys.stdin.buffer.read1(1) or stop.set())
    bound = server.sockets[0].getsockname()[1]
    print(f"READY {bound}", flush=True)
    async with server:
        await stop.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--cert", help="PEM certificate chain (TLS; plain HTTP without it)")
    parser.add_argument("--key", help="PEM private key")
    args = parser.parse_args()
    if (args.cert is None) != (args.key is None):
        parser.error("--cert and --key go together")
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        parser.error("the benchmark provider listens on loopback only")
    asyncio.run(serve(args.host, args.port, args.cert, args.key))


if __name__ == "__main__":
    main()
