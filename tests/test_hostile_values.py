"""Hostile values through the pure API: per value, the exact result or error; no secret shown (33).

Covers Token.from_dict, the protocol's parsers and code_challenge called with
values of every wrong kind, parse_callback with every callback shape,
LoginRequest.seal/unseal/check_age, safe_next_url and LoginCookies' methods,
with explicit tables (each row's id names the call and the value). The request
builders' tables are in tests/test_protocol_requests.py, next to their oracles;
constructors (Token, ClientConfig, RetryPolicy, LoginCookies, LoginRequest) are
tests/test_construction.py's.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

import attrs
import pytest
from multidict import MultiDict
from starlette.datastructures import QueryParams
from werkzeug.datastructures import MultiDict as WerkzeugMultiDict

from chattz_oauth_async import (
    AuthorizationDenied,
    ConfigurationError,
    InsecureTransportError,
    InvalidTokenError,
    LoginRequest,
    LoginStateError,
    OAuthError,
    ProviderError,
    StateMismatchError,
    Token,
    UnsafeRedirectError,
    protocol,
)
from chattz_oauth_async.integrations.cookies import LoginCookies
from chattz_oauth_async.login import safe_next_url
from chattz_oauth_async.protocol import code_challenge, parse_callback
from tests.helpers import WRONG, Outcome, configuration_error, not_encodable, outcome, raised

SECRET = "s3cr3t-CLIENT-secret-value"
KEY = "k" * 32
REDIRECT_URI = "https://app.example/cb"
CONFIG = protocol.ClientConfig("client", SECRET, REDIRECT_URI)


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


def table(
    call: str, function: Callable[[Any], object], rows: list[tuple[Outcome, list[str]]]
) -> list[Any]:
    """One pytest.param per value of WRONG named in ``rows``: ``call(value)`` gives that outcome.

    Every value of WRONG must be named once, so no value goes untested.
    """
    named = [name for _, names in rows for name in names]
    assert sorted(named) == sorted(WRONG), call
    return [
        pytest.param(function, WRONG[name], expected, id=f"{call}-{name}")
        for expected, names in rows
        for name in names
    ]


#: WRONG's names, by kind: the ints and floats that are numbers, and the rest.
INTS = ["0", "-1"]
FINITE = ["0", "-1", "1.5"]
TEXTS = ["''", "' '", "lone-surrogate", "NUL", "é"]


def ALL_BUT(*names: str) -> list[str]:
    """WRONG's names but these."""
    return [name for name in WRONG if name not in names]


# --- Token.from_dict ------------------------------------------------------------------------


def test_token_from_dict_null_leeway_is_the_default() -> None:
    """A saved token with "leeway": null reads back with the default leeway (was TypeError)."""
    assert 30.0 == Token.from_dict({"access_token": "AT", "leeway": None}).leeway


@pytest.mark.parametrize("data", [None, [], "{}", 1, b"{}", [("access_token", "x")]])
def test_token_from_dict_not_a_mapping(data: Any) -> None:
    """from_dict of something that is not a mapping: ConfigurationError."""
    assert ConfigurationError is type(raised(lambda: Token.from_dict(data)))


# --- protocol: parsers and code_challenge with arguments of every wrong kind ---------------

TOKEN_JSON = b'{"access_token":"a","token_type":"bearer","expires_in":5}'
BEARER_JSON = b'{"access_token":"a","token_type":"bearer"}'
STATUS_REFUSED = configuration_error("status_code must be the response's HTTP status, an int")
BODY_REFUSED = configuration_error("body must be the response's raw bytes")
HIDE_REFUSED = configuration_error("hide must be a list of the values the request carried")
INVALID_TOKEN = (InvalidTokenError, "invalid_token (HTTP 401)")


def token_at(now: float) -> Outcome:
    """The token of TOKEN_JSON read at ``now``."""
    return "ok", Token("a", expires_in=5, expires_at=now + 5)


