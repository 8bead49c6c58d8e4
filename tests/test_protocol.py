"""The sans-I/O core: building requests and parsing answers, with no network and no clock."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

import pytest

from chattz_oauth_async import (
    AuthorizationDenied,
    ChattzUser,
    ConfigurationError,
    InvalidTokenError,
    OAuthError,
    ProviderError,
    StateMismatchError,
    Token,
    code_challenge,
    new_state,
    parse_callback,
)
from chattz_oauth_async.protocol import (
    ClientConfig,
    authorize_url,
    parse_token_response,
    parse_userinfo_response,
    refresh_request,
    token_request,
    userinfo_request,
)

CONFIG = ClientConfig("abc123", "s3cret", "https://example.com/chattz-callback")
NOW = 1_700_000_000.0


def body(data: object) -> bytes:
    """JSON-encode a response body."""
    return json.dumps(data).encode()


def test_authorize_url_is_the_documented_example() -> None:
    """The provider documentation's example URL is reproduced byte for byte."""
    expected = (
        "https://chattz.net/oauth/authorize?response_type=code&client_id=abc123"
        "&redirect_uri=https://example.com/chattz-callback&state=xyz"
    )
    assert expected == authorize_url(CONFIG, "xyz")


def test_authorize_url_encodes_a_redirect_uri_with_a_query() -> None:
    """A redirect_uri with its own query is encoded so it stays one parameter."""
    config = ClientConfig("abc123", "s", "https://example.com/cb?a=1&b=2")
    url = authorize_url(config, "xyz")
    assert ["https://example.com/cb?a=1&b=2"] == parse_qs(url.split("?", 1)[1])["redirect_uri"]


def test_authorize_url_requires_a_state() -> None:
    """An empty state is a configuration error, not a silently unprotected login."""
    with pytest.raises(ConfigurationError):
        authorize_url(CONFIG, "")


def test_authorize_url_refuses_raw_pkce_parameters() -> None:
    """code_challenge_method cannot be set by hand (so never to 'plain')."""
    with pytest.raises(ConfigurationError):
        authorize_url(CONFIG, "xyz", code_challenge_method="plain")


def test_token_request_is_a_form_post_with_the_documented_fields() -> None:
    """The token request carries exactly the five documented fields in the body."""
    request = token_request(CONFIG, "c&de")
    expected = {
        "grant_type": ["authorization_code"],
        "code": ["c&de"],
        "client_id": ["abc123"],
        "client_secret": ["s3cret"],
        "redirect_uri": ["https://example.com/chattz-callback"],
    }
    assert ("POST", "https://chattz.net/oauth/token") == (request.method, request.url)
    assert expected == parse_qs(request.body.decode())
    assert ("Content-Type", "application/x-www-form-urlencoded") in request.headers


def test_request_repr_hides_the_body_and_headers() -> None:
    """A request's repr shows neither the secret in the body nor the bearer token."""
    text = repr(token_request(CONFIG, "the-code")) + repr(userinfo_request(CONFIG, "tok123"))
    assert ("s3cret" not in text, "the-code" not in text, "tok123" not in text) == (
        True,
        True,
        True,
    )


def test_refresh_request_form() -> None:
    """A refresh posts grant_type=refresh_token with the client credentials."""
    request = refresh_request(CONFIG, "r1")
    expected = {
        "grant_type": ["refresh_token"],
        "refresh_token": ["r1"],
        "client_id": ["abc123"],
        "client_secret": ["s3cret"],
    }
    assert expected == parse_qs(request.body.decode())


def test_userinfo_request_uses_the_bearer_header() -> None:
    """The token travels only in Authorization: Bearer."""
    request = userinfo_request(CONFIG, "tok123")
    assert ("Authorization", "Bearer tok123") in request.headers
    assert "tok123" not in request.url


def test_userinfo_request_refuses_a_header_injection() -> None:
    """A token with CR/LF or spaces never reaches a header."""
    with pytest.raises(ConfigurationError):
        userinfo_request(CONFIG, "tok\r\nX-Evil: 1")


def test_parse_token_response_documented_example() -> None:
    """The documented example response parses into a Bearer token expiring in an hour."""
    raw = {"access_token": "abcdef1234567890", "token_type": "Bearer", "expires_in": 3600}
    token = parse_token_response(200, body(raw), now=NOW)
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
    token = parse_token_response(200, body(raw), now=NOW)
    assert ({"foo": [1]}, 60, "Bearer") == (token.extra, token.expires_in, token.token_type)


def test_parse_token_response_error_wins_over_access_token() -> None:
    """A body with both error and access_token is an error, even with status 200."""
    raw = {"error": "invalid_grant", "access_token": "a", "token_type": "Bearer"}
    with pytest.raises(OAuthError) as caught:
        parse_token_response(200, body(raw), now=NOW)
    assert ("invalid_grant", 200) == (caught.value.error, caught.value.status_code)


def test_parse_token_response_missing_access_token() -> None:
    """No access_token is a ProviderError carrying the status."""
    with pytest.raises(ProviderError) as caught:
        parse_token_response(200, body({"token_type": "Bearer"}), now=NOW)
    assert 200 == caught.value.status_code


