"""protocol.responses: the token and userinfo responses, read into values or typed errors."""

from __future__ import annotations

import contextlib
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import chattz_oauth_async
from chattz_oauth_async.errors import (
    ChattzOAuthError,
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
    PROPERTY,
    json_body,
    json_bytes,
    json_values,
    oauth_error_fields,
    only_typed_errors,
    parse_token,
    token_body,
    user_body,
)

PACKAGE = Path(chattz_oauth_async.__file__).parent


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
    with pytest.raises(ProviderError):
        parse_token(200, token_body(refresh_token=refresh))


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


@PROPERTY
@given(status=statuses, body=json_values | st.dictionaries(token_keys, json_values))
def test_property_token_parser_any_jsononly_typed_errors(status: int, body: Any) -> None:
    """Lines 19-24, 30: any JSON value to parse_token_response gives a Token or a typed error."""
    only_typed_errors(lambda: parse_token(status, json_bytes(body)))


@PROPERTY
@given(
    status=statuses,
    body=json_values | st.dictionaries(user_keys, json_values),
    headers=header_values,
)
def test_property_userinfo_parser_any_jsononly_typed_errors(
    status: int, body: Any, headers: dict[str, str] | None
) -> None:
    """Lines 25-30: any JSON value to parse_userinfo_response gives a user or a typed error."""
    only_typed_errors(lambda: parse_userinfo_response(status, json_bytes(body), headers))


@PROPERTY
@given(status=st.integers(-1000, 1000), body=st.binary(max_size=300), headers=header_values)
def test_property_parsers_any_bytesonly_typed_errors(
    status: int, body: bytes, headers: dict[str, str] | None
) -> None:
    """Lines 21, 30, 38: arbitrary bytes to either parser give only typed errors."""
    only_typed_errors(lambda: parse_token(status, body))
    only_typed_errors(lambda: parse_userinfo_response(status, body, headers))
