# GENERATED from tests/_async/test_responses.py by scripts/gen_sync.py -- do not edit.
# Edit the async original, then run: python scripts/gen_sync.py
"""Malformed answers and caller input through the session: typed errors (1, 19-30, 38).

Written once for ChattzOAuth; scripts/gen_sync.py generates the same tests
for ChattzOAuth in tests/_sync/.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from chattz_oauth_async import (
    ChattzOAuthError,
    ConfigurationError,
    InsufficientScopeError,
    InvalidTokenError,
    OAuthError,
    ProviderError,
    StateMismatchError,
)
from chattz_oauth_async.testing import FakeChattz

from .support import (
    ACCESS,
    CODE,
    TOKEN,
    result,
    token_requests,
    transport_session,
)



# --- 19-30, 38: malformed answers through the session ----------------------------------------

TEXT = {"content-type": "text/html"}
TOKEN_CASES: list[tuple[str, int, bytes, type[ChattzOAuthError]]] = [
    ("19-mac", 200, json.dumps({**TOKEN, "token_type": "mac"}).encode(), ProviderError),
    ("19-dpop", 200, json.dumps({**TOKEN, "token_type": "DPoP"}).encode(), ProviderError),
    ("19-absent", 200, json.dumps({"access_token": ACCESS}).encode(), ProviderError),
    ("20-missing", 200, b'{"token_type": "Bearer"}', ProviderError),
    ("20-null", 200, b'{"access_token": null, "token_type": "Bearer"}', ProviderError),
    ("20-empty", 200, b'{"access_token": "", "token_type": "Bearer"}', ProviderError),
    ("20-number", 200, b'{"access_token": 5, "token_type": "Bearer"}', ProviderError),
    ("20-crlf", 200, b'{"access_token": "a\\r\\nX: y", "token_type": "Bearer"}', ProviderError),
    ("21-list", 200, b"[]", ProviderError),
    ("21-null", 200, b"null", ProviderError),
    ("21-number", 200, b"42", ProviderError),
    ("21-html", 200, b"<html><body>Welcome</body></html>", ProviderError),
    ("22-negative", 200, json.dumps({**TOKEN, "expires_in": -1}).encode(), ProviderError),
    ("22-true", 200, json.dumps({**TOKEN, "expires_in": True}).encode(), ProviderError),
    (
        "22-nan",
        200,
        b'{"access_token": "a", "token_type": "Bearer", "expires_in": NaN}',
        ProviderError,
    ),
    (
        "22-huge",
        200,
        b'{"access_token": "a", "token_type": "Bearer", "expires_in": 1e400}',
        ProviderError,
    ),
    ("22-float-str", 200, json.dumps({**TOKEN, "expires_in": "3600.5"}).encode(), ProviderError),
    ("24-error-wins", 200, json.dumps({**TOKEN, "error": "invalid_grant"}).encode(), OAuthError),
    ("29-json-400", 400, b'{"error": "invalid_grant", "error_description": "used"}', OAuthError),
    ("29-json-401", 401, b'{"error": "invalid_client"}', OAuthError),
    ("30-html-400", 400, b"<html>Bad Request</html>", ProviderError),
    ("30-text-429", 429, b"Too Many Requests", ProviderError),
    ("30-html-500", 500, b"<html>Internal Server Error</html>", ProviderError),
    ("30-html-502", 502, b"<html>Bad Gateway</html>", ProviderError),
    ("30-empty-503", 503, b"", ProviderError),
    ("38-nested", 200, b"[" * 100_000 + b"]" * 100_000, ProviderError),
]


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [case[1:] for case in TOKEN_CASES],
    ids=[case[0] for case in TOKEN_CASES],
)
@pytest.mark.checklist(19)
def test_checklist_19_to_30_malformed_token_response_is_typed_error_with_status(
    status: int, body: bytes, expected: type[ChattzOAuthError]
) -> None:
    """Lines 19-22, 24, 29, 30, 38: a malformed token answer is a typed error with the status."""
    with transport_session(lambda request: httpx.Response(status, content=body)) as chattz:
        with pytest.raises(expected) as info:
            chattz.exchange_code(CODE)
    assert status == info.value.status_code  # type: ignore[attr-defined]


@pytest.mark.parametrize(("value", "expected"), [("3600", 3600), (0, 0), (None, None)])
@pytest.mark.checklist(22)
def test_checklist_22_expires_in_forms_through_session(
    value: object, expected: int | None
) -> None:
    """Line 22: "3600", 0 and null expires_in give the documented token."""
    body = {**TOKEN, "expires_in": value, "unknown": {"kept": True}}
    with transport_session(
        lambda request: httpx.Response(200, json=body), clock=lambda: 1000.0
    ) as chattz:
        token = chattz.exchange_code(CODE)
    expires_at = None if expected is None else 1000.0 + expected
    assert (expected, expires_at, {"kept": True}) == (
        token.expires_in,
        token.expires_at,
        token.extra["unknown"],
    )
    assert (expected == 0) == token.is_expired(1000.0)


USERINFO_CASES: list[tuple[str, int, bytes, dict[str, str], type[ChattzOAuthError]]] = [
    ("25-id-missing", 200, b'{"username": "x"}', {}, ProviderError),
    ("25-id-string", 200, b'{"id": "123", "username": "x"}', {}, ProviderError),
    ("25-id-bool", 200, b'{"id": true, "username": "x"}', {}, ProviderError),
    ("25-id-float", 200, b'{"id": 1.5, "username": "x"}', {}, ProviderError),
    ("21-list", 200, b"[]", {}, ProviderError),
    ("21-null", 200, b"null", {}, ProviderError),
    ("21-html", 200, b"<html>hi</html>", TEXT, ProviderError),
    ("28-401", 401, b"", {"www-authenticate": 'Bearer error="invalid_token"'}, InvalidTokenError),
    ("28-401-html", 401, b"<html>login</html>", TEXT, InvalidTokenError),
    ("28-403", 403, b"", {}, InsufficientScopeError),
    ("29-json-400", 400, b'{"error": "invalid_request"}', {}, OAuthError),
    ("30-html-500", 500, b"<html>oops</html>", TEXT, ProviderError),
    ("30-text-503", 503, b"unavailable", {}, ProviderError),
    ("30-text-429", 429, b"slow down", {}, ProviderError),
    ("38-nested", 200, b'{"a":' * 50_000 + b"1" + b"}" * 50_000, {}, ProviderError),
]


@pytest.mark.parametrize(
    ("status", "body", "headers", "expected"),
    [case[1:] for case in USERINFO_CASES],
    ids=[case[0] for case in USERINFO_CASES],
)
@pytest.mark.checklist(25)
def test_checklist_25_to_30_malformed_userinfo_is_typed_error_with_status(
    status: int, body: bytes, headers: dict[str, str], expected: type[ChattzOAuthError]
) -> None:
    """Lines 21, 25, 28-30, 38: a malformed userinfo answer is a typed error with the status."""
    with transport_session(
        lambda request: httpx.Response(status, content=body, headers=headers)
    ) as chattz:
        with pytest.raises(expected) as info:
            chattz.userinfo(ACCESS)
    assert status == info.value.status_code  # type: ignore[attr-defined]


@pytest.mark.checklist(26)
def test_checklist_26_null_optional_fields_and_extras_through_session() -> None:
    """Line 26: null optional fields are None and extra fields stay in ``raw``."""
    body = {"id": 7, "username": "u", "email": None, "avatar": None, "badge": [1]}
    with transport_session(lambda request: httpx.Response(200, json=body)) as chattz:
        user = chattz.userinfo(ACCESS)
    assert (7, None, None, None, [1]) == (
        user.id,
        user.email,
        user.avatar,
        user.first_name,
        user.raw["badge"],
    )


@pytest.mark.parametrize(
    "bad",
    [None, 123, b"code", "", ["x"], {"a": 1}, 1.5],
    ids=["None", "int", "bytes", "empty", "list", "dict", "float"],
)
@pytest.mark.checklist(20)
def test_checklist_20_non_string_caller_input_is_typed_error(bad: Any) -> None:
    """Line 20: a non-string code or token from the caller is refused, saying why; none is sent."""
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json=TOKEN)

    with transport_session(handler) as chattz:
        outcomes = [
            result(lambda: chattz.exchange_code(bad)),
            result(lambda: chattz.userinfo(bad)),
            result(lambda: chattz.refresh(bad)),
            # The login is checked first: without one, no callback is read.
            result(lambda: chattz.complete_login(bad, bad)),
            result(lambda: chattz.exchange_code(CODE, code_verifier=bad or "short")),
        ]
    expected = [
        (ConfigurationError, "code must be a non-empty string"),
        (ConfigurationError, "the access token must be a non-empty printable string"),
        (ConfigurationError, f"refresh() needs a Token, not {type(bad).__name__}"),
        (StateMismatchError, "this browser has no login in progress"),
        (
            ConfigurationError,
            "a PKCE code verifier must be 43-128 characters of [A-Za-z0-9-._~]",
        ),
    ]
    assert (expected, []) == (outcomes, sent)


NOT_PARAMETERS = (ProviderError, "the callback must be a query string or its parameters")
NOT_PAIRS = (ProviderError, "callback parameters must be (name, value) pairs of strings")


@pytest.mark.parametrize(
    ("callback", "expected"),
    [
        pytest.param(None, NOT_PARAMETERS, id="None"),
        pytest.param(5, NOT_PARAMETERS, id="int"),
        pytest.param([None], NOT_PAIRS, id="[None]"),
        pytest.param([("code",)], NOT_PAIRS, id="one-item-tuple"),
        pytest.param({"code": 1, "state": "s"}, NOT_PAIRS, id="int-value"),
        pytest.param(object(), NOT_PARAMETERS, id="object"),
        pytest.param(b"code=x", NOT_PARAMETERS, id="bytes"),
    ],
)
@pytest.mark.checklist(1)
def test_checklist_01_malformed_callback_to_complete_login_is_typed_error(
    fake: FakeChattz, callback: Any, expected: tuple[Any, str]
) -> None:
    """Line 1: complete_login with a callback of a wrong shape: this ProviderError, no exchange."""
    with fake.sync_session() as chattz:
        login = chattz.start_login()
        got = result(lambda: chattz.complete_login(callback, login))
    assert (expected, 0) == (got, token_requests(fake))