PARSER_CASES = [
    *table(
        "code_challenge",
        code_challenge,
        [
            (
                configuration_error(
                    "a PKCE code verifier must be 43-128 characters of [A-Za-z0-9-._~]"
                ),
                list(WRONG),
            )
        ],
    ),
    *table(
        "parse_token_response(status)",
        lambda v: protocol.parse_token_response(v, b"{}", now=0),
        [
            *(
                (
                    (
                        ProviderError,
                        "token endpoint answered with an unexpected status and no OAuth error "
                        f"(HTTP {name})",
                    ),
                    [name],
                )
                for name in INTS
            ),
            (STATUS_REFUSED, ALL_BUT(*INTS)),
        ],
    ),
    *table(
        "parse_token_response(body)",
        lambda v: protocol.parse_token_response(200, v, now=0),
        [
            (
                (ProviderError, "token response is not a JSON object (HTTP 200)"),
                ["b'bytes'", "bytearray"],
            ),
            (BODY_REFUSED, ALL_BUT("b'bytes'", "bytearray")),
        ],
    ),
    *table(
        "parse_token_response(now)",
        lambda v: protocol.parse_token_response(200, TOKEN_JSON, now=v),
        [
            *((token_at(float(name)), [name]) for name in FINITE),
            (
                configuration_error("now must be a finite number of epoch seconds"),
                ALL_BUT(*FINITE),
            ),
        ],
    ),
    *table(
        "parse_token_response(leeway)",
        lambda v: protocol.parse_token_response(200, BEARER_JSON, now=0, leeway=v),
        [
            *((("ok", Token("a", leeway=float(name))), [name]) for name in ["0", "1.5"]),
            (
                configuration_error("a Token's leeway must be a finite number >= 0"),
                ALL_BUT("0", "1.5"),
            ),
        ],
    ),
    *table(
        "parse_token_response(previous_refresh_token)",
        lambda v: protocol.parse_token_response(200, BEARER_JSON, now=0, previous_refresh_token=v),
        [
            # Kept as given: the caller's own token, checked when it is sent.
            *((("ok", Token("a", refresh_token=WRONG[name])), [name]) for name in TEXTS),
            (("ok", Token("a")), ["None"]),
            (
                configuration_error("a Token's refresh_token must be a string, or None"),
                ALL_BUT("None", *TEXTS),
            ),
        ],
    ),
    *table(
        "parse_token_response(hide)",
        lambda v: protocol.parse_token_response(400, b'{"error": "x"}', now=0, hide=v),
        [
            ((OAuthError, "x (HTTP 400)"), ["['list']", "{'a': 1}"]),
            # bytes would hide nothing (they iterate as numbers): refused like a str.
            (HIDE_REFUSED, ALL_BUT("['list']", "{'a': 1}")),
        ],
    ),
    *table(
        "parse_userinfo_response(hide)",
        lambda v: protocol.parse_userinfo_response(401, b"", hide=v),
        [
            (INVALID_TOKEN, ["['list']", "{'a': 1}"]),
            (HIDE_REFUSED, ALL_BUT("['list']", "{'a': 1}")),
        ],
    ),
    *table(
        "parse_userinfo_response(status)",
        lambda v: protocol.parse_userinfo_response(v, b"{}"),
        [
            *(
                (
                    (
                        ProviderError,
                        f"userinfo endpoint answered with an unexpected status (HTTP {n})",
                    ),
                    [n],
                )
                for n in INTS
            ),
            (STATUS_REFUSED, ALL_BUT(*INTS)),
        ],
    ),
    *table(
        "parse_userinfo_response(body)",
        lambda v: protocol.parse_userinfo_response(200, v),
        [
            (
                (ProviderError, "userinfo response is not a JSON object (HTTP 200)"),
                ["b'bytes'", "bytearray"],
            ),
            (BODY_REFUSED, ALL_BUT("b'bytes'", "bytearray")),
        ],
    ),
    *table(
        "parse_userinfo_response(headers)",
        lambda v: protocol.parse_userinfo_response(401, b"{}", v),
        [
            (INVALID_TOKEN, ["None", "{'a': 1}"]),
            (
                configuration_error("headers must be the response's headers (a mapping), or None"),
                ALL_BUT("None", "{'a': 1}"),
            ),
        ],
    ),
    *table(
        "parse_userinfo_response(www-authenticate)",
        lambda v: protocol.parse_userinfo_response(401, b"", {"www-authenticate": v}),
        # A header value that is not a string (or not a Bearer challenge) says nothing more.
        [(INVALID_TOKEN, list(WRONG))],
    ),
]


