"""Hostile values through the pure API: every failure a ChattzOAuthError, no secret in it (33).

Covers Token and Token.from_dict, the protocol's request builders and
response parsers called with wrong types, parse_callback with every callback
shape, LoginRequest.seal/unseal, safe_next_url and LoginCookies, with
parametrized tables and hypothesis.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from multidict import MultiDict
from starlette.datastructures import QueryParams
from werkzeug.datastructures import MultiDict as WerkzeugMultiDict

from chattz_oauth_async import (
    ChattzOAuthError,
    ConfigurationError,
    LoginRequest,
    ProviderError,
    RetryPolicy,
    StateMismatchError,
    Token,
    protocol,
)
from chattz_oauth_async.integrations.cookies import LoginCookies
from chattz_oauth_async.login import safe_next_url
from chattz_oauth_async.protocol import code_challenge, parse_callback
from tests.helpers import WRONG_IDS, WRONG_VALUES

SECRET = "s3cr3t-CLIENT-secret-value"
KEY = "k" * 32
REDIRECT_URI = "https://app.example/cb"
CONFIG = protocol.ClientConfig("client", SECRET, REDIRECT_URI)
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def raised(call: Callable[[], object]) -> BaseException | None:
    """The exception ``call`` raised, or None."""
    try:
        call()
    except BaseException as exc:
        return exc
    return None


def typed(call: Callable[[], object]) -> bool:
    """True if ``call`` returned or raised only a ChattzOAuthError."""
    exc = raised(call)
    return exc is None or isinstance(exc, ChattzOAuthError)


def chain(exc: BaseException | None) -> Iterator[BaseException]:
    """``exc`` and every exception in its cause/context chain."""
    while exc is not None:
        yield exc
        exc = exc.__cause__ or exc.__context__


def shows(exc: BaseException | None, secret: str) -> bool:
    """Whether ``secret`` appears in the str, repr or args of ``exc`` or its chain."""
    return any(
        secret in str(e) or secret in repr(e) or any(secret in repr(a) for a in e.args)
        for e in chain(exc)
    )


# --- Token ---------------------------------------------------------------------------------

TOKEN_FIELDS = ["access_token", "token_type", "expires_in", "expires_at", "refresh_token"]
TOKEN_FIELDS += ["scope", "extra", "leeway"]


@pytest.mark.parametrize("field", TOKEN_FIELDS)
@pytest.mark.parametrize("value", WRONG_VALUES, ids=WRONG_IDS)
def test_token_constructor_refuses_wrong_types_with_a_typed_error(field: str, value: Any) -> None:
    """Token(field=<wrong>) is valid once built, or a ConfigurationError; never raw."""
    base: dict[str, Any] = {"access_token": "AT"}
    exc = raised(lambda: Token(**{**base, field: value}))
    assert True is (exc is None or isinstance(exc, ConfigurationError))


@pytest.mark.parametrize("field", TOKEN_FIELDS)
@pytest.mark.parametrize("value", WRONG_VALUES, ids=WRONG_IDS)
def test_token_from_dict_hostile_values(field: str, value: Any) -> None:
    """from_dict with a wrong value anywhere: a token that works, or ConfigurationError."""
    data = {"access_token": "AT", "expires_in": 60, "expires_at": 100.0, field: value}

    def use() -> None:
        token = Token.from_dict(data)
        token.is_expired(50.0)
        token.seconds_left(50.0)
        repr(token)
        Token.from_dict(token.to_dict())

    assert True is typed(use)


def test_token_from_dict_null_leeway_is_the_default() -> None:
    """A saved token with "leeway": null reads back with the default leeway (was TypeError)."""
    assert 30.0 == Token.from_dict({"access_token": "AT", "leeway": None}).leeway


@given(
    st.dictionaries(
        st.text(max_size=12),
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
        max_size=8,
    )
)
@FAST
def test_token_from_dict_any_json_object(data: dict[str, Any]) -> None:
    """Any JSON object gives a Token or a ConfigurationError."""
    assert True is typed(lambda: Token.from_dict({"access_token": "AT", **data}))


@pytest.mark.parametrize("data", [None, [], "{}", 1, b"{}", [("access_token", "x")]])
def test_token_from_dict_not_a_mapping(data: Any) -> None:
    """from_dict of something that is not a mapping: ConfigurationError."""
    assert ConfigurationError is type(raised(lambda: Token.from_dict(data)))


# --- protocol: builders and parsers called with wrong types -------------------------------

BUILDERS: list[tuple[str, Callable[[Any], object]]] = [
    ("authorize_url-state", lambda v: protocol.authorize_url(CONFIG, v)),
    ("authorize_url-extra", lambda v: protocol.authorize_url(CONFIG, "st", scope=v)),
    ("authorize_url-challenge", lambda v: protocol.authorize_url(CONFIG, "st", code_challenge=v)),
    ("token_request-code", lambda v: protocol.token_request(CONFIG, v)),
    ("token_request-verifier", lambda v: protocol.token_request(CONFIG, "c", code_verifier=v)),
    ("refresh_request", lambda v: protocol.refresh_request(CONFIG, v)),
    ("userinfo_request", lambda v: protocol.userinfo_request(CONFIG, v)),
    ("code_challenge", code_challenge),
    ("ptr-status", lambda v: protocol.parse_token_response(v, b"{}", now=0)),
    ("ptr-body", lambda v: protocol.parse_token_response(200, v, now=0)),
    (
        "ptr-now",
        lambda v: protocol.parse_token_response(
            200, b'{"access_token":"a","token_type":"bearer","expires_in":5}', now=v
        ),
    ),
    (
        "ptr-leeway",
        lambda v: protocol.parse_token_response(
            200, b'{"access_token":"a","token_type":"bearer"}', now=0, leeway=v
        ),
    ),
    (
        "ptr-previous",
        lambda v: protocol.parse_token_response(
            200, b'{"access_token":"a","token_type":"bearer"}', now=0, previous_refresh_token=v
        ),
    ),
    ("ptr-hide", lambda v: protocol.parse_token_response(400, b'{"error": "x"}', now=0, hide=v)),
    ("pur-hide", lambda v: protocol.parse_userinfo_response(401, b"", hide=v)),
    ("pur-status", lambda v: protocol.parse_userinfo_response(v, b"{}")),
    ("pur-body", lambda v: protocol.parse_userinfo_response(200, v)),
    ("pur-headers-401", lambda v: protocol.parse_userinfo_response(401, b"{}", v)),
    (
        "pur-header-value",
        lambda v: protocol.parse_userinfo_response(401, b"", {"www-authenticate": v}),
    ),
    ("config-base_url", lambda v: protocol.ClientConfig("c", SECRET, "https://a/cb", v)),
    ("config-client_id", lambda v: protocol.ClientConfig(v, SECRET, "https://a/cb")),
    ("config-secret", lambda v: protocol.ClientConfig("c", v, "https://a/cb")),
    ("config-redirect", lambda v: protocol.ClientConfig("c", SECRET, v)),
    ("retry-attempts", lambda v: RetryPolicy(attempts=v)),
    ("retry-base_delay", lambda v: RetryPolicy(base_delay=v)),
    ("retry-max_delay", lambda v: RetryPolicy(max_delay=v)),
]


@pytest.mark.parametrize(("name", "build"), BUILDERS, ids=[n for n, _ in BUILDERS])
@pytest.mark.parametrize("value", WRONG_VALUES, ids=WRONG_IDS)
def test_protocol_functions_with_wrong_arguments_raise_typed_errors(
    name: str, build: Callable[[Any], object], value: Any
) -> None:
    """Every protocol function with a wrong-typed argument: a result or a ChattzOAuthError."""
    assert True is typed(lambda: build(value))


@pytest.mark.checklist(33)
@pytest.mark.parametrize("secret", ["\udcff" + SECRET, SECRET + "\ud800"])
def test_checklist_33_unencodable_client_secret_error_does_not_show_it(secret: str) -> None:
    """A client secret with a lone surrogate: ConfigurationError that never shows it."""
    exc = raised(lambda: protocol.ClientConfig("c", secret, "https://a/cb"))
    assert (ConfigurationError, False) == (type(exc), shows(exc, SECRET))


@pytest.mark.checklist(33)
@pytest.mark.parametrize(
    "build",
    [
        lambda: protocol.token_request(CONFIG, "CODE-" + SECRET + "\udcff"),
        lambda: protocol.refresh_request(CONFIG, "RT-" + SECRET + "\udcff"),
        lambda: protocol.userinfo_request(CONFIG, "AT-" + SECRET + "\udcff"),
        lambda: protocol.authorize_url(CONFIG, "ST-" + SECRET + "\udcff"),
        lambda: protocol.token_request(CONFIG, "c", code_verifier="V" * 40 + SECRET + "\udcff"),
    ],
)
def test_checklist_33_unencodable_secrets_are_named_not_shown(build: Callable[[], object]) -> None:
    """A code, token, state or verifier that cannot be encoded: typed, and not in the error."""
    exc = raised(build)
    assert (True, False) == (isinstance(exc, ConfigurationError), shows(exc, SECRET))


@given(st.integers(-10, 1000), st.binary(max_size=300))
@FAST
def test_parsers_any_status_and_bytes(status: int, body: bytes) -> None:
    """Any status and bytes: a Token/ChattzUser or a typed error from both parsers."""
    assert (True, True) == (
        typed(lambda: protocol.parse_token_response(status, body, now=0.0)),
        typed(lambda: protocol.parse_userinfo_response(status, body, {})),
    )


SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10)
# Two levels are enough to reach every type check (st.recursive warns under some runs).
JSON_VALUES = (
    SCALARS
    | st.lists(SCALARS, max_size=4)
    | st.dictionaries(st.text(max_size=8), SCALARS | st.lists(SCALARS, max_size=3), max_size=4)
)


@given(
    st.dictionaries(
        st.sampled_from(
            [
                "access_token",
                "token_type",
                "expires_in",
                "refresh_token",
                "scope",
                "error",
                "error_description",
                "id",
                "username",
                "email",
                "avatar",
            ]
        ),
        JSON_VALUES,
        max_size=8,
    )
)
@FAST
def test_parsers_any_json_object(data: dict[str, Any]) -> None:
    """Any JSON object with the known names: a result or a typed error."""
    body = json.dumps(data).encode()
    assert (True, True) == (
        typed(lambda: protocol.parse_token_response(200, body, now=0.0)),
        typed(lambda: protocol.parse_userinfo_response(200, body)),
    )


@pytest.mark.checklist(38)
@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000,
        b'{"a":' * 100_000,
        b"1e99999",
        b'{"id": 1e400, "username": "u"}',
        b'{"id": ' + b"9" * 5000 + b', "username": "u"}',
        b'{"id": 1, "id": "x", "username": "u"}',
        b'{"id": 1, "username": "\\udcff"}',
        b"\xef\xbb\xbf{}",
        b"NaN",
        b'{"expires_in": Infinity}',
        b"\xff\xfe",
    ],
)
def test_checklist_38_odd_json_bodies_give_typed_errors(body: bytes) -> None:
    """Deep, huge, duplicate-keyed, non-UTF-8 or non-strict JSON: typed errors, no raw ones."""
    assert (True, True) == (
        typed(lambda: protocol.parse_token_response(200, body, now=0.0)),
        typed(lambda: protocol.parse_userinfo_response(200, body)),
    )


# --- parse_callback with every shape ----------------------------------------------------


class _Endless:
    def __iter__(self) -> Iterator[tuple[str, str]]:
        while True:
            yield ("state", "st")


class _MultiItemsReturnsInt:
    def multi_items(self) -> int:
        return 5


class _GetlistReturnsInt(dict[str, str]):
    def getlist(self, key: str) -> int:
        return 5


SHAPES: list[Any] = [
    "state=st&code=c",
    b"state=st&code=c",
    bytearray(b"state=st&code=c"),
    memoryview(b"state=st&code=c"),
    None,
    1,
    1.5,
    True,
    [],
    {},
    [("state", "st")],
    [("state", "st", "x")],
    [["state", "st"], ["code", "c"]],
    [(b"state", b"st")],
    [(1, 2)],
    {"state": "st", "code": 1},
    {"state": ["st"], "code": ["c"]},
    {1: "st"},
    QueryParams("state=st&code=c&code=d"),
    MultiDict([("state", "st"), ("code", "c"), ("code", "d")]),
    WerkzeugMultiDict([("state", "st"), ("code", "c"), ("code", "d")]),
    _Endless(),
    _MultiItemsReturnsInt(),
    _GetlistReturnsInt(state="st"),
    [("state", "st"), ("code", "c")] * 30,
    "state=st&code=c&" + "a=b&" * 60,
    "state=st&code=%ff",
    "state=st&code=\udcff",
    "state=\udcff&code=c",
    "state=st&code=c&iss=\udcff",
    "state=st&error=" + "x" * 100_000,
    "?" * 10_000,
    "state=st;code=c",
    "https://x/cb?state=st&code=c#state=x&code=y",
]


@pytest.mark.checklist(7)
@pytest.mark.parametrize("shape", SHAPES, ids=[repr(s)[:30] for s in SHAPES])
@pytest.mark.parametrize("expected", ["st", None, "", "\udcff"])
def test_checklist_7_parse_callback_any_shape_typed(shape: Any, expected: Any) -> None:
    """parse_callback with any callback shape and expected state: a code or a typed error."""
    assert True is typed(lambda: parse_callback(shape, expected))


@pytest.mark.parametrize(
    "shape",
    [_Endless(), [("state", "st"), ("code", "c")] * 30, {f"p{i}": "v" for i in range(60)}],
)
def test_callback_shapes_share_the_parameter_bound(shape: Any) -> None:
    """Over 50 parameters in any shape (an endless iterator too): ProviderError."""
    assert ProviderError is type(raised(lambda: parse_callback(shape, "st")))


def test_callback_bytes_are_refused_not_read_as_numbers() -> None:
    """A bytes callback (an undecoded query) is a ProviderError naming the shape."""
    exc = raised(lambda: parse_callback(b"state=st&code=c", "st"))  # type: ignore[arg-type]
    assert (ProviderError, True) == (type(exc), "query string" in str(exc))


@given(st.text(max_size=200), st.text(max_size=20))
@FAST
def test_parse_callback_any_text(callback: str, expected: str) -> None:
    """Any string callback and expected state: a code or a typed error."""
    assert True is typed(lambda: parse_callback(callback, expected))


@given(
    st.lists(
        st.tuples(st.sampled_from(["state", "code", "iss", "error", "x"]), st.text(max_size=10)),
        max_size=8,
    )
)
@FAST
def test_parse_callback_any_pairs(pairs: list[tuple[str, str]]) -> None:
    """Any list of pairs: a code or a typed error; a repeated state never matches."""
    exc = raised(lambda: parse_callback(pairs, "st"))
    states = [v for k, v in pairs if k == "state"]
    if states != ["st"]:
        assert StateMismatchError is type(exc)
    else:
        assert True is (exc is None or isinstance(exc, ChattzOAuthError))


# --- LoginRequest, safe_next_url, LoginCookies --------------------------------------------

LOGIN = LoginRequest(url="u", state="st", code_verifier=None, next_url="/a", created_at=1000.0)


@pytest.mark.parametrize("value", WRONG_VALUES, ids=WRONG_IDS)
@pytest.mark.parametrize(
    "call",
    [
        lambda v: LOGIN.seal(v),
        lambda v: LoginRequest.unseal(v, KEY, now=1000.0),
        lambda v: LoginRequest.unseal(LOGIN.seal(KEY), v, now=1000.0),
        lambda v: LoginRequest.unseal(LOGIN.seal(KEY), KEY, v, now=1000.0),
        lambda v: LoginRequest.unseal(LOGIN.seal(KEY), KEY, now=v),
        lambda v: LoginRequest.unseal(LOGIN.seal(KEY), [KEY, v], now=1000.0),
        lambda v: LOGIN.check_age(v, now=1000.0),
        lambda v: LOGIN.check_age(now=v),
        lambda v: LoginRequest(url=v, state=v, code_verifier=v, next_url=v, created_at=v).seal(KEY),
        lambda v: LoginRequest(
            url="", state="s", code_verifier=None, next_url=v, created_at=1.0
        ).seal(KEY),
        lambda v: LoginRequest(
            url="", state="s", code_verifier=v, next_url=None, created_at=1.0
        ).seal(KEY),
        lambda v: LoginRequest(
            url="", state="s", code_verifier=None, next_url=None, created_at=v
        ).check_age(),
        lambda v: safe_next_url(v),
        lambda v: LoginCookies(v),
        lambda v: LoginCookies(KEY, name=v),
        lambda v: LoginCookies(KEY, path=v),
        lambda v: LoginCookies(KEY, max_age=v),
        lambda v: LoginCookies(KEY, secure=v),
        lambda v: LoginCookies(KEY, max_pending=v),
        lambda v: LoginCookies(KEY).is_secure(v),
        lambda v: LoginCookies(KEY).read([v], {}, secure=True),
    ],
)
def test_login_values_with_wrong_arguments_raise_typed_errors(
    call: Callable[[Any], object], value: Any
) -> None:
    """Sealing, unsealing, next targets and cookies with wrong values: typed errors only."""
    assert True is typed(lambda: call(value))


@pytest.mark.parametrize("max_age", [math.nan, math.inf, -math.inf, "600", None, True, -1])
def test_nan_or_infinite_max_age_never_switches_expiry_off(max_age: Any) -> None:
    """A NaN, infinite, string or negative max_age is a ConfigurationError, not 'never expires'."""
    exc = raised(lambda: LoginRequest.unseal(LOGIN.seal(KEY), KEY, max_age, now=10**9))
    assert ConfigurationError is type(exc)


@pytest.mark.checklist(33)
@pytest.mark.parametrize("key", ["\udcff" * 20 + SECRET, [KEY, SECRET + "\udcff"]])
def test_checklist_33_unencodable_signing_key_is_named_not_shown(key: Any) -> None:
    """A signing key with a lone surrogate: ConfigurationError without the key."""
    exc = raised(lambda: LoginRequest.unseal(LOGIN.seal(KEY), key))
    assert (ConfigurationError, False) == (type(exc), shows(exc, SECRET))


@given(st.text(max_size=300))
@FAST
def test_checklist_9_safe_next_url_accepts_only_what_seals(target: str) -> None:
    """Whatever safe_next_url accepts seals under 4 KB and unseals to the same target."""
    try:
        accepted = safe_next_url(target)
    except ChattzOAuthError:
        return
    login = LoginRequest(
        url="", state="s" * 43, code_verifier="v" * 64, next_url=accepted, created_at=5.0
    )
    sealed = login.seal(KEY)
    assert (True, accepted) == (
        len(sealed) <= 4096,
        LoginRequest.unseal(sealed, KEY, now=5.0).next_url,
    )


@given(st.text(max_size=400))
@FAST
def test_unseal_any_text_is_a_typed_error(value: str) -> None:
    """Any string as a sealed login: LoginStateError (or another typed error)."""
    assert True is typed(lambda: LoginRequest.unseal(value, KEY, now=5.0))


SWAPPED = [
    SECRET,
    "http://" + SECRET + ".example/cb",
    "https://app.example/cb#" + SECRET,
    "ftp://" + SECRET,
    "https://[" + SECRET,
    "https://app.example:" + SECRET,
    "https://user:" + SECRET + "@app.example/cb",
]


@pytest.mark.checklist(33)
@pytest.mark.parametrize("value", SWAPPED, ids=range(len(SWAPPED)))
@pytest.mark.parametrize("position", ["redirect_uri", "base_url"])
def test_checklist_33_a_secret_passed_as_a_url_is_not_shown(value: str, position: str) -> None:
    """A secret in a URL's place: the error names the setting, never the value."""
    arguments = {"client_id": "c", "client_secret": "s", "redirect_uri": REDIRECT_URI}
    exc = raised(lambda: protocol.ClientConfig(**{**arguments, position: value}))
    assert (True, False) == (isinstance(exc, ConfigurationError), shows(exc, SECRET))


