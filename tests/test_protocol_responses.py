"""protocol.responses: the token and userinfo responses, read into values or typed errors."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import chattz_oauth_async
from chattz_oauth_async.errors import (
    InsufficientScopeError,
    InvalidTokenError,
    OAuthError,
    ProviderError,
)
from chattz_oauth_async.models import ChattzUser, Token
from chattz_oauth_async.protocol import (
    parse_token_response,
    parse_userinfo_response,
    refresh_request,
    userinfo_request,
)
from tests.helpers import (
    ACCESS_TOKEN,
    CONFIG,
    DOCUMENTED_USER,
    NOW,
    Outcome,
    json_body,
    json_bytes,
    json_values,
    lone_surrogate_texts,
    oauth_error_fields,
    outcome,
    parse_token,
    token_body,
    user_body,
)

PACKAGE = Path(chattz_oauth_async.__file__).parent
ORACLE = settings(max_examples=100, deadline=None)
#: Text with and without lone surrogates (st.text() alone never makes one).
TEXTS = st.text(max_size=20) | lone_surrogate_texts()
#: RFC 6750 section 2.1 as this library applies it: printable ASCII without space.
HEADER_VALUE = re.compile(r"[\x21-\x7e]+")


@pytest.mark.checklist(24)
@pytest.mark.parametrize("error", [None, "", 0, 1, False, True, [], ["invalid_grant"], {}, 1.5])
@pytest.mark.parametrize("status", [200, 400])
def test_checklist_24_malformed_error_member_next_to_a_token_is_an_error(
    error: object, status: int
) -> None:
    """An 'error' member that is not a non-empty string still makes the body an error."""
    expected = (ProviderError, f"token response carries a malformed 'error' member (HTTP {status})")
    assert expected == outcome(
        lambda: parse_token_response(status, token_body(error=error), now=NOW)
    )


@pytest.mark.checklist(24)
@ORACLE
@given(
    error=st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
        max_leaves=5,
    )
)
def test_checklist_24_property_any_error_member_is_never_a_token(error: object) -> None:
    """Whatever the 'error' member holds, a body that has one never gives a Token.

    A non-empty string is that OAuthError; anything else is the malformed-member ProviderError.
    """
    expected = expected_token(200, token_body(error=error))
    assert expected == outcome(lambda: parse_token(200, token_body(error=error)))
    assert "ok" != expected[0]


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


@ORACLE
@given(access_token=TEXTS, refresh_token=TEXTS)
def test_property_tokens_the_provider_sends_can_be_sent_back(
    access_token: str, refresh_token: str
) -> None:
    """A token is accepted exactly when it can be sent back, and then builds the exact requests.

    An access_token must be visible ASCII (a header value), a refresh_token printable
    ASCII (RFC 6749 A.17); anything else is refused on receipt with the exact ProviderError.
    """
    body = token_body(access_token=access_token, refresh_token=refresh_token)
    expected = expected_token(200, body)
    assert expected == outcome(lambda: parse_token(200, body))
    if expected[0] == "ok":
        token = expected[1]
        sent: list[object] = [userinfo_request(CONFIG, token.access_token).headers[0]]
        if token.refresh_token:
            sent.append(
                parse_qs(refresh_request(CONFIG, refresh_token).body.decode())["refresh_token"]
            )
        wanted: list[object] = [("Authorization", f"Bearer {access_token}")]
        if refresh_token:
            wanted.append([refresh_token])
        assert wanted == sent


def field(*usual: object) -> st.SearchStrategy[Any]:
    """A field's value: one of the ``usual`` (valid, borderline, ``...`` absent), or any JSON."""
    return st.sampled_from(usual) | json_values


def near(base: dict[str, Any], fields: dict[str, st.SearchStrategy[Any]]) -> Any:
    """``base`` with one to three of ``fields`` changed (``...`` removes one)."""

    def changed(values: dict[str, Any]) -> dict[str, Any]:
        merged = {**base, **values}
        return {key: value for key, value in merged.items() if value is not ...}

    return st.lists(st.sampled_from(sorted(fields)), min_size=1, max_size=3, unique=True).flatmap(
        lambda keys: st.fixed_dictionaries({key: fields[key] for key in keys}).map(changed)
    )


