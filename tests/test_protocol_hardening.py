"""Security checklist tests for the pure protocol core (no I/O).

Each test's name says which line of ``security-checklist.md`` it covers.
Lines 2 and 9 and the sealed login cookie are covered in test_login_state.py.
"""

from __future__ import annotations

import ast
import contextlib
import gzip
import json
import math
import random
import re
import subprocess
import sys
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chattz_oauth_async
from chattz_oauth_async import errors, protocol
from chattz_oauth_async._http import (
    DEFAULT_MAX_RESPONSE_BYTES,
    BodyLimiter,
    RetryPolicy,
    retry_delay,
)
from chattz_oauth_async.errors import (
    AuthorizationDenied,
    ChattzOAuthError,
    ConfigurationError,
    InsecureTransportError,
    InsufficientScopeError,
    InvalidTokenError,
    OAuthError,
    ProviderError,
    ResponseTooLargeError,
    StateMismatchError,
)
from chattz_oauth_async.login import LoginRequest
from chattz_oauth_async.models import ChattzUser, Token
from chattz_oauth_async.protocol import (
    ClientConfig,
    authorize_url,
    code_challenge,
    new_code_verifier,
    new_state,
    parse_callback,
    parse_token_response,
    parse_userinfo_response,
    token_request,
    userinfo_request,
)

SECRET = "s3cr3t-CLIENT-secret-value"
CODE = "the-authorization-CODE-1234"
ACCESS = "AT-access-token-value-5678"
REFRESH = "RT-refresh-token-value-9012"
NOW = 1_700_000_000.0
PACKAGE = Path(chattz_oauth_async.__file__).parent


def protocol_source() -> str:
    """The source text of every module of the protocol package."""
    folder = Path(protocol.__file__).parent
    return "\n".join(path.read_text() for path in sorted(folder.glob("*.py")))


@pytest.fixture
def config() -> ClientConfig:
    """A client registered for https://app.example/cb."""
    return ClientConfig("client-id", SECRET, "https://app.example/cb")


def token_body(**fields: Any) -> bytes:
    """A JSON token response: a valid bearer token, changed by ``fields``."""
    data: dict[str, Any] = {"access_token": ACCESS, "token_type": "Bearer", "expires_in": 3600}
    data.update(fields)
    return json.dumps({k: v for k, v in data.items() if v is not ...}).encode()


def user_body(**fields: Any) -> bytes:
    """A JSON userinfo response, changed by ``fields`` (``...`` removes one)."""
    data: dict[str, Any] = {
        "id": 123,
        "username": "johndoe",
        "email": "johndoe@example.com",
        "first_name": "John",
        "last_name": "Doe",
        "avatar": "https://chattz.net/a.png",
    }
    data.update(fields)
    return json.dumps({k: v for k, v in data.items() if v is not ...}).encode()


def read_body(
    limiter: BodyLimiter | Callable[[], BodyLimiter],
    chunks: list[bytes],
    fed: list[int] | None = None,
) -> bytes:
    """Feed ``chunks`` to a BodyLimiter (or one made now) and return the body."""
    if not isinstance(limiter, BodyLimiter):
        limiter = limiter()
    for chunk in chunks:
        limiter.feed(chunk)
        if fed is not None:
            fed.append(len(chunk))
    return limiter.result()


def parse_token(status: int, body: bytes) -> Token:
    """parse_token_response at a fixed time."""
    return parse_token_response(status, body, now=NOW)


# --- 1, 6, 7, 8: callbacks ---------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected_state"),
    [
        ("code=abc", "good-state"),
        ("code=abc&state=", "good-state"),
        ("code=abc&state=bad-state", "good-state"),
        ("code=abc&state=good-state", None),
        ("code=abc", None),
        ("code=abc&state=None", None),
        ("code=abc&state=", ""),
        ("code=abc&state=good-stat", "good-state"),
        ("code=abc&state=good-statee", "good-state"),
    ],
)
@pytest.mark.checklist(1)
def test_checklist_01_state_missing_empty_or_different_rejected(
    query: str, expected_state: str | None
) -> None:
    """Line 1: a missing, empty or different state (also None vs None) is rejected."""
    with pytest.raises(StateMismatchError):
        parse_callback(query, expected_state)


@pytest.mark.checklist(1)
def test_checklist_01_state_with_lone_surrogate_rejected() -> None:
    """Line 1: a state that cannot be encoded is a mismatch, not a UnicodeEncodeError."""
    with pytest.raises(StateMismatchError):
        parse_callback({"code": "a", "state": "\ud800"}, "good")
    with pytest.raises(StateMismatchError):
        parse_callback({"code": "a", "state": "good"}, "\udfff")


@pytest.mark.parametrize(
    "callback",
    [None, 5, [None], [[]], [("a",)], [("a", "b", "c")], [("code", 1)], {"code": None}, object()],
)
@pytest.mark.checklist(1)
def test_checklist_01_malformed_callback_input_is_typed_error(callback: object) -> None:
    """Line 1: a callback of the wrong shape is a typed error, not a TypeError."""
    with pytest.raises(ChattzOAuthError):
        parse_callback(callback, "good")  # type: ignore[arg-type]


