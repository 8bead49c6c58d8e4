"""Hostile input through the session: every failure a ChattzOAuthError, no secret in it (33).

The constructor with wrong-typed keyword arguments, from_env with odd
environments, the flow's calls with garbage, use after aclose, and
provider-controlled answers (headers, encodings, statuses, bodies) over
httpx.MockTransport. Written once for AsyncChattzOAuth; scripts/gen_sync.py
generates the same tests for ChattzOAuth in tests/_sync/.
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
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chattz_oauth_async import (
    AsyncChattzOAuth,
    AsyncTokenHolder,
    ChattzOAuthError,
    ConfigurationError,
    RetryPolicy,
    Token,
    TransportTimeout,
)
from tests.helpers import WRONG_IDS, WRONG_VALUES
from tests.rawserver import RawServer, raw_server

from .support import ACCESS, CODE, LOOPBACK_REDIRECT, REFRESH, SECRET, TOKEN, USER

pytestmark = pytest.mark.anyio

REDIRECT = "https://app.example/cb"
QUICK = RetryPolicy(attempts=2, base_delay=0.001, max_delay=0.002)
KWARGS = [
    "base_url",
    "http_client",
    "transport",
    "http",
    "timeout",
    "total_timeout",
    "leeway",
    "clock",
    "pkce",
    "max_response_bytes",
    "retry",
]


def raised(call: Callable[[], Any]) -> BaseException | None:
    """The exception ``call`` raised, or None."""
    try:
        call()
    except BaseException as exc:
        return exc
    return None


async def outcome(call: Callable[[], Any]) -> BaseException | None:
    """The exception awaiting ``call()`` raised, or None."""
    try:
        await call()
    except BaseException as exc:
        return exc
    return None


def shows_secret(exc: BaseException | None, secret: str) -> bool:
    """Whether ``secret`` is in the str, repr or args of ``exc`` or its cause/context chain."""
    while exc is not None:
        if secret in str(exc) or secret in repr(exc) or any(secret in repr(a) for a in exc.args):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def answering(
    status: int = 200,
    body: bytes = b"",
    headers: list[tuple[bytes, bytes]] | None = None,
) -> AsyncChattzOAuth:
    """A session whose provider always answers this (streamed, as a real transport)."""

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, headers=headers or [], stream=httpx.ByteStream(body))

    return AsyncChattzOAuth(
        "client",
        SECRET,
        REDIRECT,
        transport=httpx.MockTransport(handler),
        retry=QUICK,
        total_timeout=5.0,
    )


# --- the constructor and from_env ---------------------------------------------------------


@pytest.mark.parametrize("name", KWARGS)
@pytest.mark.parametrize("value", WRONG_VALUES, ids=WRONG_IDS)
async def test_constructor_keyword_of_the_wrong_kind_is_a_configuration_error(
    name: str, value: Any
) -> None:
    """Every keyword argument with a wrong value: built, or a ConfigurationError at once."""
    exc = raised(lambda: AsyncChattzOAuth("client", SECRET, REDIRECT, **{name: value}))
    assert True is (exc is None or isinstance(exc, ConfigurationError))


@pytest.mark.parametrize(
    "value",
    [math.nan, -1, math.inf, 0, httpx.Timeout(-1.0), httpx.Timeout(math.nan), "5", [5]],
    ids=["nan", "negative", "inf", "zero", "Timeout-negative", "Timeout-nan", "str", "list"],
)
async def test_timeout_that_cannot_work_is_refused_at_construction(value: Any) -> None:
    """A NaN, negative, zero or infinite timeout: ConfigurationError when built, not later."""
    exc = raised(lambda: AsyncChattzOAuth("client", SECRET, REDIRECT, timeout=value))
    assert ConfigurationError is type(exc)


@pytest.mark.parametrize(
    "name", ["leeway", "total_timeout", "max_response_bytes", "pkce", "timeout"]
)
async def test_a_bool_is_not_a_number_of_seconds_or_bytes(name: str) -> None:
    """leeway=True, total_timeout=True, max_response_bytes=True...: ConfigurationError, not 1."""
    values: dict[str, Any] = {"pkce": "yes"}
    exc = raised(
        lambda: AsyncChattzOAuth("client", SECRET, REDIRECT, **{name: values.get(name, True)})
    )
    assert ConfigurationError is type(exc)


@pytest.mark.parametrize("transport", ["x", 5, object(), httpx.Timeout(1.0)], ids=repr)
async def test_transport_of_the_wrong_kind_is_refused_at_construction(transport: Any) -> None:
    """transport= without the session's handle method: ConfigurationError when built."""
    exc = raised(lambda: AsyncChattzOAuth("client", SECRET, REDIRECT, transport=transport))
    assert ConfigurationError is type(exc)