#: Token bodies one to three changes away from a valid one.
token_objects = near(
    {"access_token": "AT", "token_type": "Bearer", "expires_in": 3600},
    {
        "access_token": field(..., "a.b-c~d", "A T", "é", ""),
        "token_type": field(..., "bearer", "BEARER", "mac"),
        "expires_in": field(..., "3600", 0, 3600.0, -1, "-1", True, 1.5, 10**10, "1e3"),
        "refresh_token": field("RT", "R T", "", "é", None),
        "scope": field("read write", ["read", "write"], [], ["read", 1], 5, None),
        "error": field("invalid_grant", "", None, 0),
        "error_description": field("used", 5, None),
        "error_uri": field("https://chattz.net/doc", []),
        "x": json_values,
    },
)
#: Userinfo bodies one to three changes away from a valid one.
user_objects = near(
    {"id": 123, "username": "johndoe"},
    {
        "id": field(..., 0, -1, 1.0, "123", True, 2**70),
        "username": field(..., "", 5, None),
        "email": field("j@example.com", None, 5, ""),
        "first_name": field("John", None, []),
        "last_name": field("Doe", None, False),
        "avatar": field("https://chattz.net/a.png", None, {}),
        "error": field("invalid_request", "", None),
        "error_description": field("no", 5),
        "x": json_values,
    },
)


statuses = st.sampled_from([200, 201, 204, 301, 400, 401, 403, 404, 429, 500, 502, 503])


def test_parse_token_response_documented_example() -> None:
    """The documented example response parses into a Bearer token expiring in an hour."""
    raw = {"access_token": "abcdef1234567890", "token_type": "Bearer", "expires_in": 3600}
    token = parse_token_response(200, json_body(raw), now=NOW)
    expected = Token(
        access_token="abcdef1234567890",
        token_type="Bearer",
        expires_in=3600,
        expires_at=NOW + 3600,
    )
    assert expected == token


def test_parse_token_response_keeps_unknown_fields_in_extra() -> None:
    """Fields the library does not interpret are kept in Token.extra."""
    raw = {"access_token": "a", "token_type": "bearer", "expires_in": "60", "foo": [1]}
    token = parse_token_response(200, json_body(raw), now=NOW)
    assert ({"foo": [1]}, 60, "Bearer") == (token.extra, token.expires_in, token.token_type)


def test_parse_token_response_error_wins_over_access_token() -> None:
    """A body with both error and access_token is an error, even with status 200."""
    raw = {"error": "invalid_grant", "access_token": "a", "token_type": "Bearer"}
    with pytest.raises(OAuthError) as caught:
        parse_token_response(200, json_body(raw), now=NOW)
    assert ("invalid_grant", 200) == (caught.value.error, caught.value.status_code)


def test_parse_token_response_missing_access_token() -> None:
    """No access_token is a ProviderError carrying the status."""
    with pytest.raises(ProviderError) as caught:
        parse_token_response(200, json_body({"token_type": "Bearer"}), now=NOW)
    assert 200 == caught.value.status_code


def test_parse_token_response_without_expiry_never_expires_locally() -> None:
    """With no expires_in the expiry is unknown: the token is not treated as expired."""
    token = parse_token_response(
        200, json_body({"access_token": "a", "token_type": "Bearer"}), now=NOW
    )
    assert (None, False) == (token.expires_at, token.is_expired(NOW + 10**9))


def test_parse_userinfo_documented_example() -> None:
    """The documented userinfo example parses into a ChattzUser."""
    raw = {**DOCUMENTED_USER, "avatar": "..."}
    expected = ChattzUser(**raw, raw=raw)
    assert expected == parse_userinfo_response(200, json_body(raw))


def test_parse_userinfo_optional_fields_may_be_null_or_absent() -> None:
    """Null or absent optional fields become None."""
    user = parse_userinfo_response(200, json_body({"id": 1, "username": "u", "email": None}))
    assert (None, None, None, None) == (user.email, user.first_name, user.last_name, user.avatar)
    assert "u" == user.display_name


