# GENERATED from tests/_async/test_hostile.py by scripts/gen_sync.py -- do not edit.
# Edit the async original, then run: python scripts/gen_sync.py
"""Hostile input through the session: per input, the exact result or error; no secret in it (33).

A clock that returns garbage, the flow's calls with values of every wrong kind (a table per
call), use after aclose, provider-controlled answers (headers, encodings, statuses, bodies)
over httpx.MockTransport (a row per answer), and silent or echoing servers on loopback.
The constructor, from_env and start_login (no I/O) are tests/test_hostile_session.py's.
Written once for ChattzOAuth; scripts/gen_sync.py generates the same tests for
ChattzOAuth in tests/_sync/.
"""

from __future__ import annotations

import gzip
import json
import math
import zlib
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from chattz_oauth_async import (
    ChattzOAuth,
    TokenHolder,
    ChattzUser,
    ConfigurationError,
    InsufficientScopeError,
    InvalidTokenError,
    LoginStateError,
    ProviderError,
    ResponseTooLargeError,
    RetryPolicy,
    StateMismatchError,
    Token,
    TransportTimeout,
)
from tests.helpers import WRONG, raised, shows_secret
from tests.rawserver import RawServer, raw_server

from .support import ACCESS, CODE, LOOPBACK_REDIRECT, REFRESH, SECRET, TOKEN, USER, result


REDIRECT = "https://app.example/cb"
QUICK = RetryPolicy(attempts=2, base_delay=0.001, max_delay=0.002)


def outcome(call: Callable[[], Any]) -> BaseException | None:
    """The exception awaiting ``call()`` raised, or None."""
    try:
        call()
    except BaseException as exc:
        return exc
    return None


def answering(
    status: int = 200,
    body: bytes = b"",
    headers: list[tuple[bytes, bytes]] | None = None,
) -> ChattzOAuth:
    """A session whose provider always answers this (streamed, as a real transport)."""

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, headers=headers or [], stream=httpx.ByteStream(body))

    return ChattzOAuth(
        "client",
        SECRET,
        REDIRECT,
        transport=httpx.MockTransport(handler),
        retry=QUICK,
        total_timeout=5.0,
    )


# --- the constructor and from_env ---------------------------------------------------------


@pytest.mark.parametrize("reading", ["x", None, math.nan, math.inf, b"1", [1]], ids=repr)
def test_a_clock_reading_that_is_not_a_number_is_a_configuration_error(
    reading: Any,
) -> None:
    """A clock that returns garbage: ConfigurationError from every call that reads it."""
    token = Token(ACCESS, expires_in=60, expires_at=100.0, refresh_token=REFRESH)
    session = ChattzOAuth(
        "client",
        SECRET,
        REDIRECT,
        clock=lambda: reading,
        transport=httpx.MockTransport(lambda r: httpx.Response(200, json=TOKEN)),
    )
    failures = [
        raised(session.start_login),
        outcome(lambda: session.userinfo(token)),
        outcome(lambda: session.exchange_code(CODE)),
        outcome(lambda: TokenHolder(session, token).get()),
    ]
    expected = (
        ConfigurationError,
        "the session's clock returned something other than a finite number",
    )
    assert [expected] * 4 == [(type(exc), str(exc)) for exc in failures]


# --- use after close ----------------------------------------------------------------------


def test_use_after_aclose_works() -> None:
    """A session built over transport= and closed (twice) stays usable: the next call works."""
    session = answering(200, json.dumps(USER).encode())
    session.userinfo(ACCESS)
    session.close()
    session.close()
    assert USER["id"] == (session.userinfo(ACCESS)).id


def test_use_after_its_http_client_is_closed_is_a_configuration_error() -> None:
    """Someone closed the session's own http_client: the next call says so, not httpx's
    RuntimeError."""
    session = answering(200, json.dumps(USER).encode())
    session.http_client.close()
    exc = outcome(lambda: session.userinfo(ACCESS))
    assert (ConfigurationError, True) == (type(exc), "build a new session" in str(exc))


def test_a_closed_client_passed_in_is_a_configuration_error() -> None:
    """A caller's client that is already closed: ConfigurationError (was httpx's RuntimeError)."""
    client = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(200)))
    client.close()
    session = ChattzOAuth("client", SECRET, REDIRECT, http_client=client)
    exc = outcome(lambda: session.userinfo(ACCESS))
    assert (ConfigurationError, True) == (type(exc), "closed" in str(exc))


# --- provider-controlled answers -----------------------------------------------------------