@pytest.mark.parametrize("reading", ["x", None, math.nan, math.inf, b"1", [1]], ids=repr)
async def test_a_clock_reading_that_is_not_a_number_is_a_configuration_error(
    reading: Any,
) -> None:
    """A clock that returns garbage: ConfigurationError from every call that reads it."""
    token = Token(ACCESS, expires_in=60, expires_at=100.0, refresh_token=REFRESH)
    session = AsyncChattzOAuth(
        "client",
        SECRET,
        REDIRECT,
        clock=lambda: reading,
        transport=httpx.MockTransport(lambda r: httpx.Response(200, json=TOKEN)),
    )
    kinds = [
        type(raised(session.start_login)),
        type(await outcome(lambda: session.userinfo(token))),
        type(await outcome(lambda: session.exchange_code(CODE))),
        type(await outcome(lambda: AsyncTokenHolder(session, token).get())),
    ]
    assert [ConfigurationError] * 4 == kinds


@pytest.mark.parametrize("environ", ["x", 5, ["CHATTZ_CLIENT_ID"], object()], ids=repr)
async def test_from_env_with_an_environ_that_is_not_a_mapping(environ: Any) -> None:
    """from_env(environ=<not a mapping>) is a ConfigurationError (was AttributeError)."""
    assert ConfigurationError is type(raised(lambda: AsyncChattzOAuth.from_env(environ=environ)))


@pytest.mark.checklist(33)
@pytest.mark.parametrize(
    "variable",
    ["CHATTZ_CLIENT_ID", "CHATTZ_CLIENT_SECRET", "CHATTZ_REDIRECT_URI", "CHATTZ_BASE_URL"],
)
async def test_checklist_33_from_env_lone_surrogates_are_named_not_shown(variable: str) -> None:
    """A variable read from undecodable bytes: ConfigurationError that never shows the secret."""
    environ = {
        "CHATTZ_CLIENT_ID": "client",
        "CHATTZ_CLIENT_SECRET": SECRET,
        "CHATTZ_REDIRECT_URI": REDIRECT,
        "CHATTZ_BASE_URL": "https://chattz.net",
    }
    environ[variable] = environ[variable] + "\udcff"
    exc = raised(lambda: AsyncChattzOAuth.from_env(environ=environ))
    assert (True, False) == (isinstance(exc, ConfigurationError), shows_secret(exc, SECRET))


@pytest.mark.parametrize("name", ["base_ur", "timeout_total", "secret", "environment"])
async def test_from_env_misspelled_keyword_is_a_configuration_error(name: str) -> None:
    """from_env(**{misspelled: ...}) is a ConfigurationError naming it."""
    environ = {
        "CHATTZ_CLIENT_ID": "c",
        "CHATTZ_CLIENT_SECRET": "s",
        "CHATTZ_REDIRECT_URI": REDIRECT,
    }
    exc = raised(lambda: AsyncChattzOAuth.from_env(environ=environ, **{name: 1}))  # type: ignore[arg-type]
    assert (ConfigurationError, True) == (type(exc), name in str(exc))


@pytest.mark.parametrize("session", ["x", None, 5, object()], ids=repr)
async def test_token_holder_needs_a_session(session: Any) -> None:
    """AsyncTokenHolder(<not a session>, token) is a ConfigurationError at once."""
    assert ConfigurationError is type(raised(lambda: AsyncTokenHolder(session, Token(ACCESS))))