@pytest.mark.checklist(13)
@pytest.mark.parametrize(
    "url",
    [
        "https://chat\r\ntz.net",
        "https://chattz.net/\tx",
        "https://chattz.net/a b",
        "https://chattz.net/\x00",
        "http://local\thost/cb",
        "https://chattz.net/\u2028",
        " https://chattz.net",
    ],
    ids=repr,
)
@pytest.mark.parametrize("position", ["redirect_uri", "base_url"])
def test_checklist_13_urls_with_spaces_or_control_characters_are_refused(
    url: str, position: str
) -> None:
    """URLs with spaces or control characters (urllib drops some before parsing): refused."""
    arguments = {"client_id": "c", "client_secret": "s", "redirect_uri": REDIRECT_URI}
    exc = raised(lambda: protocol.ClientConfig(**{**arguments, position: url}))
    assert ConfigurationError is type(exc)


@pytest.mark.parametrize("now", [math.nan, math.inf, "1", b"1", [1], True], ids=repr)
def test_token_expiry_checks_refuse_a_now_that_is_not_a_number(now: Any) -> None:
    """is_expired/seconds_left with a NaN or non-number now: ConfigurationError, never 'valid'."""
    token = Token("AT", expires_in=60, expires_at=100.0)
    kinds = [
        type(raised(lambda: token.is_expired(now))),
        type(raised(lambda: token.seconds_left(now))),
    ]
    assert [ConfigurationError, ConfigurationError] == kinds


