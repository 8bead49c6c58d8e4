# GENERATED from tests/_async/test_limits.py by scripts/gen_sync.py -- do not edit.
# Edit the async original, then run: python scripts/gen_sync.py
"""Requests in flight: the session never queues more on its client's pool than it has connections.

Written once for ChattzOAuth; scripts/gen_sync.py generates the same tests
for ChattzOAuth in tests/_sync/ (threads instead of threads).
"""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest

from chattz_oauth_async import (
    ChattzOAuth,
    RetryPolicy,
    TransportTimeout,
    _client,
)
from tests.helpers import sync_gather
from tests.rawserver import RawRequest, RawServer, raw_server, response


USER = {"id": 9, "username": "limits"}


@pytest.fixture
def three(monkeypatch: pytest.MonkeyPatch) -> int:
    """Sessions built in this test have a pool of 3 connections."""
    monkeypatch.setattr(_client, "DEFAULT_MAX_CONNECTIONS", 3)
    return 3


def test_requests_at_the_server_never_exceed_the_pool_size(three: int) -> None:
    """Twelve concurrent userinfo calls over real sockets: at most three at the server at once."""
    lock = threading.Lock()
    active, peak = [0], [0]

    def slow(server: RawServer, conn: Any, request: RawRequest) -> None:
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        server.wait(0.02)
        with lock:
            active[0] -= 1
        conn.sendall(response(200, json.dumps(USER).encode(), {"Connection": "keep-alive"}))

    ids: list[int] = []
    with raw_server(slow, keep_alive=True) as server:
        with ChattzOAuth(
            "client", "s3cr3t", "http://127.0.0.1/cb", base_url=server.base_url
        ) as chattz:

            def call() -> None:
                ids.append((chattz.userinfo("AT")).id)

            sync_gather([call for _ in range(12)])
    assert ([9] * 12, True) == (ids, 1 <= peak[0] <= three)


def test_waiting_for_a_connection_counts_against_total_timeout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With one connection held by a stalled call, the next call times out waiting for it."""
    monkeypatch.setattr(_client, "DEFAULT_MAX_CONNECTIONS", 1)
    errors: list[type[BaseException]] = []
    with raw_server(RawServer.stall()) as server:
        with ChattzOAuth(
            "client",
            "s3cr3t",
            "http://127.0.0.1/cb",
            base_url=server.base_url,
            timeout=0.5,
            total_timeout=0.5,
            retry=RetryPolicy(attempts=1),
        ) as chattz:

            def call() -> None:
                try:
                    chattz.userinfo("AT")
                except TransportTimeout as exc:
                    errors.append(type(exc))

            sync_gather([call, call])
    assert [TransportTimeout, TransportTimeout] == errors