@pytest.mark.checklist(1)
def test_checklist_01_state_rejected_for_every_callback_form() -> None:
    """Line 1: URL, mapping and pair forms of a callback all check the state."""
    for callback in (
        "https://app.example/cb?code=abc&state=x",
        {"code": "abc", "state": "x"},
        [("code", "abc"), ("state", "x")],
    ):
        with pytest.raises(StateMismatchError):
            parse_callback(callback, "good-state")


@pytest.mark.checklist(4)
def test_checklist_04_states_random_long_unique_and_free_of_user_data() -> None:
    """Line 4: 10k states are unique, >= 128 bits, URL-safe and made by ``secrets``."""
    states = [new_state() for _ in range(10_000)]
    assert len(states) == len(set(states))
    assert all(len(s) * 6 >= 128 and re.fullmatch(r"[A-Za-z0-9_-]+", s) for s in states)
    source = protocol_source()
    assert "secrets.token_urlsafe" in source
    assert "import random" not in source


@pytest.mark.checklist(5)
def test_checklist_05_no_assert_in_library_and_compare_digest_used() -> None:
    """Line 5: the library has no assert statements and compares state with compare_digest."""
    asserts = []
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text())
        asserts += [f"{path}:{n.lineno}" for n in ast.walk(tree) if isinstance(n, ast.Assert)]
    assert [] == asserts
    assert "hmac.compare_digest" in protocol_source()


@pytest.mark.checklist(5)
def test_checklist_05_state_checks_hold_under_python_O() -> None:
    """Line 5: under ``python -O`` a wrong or missing state is still rejected."""
    script = (
        "from chattz_oauth_async import parse_callback, StateMismatchError\n"
        "for q, s in [('code=a&state=x', 'y'), ('code=a', None), ('code=a&state=', '')]:\n"
        "    try:\n"
        "        parse_callback(q, s)\n"
        "    except StateMismatchError:\n"
        "        continue\n"
        "    raise SystemExit('accepted ' + q)\n"
        "print('ok')\n"
    )
    result = subprocess.run(
        [sys.executable, "-O", "-c", script], capture_output=True, text=True, timeout=30
    )
    assert ("ok\n", 0) == (result.stdout, result.returncode)


@pytest.mark.checklist(6)
def test_checklist_06_error_with_wrong_state_is_a_state_mismatch() -> None:
    """Line 6: error=access_denied with a wrong state is a state mismatch."""
    with pytest.raises(StateMismatchError):
        parse_callback("error=access_denied&state=evil", "good")


@pytest.mark.checklist(6)
def test_checklist_06_error_with_right_state_is_capped_authorization_denied() -> None:
    """Line 6: with the right state, AuthorizationDenied carries a capped, clean description."""
    description = "x" * 5000 + "\r\nInjected: header"
    query = {"error": "access_denied", "error_description": description, "state": "good"}
    with pytest.raises(AuthorizationDenied) as info:
        parse_callback(query, "good")
    assert "access_denied" == info.value.error
    assert info.value.error_description is not None
    assert len(info.value.error_description) <= errors.MAX_DESCRIPTION_LENGTH
    assert "\n" not in str(info.value)
    assert "\r" not in repr(info.value)


@pytest.mark.parametrize(
    "query",
    [
        "code=a&state=good&state=good",
        "code=a&state=good&state=evil",
        "code=a&code=b&state=good",
        "code=a&code=a&state=good",
        "error=x&error=y&state=good",
    ],
)
@pytest.mark.checklist(7)
def test_checklist_07_duplicate_state_or_code_rejected(query: str) -> None:
    """Line 7: a repeated state or code is rejected, not last-wins."""
    with pytest.raises((StateMismatchError, ProviderError)):
        parse_callback(query, "good")


@pytest.mark.checklist(7)
def test_checklist_07_duplicate_parameters_rejected_from_pairs() -> None:
    """Line 7: duplicates given as (name, value) pairs are rejected too."""
    with pytest.raises(ProviderError):
        parse_callback([("code", "a"), ("state", "good"), ("code", "b")], "good")


@pytest.mark.parametrize(
    "iss", ["https://evil.example", "https://chattz.net/", "HTTPS://CHATTZ.NET", ""]
)
@pytest.mark.checklist(8)
def test_checklist_08_issuer_must_match_exactly(iss: str) -> None:
    """Line 8: an ``iss`` other than the configured issuer is rejected."""
    with pytest.raises(ProviderError):
        parse_callback({"code": "a", "state": "s", "iss": iss}, "s", issuer="https://chattz.net")


@pytest.mark.checklist(8)
def test_checklist_08_matching_or_absent_issuer_accepted() -> None:
    """Line 8: the exact issuer, or none at all, is accepted."""
    expected = ["a", "a"]
    actual = [
        parse_callback(
            {"code": "a", "state": "s", "iss": "https://chattz.net"},
            "s",
            issuer="https://chattz.net",
        ),
        parse_callback({"code": "a", "state": "s"}, "s", issuer="https://chattz.net"),
    ]
    assert expected == actual


# --- 10-12: PKCE ----------------------------------------------------------------


@pytest.mark.checklist(10)
def test_checklist_10_pkce_rfc7636_appendix_b_vector() -> None:
    """Line 10: the RFC 7636 Appendix B verifier gives the published S256 challenge."""
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM" == code_challenge(verifier)


