# GENERATED from tests/_async/test_connection_slots.py by scripts/gen_sync.py -- do not edit.
# Edit the async original, then run: python scripts/gen_sync.py
"""A login whose wait for a connection slot timed out sent nothing, and stays open.

``complete_login`` promises that a failure before the code exchange may have
reached the provider leaves the login open, so the same callback can be
tried again. Waiting for one of the session's connection slots is such a
failure: these tests hold the only slot, let a login's wait time out, and
retry it.

Written once for ChattzOAuth; scripts/gen_sync.py generates the same tests
for ChattzOAuth in tests/_sync/.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

import pytest

from chattz_oauth_async import ChattzOAuth, RetryPolicy, TransportTimeout, _client
from tests.rawserver import RawServer, raw_server, response


TOKEN = {"access_token": "AT-slots", "token_type": "Bearer", "expires_in": 3600}


@contextlib.contextmanager
def holding_the_only_slot(chattz: ChattzOAuth, url: str) -> Any:
    """Hold the session's only connection slot: a response of its client, left open."""
    with chattz.http_client.stream("GET", url):
        yield


@pytest.fixture
def one_slot(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sessions built in this test keep at most one request in flight."""
    monkeypatch.setattr(_client, "DEFAULT_MAX_CONNECTIONS", 1)


@pytest.mark.usefixtures("one_slot")
def test_a_login_whose_wait_for_a_slot_timed_out_can_be_retried() -> None:
    """TransportTimeout while waiting, nothing sent; the same callback then gets the token."""
    with raw_server(RawServer.send(response(200, json.dumps(TOKEN).encode()))) as server:
        with ChattzOAuth(
            "client",
            "s3cr3t",
            "http://127.0.0.1/cb",
            base_url=server.base_url,
            total_timeout=0.3,
            retry=RetryPolicy(attempts=1),
        ) as chattz:
            login = chattz.start_login()
            callback = f"?code=c&state={login.state}"
            with holding_the_only_slot(chattz, server.base_url + "/hold"):
                with pytest.raises(TransportTimeout) as waited:
                    chattz.complete_login(callback, login)
            sent_while_waiting = [request.target for request in server.requests]
            token = chattz.complete_login(callback, login)
    assert (TransportTimeout, ["/hold"], "AT-slots", 2) == (
        type(waited.value),
        sent_while_waiting,
        token.access_token,
        len(server.requests),
    )