@pytest.mark.parametrize(("call", "value", "expected"), PARSER_CASES)
def test_protocol_functions_with_values_of_every_wrong_kind(
    call: Callable[[Any], object], value: Any, expected: Outcome
) -> None:
    """Each protocol function, given a value of the wrong kind: the exact result or error."""
    assert expected == outcome(lambda: call(value))


@pytest.mark.checklist(33)
@pytest.mark.parametrize("secret", ["\udcff" + SECRET, SECRET + "\ud800"])
def test_checklist_33_unencodable_client_secret_error_does_not_show_it(secret: str) -> None:
    """A client secret with a lone surrogate: ConfigurationError that never shows it."""
    exc = raised(lambda: protocol.ClientConfig("c", secret, "https://a/cb"))
    assert (ConfigurationError, False) == (type(exc), shows(exc, SECRET))


@pytest.mark.checklist(33)
@pytest.mark.parametrize(
    ("build", "expected"),
    [
        pytest.param(
            lambda: protocol.token_request(CONFIG, "CODE-" + SECRET + "\udcff"),
            not_encodable("the code"),
            id="code",
        ),
        pytest.param(
            lambda: protocol.refresh_request(CONFIG, "RT-" + SECRET + "\udcff"),
            not_encodable("the refresh token"),
            id="refresh_token",
        ),
        pytest.param(
            lambda: protocol.userinfo_request(CONFIG, "AT-" + SECRET + "\udcff"),
            configuration_error("the access token must be a non-empty printable string"),
            id="access_token",
        ),
        pytest.param(
            lambda: protocol.authorize_url(CONFIG, "ST-" + SECRET + "\udcff"),
            not_encodable("state"),
            id="state",
        ),
        pytest.param(
            lambda: protocol.token_request(CONFIG, "c", code_verifier="V" * 40 + SECRET + "\udcff"),
            configuration_error(
                "a PKCE code verifier must be 43-128 characters of [A-Za-z0-9-._~]"
            ),
            id="code_verifier",
        ),
    ],
)
def test_checklist_33_unencodable_secrets_are_named_not_shown(
    build: Callable[[], object], expected: Outcome
) -> None:
    """A code, token, state or verifier that cannot be encoded: this error, the value not in it."""
    assert (expected, False) == (outcome(build), shows(raised(build), SECRET))


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


NOT_PARAMETERS = (ProviderError, "the callback must be a query string or its parameters")
NOT_PAIRS = (ProviderError, "callback parameters must be (name, value) pairs of strings")
TOO_MANY = (ProviderError, "the callback has too many or malformed parameters")
NO_STATE = (
    StateMismatchError,
    "the callback has no state, so it cannot belong to the login this browser started "
    "(was the callback URL opened by hand, or the provider's redirect cut short?)",
)
WRONG_STATE = (
    StateMismatchError,
    "the callback's state does not match the login this browser started",
)
NOT_EXPECTED = (
    StateMismatchError,
    "no login was started in this browser, so no state is expected",
)
NO_CODE = (ProviderError, "the callback carries no authorization code")
CODE_TWICE = (ProviderError, "the callback repeats the 'code' parameter")
BAD_CODE = (ProviderError, "the callback's authorization code is malformed")
DENIED_LONG = (AuthorizationDenied, str(AuthorizationDenied("x" * 100_000)))

