"""Hostile values given to the sessions' constructors, from_env and start_login (33).

No I/O: each test runs once per twin (AsyncChattzOAuth and ChattzOAuth), not on every
event loop. Every keyword argument's accepted and refused values, one by one, are
tests/test_construction.py's.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from chattz_oauth_async import (
    AsyncChattzOAuth,
    AsyncTokenHolder,
    ChattzOAuth,
    ConfigurationError,
    Token,
    TokenHolder,
    UnsafeRedirectError,
)
from tests.helpers import WRONG, outcome, raised, shows_secret

SECRET = "s3cr3t-CLIENT-secret-value"
ACCESS = "AT-access-token-value-5678"
REDIRECT = "https://app.example/cb"


@pytest.fixture(params=[AsyncChattzOAuth, ChattzOAuth], ids=["async", "sync"])
def session_class(request: pytest.FixtureRequest) -> Any:
    """Each twin's session class."""
    return request.param


@pytest.mark.parametrize(
    "value",
    [math.nan, -1, math.inf, 0, httpx.Timeout(-1.0), httpx.Timeout(math.nan), "5", [5]],
    ids=["nan", "negative", "inf", "zero", "Timeout-negative", "Timeout-nan", "str", "list"],
)
def test_timeout_that_cannot_work_is_refused_at_construction(
    session_class: Any, value: Any
) -> None:
    """A NaN, negative, zero or infinite timeout: ConfigurationError when built, not later."""
    exc = raised(lambda: session_class("client", SECRET, REDIRECT, timeout=value))
    assert ConfigurationError is type(exc)


@pytest.mark.parametrize(
    "name", ["leeway", "total_timeout", "max_response_bytes", "pkce", "timeout"]
)
def test_a_bool_is_not_a_number_of_seconds_or_bytes(session_class: Any, name: str) -> None:
    """leeway=True, total_timeout=True, max_response_bytes=True...: ConfigurationError, not 1."""
    values: dict[str, Any] = {"pkce": "yes"}
    exc = raised(
        lambda: session_class("client", SECRET, REDIRECT, **{name: values.get(name, True)})
    )
    assert ConfigurationError is type(exc)


@pytest.mark.parametrize(
    "transport", ["x", 5, pytest.param(object(), id="object()"), httpx.Timeout(1.0)], ids=repr
)
def test_transport_of_the_wrong_kind_is_refused_at_construction(
    session_class: Any, transport: Any
) -> None:
    """transport= without the session's handle method: ConfigurationError when built."""
    exc = raised(lambda: session_class("client", SECRET, REDIRECT, transport=transport))
    assert ConfigurationError is type(exc)


@pytest.mark.parametrize(
    "environ", ["x", 5, ["CHATTZ_CLIENT_ID"], pytest.param(object(), id="object()")], ids=repr
)
def test_from_env_with_an_environ_that_is_not_a_mapping(session_class: Any, environ: Any) -> None:
    """from_env(environ=<not a mapping>) is a ConfigurationError (was AttributeError)."""
    assert ConfigurationError is type(raised(lambda: session_class.from_env(environ=environ)))


@pytest.mark.checklist(33)
@pytest.mark.parametrize(
    "variable",
    ["CHATTZ_CLIENT_ID", "CHATTZ_CLIENT_SECRET", "CHATTZ_REDIRECT_URI", "CHATTZ_BASE_URL"],
)
def test_checklist_33_from_env_lone_surrogates_are_named_not_shown(
    session_class: Any, variable: str
) -> None:
    """A variable read from undecodable bytes: ConfigurationError that never shows the secret."""
    environ = {
        "CHATTZ_CLIENT_ID": "client",
        "CHATTZ_CLIENT_SECRET": SECRET,
        "CHATTZ_REDIRECT_URI": REDIRECT,
        "CHATTZ_BASE_URL": "https://chattz.net",
    }
    environ[variable] = environ[variable] + "\udcff"
    exc = raised(lambda: session_class.from_env(environ=environ))
    assert (ConfigurationError, False) == (type(exc), shows_secret(exc, SECRET))


@pytest.mark.parametrize("name", ["base_ur", "timeout_total", "secret", "environment"])
def test_from_env_misspelled_keyword_is_a_configuration_error(
    session_class: Any, name: str
) -> None:
    """from_env(**{misspelled: ...}) is a ConfigurationError naming it."""
    environ = {
        "CHATTZ_CLIENT_ID": "c",
        "CHATTZ_CLIENT_SECRET": "s",
        "CHATTZ_REDIRECT_URI": REDIRECT,
    }
    exc = raised(lambda: session_class.from_env(environ=environ, **{name: 1}))
    assert (ConfigurationError, True) == (type(exc), name in str(exc))


@pytest.mark.parametrize("session", ["x", None, 5, pytest.param(object(), id="object()")], ids=repr)
def test_token_holder_needs_a_session(session_class: Any, session: Any) -> None:
    """AsyncTokenHolder/TokenHolder(<not a session>, token) is a ConfigurationError at once."""
    holder = AsyncTokenHolder if session_class is AsyncChattzOAuth else TokenHolder
    assert ConfigurationError is type(raised(lambda: holder(session, Token(ACCESS))))