def test_parse_userinfo_401_reads_www_authenticate() -> None:
    """A 401 is InvalidTokenError with the WWW-Authenticate error."""
    headers = {"www-authenticate": 'Bearer realm="chattz", error="invalid_token"'}
    with pytest.raises(InvalidTokenError) as caught:
        parse_userinfo_response(401, b"", headers)
    assert ("invalid_token", 401) == (caught.value.error, caught.value.status_code)


@pytest.mark.parametrize("token_type", ["Bearer", "bearer", "BEARER", "bEaReR"])
@pytest.mark.checklist(18)
def test_checklist_18_bearer_in_any_case_accepted_and_normalised(token_type: str) -> None:
    """Line 18: bearer in any case is accepted and stored as ``Bearer``."""
    token = parse_token(200, token_body(token_type=token_type))
    assert ("Bearer", ACCESS_TOKEN) == (token.token_type, token.access_token)


#: token_type values that are not bearer, or not a string at all (``...``: absent).
BAD_TOKEN_TYPES: list[object] = [
    "mac",
    "MAC",
    "DPoP",
    "dpop",
    "",
    None,
    ...,
    1,
    ["Bearer"],
    "Bearer ",
    "Bearer\n",
]
#: access_token values that are missing, empty, not a string or break a header.
BAD_ACCESS_TOKENS: list[object] = [
    ...,
    None,
    "",
    0,
    1.5,
    True,
    [],
    {},
    ["AT"],
    "AT\r\nX-Injected: 1",
    "AT\n",
    "A T",
    "\u00e9AT",
]


@pytest.mark.parametrize(
    "body",
    [
        *(
            pytest.param(token_body(token_type=value), marks=pytest.mark.checklist(19))
            for value in BAD_TOKEN_TYPES
        ),
        *(
            pytest.param(token_body(access_token=value), marks=pytest.mark.checklist(20))
            for value in BAD_ACCESS_TOKENS
        ),
        *(
            pytest.param(body, marks=pytest.mark.checklist(21))
            for body in [
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
            ]
        ),
    ],
)
def test_checklist_19_to_21_unusable_token_answer_with_200_is_typed_error(body: bytes) -> None:
    """Lines 19-21: another token_type, a bad access_token or no JSON object: typed, with status.

    Line 19: mac, DPoP, absent or malformed token_type. Line 20: a missing,
    empty, non-string or CR/LF access_token. Line 21: [], null, a number or
    an HTML page with status 200.
    """
    expected = expected_token(200, body)
    assert (ProviderError, expected) == (expected[0], outcome(lambda: parse_token(200, body)))


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
    expected = (
        ProviderError,
        "token response has an invalid 'expires_in' (want whole seconds >= 0) (HTTP 200)",
    )
    if raw in ("NaN", "Infinity", "-Infinity", "9" * 5000):
        # Not strict JSON (RFC 8259), or past what Python reads as an int: no object at all.
        expected = (ProviderError, "token response is not a JSON object (HTTP 200)")
    assert expected == outcome(lambda: parse_token(200, body))


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
    assert ("invalid_grant", "code used", status) == oauth_error_fields(info.value)


@pytest.mark.checklist(24)
def test_checklist_24_unknown_fields_kept_aside() -> None:
    """Line 24: unknown fields are kept in ``extra``, not rejected or mixed in."""
    token = parse_token(200, token_body(id_token="x", nested={"a": [1]}, scope="read write"))
    assert ({"id_token": "x", "nested": {"a": [1]}}, "read write") == (token.extra, token.scope)


@pytest.mark.parametrize("refresh", [1, [], {}, True])
@pytest.mark.checklist(24)
def test_checklist_24_malformed_known_field_rejected(refresh: object) -> None:
    """Line 24: a known optional field of the wrong type is a typed error."""
    expected = (ProviderError, "token response has a non-string 'refresh_token' (HTTP 200)")
    assert expected == outcome(lambda: parse_token(200, token_body(refresh_token=refresh)))


