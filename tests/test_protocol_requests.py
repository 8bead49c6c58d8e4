"""protocol.requests: the authorize URL and the token, refresh and userinfo requests."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chattz_oauth_async.errors import ConfigurationError
from chattz_oauth_async.protocol import (
    ClientConfig,
    authorize_url,
    code_challenge,
    new_code_verifier,
    refresh_request,
    token_request,
    userinfo_request,
)
from chattz_oauth_async.protocol.requests import RESERVED_AUTHORIZE_PARAMS, HTTPRequest
from tests.helpers import (
    ACCESS_TOKEN,
    CLIENT_SECRET,
    CODE,
    CONFIG,
    DOCUMENTED_CONFIG,
    WRONG,
    Outcome,
    assert_not_leaked,
    configuration_error,
    has_lone_surrogate,
    lone_surrogate_texts,
    not_encodable,
    outcome,
)


@pytest.mark.parametrize(
    "name", ["response_type", "client_id", "redirect_uri", "state", "code_challenge_method"]
)
def test_extras_naming_the_librarys_own_parameters_are_refused(name: str) -> None:
    """An extra that would override a parameter the library sets is a ConfigurationError.

    (``code_challenge`` is the keyword argument itself: S256 is always added.)
    """
    expected = configuration_error(
        f"authorize_url() sets {name!r} itself (PKCE: use the code_challenge argument, S256 only)"
    )
    assert expected == outcome(lambda: authorize_url(CONFIG, "state-1", **{name: "x"}))


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


# --- Every builder against any value: an oracle gives the exact URL, body or error -------

#: Text with and without lone surrogates (st.text() alone never makes one).
TEXTS = st.text(max_size=20) | lone_surrogate_texts()
#: Any value a confused caller might pass: text, surrogates, and the wrong types.
ANY_VALUE = (
    TEXTS
    | st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.binary(max_size=8)
    | st.lists(st.text(max_size=3), max_size=2)
)
ORACLE = settings(max_examples=80, deadline=None)
STATE_REFUSED = configuration_error("state must be a non-empty string (use new_state())")
CHALLENGE_REFUSED = configuration_error("code_challenge must be a non-empty printable string")
VERIFIER_REFUSED = configuration_error(
    "a PKCE code verifier must be 43-128 characters of [A-Za-z0-9-._~]"
)
#: RFC 7636 section 4.1's grammar for a verifier, written as the RFC writes it.
VERIFIER_GRAMMAR = re.compile(r"[A-Za-z0-9._~-]{43,128}")
#: RFC 6750 section 2.1 as this library applies it: printable ASCII without space.
HEADER_TOKEN = re.compile(r"[\x21-\x7e]+")


def query(value: str) -> str:
    """RFC 3986 percent-encoding of a query value (``:`` and ``/`` may stay)."""
    return urlencode({"": value}, quote_via=quote, safe=":/")[1:]


def form(pairs: dict[str, str]) -> bytes:
    """An application/x-www-form-urlencoded body, every reserved character encoded."""
    return urlencode(pairs, quote_via=quote, safe="").encode()


def expected_authorize_url(
    state: object, challenge: object = None, extra: dict[str, object] | None = None
) -> Outcome:
    """What authorize_url(CONFIG, state, code_challenge=challenge, **extra) must give."""
    if not isinstance(state, str) or not state:
        return STATE_REFUSED
    if has_lone_surrogate(state):
        return not_encodable("state")
    url = (
        "https://chattz.net/oauth/authorize?response_type=code&client_id=client-id"
        f"&redirect_uri=https://app.example/cb&state={query(state)}"
    )
    if challenge is not None:
        if not isinstance(challenge, str) or not HEADER_TOKEN.fullmatch(challenge):
            return CHALLENGE_REFUSED
        url += f"&code_challenge={query(challenge)}&code_challenge_method=S256"
    for key, value in (extra or {}).items():
        if key in RESERVED_AUTHORIZE_PARAMS:
            return configuration_error(
                f"authorize_url() sets {key!r} itself (PKCE: use the code_challenge "
                "argument, S256 only)"
            )
        if not key or not isinstance(value, str):
            return configuration_error(
                f"query parameter {key!r} must be a non-empty name and a string"
            )
        if has_lone_surrogate(key) or has_lone_surrogate(value):
            return not_encodable(f"query parameter {key!r}")
        url += f"&{query(key)}={query(value)}"
    return "ok", url


def expected_token_request(code: object, verifier: object = None) -> Outcome:
    """What token_request(CONFIG, code, code_verifier=verifier) must give."""
    if not isinstance(code, str) or not code:
        return configuration_error("code must be a non-empty string")
    if has_lone_surrogate(code):
        return not_encodable("the code")
    fields = {
        "grant_type": "authorization_code",
        "client_id": "client-id",
        "client_secret": CLIENT_SECRET,
        "redirect_uri": "https://app.example/cb",
        "code": code,
    }
    if verifier is not None:
        if not isinstance(verifier, str) or not VERIFIER_GRAMMAR.fullmatch(verifier):
            return VERIFIER_REFUSED
        fields["code_verifier"] = verifier
    return "ok", HTTPRequest("POST", "https://chattz.net/oauth/token", FORM_HEADERS, form(fields))


def expected_refresh_request(refresh_token: object) -> Outcome:
    """What refresh_request(CONFIG, refresh_token) must give."""
    if not isinstance(refresh_token, str) or not refresh_token:
        return configuration_error("refresh_token must be a non-empty string")
    if has_lone_surrogate(refresh_token):
        return not_encodable("the refresh token")
    fields = {
        "grant_type": "refresh_token",
        "client_id": "client-id",
        "client_secret": CLIENT_SECRET,
        "refresh_token": refresh_token,
    }
    return "ok", HTTPRequest("POST", "https://chattz.net/oauth/token", FORM_HEADERS, form(fields))


def expected_userinfo_request(access_token: object) -> Outcome:
    """What userinfo_request(CONFIG, access_token) must give."""
    if not isinstance(access_token, str) or not HEADER_TOKEN.fullmatch(access_token):
        return configuration_error("the access token must be a non-empty printable string")
    headers = (("Authorization", f"Bearer {access_token}"), ("Accept", "application/json"))
    return "ok", HTTPRequest("GET", "https://chattz.net/oauth/userinfo", headers)


FORM_HEADERS = (
    ("Content-Type", "application/x-www-form-urlencoded"),
    ("Accept", "application/json"),
)


def assert_secret_not_shown(value: object, call: Callable[[], object]) -> None:
    """A refused value with a lone surrogate appears in no part of the error, nor its chain."""
    if isinstance(value, str) and has_lone_surrogate(value):
        with pytest.raises(ConfigurationError) as caught:
            call()
        assert_not_leaked(value, caught.value)


@ORACLE
@given(state=ANY_VALUE)
def test_property_authorize_url_state(state: Any) -> None:
    """Any state: the exact URL for encodable non-empty text, else the exact error (not shown)."""
    assert expected_authorize_url(state) == outcome(lambda: authorize_url(CONFIG, state))
    assert_secret_not_shown(state, lambda: authorize_url(CONFIG, state))


@ORACLE
@given(challenge=ANY_VALUE | st.just("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"))
def test_property_authorize_url_code_challenge(challenge: Any) -> None:
    """Any code_challenge: the exact URL with S256 for a header-safe string, else the error."""
    expected = expected_authorize_url("st", challenge)
    assert expected == outcome(lambda: authorize_url(CONFIG, "st", code_challenge=challenge))


@ORACLE
@given(
    # code_challenge is the keyword argument itself, tested above.
    key=st.sampled_from(sorted(RESERVED_AUTHORIZE_PARAMS - {"code_challenge"}))
    | TEXTS.filter(lambda text: text != "code_challenge"),
    value=ANY_VALUE,
)
def test_property_authorize_url_extra(key: str, value: Any) -> None:
    """Any extra name and value: the exact URL, or the exact error naming the parameter."""
    expected = expected_authorize_url("st", None, {key: value})
    assert expected == outcome(lambda: authorize_url(CONFIG, "st", **{key: value}))


@ORACLE
@given(code=ANY_VALUE)
def test_property_token_request_code(code: Any) -> None:
    """Any code: the exact form body for encodable non-empty text, else the exact error."""
    assert expected_token_request(code) == outcome(lambda: token_request(CONFIG, code))
    assert_secret_not_shown(code, lambda: token_request(CONFIG, code))


@ORACLE
@given(verifier=ANY_VALUE | st.text(alphabet="aZ09-._~!", min_size=40, max_size=130))
def test_property_token_request_code_verifier(verifier: Any) -> None:
    """Any code_verifier: sent when it meets RFC 7636's grammar, else the exact error."""
    expected = expected_token_request("c&de", verifier)
    assert expected == outcome(lambda: token_request(CONFIG, "c&de", code_verifier=verifier))


