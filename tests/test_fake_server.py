"""The fake provider served over real HTTP on loopback: keep-alive, backlog, shutdown."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from urllib.parse import parse_qs, urlencode, urlsplit

import anyio
import httpx
import pytest

from chattz_oauth_async.testing import FakeChattz
from tests.helpers import in_threads

pytestmark = pytest.mark.network

FORM = {"content-type": "application/x-www-form-urlencoded"}
REQUEST = b"GET /oauth/userinfo HTTP/1.1\r\nHost: fake\r\nAuthorization: Bearer nope\r\n\r\n"


def read_response(sock: socket.socket) -> tuple[bytes, bytes]:
    """Read one response with a Content-Length body; return (head, body)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError("closed before the head")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        body += sock.recv(4096)
    return head, body


@pytest.fixture
def fake() -> FakeChattz:
    """A fresh fake provider."""
    return FakeChattz()


@pytest.fixture
def served(fake: FakeChattz) -> Iterator[str]:
    """The fake served on loopback (keep-alive, the default); yields its base URL."""
    with fake.serve() as server:
        yield server.base_url


def test_served_fake_keeps_connections_alive(fake: FakeChattz, served: str) -> None:
    """Two requests on one connection both get answers, and no Connection: close is sent."""
    port = int(served.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(REQUEST)
        first, _ = read_response(sock)
        sock.sendall(REQUEST)
        second, _ = read_response(sock)
    assert [False, False] == [b"connection: close" in h.lower() for h in (first, second)]
    assert [b"HTTP/1.1 401", b"HTTP/1.1 401"] == [h[:12] for h in (first, second)]
    assert 2 == len(fake.requests)


def test_keep_alive_false_closes_each_connection(fake: FakeChattz) -> None:
    """serve(keep_alive=False) answers Connection: close and closes the socket."""
    with fake.serve(keep_alive=False) as server:
        port = int(server.base_url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(REQUEST)
            head, _ = read_response(sock)
            rest = sock.recv(10)
    assert (True, b"") == (b"connection: close" in head.lower(), rest)


def test_an_httpx_pool_reuses_its_connection(fake: FakeChattz, served: str) -> None:
    """A whole login over one httpx client uses one pooled connection to the fake."""
    peers: set[object] = set()

    def remember(response: httpx.Response) -> None:
        stream = response.extensions["network_stream"]
        peers.add(stream.get_extra_info("socket").getsockname())

    with (
        httpx.Client(event_hooks={"response": [remember]}) as client,
        fake.sync_session(http_client=client) as chattz,
    ):
        login = chattz.start_login()
        token = chattz.complete_login(fake.authorize(login.url), login)
        assert "johndoe" == chattz.userinfo(token).username
        chattz.userinfo(token)
    assert 1 == len(peers)


def test_stop_ends_idle_kept_alive_connections(fake: FakeChattz) -> None:
    """Stopping the server closes a connection that waits for its next request."""
    server = fake.serve().start()
    port = int(server.base_url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(REQUEST)
        read_response(sock)
        server.stop()
        assert b"" == sock.recv(10)


def test_sixty_four_concurrent_clients_all_connect(fake: FakeChattz, served: str) -> None:
    """64 clients connecting at once all get answers (the listen backlog is large enough)."""
    barrier = threading.Barrier(64)
    statuses: list[int] = []
    lock = threading.Lock()

    def one() -> None:
        with httpx.Client(timeout=30) as client:
            barrier.wait(timeout=30)
            status = client.get(served + "/oauth/userinfo").status_code
        with lock:
            statuses.append(status)

    in_threads([one] * 64, timeout=60)
    assert [401] * 64 == statuses


@pytest.mark.anyio
async def test_sixty_four_concurrent_async_logins_over_keep_alive(
    fake: FakeChattz, served: str
) -> None:
    """64 concurrent async logins over one pooled session each get their own user."""
    users = [fake.add_user(id=5000 + n, username=f"u{n}") for n in range(64)]
    results: dict[int, int] = {}
    async with fake.session(real_http=True) as chattz:

        async def flow(index: int) -> None:
            login = chattz.start_login()
            callback = fake.authorize(login.url, user=users[index])
            token = await chattz.complete_login(callback, login)
            results[index] = (await chattz.userinfo(token)).id

        async with anyio.create_task_group() as group:
            for index in range(64):
                group.start_soon(flow, index)
    assert {n: 5000 + n for n in range(64)} == results


@pytest.mark.checklist(33)
def test_response_repr_hides_codes_and_issued_tokens() -> None:
    """A FakeResponse's repr shows neither a Location's code nor the body's tokens."""
    fake = FakeChattz(auto_approve=True)
    client = fake.client
    query = urlencode(
        {
            "response_type": "code",
            "client_id": client.client_id,
            "redirect_uri": client.redirect_uri,
        }
    )
    redirect = fake.handle("GET", f"/oauth/authorize?{query}", {})
    code = parse_qs(urlsplit(redirect.header("location") or "").query)["code"][0]
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": client.client_id,
        "client_secret": client.client_secret,
        "redirect_uri": client.redirect_uri,
    }
    answer = fake.handle("POST", "/oauth/token", FORM, urlencode(form).encode())
    token = json.loads(answer.body)["access_token"]
    shown = repr(redirect) + repr(answer)
    assert (302, 200) == (redirect.status, answer.status)
    assert (False, False, False) == (code in shown, token in shown, client.client_secret in shown)
    assert "FakeResponse(status=200, headers=[content-type, Cache-Control, Pragma], body=<" in shown
