"""protocol.config: ClientConfig is valid once constructed, and derives its endpoints."""

from __future__ import annotations

import contextlib

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chattz_oauth_async.errors import (
    ChattzOAuthError,
    ConfigurationError,
    InsecureTransportError,
)
from chattz_oauth_async.protocol import (
    ClientConfig,
    authorize_url,
    refresh_request,
    token_request,
    userinfo_request,
)
from tests.helpers import (
    CLIENT_SECRET,
    DOCUMENTED_CONFIG,
    assert_not_leaked,
    lone_surrogate_texts,
)


def test_plain_constructor_derives_the_documented_endpoints() -> None:
    """ClientConfig(id, secret, uri) alone builds the documented endpoints (no create())."""
    config = ClientConfig("abc123", "s3cret", "https://example.com/cb")
    expected = (
        "https://chattz.net/oauth/authorize",
        "https://chattz.net/oauth/token",
        "https://chattz.net/oauth/userinfo",
    )
    actual = (config.authorize_endpoint, config.token_endpoint, config.userinfo_endpoint)
    assert expected == actual


def test_plain_constructor_builds_a_whole_authorize_url() -> None:
    """The authorize URL of a plainly constructed config is complete, not '&state=st'."""
    config = ClientConfig("abc123", "s3cret", "https://example.com/cb")
    expected = (
        "https://chattz.net/oauth/authorize?response_type=code&client_id=abc123"
        "&redirect_uri=https://example.com/cb&state=st"
    )
    assert expected == authorize_url(config, "st")


def test_base_url_trailing_slash_is_dropped() -> None:
    """A base URL with a trailing slash gives the same endpoints as one without."""
    config = ClientConfig("id", "secret", "https://example.com/cb", "https://fake.test/")
    assert ("https://fake.test", "https://fake.test/oauth/token") == (
        config.base_url,
        config.token_endpoint,
    )


def test_evolve_recomputes_the_derived_fields() -> None:
    """attrs.evolve with another base URL derives new endpoints."""
    config = ClientConfig("id", "secret", "https://example.com/cb")
    moved = attrs.evolve(config, base_url="https://staging.test")
    assert "https://staging.test/oauth/userinfo" == moved.userinfo_endpoint


def test_derived_fields_are_not_constructor_arguments() -> None:
    """Endpoints cannot be passed in: they are always derived from base_url."""
    with pytest.raises(TypeError):
        ClientConfig("id", "secret", "https://example.com/cb", token_endpoint="x")  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("client_id", "client_secret"),
    [("", "secret"), ("id", ""), (None, "secret"), ("id", None), ("a b", "secret"), (1, 2)],
)
def test_empty_or_wrong_type_credentials_refused(client_id: object, client_secret: object) -> None:
    """Empty, non-string or non-printable credentials are a ConfigurationError at construction."""
    with pytest.raises(ConfigurationError):
        ClientConfig(client_id, client_secret, "https://example.com/cb")  # type: ignore[arg-type]


@pytest.mark.parametrize("base_url", ["https://chattz.net?x=1", None, 3])
def test_base_url_with_query_or_wrong_type_refused(base_url: object) -> None:
    """A base URL with a query or of the wrong type is a ConfigurationError."""
    with pytest.raises(ConfigurationError):
        ClientConfig("id", "secret", "https://example.com/cb", base_url)  # type: ignore[arg-type]


def test_create_is_gone() -> None:
    """There is one way to build a config: the constructor."""
    assert False is hasattr(ClientConfig, "create")


@settings(max_examples=100, deadline=None)
@given(secret=lone_surrogate_texts())
def test_property_unencodable_client_secret_is_a_configuration_error_without_it(
    secret: str,
) -> None:
    """A client secret with a lone surrogate is a ConfigurationError that never shows it."""
    with pytest.raises(ConfigurationError) as caught:
        ClientConfig("id", secret, "https://example.com/cb")
    assert_not_leaked(secret, caught.value)


@settings(max_examples=100, deadline=None)
@given(client_id=st.text(), redirect_uri=st.text(), base_url=st.text())
def test_property_any_text_gives_a_config_or_a_typed_error(
    client_id: str, redirect_uri: str, base_url: str
) -> None:
    """Any strings give a ClientConfig or a ChattzOAuthError, nothing raw."""
    with contextlib.suppress(ChattzOAuthError):
        ClientConfig(client_id, "secret", redirect_uri, base_url)


@pytest.mark.parametrize(
    ("redirect_uri", "base_url"),
    [("https://example.com/\udcff", "https://chattz.net"), ("https://x/cb", "https://\udcff")],
)
def test_unencodable_urls_are_configuration_errors(redirect_uri: str, base_url: str) -> None:
    """A URL with a lone surrogate is a ConfigurationError, not a UnicodeEncodeError."""
    with pytest.raises(ConfigurationError):
        ClientConfig("id", "secret", redirect_uri, base_url)


def test_config_repr_hides_the_secret() -> None:
    """ClientConfig's repr never shows the client secret."""
    assert "s3cret" not in repr(DOCUMENTED_CONFIG)


@pytest.mark.parametrize(
    "url",
    ["", "chattz.net", "ftp://chattz.net", "https://", "https://chattz.net/#frag", "https://u:p@x"],
)
def test_config_refuses_malformed_urls(url: str) -> None:
    """A base URL that is not an absolute https URL is a ConfigurationError."""
    with pytest.raises(ConfigurationError):
        ClientConfig("id", "secret", "https://example.com/cb", url)


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
        ClientConfig("id", CLIENT_SECRET, redirect_uri, base_url)


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
        ClientConfig("id", CLIENT_SECRET, f"http://{host}/cb", f"http://{host}")
    with pytest.raises(InsecureTransportError):
        ClientConfig("id", CLIENT_SECRET, "https://app.example/cb", "http://chattz.net")


def test_no_redirect_uri_refuses_a_login_and_a_code_exchange_but_not_a_refresh() -> None:
    """Without a redirect URI, a login and a code exchange name it; refresh and userinfo build."""
    config = ClientConfig("id", "secret")
    failures = []
    for build in (lambda: authorize_url(config, "st"), lambda: token_request(config, "code")):
        with pytest.raises(ConfigurationError) as caught:
            build()
        failures.append(str(caught.value))
    tail = (
        " needs redirect_uri, which is not set: pass the callback URL registered with Chattz "
        "(CHATTZ_REDIRECT_URI for from_env()); a session without one can only refresh tokens "
        "and read userinfo"
    )
    assert ["a login" + tail, "a code exchange" + tail] == failures
    assert (b"grant_type=refresh_token&client_id=id&client_secret=secret&refresh_token=r") == (
        refresh_request(config, "r").body
    )
    assert "https://chattz.net/oauth/userinfo" == userinfo_request(config, "t").url
