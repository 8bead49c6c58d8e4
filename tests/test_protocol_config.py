"""protocol.config: ClientConfig is valid once constructed, and derives its endpoints."""

from __future__ import annotations

import re
from collections.abc import Callable

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chattz_oauth_async.errors import (
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


CLIENT_ID_RULE = "client_id must be a non-empty string of printable ASCII"
SECRET_RULE = "client_secret must be a non-empty string"
PLAIN_HTTP = (
    " must use https:// (plain http:// is only allowed for loopback hosts such as 127.0.0.1 "
    "or localhost)"
)


@pytest.mark.parametrize(
    ("client_id", "client_secret", "message"),
    [
        pytest.param("", "secret", CLIENT_ID_RULE, id="client_id=''"),
        pytest.param(None, "secret", CLIENT_ID_RULE, id="client_id=None"),
        pytest.param("a b", "secret", CLIENT_ID_RULE, id="client_id='a b'"),
        pytest.param("caf\u00e9", "secret", CLIENT_ID_RULE, id="client_id=non-ASCII"),
        pytest.param(1, 2, CLIENT_ID_RULE, id="client_id=1,client_secret=2"),
        pytest.param("id", "", SECRET_RULE, id="client_secret=''"),
        pytest.param("id", None, SECRET_RULE, id="client_secret=None"),
        pytest.param("id", b"secret", SECRET_RULE, id="client_secret=bytes"),
    ],
)
def test_empty_or_wrong_type_credentials_refused(
    client_id: object, client_secret: object, message: str
) -> None:
    """Empty, non-string or non-printable credentials: exactly this ConfigurationError."""
    with pytest.raises(ConfigurationError) as caught:
        ClientConfig(client_id, client_secret, "https://example.com/cb")  # type: ignore[arg-type]
    assert (ConfigurationError, message) == (type(caught.value), str(caught.value))


@pytest.mark.parametrize(
    ("base_url", "message"),
    [
        pytest.param("https://chattz.net?x=1", "base_url must not contain a query", id="query"),
        pytest.param(None, "base_url must be a non-empty URL string", id="None"),
        pytest.param(3, "base_url must be a non-empty URL string", id="3"),
    ],
)
def test_base_url_with_query_or_wrong_type_refused(base_url: object, message: str) -> None:
    """A base URL with a query or of the wrong type: exactly this ConfigurationError."""
    with pytest.raises(ConfigurationError) as caught:
        ClientConfig("id", "secret", "https://example.com/cb", base_url)  # type: ignore[arg-type]
    assert (ConfigurationError, message) == (type(caught.value), str(caught.value))


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


def outcome(build: Callable[[], ClientConfig]) -> str:
    """``"built"``, or the message of the ConfigurationError ``build()`` raised."""
    try:
        build()
    except ConfigurationError as error:
        return str(error)
    return "built"


@settings(max_examples=200, deadline=None)
@given(client_id=st.text(), redirect_uri=st.text(), base_url=st.text())
def test_property_any_text_gives_a_config_or_the_first_wrong_arguments_error(
    client_id: str, redirect_uri: str, base_url: str
) -> None:
    """Any strings: client_id is kept iff it is [\\x21-\\x7e]+; otherwise the config is
    built holding the values, or the error is the one of the first wrong argument (in
    order), naming it. Never another exception."""
    alone = [
        outcome(lambda: ClientConfig(client_id, "secret")),
        outcome(lambda: ClientConfig("id", "secret", redirect_uri)),
        outcome(lambda: ClientConfig("id", "secret", None, base_url)),
    ]
    first_wrong = next((message for message in alone if message != "built"), "built")
    combined = outcome(lambda: ClientConfig(client_id, "secret", redirect_uri, base_url))
    client_id_ok = re.fullmatch(r"[\x21-\x7e]+", client_id) is not None
    assert (first_wrong, "built" if client_id_ok else CLIENT_ID_RULE, [True, True]) == (
        combined,
        alone[0],
        [
            message == "built" or message.startswith(f"{name} ")
            for name, message in (("redirect_uri", alone[1]), ("base_url", alone[2]))
        ],
    )
    if combined == "built":
        config = ClientConfig(client_id, "secret", redirect_uri, base_url)
        assert (client_id, redirect_uri, base_url.rstrip("/")) == (
            config.client_id,
            config.redirect_uri,
            config.base_url,
        )


@pytest.mark.parametrize(
    ("redirect_uri", "base_url", "message"),
    [
        pytest.param(
            "https://example.com/\udcff",
            "https://chattz.net",
            "redirect_uri is not a valid URL: it cannot be encoded as UTF-8",
            id="redirect_uri",
        ),
        pytest.param(
            "https://x/cb",
            "https://\udcff",
            "base_url is not a valid URL: it cannot be encoded as UTF-8",
            id="base_url",
        ),
    ],
)
def test_unencodable_urls_are_configuration_errors(
    redirect_uri: str, base_url: str, message: str
) -> None:
    """A URL with a lone surrogate is this ConfigurationError, not a UnicodeEncodeError."""
    with pytest.raises(ConfigurationError) as caught:
        ClientConfig("id", "secret", redirect_uri, base_url)
    assert message == str(caught.value)


def test_config_repr_hides_the_secret() -> None:
    """ClientConfig's repr never shows the client secret."""
    assert "s3cret" not in repr(DOCUMENTED_CONFIG)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        pytest.param("", "base_url must be a non-empty URL string", id="empty"),
        pytest.param("chattz.net", "base_url must be an absolute https:// URL", id="no-scheme"),
        pytest.param("ftp://chattz.net", "base_url must be an absolute https:// URL", id="ftp"),
        pytest.param("https://", "base_url must be an absolute https:// URL", id="no-host"),
        pytest.param(
            "https://chattz.net/#frag", "base_url must not contain a fragment", id="fragment"
        ),
        pytest.param("https://u:p@x", "base_url must not contain credentials", id="credentials"),
        pytest.param(
            "https://chattz.net/a\tb",
            "base_url must not contain spaces or control characters",
            id="tab",
        ),
        pytest.param("https://chattz.net:99999", "base_url is not a valid URL", id="bad-port"),
    ],
)
def test_config_refuses_malformed_urls(url: str, message: str) -> None:
    """A base URL that is not an absolute https URL: exactly this ConfigurationError."""
    with pytest.raises(ConfigurationError) as caught:
        ClientConfig("id", "secret", "https://example.com/cb", url)
    assert (ConfigurationError, message) == (type(caught.value), str(caught.value))


