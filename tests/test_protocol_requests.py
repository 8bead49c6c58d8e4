"""protocol.requests: the authorize URL and the token, refresh and userinfo requests."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chattz_oauth_async import protocol
from chattz_oauth_async._http import (
    RetryPolicy,
    retry_delay,
)
from chattz_oauth_async.errors import (
    ChattzOAuthError,
    ConfigurationError,
)
from chattz_oauth_async.protocol import (
    ClientConfig,
    authorize_url,
    code_challenge,
    new_code_verifier,
    refresh_request,
    token_request,
    userinfo_request,
)
from chattz_oauth_async.protocol.requests import RESERVED_AUTHORIZE_PARAMS
from tests.helpers import (
    ACCESS_TOKEN,
    CLIENT_SECRET,
    CODE,
    CONFIG,
    DOCUMENTED_CONFIG,
    PROPERTY,
    assert_not_leaked,
    json_values,
    lone_surrogate_texts,
    only_typed_errors,
)


@pytest.mark.parametrize(
    "name", ["response_type", "client_id", "redirect_uri", "state", "code_challenge_method"]
)
def test_extras_naming_the_librarys_own_parameters_are_refused(name: str) -> None:
    """An extra that would override a parameter the library sets is a ConfigurationError.

    (``code_challenge`` is the keyword argument itself: S256 is always added.)
    """
    with pytest.raises(ConfigurationError):
        authorize_url(CONFIG, "state-1", **{name: "x"})


def test_reserved_parameters_are_the_six_the_library_sets() -> None:
    """The reserved set names exactly the parameters authorize_url() writes itself."""
    expected = {
        "response_type",
        "client_id",
        "redirect_uri",
        "state",
        "code_challenge",
        "code_challenge_method",
    }
    assert expected == set(RESERVED_AUTHORIZE_PARAMS)


def test_an_extra_named_config_is_an_ordinary_parameter() -> None:
    """config and state are positional-only, so an extra may be called 'config'."""
    assert authorize_url(CONFIG, "st", config="x").endswith("&state=st&config=x")


@settings(max_examples=100, deadline=None)
@given(state=lone_surrogate_texts())
def test_property_unencodable_state_is_a_configuration_error(state: str) -> None:
    """A state with a lone surrogate is a ConfigurationError that does not show it."""
    with pytest.raises(ConfigurationError) as caught:
        authorize_url(CONFIG, state)
    assert_not_leaked(state, caught.value)


@settings(max_examples=100, deadline=None)
@given(key=st.text(max_size=10), value=st.text(max_size=10))
def test_property_any_extra_gives_a_url_or_a_configuration_error(key: str, value: str) -> None:
    """Any extra name and value (lone surrogates included) give a URL or a ConfigurationError."""
    with contextlib.suppress(ConfigurationError):
        authorize_url(CONFIG, "st", **{key: value})


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(token_request, id="code"),
        pytest.param(refresh_request, id="refresh_token"),
        pytest.param(userinfo_request, id="access_token"),
    ],
)
@settings(max_examples=100, deadline=None)
@given(secret=lone_surrogate_texts())
def test_property_unencodable_secret_is_a_configuration_error_without_it(
    build: Callable[[ClientConfig, str], object], secret: str
) -> None:
    """A code or token with a lone surrogate is a ConfigurationError that never shows it."""
    with pytest.raises(ConfigurationError) as caught:
        build(CONFIG, secret)
    assert_not_leaked(secret, caught.value)


@settings(max_examples=200, deadline=None)
@given(value=st.one_of(st.text(), st.none(), st.integers(), st.binary()))
def test_property_builders_any_value_only_typed_errors(value: object) -> None:
    """Every builder given any value returns a request or raises a ChattzOAuthError."""
    for build in (
        lambda: authorize_url(CONFIG, value),  # type: ignore[arg-type]
        lambda: authorize_url(CONFIG, "st", code_challenge=value),  # type: ignore[arg-type]
        lambda: token_request(CONFIG, value),  # type: ignore[arg-type]
        lambda: token_request(CONFIG, "code", code_verifier=value),  # type: ignore[arg-type]
        lambda: refresh_request(CONFIG, value),  # type: ignore[arg-type]
        lambda: userinfo_request(CONFIG, value),  # type: ignore[arg-type]
    ):
        with contextlib.suppress(ChattzOAuthError):
            build()


def test_authorize_url_is_the_documented_example() -> None:
    """The provider documentation's example URL is reproduced byte for byte."""
    expected = (
        "https://chattz.net/oauth/authorize?response_type=code&client_id=abc123"
        "&redirect_uri=https://example.com/chattz-callback&state=xyz"
    )
    assert expected == authorize_url(DOCUMENTED_CONFIG, "xyz")


def test_authorize_url_encodes_a_redirect_uri_with_a_query() -> None:
    """A redirect_uri with its own query is encoded so it stays one parameter."""
    config = ClientConfig("abc123", "s", "https://example.com/cb?a=1&b=2")
    url = authorize_url(config, "xyz")
    assert ["https://example.com/cb?a=1&b=2"] == parse_qs(url.split("?", 1)[1])["redirect_uri"]


def test_authorize_url_requires_a_state() -> None:
    """An empty state is a configuration error, not a silently unprotected login."""
    with pytest.raises(ConfigurationError):
        authorize_url(DOCUMENTED_CONFIG, "")