@pytest.mark.parametrize(
    "reserved",
    [
        "state",
        "client_id",
        "redirect_uri",
        "response_type",
        "code_challenge",
        "code_challenge_method",
    ],
)
def test_start_login_extras_colliding_with_the_library_are_refused(
    session_class: Any, reserved: str
) -> None:
    """start_login(**{reserved: ...}) is a ConfigurationError."""
    session = session_class("client", SECRET, REDIRECT)
    expected = (
        ConfigurationError,
        f"authorize_url() sets {reserved!r} itself (PKCE: use the code_challenge argument, "
        "S256 only)",
    )
    if reserved == "code_challenge":
        expected = (ConfigurationError, "start_login() sets code_challenge itself (pkce=True)")
    assert expected == outcome(lambda: session.start_login(None, **{reserved: "x"}))


def names_but(*names: str) -> list[str]:
    """WRONG's names but these."""
    return [name for name in WRONG if name not in names]


SCOPE_REFUSED = (
    ConfigurationError,
    "query parameter 'scope' must be a non-empty name and a string",
)
SCOPE_NOT_ENCODABLE = (
    ConfigurationError,
    "query parameter 'scope' cannot be encoded as UTF-8 (it holds a lone surrogate: was it "
    "read from undecodable bytes?)",
)
TEXT = ["''", "' '", "NUL", "é"]
#: The calls that build the authorize URL (no I/O) and, per value of WRONG by name, what they give:
#: "sent" means a URL carrying the value.
PURE_FLOW: dict[str, list[tuple[Any, list[str]]]] = {
    "authorize_url(state)": [
        (
            (ConfigurationError, "state must be a non-empty string (use new_state())"),
            names_but("' '", "NUL", "é", "lone-surrogate"),
        ),
        ("sent", ["' '", "NUL", "é"]),
        (
            (
                ConfigurationError,
                "state cannot be encoded as UTF-8 (it holds a lone surrogate: was it read from "
                "undecodable bytes?)",
            ),
            ["lone-surrogate"],
        ),
    ],
    "authorize_url(scope=)": [
        (SCOPE_REFUSED, names_but(*TEXT, "lone-surrogate")),
        ("sent", TEXT),
        (SCOPE_NOT_ENCODABLE, ["lone-surrogate"]),
    ],
    "start_login(next_url)": [
        ("sent", ["None"]),
        (
            (UnsafeRedirectError, "the post-login target must be a short relative path"),
            names_but("None", "' '", "lone-surrogate", "NUL", "é"),
        ),
        (
            (
                UnsafeRedirectError,
                "the post-login target must be a same-origin path such as '/account'",
            ),
            ["' '", "lone-surrogate", "NUL", "é"],
        ),
    ],
    "start_login(scope=)": [
        (SCOPE_REFUSED, names_but(*TEXT, "lone-surrogate")),
        ("sent", TEXT),
        (SCOPE_NOT_ENCODABLE, ["lone-surrogate"]),
    ],
}
PURE_FLOW_CASES = [
    pytest.param(call, name, expected, id=f"{call}-{name}")
    for call, rows in PURE_FLOW.items()
    for expected, names in rows
    for name in names
]


#: One session per twin, shared: building the URL changes nothing in it (and a session's
#: own client costs a TLS context to build).
SESSIONS = {cls: cls("client", SECRET, REDIRECT) for cls in (AsyncChattzOAuth, ChattzOAuth)}


def test_pure_flow_table_names_every_value_once() -> None:
    """Each call of PURE_FLOW says what every value of WRONG gives, once."""
    named = {
        call: sorted(n for _, names in rows for n in names) for call, rows in PURE_FLOW.items()
    }
    assert {call: sorted(WRONG) for call in PURE_FLOW} == named


@pytest.mark.parametrize(("call", "name", "expected"), PURE_FLOW_CASES)
def test_authorize_url_and_start_login_with_values_of_every_wrong_kind(
    session_class: Any, call: str, name: str, expected: Any
) -> None:
    """authorize_url and start_login given a value of every wrong kind: the table's exact error,
    or a URL that carries the value (a start_login(None) has no post-login target)."""
    session = SESSIONS[session_class]
    value = WRONG[name]
    calls: dict[str, Callable[[], Any]] = {
        "authorize_url(state)": lambda: session.authorize_url(value),
        "authorize_url(scope=)": lambda: session.authorize_url("st", scope=value),
        "start_login(next_url)": lambda: session.start_login(value).url,
        "start_login(scope=)": lambda: session.start_login(None, scope=value).url,
    }
    got = outcome(calls[call])
    if expected == "sent":
        query = parse_qs(urlsplit(got[1]).query, keep_blank_values=True)
        name_in_query = {"authorize_url(state)": "state", "start_login(next_url)": ""}
        carried = query.get(name_in_query.get(call, "scope"), [None])
        assert ("ok", [value]) == (got[0], carried)
    else:
        assert expected == got