USER_BODY = json.dumps(USER).encode()
TOKEN_BODY = json.dumps(TOKEN).encode()
#: The user the USER body gives.
THE_USER = ("ok", ChattzUser(id=123, username="johndoe", email="j@example.com", raw=USER))


def provider_error(message: str, status: int = 200) -> tuple[Any, Any]:
    """A ProviderError with this message and status, as outcome() shows it."""
    return ProviderError, f"{message} (HTTP {status})"


def same(expected: tuple[Any, Any]) -> tuple[Any, Any, Any]:
    """The same outcome from userinfo, the code exchange and a refresh."""
    return expected, expected, expected


def not_a_token(status: int = 200) -> tuple[Any, Any]:
    """What the code exchange and a refresh give for an answer that is a user, not a token."""
    return provider_error("token response has no access_token", status)


def unexpected(status: int) -> tuple[Any, Any, Any]:
    """An answer with a status none of the three calls expects."""
    token = provider_error(
        "token endpoint answered with an unexpected status and no OAuth error", status
    )
    return (
        provider_error("userinfo endpoint answered with an unexpected status", status),
        token,
        token,
    )


def challenged(status: int, error: str) -> tuple[Any, Any, Any]:
    """A 401 or 403: userinfo's typed refusal (its str is ``error``); a token call's bad status."""
    cls = InvalidTokenError if status == 401 else InsufficientScopeError
    token = provider_error(
        "token endpoint answered with an unexpected status and no OAuth error", status
    )
    return (cls, f"{error} (HTTP {status})"), token, token


NOT_JSON = (
    provider_error("userinfo response is not a JSON object"),
    provider_error("token response is not a JSON object"),
    provider_error("token response is not a JSON object"),
)
A_USER = (THE_USER, not_a_token(), not_a_token())
CORRUPT = same(provider_error("response body is not validly compressed"))
BODIES = [
    ("json", USER_BODY),
    ("gzip", gzip.compress(USER_BODY)),
    ("zlib", zlib.compress(USER_BODY)),
    ("empty", b""),
]


def answer(
    status: int,
    body: bytes,
    headers: list[tuple[bytes, bytes]],
    expected: tuple[Any, Any, Any],
    name: str,
) -> Any:
    """One provider answer and what userinfo, the exchange and a refresh give for it."""
    return pytest.param(status, body, headers, expected, id=name)