def test_authorize_url_refuses_raw_pkce_parameters() -> None:
    """code_challenge_method cannot be set by hand (so never to 'plain')."""
    with pytest.raises(ConfigurationError):
        authorize_url(DOCUMENTED_CONFIG, "xyz", code_challenge_method="plain")


def test_token_request_is_a_form_post_with_the_documented_fields() -> None:
    """The token request carries exactly the five documented fields in the body."""
    request = token_request(DOCUMENTED_CONFIG, "c&de")
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
    text = repr(token_request(DOCUMENTED_CONFIG, "the-code")) + repr(
        userinfo_request(DOCUMENTED_CONFIG, "tok123")
    )
    assert ("s3cret" not in text, "the-code" not in text, "tok123" not in text) == (
        True,
        True,
        True,
    )


def test_refresh_request_form() -> None:
    """A refresh posts grant_type=refresh_token with the client credentials."""
    request = refresh_request(DOCUMENTED_CONFIG, "r1")
    expected = {
        "grant_type": ["refresh_token"],
        "refresh_token": ["r1"],
        "client_id": ["abc123"],
        "client_secret": ["s3cret"],
    }
    assert expected == parse_qs(request.body.decode())


def test_userinfo_request_uses_the_bearer_header() -> None:
    """The token travels only in Authorization: Bearer."""
    request = userinfo_request(DOCUMENTED_CONFIG, "tok123")
    assert ("Authorization", "Bearer tok123") in request.headers
    assert "tok123" not in request.url


def test_userinfo_request_refuses_a_header_injection() -> None:
    """A token with CR/LF or spaces never reaches a header."""
    with pytest.raises(ConfigurationError):
        userinfo_request(DOCUMENTED_CONFIG, "tok\r\nX-Evil: 1")


@pytest.mark.checklist(11)
def test_checklist_11_never_plain_pkce() -> None:
    """Line 11: the method is always S256 and ``plain`` cannot be asked for."""
    url = authorize_url(CONFIG, "st", code_challenge=code_challenge(new_code_verifier()))
    assert ["S256"] == parse_qs(urlsplit(url).query)["code_challenge_method"]
    with pytest.raises(ConfigurationError):
        authorize_url(CONFIG, "st", code_challenge_method="plain")
    with pytest.raises(ConfigurationError):
        authorize_url(CONFIG, "st", code_challenge="x" * 43, **{"code_challenge_method": "plain"})


@pytest.mark.checklist(16)
def test_checklist_16_redirect_uri_identical_in_authorize_and_token_requests() -> None:
    """Line 16: the configured redirect_uri is sent unchanged in both requests."""
    authorize = parse_qs(urlsplit(authorize_url(CONFIG, "st")).query)
    token = parse_qs(token_request(CONFIG, CODE).body.decode())
    assert authorize["redirect_uri"] == token["redirect_uri"] == ["https://app.example/cb"]


@pytest.mark.checklist(17)
def test_checklist_17_secrets_only_in_post_body_token_only_in_header() -> None:
    """Line 17: secret and code travel in the POST body, the token in Authorization only."""
    request = token_request(CONFIG, CODE, code_verifier=new_code_verifier())
    assert ("POST", "https://chattz.net/oauth/token") == (request.method, request.url)
    form = parse_qs(request.body.decode())
    assert ([CLIENT_SECRET], [CODE]) == (form["client_secret"], form["code"])
    assert all(CLIENT_SECRET not in v and CODE not in v for _, v in request.headers)
    info = userinfo_request(CONFIG, ACCESS_TOKEN)
    assert ("GET", b"") == (info.method, info.body)
    assert ACCESS_TOKEN not in info.url
    assert [f"Bearer {ACCESS_TOKEN}"] == [v for k, v in info.headers if k == "Authorization"]
    assert CLIENT_SECRET not in authorize_url(CONFIG, "st")


@pytest.mark.parametrize("bad", ["", "a b", "a\r\nX-Evil: 1", "tök", None, 7, b"AT"])
@pytest.mark.checklist(17)
def test_checklist_17_userinfo_request_refuses_unsafe_token(bad: object) -> None:
    """Line 17: a token that is not a printable header value is refused before sending."""
    with pytest.raises(ConfigurationError):
        userinfo_request(CONFIG, bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["", None, 7, b"code", ["a"]])
@pytest.mark.checklist(17)
def test_checklist_17_token_request_refuses_non_string_code(bad: object) -> None:
    """Line 17: an empty or non-string code is refused with a typed error."""
    with pytest.raises(ConfigurationError):
        token_request(CONFIG, bad)  # type: ignore[arg-type]


@PROPERTY
@given(
    state=json_values,
    extra=st.dictionaries(st.text(max_size=10), json_values, max_size=3),
    code=json_values,
    verifier=json_values,
    token=json_values,
)
def test_property_request_builders_any_inputonly_typed_errors(
    state: Any, extra: dict[str, Any], code: Any, verifier: Any, token: Any
) -> None:
    """Lines 10, 17, 20: request builders refuse any malformed caller input with a typed error."""
    only_typed_errors(lambda: authorize_url(CONFIG, state, **extra))
    only_typed_errors(lambda: token_request(CONFIG, code, code_verifier=verifier))
    only_typed_errors(lambda: userinfo_request(CONFIG, token))
    only_typed_errors(lambda: protocol.refresh_request(CONFIG, token))
    only_typed_errors(
        lambda: retry_delay(RetryPolicy(), 1, token if isinstance(token, str) else None)
    )