@pytest.mark.checklist(10)
def test_checklist_10_pkce_verifier_shape_entropy_and_freshness() -> None:
    """Line 10: verifiers are 43-128 unreserved characters, >= 256 bits, new each time."""
    verifiers = [new_code_verifier() for _ in range(1000)]
    assert len(verifiers) == len(set(verifiers))
    assert all(re.fullmatch(r"[A-Za-z0-9._~-]{43,128}", v) for v in verifiers)
    assert all(len(v) * 6 >= 256 for v in verifiers)


@pytest.mark.parametrize("bad", ["short", "a" * 129, "a" * 42 + "!", "", None, 42])
@pytest.mark.checklist(10)
def test_checklist_10_malformed_verifier_rejected(bad: object) -> None:
    """Line 10: a verifier that is not 43-128 unreserved characters is refused."""
    with pytest.raises(ConfigurationError):
        code_challenge(bad)  # type: ignore[arg-type]


@pytest.mark.checklist(11)
def test_checklist_11_never_plain_pkce(config: ClientConfig) -> None:
    """Line 11: the method is always S256 and ``plain`` cannot be asked for."""
    url = authorize_url(config, "st", code_challenge=code_challenge(new_code_verifier()))
    assert ["S256"] == parse_qs(urlsplit(url).query)["code_challenge_method"]
    with pytest.raises(ConfigurationError):
        authorize_url(config, "st", code_challenge_method="plain")
    with pytest.raises(ConfigurationError):
        authorize_url(config, "st", code_challenge="x" * 43, **{"code_challenge_method": "plain"})


# --- 13, 16, 17: transport and request building -------------------------------


@pytest.mark.parametrize(
    ("base_url", "redirect_uri"),
    [
        ("http://chattz.net", "https://app.example/cb"),
        ("https://chattz.net", "http://app.example/cb"),
        ("http://127.0.0.1.evil.example", "https://app.example/cb"),
        ("http://localhost.evil.example", "https://app.example/cb"),
        ("https://chattz.net", "http://10.0.0.1/cb"),
    ],
)
@pytest.mark.checklist(13)
def test_checklist_13_plain_http_refused_unless_loopback(base_url: str, redirect_uri: str) -> None:
    """Line 13: http:// is refused for a non-loopback host."""
    with pytest.raises(InsecureTransportError):
        ClientConfig("id", SECRET, redirect_uri, base_url)