#: Every shape of callback, with what parse_callback(shape, "st") gives.
SHAPES = [
    pytest.param("state=st&code=c", ("ok", "c"), id="query"),
    pytest.param(b"state=st&code=c", NOT_PARAMETERS, id="bytes"),
    pytest.param(bytearray(b"state=st&code=c"), NOT_PARAMETERS, id="bytearray"),
    pytest.param(memoryview(b"state=st&code=c"), NOT_PARAMETERS, id="memoryview"),
    pytest.param(None, NOT_PARAMETERS, id="None"),
    pytest.param(1, NOT_PARAMETERS, id="int"),
    pytest.param(1.5, NOT_PARAMETERS, id="float"),
    pytest.param(True, NOT_PARAMETERS, id="True"),
    pytest.param([], NO_STATE, id="empty-list"),
    pytest.param({}, NO_STATE, id="empty-dict"),
    pytest.param(
        [("state", "st")],
        (ProviderError, "the callback carries no authorization code"),
        id="no-code",
    ),
    pytest.param([("state", "st", "x")], NOT_PAIRS, id="triple"),
    pytest.param([["state", "st"], ["code", "c"]], ("ok", "c"), id="lists-as-pairs"),
    pytest.param([(b"state", b"st")], NOT_PAIRS, id="bytes-pairs"),
    pytest.param([(1, 2)], NOT_PAIRS, id="int-pairs"),
    pytest.param({"state": "st", "code": 1}, NOT_PAIRS, id="int-value"),
    pytest.param({"state": ["st"], "code": ["c"]}, NOT_PAIRS, id="list-values"),
    pytest.param({1: "st"}, NOT_PAIRS, id="int-key"),
    pytest.param(QueryParams("state=st&code=c&code=d"), CODE_TWICE, id="starlette-QueryParams"),
    pytest.param(
        MultiDict([("state", "st"), ("code", "c"), ("code", "d")]), CODE_TWICE, id="multidict"
    ),
    pytest.param(
        WerkzeugMultiDict([("state", "st"), ("code", "c"), ("code", "d")]),
        CODE_TWICE,
        id="werkzeug-MultiDict",
    ),
    pytest.param(_Endless(), TOO_MANY, id="endless-iterator"),
    pytest.param(_MultiItemsReturnsInt(), NOT_PARAMETERS, id="multi_items-returns-int"),
    pytest.param(_GetlistReturnsInt(state="st"), NOT_PARAMETERS, id="getlist-returns-int"),
    pytest.param([("state", "st"), ("code", "c")] * 30, TOO_MANY, id="60-pairs"),
    pytest.param("state=st&code=c&" + "a=b&" * 60, TOO_MANY, id="62-parameters"),
    pytest.param("state=st&code=%ff", BAD_CODE, id="code-not-utf8"),
    pytest.param("state=st&code=\udcff", BAD_CODE, id="code-lone-surrogate"),
    pytest.param("state=\udcff&code=c", WRONG_STATE, id="state-lone-surrogate"),
    pytest.param(
        "state=st&code=c&iss=\udcff",
        (ProviderError, "the callback's issuer '?' is not 'https://chattz.net'"),
        id="iss-lone-surrogate",
    ),
    pytest.param("state=st&error=" + "x" * 100_000, DENIED_LONG, id="error-100k"),
    pytest.param("?" * 10_000, NO_STATE, id="question-marks"),
    pytest.param("state=st;code=c", WRONG_STATE, id="semicolon-is-not-a-separator"),
    pytest.param("https://x/cb?state=st&code=c#state=x&code=y", ("ok", "c"), id="fragment-ignored"),
]
#: What a malformed shape gives whatever the expected state (the shape is checked first).
SHAPE_ERRORS = [NOT_PARAMETERS, NOT_PAIRS, TOO_MANY]


@pytest.mark.checklist(7)
@pytest.mark.parametrize(("shape", "with_state"), SHAPES)
@pytest.mark.parametrize("expected_state", ["st", None, ""])
def test_checklist_7_parse_callback_every_shape(
    shape: Any, with_state: Outcome, expected_state: str | None
) -> None:
    """parse_callback with each shape: the row's outcome for state "st"; with no expected
    state, the shape's own error, or else "no login was started"."""
    expected = with_state
    if expected_state != "st" and with_state not in SHAPE_ERRORS:
        expected = NOT_EXPECTED
    assert expected == outcome(lambda: parse_callback(shape, expected_state))