def test_parse_token_response_without_expiry_never_expires_locally() -> None:
    """With no expires_in the expiry is unknown: the token is not treated as expired."""
    token = parse_token_response(200, body({"access_token": "a", "token_type": "Bearer"}), now=NOW)
    assert (None, False) == (token.expires_at, token.is_expired(NOW + 10**9))


def test_parse_userinfo_documented_example() -> None:
    """The documented userinfo example parses into a ChattzUser."""
    raw = {
        "id": 123,
        "username": "johndoe",
        "email": "johndoe@example.com",
        "first_name": "John",
        "last_name": "Doe",
        "avatar": "...",
    }
    expected = ChattzUser(
        id=123,
        username="johndoe",
        email="johndoe@example.com",
        first_name="John",
        last_name="Doe",
        avatar="...",
        raw=raw,
    )
    assert expected == parse_userinfo_response(200, body(raw))


def test_parse_userinfo_optional_fields_may_be_null_or_absent() -> None:
    """Null or absent optional fields become None."""
    user = parse_userinfo_response(200, body({"id": 1, "username": "u", "email": None}))
    assert (None, None, None, None) == (user.email, user.first_name, user.last_name, user.avatar)
    assert "u" == user.display_name


def test_parse_userinfo_401_reads_www_authenticate() -> None:
    """A 401 is InvalidTokenError with the WWW-Authenticate error."""
    headers = {"www-authenticate": 'Bearer realm="chattz", error="invalid_token"'}
    with pytest.raises(InvalidTokenError) as caught:
        parse_userinfo_response(401, b"", headers)
    assert ("invalid_token", 401) == (caught.value.error, caught.value.status_code)


def test_parse_callback_returns_the_code() -> None:
    """A callback with the right state yields its code, from a URL, a query or a mapping."""
    state = new_state()
    url = f"https://example.com/chattz-callback?code=c0de&state={state}"
    assert ["c0de"] * 3 == [
        parse_callback(url, state),
        parse_callback(url.split("?", 1)[1], state),
        parse_callback({"code": "c0de", "state": state}, state),
    ]


@pytest.mark.parametrize(
    ("query", "expected_state"),
    [
        ("code=c", "s"),
        ("code=c&state=", "s"),
        ("code=c&state=other", "s"),
        ("code=c", None),
        ("code=c&state=", ""),
        ("code=c&state=s&state=s", "s"),
    ],
)
def test_parse_callback_state_mismatch(query: str, expected_state: str | None) -> None:
    """Missing, empty, different, unexpected or repeated state is a StateMismatchError."""
    with pytest.raises(StateMismatchError):
        parse_callback(query, expected_state)


def test_parse_callback_denied_with_right_state() -> None:
    """error=access_denied with the right state is AuthorizationDenied with its description."""
    with pytest.raises(AuthorizationDenied) as caught:
        parse_callback("error=access_denied&error_description=User+said+no&state=s", "s")
    assert ("access_denied", "User said no") == (
        caught.value.error,
        caught.value.error_description,
    )


def test_parse_callback_denied_with_wrong_state_is_a_mismatch() -> None:
    """An error callback that was not meant for this browser is a state mismatch."""
    with pytest.raises(StateMismatchError):
        parse_callback("error=access_denied&state=forged", "s")


def test_parse_callback_without_code() -> None:
    """A callback with the right state but no code is a ProviderError."""
    with pytest.raises(ProviderError):
        parse_callback("state=s", "s")


def test_parse_callback_issuer_must_match() -> None:
    """An iss parameter that is not the configured issuer is refused (RFC 9207)."""
    with pytest.raises(ProviderError):
        parse_callback("code=c&state=s&iss=https://evil.example", "s", issuer="https://chattz.net")


def test_pkce_rfc7636_appendix_b_vector() -> None:
    """The S256 challenge matches RFC 7636 Appendix B."""
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM" == code_challenge(verifier)


def test_new_state_is_long_and_unique() -> None:
    """States carry at least 128 bits and do not repeat over 10,000 draws."""
    states = {new_state() for _ in range(10_000)}
    assert 10_000 == len(states)
    assert all(len(state) >= 22 for state in states)


def test_config_repr_hides_the_secret() -> None:
    """ClientConfig's repr never shows the client secret."""
    assert "s3cret" not in repr(CONFIG)


@pytest.mark.parametrize(
    "url",
    ["", "chattz.net", "ftp://chattz.net", "https://", "https://chattz.net/#frag", "https://u:p@x"],
)
def test_config_refuses_malformed_urls(url: str) -> None:
    """A base URL that is not an absolute https URL is a ConfigurationError."""
    with pytest.raises(ConfigurationError):
        ClientConfig("id", "secret", "https://example.com/cb", url)


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
        200, body({"access_token": "a", "token_type": "Bearer", "expires_in": 0}), now=NOW
    )
    assert token.is_expired(NOW)


def test_parse_callback_sees_repeats_in_flask_and_django_multidicts() -> None:
    """A repeated code in a Werkzeug MultiDict (Flask's request.args) is refused, not first-wins."""
    from werkzeug.datastructures import MultiDict

    args = MultiDict([("state", "s"), ("code", "c1"), ("code", "c2")])
    with pytest.raises(ProviderError):
        parse_callback(args, "s")