@pytest.mark.checklist(13)
def test_checklist_13_loopback_http_allowed_and_no_env_bypass(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Line 13: loopback http:// works; no environment variable lifts the refusal."""
    for name in (
        "OAUTHLIB_INSECURE_TRANSPORT",
        "AUTHLIB_INSECURE_TRANSPORT",
        "CHATTZ_INSECURE_TRANSPORT",
        "CHATTZ_ALLOW_HTTP",
    ):
        monkeypatch.setenv(name, "1")
    for host in ("127.0.0.1:8000", "localhost", "[::1]:9"):
        ClientConfig("id", SECRET, f"http://{host}/cb", f"http://{host}")
    with pytest.raises(InsecureTransportError):
        ClientConfig("id", SECRET, "https://app.example/cb", "http://chattz.net")


@pytest.mark.checklist(16)
def test_checklist_16_redirect_uri_identical_in_authorize_and_token_requests(
    config: ClientConfig,
) -> None:
    """Line 16: the configured redirect_uri is sent unchanged in both requests."""
    authorize = parse_qs(urlsplit(authorize_url(config, "st")).query)
    token = parse_qs(token_request(config, CODE).body.decode())
    assert authorize["redirect_uri"] == token["redirect_uri"] == ["https://app.example/cb"]


@pytest.mark.checklist(17)
def test_checklist_17_secrets_only_in_post_body_token_only_in_header(config: ClientConfig) -> None:
    """Line 17: secret and code travel in the POST body, the token in Authorization only."""
    request = token_request(config, CODE, code_verifier=new_code_verifier())
    assert ("POST", "https://chattz.net/oauth/token") == (request.method, request.url)
    form = parse_qs(request.body.decode())
    assert ([SECRET], [CODE]) == (form["client_secret"], form["code"])
    assert all(SECRET not in v and CODE not in v for _, v in request.headers)
    info = userinfo_request(config, ACCESS)
    assert ("GET", b"") == (info.method, info.body)
    assert ACCESS not in info.url
    assert [f"Bearer {ACCESS}"] == [v for k, v in info.headers if k == "Authorization"]
    assert SECRET not in authorize_url(config, "st")


@pytest.mark.parametrize("bad", ["", "a b", "a\r\nX-Evil: 1", "tök", None, 7, b"AT"])
@pytest.mark.checklist(17)
def test_checklist_17_userinfo_request_refuses_unsafe_token(
    config: ClientConfig, bad: object
) -> None:
    """Line 17: a token that is not a printable header value is refused before sending."""
    with pytest.raises(ConfigurationError):
        userinfo_request(config, bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["", None, 7, b"code", ["a"]])
@pytest.mark.checklist(17)
def test_checklist_17_token_request_refuses_non_string_code(
    config: ClientConfig, bad: object
) -> None:
    """Line 17: an empty or non-string code is refused with a typed error."""
    with pytest.raises(ConfigurationError):
        token_request(config, bad)  # type: ignore[arg-type]


# --- 18-24: token responses -----------------------------------------------------


@pytest.mark.parametrize("token_type", ["Bearer", "bearer", "BEARER", "bEaReR"])
@pytest.mark.checklist(18)
def test_checklist_18_bearer_in_any_case_accepted_and_normalised(token_type: str) -> None:
    """Line 18: bearer in any case is accepted and stored as ``Bearer``."""
    token = parse_token(200, token_body(token_type=token_type))
    assert ("Bearer", ACCESS) == (token.token_type, token.access_token)


@pytest.mark.parametrize(
    "token_type",
    ["mac", "MAC", "DPoP", "dpop", "", None, ..., 1, ["Bearer"], "Bearer ", "Bearer\n"],
)
@pytest.mark.checklist(19)
def test_checklist_19_token_type_other_than_bearer_rejected(token_type: object) -> None:
    """Line 19: mac, DPoP, absent or malformed token_type is a typed error with the status."""
    with pytest.raises(ProviderError) as info:
        parse_token(200, token_body(token_type=token_type))
    assert 200 == info.value.status_code


@pytest.mark.parametrize(
    "access_token",
    [..., None, "", 0, 1.5, True, [], {}, ["AT"], "AT\r\nX-Injected: 1", "AT\n", "A T", "\u00e9AT"],
)
@pytest.mark.checklist(20)
def test_checklist_20_bad_access_token_rejected(access_token: object) -> None:
    """Line 20: a missing, empty, non-string or CR/LF access_token is a typed error."""
    with pytest.raises(ProviderError) as info:
        parse_token(200, token_body(access_token=access_token))
    assert 200 == info.value.status_code


@pytest.mark.parametrize(
    "body",
    [
        b"[]",
        b"null",
        b"42",
        b'"str"',
        b"true",
        b"",
        b"<html><body>OK</body></html>",
        b"\xff\xfe\x00garbage",
        b'{"access_token": "x",',
        b"NaN",
        b"{}",
    ],
)
@pytest.mark.checklist(21)
def test_checklist_21_non_object_body_with_200_rejected_with_status(body: bytes) -> None:
    """Line 21: [], null, a number or an HTML page with status 200 is a typed error."""
    with pytest.raises(ProviderError) as info:
        parse_token(200, body)
    assert 200 == info.value.status_code


@pytest.mark.parametrize(
    ("value", "expected"), [(3600, 3600), ("3600", 3600), (0, 0), (3600.0, 3600)]
)
@pytest.mark.checklist(22)
def test_checklist_22_expires_in_accepted_forms(value: object, expected: int) -> None:
    """Line 22: 3600 and "3600" are accepted; 0 is accepted and already expired."""
    token = parse_token(200, token_body(expires_in=value))
    assert (expected, NOW + expected) == (token.expires_in, token.expires_at)
    assert (expected == 0) == token.is_expired(NOW)


@pytest.mark.checklist(22)
def test_checklist_22_expires_in_absent_means_unknown_expiry() -> None:
    """Line 22: no expires_in gives an unknown expiry that never expires locally."""
    token = parse_token(200, token_body(expires_in=...))
    assert (None, None, False) == (token.expires_in, token.expires_at, token.is_expired(NOW + 1e9))


@pytest.mark.checklist(22)
def test_checklist_22_expires_in_null_means_unknown_expiry() -> None:
    """Line 22: expires_in null is treated like absent."""
    assert None is parse_token(200, token_body(expires_in=None)).expires_at


@pytest.mark.parametrize(
    "raw",
    [
        "-1",
        "true",
        "false",
        '"3600.5"',
        "3600.5",
        '"-5"',
        '" 3600"',
        '"1e3"',
        "1e400",
        "-1e400",
        "NaN",
        "Infinity",
        "-Infinity",
        '"NaN"',
        "[3600]",
        "{}",
        '"\u0663"',
        "1" + "0" * 30,
        '"' + "9" * 40 + '"',
        "9" * 5000,
    ],
)
@pytest.mark.checklist(22)
def test_checklist_22_expires_in_malformed_rejected(raw: str) -> None:
    """Line 22: negative, true, NaN, 1e400, "3600.5" and huge values are typed errors."""
    body = b'{"access_token": "AT", "token_type": "Bearer", "expires_in": ' + raw.encode() + b"}"
    with pytest.raises(ProviderError) as info:
        parse_token(200, body)
    assert 200 == info.value.status_code


@pytest.mark.checklist(23)
def test_checklist_23_expires_at_is_receipt_time_plus_expires_in_and_leeway_clamped() -> None:
    """Line 23: expires_at = now + expires_in; the leeway is at most half the lifetime."""
    token = parse_token_response(200, token_body(expires_in=20), now=NOW, leeway=30)
    assert (NOW + 20, 10.0) == (token.expires_at, token.effective_leeway())
    assert (False, True) == (token.is_expired(NOW + 9.9), token.is_expired(NOW + 10))
    long = parse_token_response(200, token_body(expires_in=3600), now=NOW, leeway=30)
    assert (30.0, False, True) == (
        long.effective_leeway(),
        long.is_expired(NOW + 3569),
        long.is_expired(NOW + 3570),
    )


@pytest.mark.parametrize("status", [200, 400, 500])
@pytest.mark.checklist(24)
def test_checklist_24_error_wins_over_access_token(status: int) -> None:
    """Line 24: a body with both error and access_token is an OAuthError."""
    body = token_body(error="invalid_grant", error_description="code used")
    with pytest.raises(OAuthError) as info:
        parse_token(status, body)
    assert ("invalid_grant", "code used", status) == (
        info.value.error,
        info.value.error_description,
        info.value.status_code,
    )


@pytest.mark.checklist(24)
def test_checklist_24_unknown_fields_kept_aside() -> None:
    """Line 24: unknown fields are kept in ``extra``, not rejected or mixed in."""
    token = parse_token(200, token_body(id_token="x", nested={"a": [1]}, scope="read write"))
    assert ({"id_token": "x", "nested": {"a": [1]}}, "read write") == (token.extra, token.scope)


@pytest.mark.parametrize("refresh", [1, [], {}, True])
@pytest.mark.checklist(24)
def test_checklist_24_malformed_known_field_rejected(refresh: object) -> None:
    """Line 24: a known optional field of the wrong type is a typed error."""
    with pytest.raises(ProviderError):
        parse_token(200, token_body(refresh_token=refresh))


# --- 25-28: userinfo ---------------------------------------------------------------


@pytest.mark.parametrize("user_id", [..., None, "123", 1.0, 12.5, True, [], {}, "abc"])
@pytest.mark.checklist(25)
def test_checklist_25_id_missing_or_wrong_type_rejected(user_id: object) -> None:
    """Line 25: an id that is missing or not an integer is a typed error."""
    with pytest.raises(ProviderError) as info:
        parse_userinfo_response(200, user_body(id=user_id))
    assert 200 == info.value.status_code


@pytest.mark.checklist(25)
def test_checklist_25_docs_say_key_on_id_not_email() -> None:
    """Line 25: ChattzUser's documentation tells users to key accounts on id, not email."""
    doc = ChattzUser.__doc__ or ""
    assert "on :attr:`id`, never on :attr:`email`" in doc


@pytest.mark.parametrize("missing", ["avatar", "first_name", "last_name", "email"])
@pytest.mark.checklist(26)
def test_checklist_26_optional_fields_null_or_absent_are_none(missing: str) -> None:
    """Line 26: a null or absent optional field is None."""
    for value in (None, ...):
        user = parse_userinfo_response(200, user_body(**{missing: value}))
        assert None is getattr(user, missing)


@pytest.mark.checklist(26)
def test_checklist_26_extra_fields_kept_in_raw() -> None:
    """Line 26: unknown fields stay available in ``raw``."""
    user = parse_userinfo_response(200, user_body(badge="gold", links={"x": 1}))
    assert ("gold", {"x": 1}, 123) == (user.raw["badge"], user.raw["links"], user.id)


@pytest.mark.parametrize("field", ["avatar", "email", "first_name", "last_name", "username"])
@pytest.mark.checklist(26)
def test_checklist_26_wrong_type_optional_field_rejected(field: str) -> None:
    """Line 26: a field of the wrong type is a typed error, not a silently odd user."""
    with pytest.raises(ProviderError):
        parse_userinfo_response(200, user_body(**{field: 5}))


@pytest.mark.checklist(27)
def test_checklist_27_library_never_fetches_the_avatar() -> None:
    """Line 27: the avatar URL is only stored; no library code requests it."""
    user = parse_userinfo_response(200, user_body(avatar="http://169.254.169.254/latest"))
    assert "http://169.254.169.254/latest" == user.avatar
    sources = "\n".join(p.read_text() for p in PACKAGE.rglob("*.py") if "testing" not in p.parts)
    assert [] == re.findall(r"\.avatar\b[^\n]*(?:get|send|request|stream)\(", sources)


@pytest.mark.checklist(28)
def test_checklist_28_401_www_authenticate_is_invalid_token() -> None:
    """Line 28: 401 with WWW-Authenticate Bearer error=invalid_token is InvalidTokenError."""
    headers = {
        "www-authenticate": 'Bearer realm="chattz", error="invalid_token", '
        'error_description="expired"'
    }
    with pytest.raises(InvalidTokenError) as info:
        parse_userinfo_response(401, b"<html>nope</html>", headers)
    assert ("invalid_token", "expired", 401) == (
        info.value.error,
        info.value.error_description,
        info.value.status_code,
    )


@pytest.mark.checklist(28)
def test_checklist_28_403_is_insufficient_scope() -> None:
    """Line 28: 403 is a typed insufficient-scope error, with or without a header."""
    for headers in (None, {"WWW-Authenticate": 'Bearer error="insufficient_scope"'}):
        with pytest.raises(InsufficientScopeError) as info:
            parse_userinfo_response(403, b"", headers)
        assert ("insufficient_scope", 403) == (info.value.error, info.value.status_code)


@pytest.mark.parametrize(
    "body", [b'{"error": 5, "error_description": {"a": 1}}', b"[1]", b"\xff", b'{"error": null}']
)
@pytest.mark.checklist(28)
def test_checklist_28_401_with_odd_body_still_invalid_token(body: bytes) -> None:
    """Line 28: a 401 with a malformed body is still an InvalidTokenError."""
    with pytest.raises(InvalidTokenError) as info:
        parse_userinfo_response(401, body)
    assert 401 == info.value.status_code


# --- 29-30: errors -----------------------------------------------------------------


@pytest.mark.parametrize("status", [400, 401])
@pytest.mark.checklist(29)
def test_checklist_29_rfc6749_error_body_is_oauth_error(status: int) -> None:
    """Line 29: a section 5.2 JSON error becomes OAuthError with all four fields."""
    body = json.dumps(
        {
            "error": "invalid_client",
            "error_description": "bad secret",
            "error_uri": "https://chattz.net/doc",
        }
    ).encode()
    with pytest.raises(OAuthError) as info:
        parse_token(status, body)
    expected = ("invalid_client", "bad secret", "https://chattz.net/doc", status)
    actual = (
        info.value.error,
        info.value.error_description,
        info.value.error_uri,
        info.value.status_code,
    )
    assert expected == actual


@pytest.mark.parametrize(
    "body",
    [
        b'{"error": "x", "error_description": 5, "error_uri": []}',
        b'{"error": "x\\r\\nInjected", "error_description": "a\\u0000b"}',
    ],
)
@pytest.mark.checklist(29)
def test_checklist_29_odd_error_fields_are_cleaned(body: bytes) -> None:
    """Line 29: non-string or control-character error fields are dropped or cleaned."""
    with pytest.raises(OAuthError) as info:
        parse_token(400, body)
    assert all(ch.isprintable() for ch in str(info.value))


@pytest.mark.parametrize("status", [400, 429, 500, 502, 503, 504, 302, 100, 999])
@pytest.mark.parametrize(
    "body", [b"<html><h1>Bad Gateway</h1></html>", b"Too Many Requests", b"", b"{}", b"[]", b"null"]
)
@pytest.mark.checklist(30)
def test_checklist_30_text_or_html_error_is_typed_with_status(status: int, body: bytes) -> None:
    """Line 30: an HTML or text error body is a typed error with the status, never JSON noise."""
    for parse in (parse_token, parse_userinfo_response):
        with pytest.raises(ProviderError) as info:
            parse(status, body)
        assert status == info.value.status_code


# --- 33: secrets in repr/str ---------------------------------------------------------


@pytest.mark.checklist(33)
def test_checklist_33_repr_and_str_of_values_free_of_secrets(config: ClientConfig) -> None:
    """Line 33: config, requests, tokens, login state and errors never show secrets."""
    verifier = new_code_verifier()
    token = parse_token(200, token_body(refresh_token=REFRESH))
    objects: list[object] = [
        config,
        token_request(config, CODE, code_verifier=verifier),
        userinfo_request(config, ACCESS),
        token,
        LoginRequest(
            url="https://x", state="st", code_verifier=verifier, next_url=None, created_at=NOW
        ),
    ]
    for build in (
        lambda: parse_token(400, token_body(error="invalid_grant")),
        lambda: parse_token(200, token_body(token_type="mac")),
        lambda: token_request(config, ""),
    ):
        try:
            build()
        except ChattzOAuthError as exc:
            objects.append(exc)
    secrets_ = (SECRET, CODE, ACCESS, REFRESH, verifier)
    shown = " ".join(repr(o) + str(o) + repr(getattr(o, "args", "")) for o in objects)
    assert [] == [s for s in secrets_ if s in shown]


# --- 36, 38: resource limits ----------------------------------------------------------


@pytest.mark.checklist(36)
def test_checklist_36_body_limiter_cuts_off_at_cap_while_streaming() -> None:
    """Line 36: feeding past the cap raises as soon as the cap is crossed."""
    fed: list[int] = []
    with pytest.raises(ResponseTooLargeError) as info:
        read_body(BodyLimiter(1000, 200), [b"x" * 300] * 100, fed)
    assert (900, 200) == (sum(fed), info.value.status_code)


@pytest.mark.checklist(36)
def test_checklist_36_declared_length_over_cap_rejected_before_reading() -> None:
    """Line 36: a Content-Length over the cap is refused before any byte is read."""
    with pytest.raises(ResponseTooLargeError):
        BodyLimiter(DEFAULT_MAX_RESPONSE_BYTES, 200, str(DEFAULT_MAX_RESPONSE_BYTES + 1))


@pytest.mark.parametrize("declared", ["10", "0", "-5", "abc", "", "99999999999999999999999"])
@pytest.mark.checklist(36)
def test_checklist_36_lying_content_length_does_not_lift_cap(declared: str) -> None:
    """Line 36: a small or nonsense Content-Length does not let more than the cap through."""
    with pytest.raises(ResponseTooLargeError):
        read_body(lambda: BodyLimiter(1000, 200, declared), [b"x" * 1001])


@pytest.mark.parametrize(
    ("encoding", "compress"),
    [
        ("gzip", lambda d: gzip.compress(d, 9)),
        ("x-gzip", lambda d: gzip.compress(d, 9)),
        ("deflate", lambda d: zlib.compress(d, 9)),
        ("GZIP", lambda d: gzip.compress(d, 9)),
    ],
)
@pytest.mark.checklist(36)
def test_checklist_36_gzip_bomb_stops_at_cap(encoding: str, compress: Any) -> None:
    """Line 36: 16 MiB of zeros compressed to ~16 KiB stops at the 1 MiB cap."""
    bomb = compress(b"\0" * (16 * 1024 * 1024))
    limiter = BodyLimiter(DEFAULT_MAX_RESPONSE_BYTES, 200, str(len(bomb)), encoding)
    chunks = [bomb[start : start + 4096] for start in range(0, len(bomb), 4096)]
    with pytest.raises(ResponseTooLargeError):
        read_body(limiter, chunks)


@pytest.mark.checklist(36)
def test_checklist_36_small_compressed_body_decoded() -> None:
    """Line 36: a small gzip body under the cap decodes normally."""
    limiter = BodyLimiter(1000, 200, None, "gzip")
    data = gzip.compress(b'{"a": 1}')
    limiter.feed(data[:5])
    limiter.feed(data[5:])
    assert b'{"a": 1}' == limiter.result()


@pytest.mark.parametrize("encoding", ["br", "zstd", "compress", "gzip, gzip", "x" * 500])
@pytest.mark.checklist(36)
def test_checklist_36_unknown_encoding_is_typed_error(encoding: str) -> None:
    """Line 36: an encoding the client did not ask for is a typed error."""
    with pytest.raises(ProviderError):
        BodyLimiter(1000, 200, None, encoding)


@pytest.mark.checklist(36)
def test_checklist_36_corrupt_gzip_is_typed_error() -> None:
    """Line 36: a corrupt gzip stream is a ProviderError, not a zlib.error."""
    with pytest.raises(ProviderError):
        read_body(BodyLimiter(1000, 200, None, "gzip"), [b"\x1f\x8b\x08\x00garbage-garbage"])


@pytest.mark.checklist(36)
def test_checklist_36_truncated_gzip_is_typed_error_or_partial() -> None:
    """Line 36: a truncated gzip body gives bytes or a ProviderError, nothing raw."""
    limiter = BodyLimiter(1000, 200, None, "gzip")
    try:
        limiter.feed(gzip.compress(b'{"a": 1}')[:12])
        limiter.result()
    except ProviderError:
        pass


@pytest.mark.parametrize("depth", [50, 10_000, 100_000])
@pytest.mark.checklist(38)
def test_checklist_38_deeply_nested_json_is_typed_error(depth: int) -> None:
    """Line 38: deeply nested JSON is a typed error or parsed, never a RecursionError."""
    for opener, closer in (("[", "]"), ('{"a":', "}")):
        nested = (opener * depth + "1" + closer * depth).encode()
        for parse in (parse_token, parse_userinfo_response):
            with pytest.raises(ProviderError):
                parse(200, nested)
        wrapped = b'{"access_token": "AT", "token_type": "Bearer", "x": ' + nested + b"}"
        with contextlib.suppress(ProviderError):
            parse_token(200, wrapped)


# --- retry delays ------------------------------------------------------------------------


@pytest.mark.checklist(31)
def test_checklist_31_retry_delay_bounded_exponential_with_jitter() -> None:
    """Line 31 (retry policy): full-jitter backoff grows, and never passes max_delay."""
    policy = RetryPolicy(attempts=10, base_delay=0.5, max_delay=4.0)
    rng = random.Random(1)
    for attempt in range(1, 12):
        ceiling = min(4.0, 0.5 * 2 ** (attempt - 1))
        delays = [retry_delay(policy, attempt, rng=rng) for _ in range(50)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(set(delays)) > 1


@pytest.mark.parametrize(
    ("retry_after", "expected"),
    [
        ("2", 2.0),
        ("0", 0.0),
        ("99999", 4.0),
        ("Thu, 01 Jan 1970 00:00:00 GMT", 0.0),
        ("Thu, 01 Jan 1970 00:00:03 GMT", 3.0),
        ("Thu, 01 Jan 1970 01:00:00 GMT", 4.0),
    ],
)
@pytest.mark.checklist(31)
def test_checklist_31_retry_after_honoured_and_capped(retry_after: str, expected: float) -> None:
    """Line 31 (retry policy): Retry-After seconds or dates are honoured up to max_delay."""
    policy = RetryPolicy(attempts=3, base_delay=0.5, max_delay=4.0)
    assert expected == retry_delay(policy, 1, retry_after, now=0.0)


@pytest.mark.parametrize(
    "retry_after",
    [
        "",
        "soon",
        "-1",
        "1.5",
        "9" * 400,
        "\u0663",
        "Mon, 99 Foo 2015 07:28:00 GMT",
        "Wed, 21 Oct 2015",
        "x" * 5000,
    ],
)
@pytest.mark.checklist(31)
def test_checklist_31_malformed_retry_after_falls_back_to_backoff(retry_after: str) -> None:
    """Line 31 (retry policy): a malformed Retry-After falls back to bounded backoff."""
    policy = RetryPolicy(attempts=3, base_delay=0.5, max_delay=4.0)
    delay = retry_delay(policy, 1, retry_after, now=0.0)
    assert True is (0.0 <= delay <= 4.0 and math.isfinite(delay))


@pytest.mark.parametrize(
    "kwargs", [{"attempts": 0}, {"base_delay": -1}, {"base_delay": 9, "max_delay": 1}]
)
@pytest.mark.checklist(31)
def test_checklist_31_retry_policy_validated(kwargs: dict[str, Any]) -> None:
    """Line 31 (retry policy): impossible policies are refused with a typed error."""
    with pytest.raises(ConfigurationError):
        RetryPolicy(**kwargs)


# --- property tests: only typed errors escape any parser ------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
token_keys = st.sampled_from(
    [
        "access_token",
        "token_type",
        "expires_in",
        "refresh_token",
        "scope",
        "error",
        "error_description",
        "error_uri",
        "x",
    ]
)
user_keys = st.sampled_from(
    [
        "id",
        "username",
        "email",
        "first_name",
        "last_name",
        "avatar",
        "error",
        "error_description",
        "x",
    ]
)
statuses = st.sampled_from([200, 201, 204, 301, 400, 401, 403, 404, 429, 500, 502, 503])
header_values = st.none() | st.dictionaries(
    st.sampled_from(["www-authenticate", "WWW-Authenticate", "x"]),
    st.text(max_size=60),
    max_size=2,
)
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _dumps(value: Any) -> bytes:
    return json.dumps(value, allow_nan=True).encode()


def _only_typed_errors(call: Any) -> None:
    try:
        call()
    except ChattzOAuthError as exc:
        if isinstance(exc, ProviderError | OAuthError) and not isinstance(exc, StateMismatchError):
            status = exc.status_code
            assert status is None or isinstance(status, int)


@PROPERTY
@given(status=statuses, body=json_values | st.dictionaries(token_keys, json_values))
def test_property_token_parser_any_json_only_typed_errors(status: int, body: Any) -> None:
    """Lines 19-24, 30: any JSON value to parse_token_response gives a Token or a typed error."""
    _only_typed_errors(lambda: parse_token(status, _dumps(body)))


@PROPERTY
@given(
    status=statuses,
    body=json_values | st.dictionaries(user_keys, json_values),
    headers=header_values,
)
def test_property_userinfo_parser_any_json_only_typed_errors(
    status: int, body: Any, headers: dict[str, str] | None
) -> None:
    """Lines 25-30: any JSON value to parse_userinfo_response gives a user or a typed error."""
    _only_typed_errors(lambda: parse_userinfo_response(status, _dumps(body), headers))


@PROPERTY
@given(status=st.integers(-1000, 1000), body=st.binary(max_size=300), headers=header_values)
def test_property_parsers_any_bytes_only_typed_errors(
    status: int, body: bytes, headers: dict[str, str] | None
) -> None:
    """Lines 21, 30, 38: arbitrary bytes to either parser give only typed errors."""
    _only_typed_errors(lambda: parse_token(status, body))
    _only_typed_errors(lambda: parse_userinfo_response(status, body, headers))


@PROPERTY
@given(
    callback=st.text(max_size=200)
    | st.dictionaries(st.text(max_size=8), json_values, max_size=5)
    | st.lists(st.tuples(st.text(max_size=8), st.text(max_size=8)), max_size=5)
    | st.lists(json_values, max_size=3)
    | json_values,
    expected=st.none() | st.text(max_size=20),
    issuer=st.none() | st.text(max_size=20),
)
def test_property_parse_callback_any_input_only_typed_errors(
    callback: Any, expected: str | None, issuer: Any
) -> None:
    """Lines 1, 6-8: any callback input gives a code or a typed error."""
    _only_typed_errors(lambda: parse_callback(callback, expected, issuer=issuer))


@PROPERTY
@given(
    limit=st.integers(1, 5000),
    chunks=st.lists(st.binary(max_size=2000), max_size=5),
    length=st.none() | st.text(max_size=25),
    encoding=st.none()
    | st.sampled_from(["gzip", "deflate", "identity", "br", ""])
    | st.text(max_size=10),
)
def test_property_body_limiter_any_bytes_only_typed_errors(
    limit: int, chunks: list[bytes], length: str | None, encoding: str | None
) -> None:
    """Line 36: BodyLimiter never lets more than the cap through and raises only typed errors."""
    try:
        limiter = BodyLimiter(limit, 200, length, encoding)
        for chunk in chunks:
            limiter.feed(chunk)
        assert len(limiter.result()) <= limit
    except ProviderError:
        pass


@PROPERTY
@given(
    state=json_values,
    extra=st.dictionaries(st.text(max_size=10), json_values, max_size=3),
    code=json_values,
    verifier=json_values,
    token=json_values,
)
def test_property_request_builders_any_input_only_typed_errors(
    state: Any, extra: dict[str, Any], code: Any, verifier: Any, token: Any
) -> None:
    """Lines 10, 17, 20: request builders refuse any malformed caller input with a typed error."""
    config = ClientConfig("client-id", SECRET, "https://app.example/cb")
    _only_typed_errors(lambda: authorize_url(config, state, **extra))
    _only_typed_errors(lambda: token_request(config, code, code_verifier=verifier))
    _only_typed_errors(lambda: userinfo_request(config, token))
    _only_typed_errors(lambda: protocol.refresh_request(config, token))
    _only_typed_errors(
        lambda: retry_delay(RetryPolicy(), 1, token if isinstance(token, str) else None)
    )


@pytest.mark.parametrize("value", ["²", "٣", "1²"])
@pytest.mark.checklist(36)
def test_checklist_36_unicode_digits_in_length_and_retry_after_are_not_numbers(value: str) -> None:
    """Unicode digits that str.isdigit() accepts but int() refuses are ignored, not crashes."""
    from chattz_oauth_async._http import BodyLimiter, RetryPolicy, retry_delay

    limiter = BodyLimiter(10, 200, content_length=value)
    limiter.feed(b"{}")
    policy = RetryPolicy(base_delay=1, max_delay=1)
    assert (b"{}", True) == (limiter.result(), 0.5 <= retry_delay(policy, 1, value) <= 1)