@pytest.mark.parametrize("user_id", [..., None, "123", 1.0, 12.5, True, [], {}, "abc"])
@pytest.mark.checklist(25)
def test_checklist_25_id_missing_or_wrong_type_rejected(user_id: object) -> None:
    """Line 25: an id that is missing or not an integer is a typed error."""
    expected = (ProviderError, "userinfo response has no integer 'id' (HTTP 200)")
    assert expected == outcome(lambda: parse_userinfo_response(200, user_body(id=user_id)))


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
    body = user_body(**{field: 5})
    assert expected_user(200, body) == outcome(lambda: parse_userinfo_response(200, body))
    assert ProviderError == expected_user(200, body)[0]


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
    assert ("invalid_token", "expired", 401) == oauth_error_fields(info.value)


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
    ("body", "expected"),
    [
        pytest.param(
            b'{"error": "x", "error_description": 5, "error_uri": []}',
            ("x", None, None, "x (HTTP 400)"),
            id="non-string-description-and-uri-dropped",
        ),
        pytest.param(
            b'{"error": "x\\r\\nInjected", "error_description": "a\\u0000b"}',
            ("x??Injected", "a?b", None, "x??Injected: a?b (HTTP 400)"),
            id="control-characters-become-question-marks",
        ),
    ],
)
@pytest.mark.checklist(29)
def test_checklist_29_odd_error_fields_are_cleaned(
    body: bytes, expected: tuple[str, str | None, str | None, str]
) -> None:
    """Line 29: non-string error fields are dropped, control characters replaced."""
    with pytest.raises(OAuthError) as info:
        parse_token(400, body)
    error = info.value
    assert expected == (error.error, error.error_description, error.error_uri, str(error))


@pytest.mark.parametrize("status", [400, 429, 500, 502, 503, 504, 302, 100, 999])
@pytest.mark.parametrize(
    "body", [b"<html><h1>Bad Gateway</h1></html>", b"Too Many Requests", b"", b"{}", b"[]", b"null"]
)
@pytest.mark.checklist(30)
def test_checklist_30_text_or_html_error_is_typed_with_status(status: int, body: bytes) -> None:
    """Line 30: an HTML or text error body is a typed error with the status, never JSON noise."""
    assert (expected_token(status, body), expected_user(status, body)) == (
        outcome(lambda: parse_token(status, body)),
        outcome(lambda: parse_userinfo_response(status, body)),
    )
    assert (ProviderError, ProviderError) == (
        expected_token(status, body)[0],
        expected_user(status, body)[0],
    )


NOT_AN_OBJECT = (ProviderError, "token response is not a JSON object (HTTP 200)")
NO_ACCESS_TOKEN = (ProviderError, "token response has no access_token (HTTP 200)")
USER_NOT_AN_OBJECT = (ProviderError, "userinfo response is not a JSON object (HTTP 200)")
NO_ID = (ProviderError, "userinfo response has no integer 'id' (HTTP 200)")


@pytest.mark.parametrize(
    ("opener", "closer", "depth", "token", "user"),
    [
        pytest.param("[", "]", 50, NOT_AN_OBJECT, USER_NOT_AN_OBJECT, id="list-50-parsed"),
        pytest.param('{"a":', "}", 50, NO_ACCESS_TOKEN, NO_ID, id="object-50-parsed"),
        *(
            pytest.param(
                opener, closer, depth, NOT_AN_OBJECT, USER_NOT_AN_OBJECT, id=f"{kind}-{depth}"
            )
            for opener, closer, kind in (("[", "]", "list"), ('{"a":', "}", "object"))
            for depth in (10_000, 100_000)
        ),
    ],
)
@pytest.mark.checklist(38)
def test_checklist_38_deeply_nested_json_is_typed_error(
    opener: str, closer: str, depth: int, token: Outcome, user: Outcome
) -> None:
    """Line 38: JSON nested 50 deep is read; 10,000 deep is "not a JSON object", no RecursionError.

    Wrapped in a valid token, 50 levels are kept in ``extra``; deeper is the same refusal.
    """
    nested = opener * depth + "1" + closer * depth
    wrapped = b'{"access_token": "AT", "token_type": "Bearer", "x": ' + nested.encode() + b"}"
    kept = ("ok", Token("AT", extra={"x": json.loads(nested)})) if depth == 50 else NOT_AN_OBJECT
    assert (token, user, kept) == (
        outcome(lambda: parse_token(200, nested.encode())),
        outcome(lambda: parse_userinfo_response(200, nested.encode())),
        outcome(lambda: parse_token(200, wrapped)),
    )