@pytest.mark.parametrize(
    "shape",
    [_Endless(), [("state", "st"), ("code", "c")] * 30, {f"p{i}": "v" for i in range(60)}],
)
def test_callback_shapes_share_the_parameter_bound(shape: Any) -> None:
    """Over 50 parameters in any shape (an endless iterator too): ProviderError."""
    assert TOO_MANY == outcome(lambda: parse_callback(shape, "st"))


def test_callback_bytes_are_refused_not_read_as_numbers() -> None:
    """A bytes callback (an undecoded query) is a ProviderError naming the shape."""
    exc = raised(lambda: parse_callback(b"state=st&code=c", "st"))  # type: ignore[arg-type]
    assert (ProviderError, True) == (type(exc), "query string" in str(exc))


# --- LoginRequest, safe_next_url, LoginCookies' methods ------------------------------------

LOGIN = LoginRequest(url="u", state="st", code_verifier=None, next_url="/a", created_at=1000.0)
SEALED = LOGIN.seal(KEY)
KEY_KIND = configuration_error("secret_key must be str or bytes, or a list of them")
KEY_SHORT = configuration_error("secret_key must be at least 16 bytes (each key of a list too)")
KEY_ENCODING = configuration_error(
    "secret_key must be str (encodable as UTF-8) or bytes, or a list of them"
)
MAX_AGE_REFUSED = configuration_error("max_age must be a finite number of seconds >= 0")
NOW_REFUSED = configuration_error("now must be a finite number of epoch seconds, or None")
#: LOGIN was made at 1000.0: a clock at 0, -1 or 1.5 is before it; None reads the real clock.
FUTURE = (LoginStateError, "the login state is dated in the future")
TOO_OLD = (LoginStateError, "the login took too long; please start again")
SHORT_KEYS = ["b'bytes'", "['list']", "''", "' '", "NUL", "é"]
STR_FOR_URL = ["''", "' '", "lone-surrogate", "NUL", "é"]

LOGIN_CASES = [
    *table(
        "seal(key)",
        LOGIN.seal,
        [
            (KEY_SHORT, SHORT_KEYS),
            (KEY_ENCODING, ["bytearray", "lone-surrogate"]),
            (KEY_KIND, ALL_BUT(*SHORT_KEYS, "bytearray", "lone-surrogate")),
        ],
    ),
    *table(
        "unseal(value)",
        lambda v: LoginRequest.unseal(v, KEY, now=1000.0),
        [
            (
                (LoginStateError, "the login state is malformed"),
                ["' '", "lone-surrogate", "NUL", "é"],
            ),
            (
                (LoginStateError, "the login state is missing or malformed"),
                ALL_BUT("' '", "lone-surrogate", "NUL", "é"),
            ),
        ],
    ),
    *table(
        "unseal(secret_key)",
        lambda v: LoginRequest.unseal(SEALED, v, now=1000.0),
        [
            (KEY_SHORT, SHORT_KEYS),
            (KEY_ENCODING, ["bytearray", "lone-surrogate"]),
            (KEY_KIND, ALL_BUT(*SHORT_KEYS, "bytearray", "lone-surrogate")),
        ],
    ),
    *table(
        "unseal(secret_key=[KEY, value])",
        lambda v: LoginRequest.unseal(SEALED, [KEY, v], now=1000.0),
        [
            (KEY_SHORT, ["b'bytes'", "''", "' '", "NUL", "é"]),
            (KEY_ENCODING, ALL_BUT("b'bytes'", "''", "' '", "NUL", "é")),
        ],
    ),
    *table(
        "unseal(max_age)",
        lambda v: LoginRequest.unseal(SEALED, KEY, v, now=1000.0),
        [
            # The URL is not sealed: it was used once, to send the browser away.
            (("ok", attrs.evolve(LOGIN, url="")), ["0", "1.5"]),
            (MAX_AGE_REFUSED, ALL_BUT("0", "1.5")),
        ],
    ),
    *table(
        "unseal(now)",
        lambda v: LoginRequest.unseal(SEALED, KEY, now=v),
        [(TOO_OLD, ["None"]), (FUTURE, FINITE), (NOW_REFUSED, ALL_BUT("None", *FINITE))],
    ),
    *table(
        "check_age(max_age)",
        lambda v: LOGIN.check_age(v, now=1000.0),
        [(("ok", None), ["0", "1.5"]), (MAX_AGE_REFUSED, ALL_BUT("0", "1.5"))],
    ),
    *table(
        "check_age(now)",
        lambda v: LOGIN.check_age(now=v),
        [(TOO_OLD, ["None"]), (FUTURE, FINITE), (NOW_REFUSED, ALL_BUT("None", *FINITE))],
    ),
    *table(
        "safe_next_url",
        safe_next_url,
        [
            (("ok", None), ["None"]),
            (
                (
                    UnsafeRedirectError,
                    "the post-login target must be a same-origin path such as '/account'",
                ),
                ["' '", "lone-surrogate", "NUL", "é"],
            ),
            (
                (UnsafeRedirectError, "the post-login target must be a short relative path"),
                ALL_BUT("None", "' '", "lone-surrogate", "NUL", "é"),
            ),
        ],
    ),
    *table(
        "LoginCookies.is_secure",
        LoginCookies(KEY).is_secure,
        [
            # Text that is no URL counts as https: the cookie keeps its Secure flag.
            (("ok", True), STR_FOR_URL),
            (
                configuration_error("is_secure() needs the request's URL as a string"),
                ALL_BUT(*STR_FOR_URL),
            ),
        ],
    ),
    *table(
        "LoginCookies.read(states=[value])",
        lambda v: LoginCookies(KEY).read([v], {}, secure=True),
        [
            (
                (
                    StateMismatchError,
                    "this browser has no login in progress for this callback "
                    "(it may have expired); please start again",
                ),
                ["' '", "lone-surrogate", "NUL", "é"],
            ),
            (
                (
                    StateMismatchError,
                    "the callback's state does not match a login this browser started",
                ),
                ALL_BUT("' '", "lone-surrogate", "NUL", "é"),
            ),
        ],
    ),
]