@ORACLE
@given(refresh_token=ANY_VALUE)
def test_property_refresh_request(refresh_token: Any) -> None:
    """Any refresh token: the exact form body, or the exact error that never shows it."""
    expected = expected_refresh_request(refresh_token)
    assert expected == outcome(lambda: refresh_request(CONFIG, refresh_token))
    assert_secret_not_shown(refresh_token, lambda: refresh_request(CONFIG, refresh_token))


@ORACLE
@given(access_token=ANY_VALUE | st.text(alphabet="aZ09 \r\n~!é", min_size=1, max_size=10))
def test_property_userinfo_request(access_token: Any) -> None:
    """Any access token: the exact Bearer request for a header-safe token, else the error."""
    expected = expected_userinfo_request(access_token)
    assert expected == outcome(lambda: userinfo_request(CONFIG, access_token))
    assert_secret_not_shown(access_token, lambda: userinfo_request(CONFIG, access_token))


#: Each builder's argument, and the oracle of its outcome.
BUILDERS: dict[str, tuple[Callable[[Any], object], Callable[[Any], Outcome]]] = {
    "authorize_url(state)": (
        lambda v: authorize_url(CONFIG, v),
        expected_authorize_url,
    ),
    "authorize_url(scope=)": (
        lambda v: authorize_url(CONFIG, "st", scope=v),
        lambda v: expected_authorize_url("st", None, {"scope": v}),
    ),
    "authorize_url(code_challenge=)": (
        lambda v: authorize_url(CONFIG, "st", code_challenge=v),
        lambda v: expected_authorize_url("st", v),
    ),
    "token_request(code)": (lambda v: token_request(CONFIG, v), expected_token_request),
    "token_request(code_verifier=)": (
        lambda v: token_request(CONFIG, "c", code_verifier=v),
        lambda v: expected_token_request("c", v),
    ),
    "refresh_request": (lambda v: refresh_request(CONFIG, v), expected_refresh_request),
    "userinfo_request": (lambda v: userinfo_request(CONFIG, v), expected_userinfo_request),
}