@pytest.mark.checklist(38)
@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"[" * 100_000, id="100k-open-brackets"),
        pytest.param(b'{"a":' * 100_000, id="100k-open-objects"),
        pytest.param(b"1e99999", id="1e99999"),
        pytest.param(b'{"id": 1e400, "username": "u"}', id="id-1e400"),
        pytest.param(b'{"id": ' + b"9" * 5000 + b', "username": "u"}', id="id-5000-digits"),
        pytest.param(b'{"id": 1, "id": "x", "username": "u"}', id="duplicate-key-last-wins"),
        pytest.param(b'{"id": 1, "username": "\\udcff"}', id="username-lone-surrogate"),
        pytest.param(b"\xef\xbb\xbf{}", id="utf8-bom"),
        pytest.param(b"NaN", id="NaN"),
        pytest.param(b'{"expires_in": Infinity}', id="Infinity"),
        pytest.param(b"\xff\xfe", id="not-utf8"),
    ],
)
def test_checklist_38_odd_json_bodies(body: bytes) -> None:
    """Deep, huge, duplicate-keyed, non-UTF-8 or non-strict JSON: exactly the oracle's outcome."""
    assert (expected_token(200, body), expected_user(200, body)) == (
        outcome(lambda: parse_token(200, body)),
        outcome(lambda: parse_userinfo_response(200, body)),
    )


# --- Oracles: the documented contract of both parsers, for any status and body -----------


def strict_json(body: bytes) -> Any:
    """The body as strict UTF-8 JSON (RFC 8259: no NaN or Infinity), or ``...`` if it is not."""

    def refuse(name: str) -> Any:
        raise ValueError(name)

    try:
        return json.loads(body.decode("utf-8"), parse_constant=refuse)
    except (ValueError, RecursionError):
        return ...


def expected_token(status: int, body: bytes) -> Outcome:
    """What parse_token_response(status, body, now=NOW) must give, from its documented rules."""
    data = strict_json(body)

    def fail(message: str) -> Outcome:
        return ProviderError, f"{message} (HTTP {status})"

    if isinstance(data, dict) and "error" in data:
        error = data["error"]
        if isinstance(error, str) and error:
            made = OAuthError(error, data.get("error_description"), data.get("error_uri"), status)
            return OAuthError, str(made)
        return fail("token response carries a malformed 'error' member")
    if not 200 <= status < 300:
        return fail("token endpoint answered with an unexpected status and no OAuth error")
    if not isinstance(data, dict):
        return fail("token response is not a JSON object")
    access_token = data.get("access_token")
    if not isinstance(access_token, str) or not access_token:
        return fail("token response has no access_token")
    if not HEADER_VALUE.fullmatch(access_token):
        return fail("token response's access_token has characters not allowed in a header")
    token_type = data.get("token_type")
    if not isinstance(token_type, str) or token_type.lower() != "bearer":
        return fail(
            "token response's token_type is not Bearer; this library only uses bearer tokens"
        )
    expires_in = data.get("expires_in")
    if (isinstance(expires_in, str) and re.fullmatch(r"[0-9]{1,11}", expires_in)) or (
        isinstance(expires_in, float) and math.isfinite(expires_in) and expires_in % 1 == 0
    ):
        expires_in = int(expires_in)
    if expires_in is not None and (
        type(expires_in) is not int or not 0 <= expires_in <= 100 * 365 * 24 * 3600
    ):
        return fail("token response has an invalid 'expires_in' (want whole seconds >= 0)")
    refresh_token = data.get("refresh_token")
    if refresh_token is not None and not isinstance(refresh_token, str):
        return fail("token response has a non-string 'refresh_token'")
    if refresh_token and not re.fullmatch(r"[\x20-\x7e]+", refresh_token):
        return fail("token response's refresh_token has characters RFC 6749 does not allow")
    scope = data.get("scope")
    if isinstance(scope, list) and all(isinstance(item, str) for item in scope):
        scope = " ".join(scope)
    elif scope is not None and not isinstance(scope, str):
        return fail("token response has a malformed 'scope'")
    known = {"access_token", "token_type", "expires_in", "refresh_token", "scope"}
    return "ok", Token(
        access_token=access_token,
        expires_in=expires_in,
        expires_at=None if expires_in is None else NOW + expires_in,
        refresh_token=refresh_token or None,
        scope=scope,
        extra={key: value for key, value in data.items() if key not in known},
    )


