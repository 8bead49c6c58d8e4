"""The sync session from many threads: checklist line 35 (32 threads over one session)."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from chattz_oauth_async import ChattzOAuth, RetryPolicy
from chattz_oauth_async.testing import FakeChattz
from tests.rawserver import RawServer, raw_server, response

THREADS = 32


def connections_in_use(session: ChattzOAuth) -> list[object]:
    """The pooled connections of the session's client that are neither idle nor closed."""
    pool = session.http_client._transport._pool  # type: ignore[attr-defined]
    return [c for c in pool.connections if not (c.is_idle() or c.is_closed())]


@pytest.mark.checklist(35)
def test_checklist_35_sync_32_threads_in_process() -> None:
    """Line 35: 32 threads running 320 logins over one sync session each get their own user."""
    fake = FakeChattz()
    users = [fake.add_user(id=20_000 + i, username=f"u{i}") for i in range(320)]
    results: dict[int, int] = {}
    lock = threading.Lock()
    with fake.sync_session(retry=RetryPolicy(attempts=1)) as chattz:

        def flow(index: int) -> None:
            login = chattz.start_login()
            token = chattz.complete_login(fake.authorize(login.url, user=users[index]), login)
            user = chattz.userinfo(token)
            with lock:
                results[index] = user.id

        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            for future in [pool.submit(flow, i) for i in range(320)]:
                future.result(timeout=60)
    assert {i: 20_000 + i for i in range(320)} == results


@pytest.mark.checklist(35)
def test_checklist_35_sync_32_threads_real_sockets_free_the_pool() -> None:
    """Line 35: 32 threads over real loopback sockets finish with no connection in use."""
    ids: list[int] = []
    answer = response(200, json.dumps({"id": 123, "username": "u"}).encode())
    with (
        raw_server(RawServer.send(answer)) as server,
        ChattzOAuth(
            "client",
            "s3cr3t",
            "http://127.0.0.1/cb",
            base_url=server.base_url,
            retry=RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.05),
        ) as chattz,
    ):
        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            futures = [pool.submit(chattz.userinfo, "AT") for _ in range(THREADS * 4)]
            ids = [future.result(timeout=60).id for future in futures]
        in_use = connections_in_use(chattz)
    assert ([123] * THREADS * 4, []) == (ids, in_use)
