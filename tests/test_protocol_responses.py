"""protocol.responses: the token and userinfo responses, read into values or typed errors."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chattz_oauth_async.errors import ChattzOAuthError, OAuthError, ProviderError
from chattz_oauth_async.protocol import (
    ClientConfig,
    parse_token_response,
    refresh_request,
    userinfo_request,
)
from tests.helpers import ACCESS_TOKEN, CLIENT_SECRET, NOW

CONFIG = ClientConfig("client-id", CLIENT_SECRET, "https://app.example/cb")


def token_body(**fields: Any) -> bytes:
    """A JSON token response: a valid bearer token, changed by ``fields``."""
    data: dict[str, Any] = {
        "access_token": ACCESS_TOKEN,
        "token_type": "Bearer",
        "expires_in": 3600,
    }
    data.update(fields)
    return json.dumps(data).encode()


@pytest.mark.checklist(24)
@pytest.mark.parametrize("error", [None, "", 0, 1, False, True, [], ["invalid_grant"], {}, 1.5])
@pytest.mark.parametrize("status", [200, 400])
def test_checklist_24_malformed_error_member_next_to_a_token_is_an_error(
    error: object, status: int
) -> None:
    """An 'error' member that is not a non-empty string still makes the body an error."""
    with pytest.raises(ProviderError):
        parse_token_response(status, token_body(error=error), now=NOW)


@pytest.mark.checklist(24)
@settings(max_examples=200, deadline=None)
@given(
    error=st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
        max_leaves=5,
    )
)
def test_checklist_24_property_any_error_member_is_never_a_token(error: object) -> None:
    """Whatever the 'error' member holds, a body that has one never gives a Token."""
    with pytest.raises((OAuthError, ProviderError)):
        parse_token_response(200, token_body(error=error), now=NOW)


@pytest.mark.checklist(20)
@pytest.mark.parametrize("refresh_token", ["rt\udcff", "rt\n", "rt\x00", "é"])
def test_checklist_20_refresh_token_that_cannot_be_sent_back_is_refused(
    refresh_token: str,
) -> None:
    """A refresh token with characters RFC 6749 does not allow is a ProviderError at receipt."""
    body = token_body(refresh_token=refresh_token)
    with pytest.raises(ProviderError) as caught:
        parse_token_response(200, body, now=NOW)
    assert False is (refresh_token in repr(caught.value.args))


@settings(max_examples=300, deadline=None)
@given(access_token=st.text(), refresh_token=st.text())
def test_property_tokens_the_provider_sends_can_be_sent_back(
    access_token: str, refresh_token: str
) -> None:
    """Any token the parser accepts can be sent back: no raw error in refresh or userinfo."""
    body = token_body(access_token=access_token, refresh_token=refresh_token)
    with contextlib.suppress(ChattzOAuthError):
        token = parse_token_response(200, body, now=NOW)
        userinfo_request(CONFIG, token.access_token)
        if token.refresh_token:
            refresh_request(CONFIG, token.refresh_token)