@pytest.mark.parametrize(
    "seconds", [10**400, 10**20, 100 * 365 * 24 * 3600 + 1], ids=["1e400", "1e20", "100y+1"]
)
def test_a_token_lifetime_past_100_years_is_refused(seconds: int) -> None:
    """expires_in past 100 years (10**400 overflowed in is_expired): ConfigurationError."""
    kinds = [
        type(raised(lambda: Token("AT", expires_in=seconds, expires_at=5.0))),
        type(raised(lambda: Token.from_dict({"access_token": "AT", "expires_in": seconds}))),
    ]
    assert [ConfigurationError, ConfigurationError] == kinds


@given(
    st.dictionaries(
        st.text(max_size=40)
        | st.sampled_from(["chattz_login_" + "a" * 16, "__Host-chattz_login_0"]),
        st.text(max_size=60),
        max_size=8,
    ),
    st.lists(st.text(max_size=20), max_size=3),
    st.booleans(),
)
@FAST
def test_login_cookies_any_request_cookies_and_states(
    cookies: dict[str, str], states: list[str], secure: bool
) -> None:
    """start/read/clear over any request cookies and callback states: typed errors only."""
    helper = LoginCookies(KEY)
    assert (True, True, True) == (
        typed(lambda: helper.start(LOGIN, cookies, secure=secure, now=1000.0)),
        typed(lambda: helper.read(states, cookies, secure=secure, now=1000.0)),
        typed(lambda: helper.clear(states, cookies, secure=secure)),
    )