ANSWERS = [
    *(
        answer(
            200,
            body,
            [(b"content-encoding", encoding)],
            same(
                provider_error(
                    f"unsupported response encoding {encoding.decode('latin-1').strip().lower()!r}"
                )
            ),
            f"content-encoding={encoding.decode('latin-1')}-{kind}",
        )
        for encoding in [
            b"gzip, gzip",
            b"identity, br",
            b"br",
            b"zstd",
            b"x-unknown",
            b"gzip,",
            b",",
            b"\xff\xfe",
            b"deflate, gzip",
        ]
        for kind, body in BODIES
    ),
    # The encoding is read without case or surrounding space; an empty body is empty.
    *(
        answer(
            200,
            body,
            [(b"content-encoding", encoding)],
            {"json": CORRUPT, decoded: A_USER, "empty": NOT_JSON}.get(kind, CORRUPT),
            f"content-encoding={encoding.decode()}-{kind}",
        )
        for encoding, decoded in [(b"GZIP", "gzip"), (b" deflate ", "zlib")]
        for kind, body in BODIES
    ),
    # A Content-Length that is no number, or shorter than the body, is not believed.
    *(
        answer(200, USER_BODY, [(b"content-length", length)], A_USER, f"content-length={length!r}")
        for length in [b"-1", b"abc", b"1", b"0", b"1, 2", b"\xd9\xa3", b" 5", b"+5"]
    ),
    answer(
        200,
        USER_BODY,
        [(b"content-length", b"9" * 30)],
        same(
            (
                ResponseTooLargeError,
                "response body is larger than the 1048576 byte cap (HTTP 200)",
            )
        ),
        "content-length-past-the-cap",
    ),
    # A 503 is retried (QUICK: twice, whatever Retry-After says), then refused.
    *(
        answer(503, b"", [(b"retry-after", value)], unexpected(503), f"retry-after={value[:20]!r}")
        for value in [
            b"Fri, 31 Dec 9999 23:59:59 +9999",
            b"Fri, 31 Dec 0000 23:59:59 GMT",
            b"Tue, 15 Nov 99999999999 08:12:31 GMT",
            b"-5",
            b"1e999",
            b"9" * 400,
            b"nan",
            b"\xd9\xa3",
            b"\xff",
        ]
    ),
    *(
        answer(
            status,
            b"",
            [(b"www-authenticate", challenge)],
            challenged(status, error.replace("<default>", default)),
            f"{status}-{name}",
        )
        for status, default in [(401, "invalid_token"), (403, "insufficient_scope")]
        for name, challenge, error in [
            # The status decides the class; the challenge's error is reported as sent.
            ("error=invalid_token", b'Bearer error="invalid_token"', "invalid_token"),
            ("bare-Bearer", b"Bearer", "<default>"),
            ("5000-params", b"Bearer " + b"a=" * 5000, "<default>"),
            ("error=latin-1", b"Bearer error=\xff", "\xff"),
            ("Basic", b'Basic realm="x"', "<default>"),
            # The quote is never closed: the token form reads it, capped at 80 characters.
            ("unterminated-quote", b'Bearer error="' + b"x" * 70_000, '"' + "x" * 78 + "\u2026"),
            ("escape-in-description", b'bearer error_description="\x1b[31m"', "<default>: ?[31m"),
        ]
    ),
    *(
        answer(
            status,
            USER_BODY,
            [(b"location", b"https://evil.example/")],
            unexpected(status),
            f"{status}-with-location",
        )
        for status in [100, 101, 199, 301, 302, 304, 307, 418, 500, 599, 999]
    ),
    answer(
        204,
        USER_BODY,
        [],
        (THE_USER, not_a_token(204), not_a_token(204)),
        "204-with-a-body-is-read",
    ),
    *(
        answer(200, body, [], NOT_JSON, f"200-{name}")
        for name, body in [
            ("[]", b"[]"),
            ("null", b"null"),
            ("1e99999", b"1e99999"),
            ("100k-brackets", b"[" * 100_000),
            ("not-utf8", b"\xff\xfe"),
            ("NaN", b"NaN"),
            ("html", b"<html>hi</html>"),
        ]
    ),
    answer(
        200,
        b'{"id": 1, "id": "x", "username": "u"}',
        [],
        (provider_error("userinfo response has no integer 'id'"), not_a_token(), not_a_token()),
        "200-duplicate-id-last-wins",
    ),
    answer(
        200,
        b'{"id": 1, "username": "\\udcff"}',
        [],
        (
            ("ok", ChattzUser(id=1, username="\udcff", raw={"id": 1, "username": "\udcff"})),
            not_a_token(),
            not_a_token(),
        ),
        "200-username-lone-surrogate",
    ),
]


@pytest.mark.parametrize(("status", "body", "headers", "expected"), ANSWERS)
def test_each_provider_answer_gives_its_exact_outcome(
    status: int,
    body: bytes,
    headers: list[tuple[bytes, bytes]],
    expected: tuple[Any, Any, Any],
) -> None:
    """userinfo, the code exchange and a refresh against each odd answer: the row's exact
    result or error (encoding, length, retry, status, challenge), and no secret in any."""
    session = answering(status, body, headers)
    calls = [
        lambda: session.userinfo(ACCESS),
        lambda: session.exchange_code(CODE),
        lambda: session.refresh(Token(ACCESS, refresh_token=REFRESH)),
    ]
    failures = [outcome(call) for call in calls]
    leaked = [f for f in failures for s in (SECRET, CODE, ACCESS, REFRESH) if shows_secret(f, s)]
    assert (expected, []) == (tuple([result(call) for call in calls]), leaked)


@pytest.mark.checklist(33)
@pytest.mark.parametrize(
    ("token", "expected"),
    [
        pytest.param(
            {**TOKEN, "access_token": ACCESS + "\udcff"},
            "token response's access_token has characters not allowed in a header",
            id="access_token-lone-surrogate",
        ),
        pytest.param(
            {**TOKEN, "refresh_token": REFRESH + "\udcff"},
            "token response's refresh_token has characters RFC 6749 does not allow",
            id="refresh_token-lone-surrogate",
        ),
        pytest.param(
            {**TOKEN, "access_token": ACCESS + "\u00e9"},
            "token response's access_token has characters not allowed in a header",
            id="access_token-non-ascii",
        ),
        *(
            pytest.param(
                {**TOKEN, "error": error},
                "token response carries a malformed 'error' member",
                id=f"error={error!r}",
            )
            for error in [None, "", 0, ["invalid_grant"]]
        ),
    ],
)
def test_checklist_33_tokens_the_library_would_send_back_are_checked_on_receipt(
    token: dict[str, Any], expected: str
) -> None:
    """A token with a lone surrogate or an 'error' member: this ProviderError, nothing shown."""
    session = answering(200, json.dumps(token).encode())
    exc = outcome(lambda: session.exchange_code(CODE))
    leaked = [s for s in (ACCESS, REFRESH, SECRET, CODE) if shows_secret(exc, s)]
    assert (provider_error(expected), []) == ((type(exc), str(exc)), leaked)


