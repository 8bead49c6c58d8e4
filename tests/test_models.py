"""models: Token and ChattzUser hold values, serialise them, and never show a secret."""

from __future__ import annotations

import pytest

from chattz_oauth_async.errors import (
    ChattzOAuthError,
    ConfigurationError,
)
from chattz_oauth_async.login import LoginRequest
from chattz_oauth_async.models import Token
from chattz_oauth_async.protocol import (
    new_code_verifier,
    parse_token_response,
    token_request,
    userinfo_request,
)
from tests.helpers import (
    ACCESS_TOKEN,
    CLIENT_SECRET,
    CODE,
    CONFIG,
    NOW,
    REFRESH_TOKEN,
    json_body,
    parse_token,
    token_body,
)


def test_token_repr_and_str_hide_secrets() -> None:
    """Token's repr and str never show the access or refresh token."""
    token = Token(access_token="AT-secret", refresh_token="RT-secret", expires_in=1)
    text = repr(token) + str(token)
    assert ("AT-secret" in text, "RT-secret" in text) == (False, False)


def test_token_from_dict_rejects_garbage() -> None:
    """A saved token of the wrong shape is a ConfigurationError, not a KeyError."""
    with pytest.raises(ConfigurationError):
        Token.from_dict({"access_token": "a", "expires_in": "soon"})


def test_leeway_is_clamped_to_half_the_lifetime() -> None:
    """A 20 s token with a 30 s leeway counts as expired after 10 s, not at birth."""
    token = Token(access_token="a", expires_in=20, expires_at=NOW + 20, leeway=30)
    assert (False, True) == (token.is_expired(NOW + 9.9), token.is_expired(NOW + 10))


def test_zero_lifetime_token_is_already_expired() -> None:
    """expires_in=0 means the token is expired on receipt."""
    token = parse_token_response(
        200, json_body({"access_token": "a", "token_type": "Bearer", "expires_in": 0}), now=NOW
    )
    assert token.is_expired(NOW)


@pytest.mark.checklist(33)
def test_checklist_33_repr_and_str_of_values_free_of_secrets() -> None:
    """Line 33: config, requests, tokens, login state and errors never show secrets."""
    verifier = new_code_verifier()
    token = parse_token(200, token_body(refresh_token=REFRESH_TOKEN))
    objects: list[object] = [
        CONFIG,
        token_request(CONFIG, CODE, code_verifier=verifier),
        userinfo_request(CONFIG, ACCESS_TOKEN),
        token,
        LoginRequest(
            url="https://x", state="st", code_verifier=verifier, next_url=None, created_at=NOW
        ),
    ]
    for build in (
        lambda: parse_token(400, token_body(error="invalid_grant")),
        lambda: parse_token(200, token_body(token_type="mac")),
        lambda: token_request(CONFIG, ""),
    ):
        try:
            build()
        except ChattzOAuthError as exc:
            objects.append(exc)
    secrets_ = (CLIENT_SECRET, CODE, ACCESS_TOKEN, REFRESH_TOKEN, verifier)
    shown = " ".join(repr(o) + str(o) + repr(getattr(o, "args", "")) for o in objects)
    assert [] == [s for s in secrets_ if s in shown]