@pytest.mark.parametrize("value", [pytest.param(v, id=name) for name, v in WRONG.items()])
@pytest.mark.parametrize("builder", BUILDERS)
def test_builders_with_values_of_every_wrong_kind(builder: str, value: Any) -> None:
    """Each builder, given a value of every wrong kind (NaN, bytes, "", " ", NUL, é...):
    the oracle's exact request or error."""
    build, expected = BUILDERS[builder]
    assert expected(value) == outcome(lambda: build(value))


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
    assert STATE_REFUSED == outcome(lambda: authorize_url(DOCUMENTED_CONFIG, ""))


def test_authorize_url_refuses_raw_pkce_parameters() -> None:
    """code_challenge_method cannot be set by hand (so never to 'plain')."""
    expected = expected_authorize_url("xyz", None, {"code_challenge_method": "plain"})
    assert expected == outcome(
        lambda: authorize_url(DOCUMENTED_CONFIG, "xyz", code_challenge_method="plain")
    )


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
    expected = expected_userinfo_request("tok\r\nX-Evil: 1")
    assert expected == outcome(lambda: userinfo_request(DOCUMENTED_CONFIG, "tok\r\nX-Evil: 1"))


@pytest.mark.checklist(11)
def test_checklist_11_never_plain_pkce() -> None:
    """Line 11: the method is always S256 and ``plain`` cannot be asked for."""
    url = authorize_url(CONFIG, "st", code_challenge=code_challenge(new_code_verifier()))
    assert ["S256"] == parse_qs(urlsplit(url).query)["code_challenge_method"]
    plain = expected_authorize_url("st", None, {"code_challenge_method": "plain"})
    assert [plain, plain] == [
        outcome(lambda: authorize_url(CONFIG, "st", code_challenge_method="plain")),
        outcome(
            lambda: authorize_url(
                CONFIG, "st", code_challenge="x" * 43, **{"code_challenge_method": "plain"}
            )
        ),
    ]


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


TOKEN_REFUSED = configuration_error("the access token must be a non-empty printable string")


@pytest.mark.parametrize("bad", ["", "a b", "a\r\nX-Evil: 1", "tök", None, 7, b"AT"], ids=ascii)
@pytest.mark.checklist(17)
def test_checklist_17_userinfo_request_refuses_unsafe_token(bad: object) -> None:
    """Line 17: a token that is not a printable header value is refused before sending."""
    assert TOKEN_REFUSED == outcome(lambda: userinfo_request(CONFIG, bad))  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["", None, 7, b"code", ["a"]], ids=ascii)
@pytest.mark.checklist(17)
def test_checklist_17_token_request_refuses_non_string_code(bad: object) -> None:
    """Line 17: an empty or non-string code is refused with a typed error."""
    expected = configuration_error("code must be a non-empty string")
    assert expected == outcome(lambda: token_request(CONFIG, bad))  # type: ignore[arg-type]