# --- the flow's calls with values of every wrong kind ----------------------------------------


def names_but(*names: str) -> list[str]:
    """WRONG's names but these."""
    return [name for name in WRONG if name not in names]


TEXT = ["' '", "NUL", "é"]
NOT_A_USER_TOKEN = provider_error("token response has no access_token")
#: Each call of the flow and, per value of WRONG by name, its exact outcome.
FLOW: dict[str, list[tuple[tuple[Any, Any], list[str]]]] = {
    "exchange_code(code)": [
        (
            (ConfigurationError, "code must be a non-empty string"),
            names_but(*TEXT, "lone-surrogate"),
        ),
        # Sent (the provider here answers a user, not a token): any text can be a code.
        (NOT_A_USER_TOKEN, TEXT),
        (
            (
                ConfigurationError,
                "the code cannot be encoded as UTF-8 (it holds a lone surrogate: was it read "
                "from undecodable bytes?)",
            ),
            ["lone-surrogate"],
        ),
    ],
    "exchange_code(code_verifier=)": [
        (NOT_A_USER_TOKEN, ["None"]),
        (
            (
                ConfigurationError,
                "a PKCE code verifier must be 43-128 characters of [A-Za-z0-9-._~]",
            ),
            names_but("None"),
        ),
    ],
    "refresh(token)": [
        ((ConfigurationError, f"refresh() needs a Token, not {kind}"), names)
        for kind, names in [
            ("NoneType", ["None"]),
            ("int", ["0", "-1"]),
            ("float", ["1.5", "nan", "inf"]),
            ("bool", ["True"]),
            ("bytes", ["b'bytes'"]),
            ("bytearray", ["bytearray"]),
            ("list", ["['list']"]),
            ("dict", ["{'a': 1}"]),
            ("str", ["''", "' '", "lone-surrogate", "NUL", "é"]),
            ("object", ["object()"]),
        ]
    ],
    "userinfo(token)": [
        (
            (ConfigurationError, "the access token must be a non-empty printable string"),
            list(WRONG),
        )
    ],
    "complete_login(callback)": [
        (
            (ProviderError, "the callback must be a query string or its parameters"),
            ["None", "0", "-1", "1.5", "nan", "inf", "True", "b'bytes'", "bytearray", "object()"],
        ),
        (
            (ProviderError, "callback parameters must be (name, value) pairs of strings"),
            ["['list']", "{'a': 1}"],
        ),
        (
            (
                StateMismatchError,
                "the callback has no state, so it cannot belong to the login this browser "
                "started (was the callback URL opened by hand, or the provider's redirect cut "
                "short?)",
            ),
            ["''", "' '", "lone-surrogate", "NUL", "é"],
        ),
    ],
    "complete_login(login)": [
        ((StateMismatchError, "this browser has no login in progress"), list(WRONG))
    ],
    "complete_login(max_age=)": [
        ((LoginStateError, "the login took too long; please start again"), ["0"]),
        # Within 1.5 s the login is fresh: the code is exchanged.
        (NOT_A_USER_TOKEN, ["1.5"]),
        (
            (ConfigurationError, "max_age must be a finite number of seconds >= 0"),
            names_but("0", "1.5"),
        ),
    ],
}


def flow_cases() -> list[Any]:
    """One pytest.param per call of FLOW and value of WRONG, each value named once per call."""
    cases = []
    for call, rows in FLOW.items():
        named = sorted(name for _, names in rows for name in names)
        assert sorted(WRONG) == named, call
        cases += [
            pytest.param(call, name, expected, id=f"{call}-{name}")
            for expected, names in rows
            for name in names
        ]
    return cases


@pytest.mark.parametrize(("call", "name", "expected"), flow_cases())
def test_flow_calls_with_values_of_every_wrong_kind(
    call: str, name: str, expected: tuple[Any, Any]
) -> None:
    """exchange_code, refresh, userinfo and complete_login given a value of every wrong kind:
    the table's exact result or error."""
    session = answering(200, json.dumps(USER).encode())
    login = session.start_login()
    value = WRONG[name]
    callback = f"state={login.state}&code=c"
    calls: dict[str, Callable[[], Any]] = {
        "exchange_code(code)": lambda: session.exchange_code(value),
        "exchange_code(code_verifier=)": lambda: session.exchange_code(CODE, code_verifier=value),
        "refresh(token)": lambda: session.refresh(value),
        "userinfo(token)": lambda: session.userinfo(value),
        "complete_login(callback)": lambda: session.complete_login(value, login),
        "complete_login(login)": lambda: session.complete_login(callback, value),
        "complete_login(max_age=)": lambda: session.complete_login(callback, login, max_age=value),
    }
    assert expected == result(calls[call])