def challenge_header(scheme: str, params: dict[str, str]) -> dict[str, str]:
    """A WWW-Authenticate header with these quoted auth-params."""
    text = ", ".join(f'{key}="{value}"' for key, value in params.items())
    return {"www-authenticate": f"{scheme} {text}".strip()}


def expected_user(
    status: int, body: bytes, challenge: tuple[str, dict[str, str]] | None = None
) -> Outcome:
    """What parse_userinfo_response(status, body, challenge_header(*challenge)) must give."""
    data = strict_json(body)

    def fail(message: str) -> Outcome:
        return ProviderError, f"{message} (HTTP {status})"

    if status in (401, 403):
        params: dict[str, str] = {}
        if challenge is not None and challenge[0].lower() == "bearer":
            params = dict(challenge[1])
        for key in ("error", "error_description", "error_uri"):
            if key not in params and isinstance(data, dict) and isinstance(data.get(key), str):
                params[key] = data[key]
        cls = InvalidTokenError if status == 401 else InsufficientScopeError
        default = "invalid_token" if status == 401 else "insufficient_scope"
        made: OAuthError = cls(
            params.get("error") or default,
            params.get("error_description"),
            params.get("error_uri"),
            status,
        )
        return cls, str(made)
    if not 200 <= status < 300:
        if isinstance(data, dict) and isinstance(data.get("error"), str) and data["error"]:
            made = OAuthError(
                data["error"], data.get("error_description"), data.get("error_uri"), status
            )
            return OAuthError, str(made)
        return fail("userinfo endpoint answered with an unexpected status")
    if not isinstance(data, dict):
        return fail("userinfo response is not a JSON object")
    if type(data.get("id")) is not int:
        return fail("userinfo response has no integer 'id'")
    if not isinstance(data.get("username"), str):
        return fail("userinfo response has no string 'username'")
    optional = ("email", "first_name", "last_name", "avatar")
    for key in optional:
        if data.get(key) is not None and not isinstance(data[key], str):
            return fail(f"userinfo response has a non-string {key!r}")
    fields = {key: data.get(key) for key in optional}
    return "ok", ChattzUser(id=data["id"], username=data["username"], raw=data, **fields)


#: Auth-param values without quotes or backslashes (a quoted-string as the header carries it).
PARAM_TEXT = st.text(st.characters(codec="ascii", exclude_characters='"\\'), max_size=20)
challenges = st.none() | st.tuples(
    st.sampled_from(["Bearer", "bearer", "Basic", "DPoP"]),
    st.dictionaries(st.sampled_from(["error", "error_description", "error_uri"]), PARAM_TEXT),
)


@ORACLE
@given(status=statuses, body=json_values | token_objects)
def test_property_token_parser_any_json(status: int, body: Any) -> None:
    """Lines 19-24, 30: any JSON value and status give exactly the oracle's Token or error."""
    raw = json_bytes(body)
    assert expected_token(status, raw) == outcome(lambda: parse_token(status, raw))


@ORACLE
@given(
    status=statuses,
    body=json_values | user_objects,
    challenge=challenges,
)
def test_property_userinfo_parser_any_json(
    status: int, body: Any, challenge: tuple[str, dict[str, str]] | None
) -> None:
    """Lines 25-30: any JSON value, status and challenge give exactly the oracle's user or error."""
    raw = json_bytes(body)
    headers = None if challenge is None else challenge_header(*challenge)
    expected = expected_user(status, raw, challenge)
    assert expected == outcome(lambda: parse_userinfo_response(status, raw, headers))


@ORACLE
@given(status=st.integers(-1000, 1000), body=st.binary(max_size=300))
def test_property_parsers_any_bytes(status: int, body: bytes) -> None:
    """Lines 21, 30, 38: arbitrary bytes to either parser give exactly the oracle's outcome."""
    assert (expected_token(status, body), expected_user(status, body)) == (
        outcome(lambda: parse_token(status, body)),
        outcome(lambda: parse_userinfo_response(status, body)),
    )
