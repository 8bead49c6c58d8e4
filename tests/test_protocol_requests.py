"""protocol.requests: the authorize URL and the token, refresh and userinfo requests."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chattz_oauth_async.errors import ChattzOAuthError, ConfigurationError
from chattz_oauth_async.protocol import (
    ClientConfig,
    authorize_url,
    refresh_request,
    token_request,
    userinfo_request,
)
from chattz_oauth_async.protocol.requests import RESERVED_AUTHORIZE_PARAMS
from tests.helpers import CLIENT_SECRET, assert_not_leaked, lone_surrogate_texts

CONFIG = ClientConfig("client-id", CLIENT_SECRET, "https://app.example/cb")


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


@settings(max_examples=100, deadline=None)
@given(code=lone_surrogate_texts())
def test_property_unencodable_code_is_a_configuration_error_without_it(code: str) -> None:
    """A code with a lone surrogate is a ConfigurationError that never shows the code."""
    with pytest.raises(ConfigurationError) as caught:
        token_request(CONFIG, code)
    assert_not_leaked(code, caught.value)


@settings(max_examples=100, deadline=None)
@given(refresh_token=lone_surrogate_texts())
def test_property_unencodable_refresh_token_is_a_configuration_error_without_it(
    refresh_token: str,
) -> None:
    """A refresh token with a lone surrogate is a ConfigurationError that never shows it."""
    with pytest.raises(ConfigurationError) as caught:
        refresh_request(CONFIG, refresh_token)
    assert_not_leaked(refresh_token, caught.value)


@settings(max_examples=100, deadline=None)
@given(access_token=lone_surrogate_texts())
def test_property_unencodable_access_token_is_a_configuration_error_without_it(
    access_token: str,
) -> None:
    """An access token with a lone surrogate is a ConfigurationError that never shows it."""
    with pytest.raises(ConfigurationError) as caught:
        userinfo_request(CONFIG, access_token)
    assert_not_leaked(access_token, caught.value)


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