# --- the total deadline against a silent server ---------------------------------------------


@pytest.mark.checklist(37)
@pytest.mark.parametrize("own_client", [False, True], ids=["session-client", "caller-client"])
def test_checklist_37_a_silent_server_is_cut_off_by_total_timeout(own_client: bool) -> None:
    """A server that accepts and says nothing: TransportTimeout from total_timeout, even when
    the client's read timeout is longer or unset (the sync twin bounds each read by it)."""
    # The server hangs up only when it stops (lifetime): a call that outlived total_timeout
    # would see the hang-up, a TransportError that is not a TransportTimeout.
    with raw_server(RawServer.stall(), lifetime=3.0) as server:
        if own_client:
            client = httpx.Client(timeout=None)  # noqa: S113 - the point: no read limit
            options: dict[str, Any] = {"http_client": client}
        else:
            client = None
            options = {"timeout": httpx.Timeout(30.0)}
        session = ChattzOAuth(
            "client",
            SECRET,
            LOOPBACK_REDIRECT,
            base_url=server.base_url,
            total_timeout=0.3,
            retry=RetryPolicy(attempts=1),
            **options,
        )
        exc = outcome(lambda: session.userinfo(ACCESS))
        session.close()
        if client is not None:
            client.close()
    assert TransportTimeout is type(exc)


def _echo(server: RawServer, conn: Any, request: Any) -> None:
    """Answer with the request's body and Authorization header as a (malformed) status line."""
    echoed = request.body + b" " + request.headers.get("authorization", "").encode()
    conn.sendall(echoed.replace(b"\r", b" ").replace(b"\n", b" ") + b"\r\n\r\n")


@pytest.mark.checklist(33)
def test_checklist_33_a_server_echoing_the_request_does_not_put_secrets_in_errors() -> None:
    """A malformed answer that echoes the request: TransportError, no secret in it or its chain."""
    with raw_server(_echo) as server:
        session = ChattzOAuth(
            "client",
            SECRET,
            LOOPBACK_REDIRECT,
            base_url=server.base_url,
            retry=RetryPolicy(attempts=1),
            total_timeout=5.0,
        )
        failures = [
            outcome(lambda: session.exchange_code(CODE)),
            outcome(lambda: session.userinfo(ACCESS)),
            outcome(lambda: session.refresh(Token(ACCESS, refresh_token=REFRESH))),
        ]
        session.close()
    leaked = [
        (f, s) for f in failures for s in (SECRET, CODE, ACCESS, REFRESH) if shows_secret(f, s)
    ]
    assert ([], ["TransportError"] * 3) == (leaked, [type(f).__name__ for f in failures])


def _echoing_error(request: httpx.Request) -> httpx.Response:
    """An OAuth error whose description and WWW-Authenticate echo what was sent."""
    sent = request.content.decode() + " " + request.headers.get("authorization", "")
    return httpx.Response(
        401,
        headers={"www-authenticate": f'Bearer error="invalid_token", error_description="{sent}"'},
        json={"error": "invalid_grant", "error_description": f"you sent {sent}"},
    )


@pytest.mark.checklist(33)
def test_checklist_33_a_provider_echoing_secrets_in_its_error_text_is_redacted() -> None:
    """OAuth errors whose description repeats the secret, code or token: redacted in the error."""
    session = ChattzOAuth(
        "client",
        SECRET,
        REDIRECT,
        transport=httpx.MockTransport(_echoing_error),
        retry=RetryPolicy(attempts=1),
    )
    failures = [
        outcome(lambda: session.exchange_code(CODE)),
        outcome(lambda: session.userinfo(ACCESS)),
        outcome(lambda: session.refresh(Token(ACCESS, refresh_token=REFRESH))),
    ]
    leaked = [
        (f, s) for f in failures for s in (SECRET, CODE, ACCESS, REFRESH) if shows_secret(f, s)
    ]
    kinds = [type(f).__name__ for f in failures]
    assert ([], ["OAuthError", "InvalidTokenError", "OAuthError"]) == (leaked, kinds)