# --- the flow's calls with garbage -----------------------------------------------------------


@pytest.mark.parametrize("value", WRONG_VALUES, ids=WRONG_IDS)
async def test_flow_calls_with_garbage_raise_typed_errors(value: Any) -> None:
    """authorize_url, start_login, exchange_code, refresh, userinfo, complete_login with garbage."""
    session = answering(200, json.dumps(USER).encode())
    login = session.start_login()
    kinds = [
        raised(lambda: session.authorize_url(value)),
        raised(lambda: session.authorize_url("st", scope=value)),
        raised(lambda: session.start_login(value)),
        raised(lambda: session.start_login(None, scope=value)),
        await outcome(lambda: session.exchange_code(value)),
        await outcome(lambda: session.exchange_code(CODE, code_verifier=value)),
        await outcome(lambda: session.refresh(value)),
        await outcome(lambda: session.userinfo(value)),
        await outcome(lambda: session.complete_login(value, login)),
        await outcome(lambda: session.complete_login(f"state={login.state}&code=c", value)),
        await outcome(
            lambda: session.complete_login(f"state={login.state}&code=c", login, max_age=value)
        ),
    ]
    assert [] == [e for e in kinds if e is not None and not isinstance(e, ChattzOAuthError)]


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
async def test_start_login_extras_colliding_with_the_library_are_refused(reserved: str) -> None:
    """start_login(**{reserved: ...}) is a ConfigurationError."""
    session = answering()
    assert ConfigurationError is type(raised(lambda: session.start_login(None, **{reserved: "x"})))


async def test_use_after_aclose_works() -> None:
    """A session built over transport= and closed (twice) stays usable: the next call works."""
    session = answering(200, json.dumps(USER).encode())
    await session.userinfo(ACCESS)
    await session.aclose()
    await session.aclose()
    assert USER["id"] == (await session.userinfo(ACCESS)).id


async def test_use_after_its_http_client_is_closed_is_a_configuration_error() -> None:
    """Someone closed the session's own http_client: the next call says so, not httpx's
    RuntimeError."""
    session = answering(200, json.dumps(USER).encode())
    await session.http_client.aclose()
    exc = await outcome(lambda: session.userinfo(ACCESS))
    assert (ConfigurationError, True) == (type(exc), "build a new session" in str(exc))


async def test_a_closed_client_passed_in_is_a_configuration_error() -> None:
    """A caller's client that is already closed: ConfigurationError (was httpx's RuntimeError)."""
    client = httpx.AsyncClient(transport=httpx.MockTransport(lambda r: httpx.Response(200)))
    await client.aclose()
    session = AsyncChattzOAuth("client", SECRET, REDIRECT, http_client=client)
    exc = await outcome(lambda: session.userinfo(ACCESS))
    assert (ConfigurationError, True) == (type(exc), "closed" in str(exc))


# --- provider-controlled answers -----------------------------------------------------------

USER_BODY = json.dumps(USER).encode()
TOKEN_BODY = json.dumps(TOKEN).encode()
ENCODINGS = [
    b"gzip, gzip",
    b"identity, br",
    b"br",
    b"zstd",
    b"x-unknown",
    b"gzip,",
    b",",
    b"GZIP",
    b" deflate ",
    b"\xff\xfe",
    b"deflate, gzip",
]
ANSWERS: list[tuple[int, bytes, list[tuple[bytes, bytes]]]] = []
for _encoding in ENCODINGS:
    for _body in (USER_BODY, gzip.compress(USER_BODY), zlib.compress(USER_BODY), b""):
        ANSWERS.append((200, _body, [(b"content-encoding", _encoding)]))
for _length in [b"-1", b"abc", b"9" * 30, b"1", b"0", b"1, 2", b"\xd9\xa3", b" 5", b"+5"]:
    ANSWERS.append((200, USER_BODY, [(b"content-length", _length)]))