@pytest.mark.parametrize(
    ("base_url", "redirect_uri", "wrong"),
    [
        pytest.param("http://chattz.net", "https://app.example/cb", "base_url", id="base_url"),
        pytest.param(
            "https://chattz.net", "http://app.example/cb", "redirect_uri", id="redirect_uri"
        ),
        pytest.param(
            "http://127.0.0.1.evil.example",
            "https://app.example/cb",
            "base_url",
            id="127.0.0.1-prefix",
        ),
        pytest.param(
            "http://localhost.evil.example",
            "https://app.example/cb",
            "base_url",
            id="localhost-prefix",
        ),
        pytest.param(
            "https://chattz.net", "http://10.0.0.1/cb", "redirect_uri", id="private-address"
        ),
    ],
)
@pytest.mark.checklist(13)
def test_checklist_13_plain_http_refused_unless_loopback(
    base_url: str, redirect_uri: str, wrong: str
) -> None:
    """Line 13: http:// is refused for a non-loopback host, naming the argument."""
    with pytest.raises(InsecureTransportError) as caught:
        ClientConfig("id", CLIENT_SECRET, redirect_uri, base_url)
    assert wrong + PLAIN_HTTP == str(caught.value)


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
    hosts = ("127.0.0.1:8000", "localhost", "[::1]:9")
    built = [
        ClientConfig("id", CLIENT_SECRET, f"http://{host}/cb", f"http://{host}").token_endpoint
        for host in hosts
    ]
    with pytest.raises(InsecureTransportError) as caught:
        ClientConfig("id", CLIENT_SECRET, "https://app.example/cb", "http://chattz.net")
    assert ([f"http://{host}/oauth/token" for host in hosts], "base_url" + PLAIN_HTTP) == (
        built,
        str(caught.value),
    )


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