@pytest.mark.parametrize(("call", "value", "expected"), LOGIN_CASES)
def test_login_values_with_values_of_every_wrong_kind(
    call: Callable[[Any], object], value: Any, expected: Outcome
) -> None:
    """Sealing, unsealing, age checks, next targets and cookies: the exact result or error."""
    assert expected == outcome(lambda: call(value))


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


#: A secret in a URL's place, and what the setting's error says (it names the setting).
SWAPPED = [
    pytest.param(SECRET, ConfigurationError, "{} must be an absolute https:// URL", id="bare"),
    pytest.param(
        "http://" + SECRET + ".example/cb",
        InsecureTransportError,
        "{} must use https://",
        id="http-host",
    ),
    pytest.param(
        "https://app.example/cb#" + SECRET,
        ConfigurationError,
        "{} must not contain a fragment",
        id="fragment",
    ),
    pytest.param(
        "ftp://" + SECRET, ConfigurationError, "{} must be an absolute https:// URL", id="ftp"
    ),
    pytest.param(
        "https://[" + SECRET, ConfigurationError, "{} is not a valid URL", id="open-bracket"
    ),
    pytest.param(
        "https://app.example:" + SECRET, ConfigurationError, "{} is not a valid URL", id="port"
    ),
    pytest.param(
        "https://user:" + SECRET + "@app.example/cb",
        ConfigurationError,
        "{} must not contain credentials",
        id="credentials",
    ),
]


@pytest.mark.checklist(33)
@pytest.mark.parametrize(("value", "kind", "start"), SWAPPED)
@pytest.mark.parametrize("position", ["redirect_uri", "base_url"])
def test_checklist_33_a_secret_passed_as_a_url_is_not_shown(
    value: str, kind: type[Exception], start: str, position: str
) -> None:
    """A secret in a URL's place: this error, naming the setting, never the value."""
    arguments = {"client_id": "c", "client_secret": "s", "redirect_uri": REDIRECT_URI}
    exc = raised(lambda: protocol.ClientConfig(**{**arguments, position: value}))
    assert (kind, True, False) == (
        type(exc),
        str(exc).startswith(start.format(position)),
        shows(exc, SECRET),
    )


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