for _retry_after in [
    b"Fri, 31 Dec 9999 23:59:59 +9999",
    b"Fri, 31 Dec 0000 23:59:59 GMT",
    b"Tue, 15 Nov 99999999999 08:12:31 GMT",
    b"-5",
    b"1e999",
    b"9" * 400,
    b"nan",
    b"\xd9\xa3",
    b"\xff",
]:
    ANSWERS.append((503, b"", [(b"retry-after", _retry_after)]))
for _challenge in [
    b'Bearer error="invalid_token"',
    b"Bearer",
    b"Bearer " + b"a=" * 5000,
    b"Bearer error=\xff",
    b'Basic realm="x"',
    b'Bearer error="' + b"x" * 70_000,
    b'bearer error_description="\x1b[31m"',
]:
    ANSWERS.append((401, b"", [(b"www-authenticate", _challenge)]))
    ANSWERS.append((403, b"", [(b"www-authenticate", _challenge)]))
for _status in [100, 101, 199, 204, 301, 302, 304, 307, 418, 500, 599, 999]:
    ANSWERS.append((_status, USER_BODY, [(b"location", b"https://evil.example/")]))
for _odd in [
    b"[]",
    b"null",
    b"1e99999",
    b"[" * 100_000,
    b"\xff\xfe",
    b'{"id": 1, "id": "x", "username": "u"}',
    b'{"id": 1, "username": "\\udcff"}',
    b"NaN",
    b"<html>hi</html>",
]:
    ANSWERS.append((200, _odd, []))


@pytest.mark.parametrize(("status", "body", "headers"), ANSWERS, ids=lambda v: repr(v)[:24])
async def test_any_provider_answer_is_a_result_or_a_typed_error(
    status: int, body: bytes, headers: list[tuple[bytes, bytes]]
) -> None:
    """userinfo, the code exchange and refresh against any odd answer: typed errors, no secret."""
    session = answering(status, body, headers)
    failures = [
        await outcome(lambda: session.userinfo(ACCESS)),
        await outcome(lambda: session.exchange_code(CODE)),
        await outcome(lambda: session.refresh(Token(ACCESS, refresh_token=REFRESH))),
    ]
    escaped = [f for f in failures if f is not None and not isinstance(f, ChattzOAuthError)]
    leaked = [f for f in failures for s in (SECRET, CODE, ACCESS, REFRESH) if shows_secret(f, s)]
    assert ([], []) == (escaped, leaked)


@pytest.mark.checklist(33)
@pytest.mark.parametrize(
    "token",
    [
        {**TOKEN, "access_token": ACCESS + "\udcff"},
        {**TOKEN, "refresh_token": REFRESH + "\udcff"},
        {**TOKEN, "access_token": ACCESS + "\u00e9"},
        {**TOKEN, "error": None},
        {**TOKEN, "error": ""},
        {**TOKEN, "error": 0},
        {**TOKEN, "error": ["invalid_grant"]},
    ],
    ids=repr,
)
async def test_checklist_33_tokens_the_library_would_send_back_are_checked_on_receipt(
    token: dict[str, Any],
) -> None:
    """A token with a lone surrogate or an 'error' member: typed error on receipt, nothing shown."""
    body = json.dumps(token).encode()
    session = answering(200, body)
    exc = await outcome(lambda: session.exchange_code(CODE))
    leaked = [s for s in (ACCESS, REFRESH, SECRET, CODE) if shows_secret(exc, s)]
    assert (True, []) == (isinstance(exc, ChattzOAuthError), leaked)


# --- the total deadline against a silent server ---------------------------------------------


