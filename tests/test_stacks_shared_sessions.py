"""``shared_session`` (allauth's and social-auth's sessions) keeps a login in flight.

The stacks ask ``integrations/_stacks.shared_session`` for the session of the configured
client at every login, keyed by client id, secret, redirect URI (built from the request's
host) and base URL, and keep the 8 most recently used. A ninth key evicts the least recently
used session. Closing it then would close the connection of a login another thread is in
the middle of: that login failed as if Chattz had gone away. The evicted session is closed
once nobody holds it.
"""

from __future__ import annotations

import gc
import json
import socket
import threading
from collections.abc import Iterator

import pytest

from chattz_oauth_async import ChattzOAuth, Token
from chattz_oauth_async.integrations import _stacks
from tests.rawserver import RawRequest, RawServer, raw_server, response

TOKEN = json.dumps({"access_token": "a" * 24, "token_type": "Bearer", "expires_in": 60}).encode()


@pytest.fixture(autouse=True)
def no_shared_sessions() -> Iterator[None]:
    """Each test starts and ends with no shared session."""
    _stacks.close_sessions()
    yield
    _stacks.close_sessions()


def session_for(number: int, base_url: str) -> ChattzOAuth:
    return _stacks.shared_session(
        f"client-{number}", "secret-value", "http://127.0.0.1:8000/callback", base_url
    )


def test_an_evicted_session_finishes_the_login_in_flight_then_closes() -> None:
    """A code exchange waits for Chattz's answer while eight other clients' sessions evict
    its session: it gets its token, and the session's connection closes once the login
    has dropped the session."""
    arrived, answer = threading.Event(), threading.Event()

    def handler(server: RawServer, conn: socket.socket, request: RawRequest) -> None:
        arrived.set()
        answer.wait(10)
        conn.sendall(response(200, TOKEN, {"Connection": "keep-alive"}))

    results: list[object] = []
    with raw_server(handler, keep_alive=True) as server:

        def login() -> None:
            session = session_for(0, server.base_url)
            try:
                results.append(session.exchange_code("the-code", code_verifier="v" * 43))
            except Exception as exc:  # reported by the assertion below
                results.append(exc)

        thread = threading.Thread(target=login)
        thread.start()
        assert arrived.wait(10)
        evictors = [session_for(n, server.base_url) for n in range(1, 9)]
        answer.set()
        thread.join(10)
        gc.collect()  # the login dropped the session: nothing holds it now
        assert ([type(r) for r in results], server.wait_until_closed()) == ([Token], 0)
        assert len(evictors) == 8


def test_the_sessions_kept_are_the_most_recently_used() -> None:
    """The ninth client evicts the least recently used, not the first made."""
    base = "http://127.0.0.1:9"
    first = session_for(0, base)
    for n in range(1, 8):
        session_for(n, base)
    assert session_for(0, base) is first  # used again: now the most recent
    session_for(8, base)  # evicts client-1
    assert (session_for(0, base) is first, len(_stacks._sessions)) == (True, 8)
    assert [key[0] for key in _stacks._sessions][:2] == ["client-2", "client-3"]