@pytest.mark.checklist(37)
@pytest.mark.parametrize("own_client", [False, True], ids=["session-client", "caller-client"])
async def test_checklist_37_a_silent_server_is_cut_off_by_total_timeout(own_client: bool) -> None:
    """A server that accepts and says nothing: TransportTimeout from total_timeout, even when
    the client's read timeout is longer or unset (the sync twin bounds each read by it)."""
    # The server hangs up only when it stops (lifetime): a call that outlived total_timeout
    # would see the hang-up, a TransportError that is not a TransportTimeout.
    with raw_server(RawServer.stall(), lifetime=3.0) as server:
        if own_client:
            client = httpx.AsyncClient(timeout=None)  # noqa: S113 - the point: no read limit
            options: dict[str, Any] = {"http_client": client}
        else:
            client = None
            options = {"timeout": httpx.Timeout(30.0)}
        session = AsyncChattzOAuth(
            "client",
            SECRET,
            LOOPBACK_REDIRECT,
            base_url=server.base_url,
            total_timeout=0.3,
            retry=RetryPolicy(attempts=1),
            **options,
        )
        exc = await outcome(lambda: session.userinfo(ACCESS))
        await session.aclose()
        if client is not None:
            await client.aclose()
    assert TransportTimeout is type(exc)


HEADER_NAMES = [b"content-encoding", b"content-length", b"retry-after", b"www-authenticate"]


@given(
    status=st.integers(100, 999),
    body=st.binary(max_size=200) | st.sampled_from([USER_BODY, TOKEN_BODY]),
    headers=st.lists(
        st.tuples(st.sampled_from(HEADER_NAMES), st.binary(min_size=1, max_size=40)),
        max_size=3,
    ),
)
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
async def test_property_any_answer_gives_a_result_or_a_typed_error(
    status: int, body: bytes, headers: list[tuple[bytes, bytes]]
) -> None:
    """Any status, body and hostile headers: userinfo and the exchange stay typed."""
    headers = [(k, v.replace(b"\r", b"").replace(b"\n", b"")) for k, v in headers]
    headers = [(k, v) for k, v in headers if v.strip()]
    session = answering(status, body, headers)
    failures = [
        await outcome(lambda: session.userinfo(ACCESS)),
        await outcome(lambda: session.exchange_code(CODE)),
    ]
    assert [] == [f for f in failures if f is not None and not isinstance(f, ChattzOAuthError)]


def _echo(server: RawServer, conn: Any, request: Any) -> None:
    """Answer with the request's body and Authorization header as a (malformed) status line."""
    echoed = request.body + b" " + request.headers.get("authorization", "").encode()
    conn.sendall(echoed.replace(b"\r", b" ").replace(b"\n", b" ") + b"\r\n\r\n")


@pytest.mark.checklist(33)
async def test_checklist_33_a_server_echoing_the_request_does_not_put_secrets_in_errors() -> None:
    """A malformed answer that echoes the request: TransportError, no secret in it or its chain."""
    with raw_server(_echo) as server:
        session = AsyncChattzOAuth(
            "client",
            SECRET,
            LOOPBACK_REDIRECT,
            base_url=server.base_url,
            retry=RetryPolicy(attempts=1),
            total_timeout=5.0,
        )
        failures = [
            await outcome(lambda: session.exchange_code(CODE)),
            await outcome(lambda: session.userinfo(ACCESS)),
            await outcome(lambda: session.refresh(Token(ACCESS, refresh_token=REFRESH))),
        ]
        await session.aclose()
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
async def test_checklist_33_a_provider_echoing_secrets_in_its_error_text_is_redacted() -> None:
    """OAuth errors whose description repeats the secret, code or token: redacted in the error."""
    session = AsyncChattzOAuth(
        "client",
        SECRET,
        REDIRECT,
        transport=httpx.MockTransport(_echoing_error),
        retry=RetryPolicy(attempts=1),
    )
    failures = [
        await outcome(lambda: session.exchange_code(CODE)),
        await outcome(lambda: session.userinfo(ACCESS)),
        await outcome(lambda: session.refresh(Token(ACCESS, refresh_token=REFRESH))),
    ]
    leaked = [
        (f, s) for f in failures for s in (SECRET, CODE, ACCESS, REFRESH) if shows_secret(f, s)
    ]
    kinds = [type(f).__name__ for f in failures]
    assert ([], ["OAuthError", "InvalidTokenError", "OAuthError"]) == (leaked, kinds)
