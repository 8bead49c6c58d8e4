"""Hostile requests to the web helpers: forged callbacks, odd bytes and cookies (Starlette, Django).

A forged or malformed callback is the browser's side (anyone can type such a
URL): 400, never 502 (it says nothing about the provider) and never 500. The
Starlette app is driven with raw ASGI scopes, so the query can hold bytes no
HTTP client would send.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, MutableMapping
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import attrs
import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from chattz_oauth_async import (
    AuthorizationDenied,
    ChattzOAuthError,
    ConfigurationError,
    LoginStateError,
    OAuthError,
    ProviderError,
    ResponseTooLargeError,
    StateMismatchError,
    TransportError,
    UnsafeRedirectError,
)
from chattz_oauth_async.integrations.starlette import ChattzLogin, LoginResult, get_chattz
from chattz_oauth_async.testing import FakeChattz
from tests import django_setup

django_setup.configure()

from django.test import Client  # type: ignore[import-untyped]  # noqa: E402

pytestmark = pytest.mark.anyio

KEY = "k" * 32
HOST = b"127.0.0.1:8000"


@attrs.define
class App:
    """A Starlette app on ChattzLogin, its fake provider, and a started login."""

    fake: FakeChattz
    app: Starlette
    state: str
    cookie: bytes
    results: list[LoginResult]

    def token_requests(self) -> int:
        """How many code exchanges reached the provider."""
        return sum(1 for r in self.fake.requests if r.path == "/oauth/token")

    async def get(
        self, path: str, query: bytes = b"", cookie: bytes | None = None
    ) -> tuple[int, list[tuple[bytes, bytes]]]:
        """Send a raw GET (query bytes as given) and return the status and headers."""
        headers = [(b"host", HOST)]
        if cookie is not None:
            headers.append((b"cookie", cookie))
        scope = {
            "type": "http",
            "method": "GET",
            "path": path,
            "raw_path": path.encode(),
            "query_string": query,
            "headers": headers,
            "scheme": "http",
            "server": ("127.0.0.1", 8000),
            "client": ("127.0.0.1", 1234),
            "http_version": "1.1",
            "root_path": "",
            "asgi": {"version": "3.0"},
        }
        sent: list[MutableMapping[str, Any]] = []

        async def receive() -> MutableMapping[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: MutableMapping[str, Any]) -> None:
            sent.append(message)

        await self.app(scope, receive, send)
        return sent[0]["status"], sent[0]["headers"]

    async def callback(self, tail: bytes, cookie: bytes | None = None) -> int:
        """GET /callback with this login's state, then ``tail``; the status."""
        status, _ = await self.get(
            "/callback",
            b"state=" + self.state.encode() + tail,
            self.cookie if cookie is None else cookie,
        )
        return status


@pytest.fixture
async def app() -> AsyncIterator[App]:
    """A Starlette app with a login started in one browser."""
    fake = FakeChattz()
    async with fake.session() as chattz:
        login = ChattzLogin(chattz, secret_key=KEY)
        results: list[LoginResult] = []

        async def on_success(request: Request, result: LoginResult) -> Response:
            results.append(result)
            return RedirectResponse("/", status_code=303)

        starlette = Starlette(routes=login.routes(on_success))
        transport = httpx.ASGITransport(app=starlette)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as b:
            response = await b.get("/login")
        state = parse_qs(urlsplit(response.headers["location"]).query)["state"][0]
        cookie = response.headers["set-cookie"].partition(";")[0].encode()
        yield App(fake, starlette, state, cookie, results)


# A callback with the browser's own state but forged or malformed parameters.
FORGED_TAILS = [
    pytest.param(b"&code=a&code=b", id="repeated-code"),
    pytest.param(b"&code=a&error=x&error=y", id="repeated-error"),
    pytest.param(b"&code=a&iss=https://evil.example", id="wrong-iss"),
    pytest.param(b"&code=a&iss=https://chattz.net&iss=https://chattz.net", id="repeated-iss"),
    pytest.param(b"", id="no-code"),
    pytest.param(b"&code=", id="empty-code"),
    pytest.param(b"&code=%ff", id="code-percent-ff"),
    pytest.param(b"&code=\xff\xfe", id="code-raw-non-utf8"),
    pytest.param(b"&code=%00", id="code-nul"),
    pytest.param(b"&code=a%20b", id="code-space"),
    pytest.param(b"&code=%0d%0aSet-Cookie:x", id="code-crlf"),
    pytest.param(b"&code=" + b"x" * 5000, id="code-too-long"),
    pytest.param(b"&code=a" + b"&p=1" * 60, id="too-many-parameters"),
    pytest.param(b"&code=a&state=", id="state-and-empty-state"),
    pytest.param(b"&code=\xc3\xa9", id="code-non-ascii"),
]


@pytest.mark.checklist(7)
@pytest.mark.parametrize("tail", FORGED_TAILS)
async def test_checklist_7_forged_callback_with_the_right_state_is_a_400(
    app: App, tail: bytes
) -> None:
    """A malformed callback with the browser's state: 400, and no code exchange."""
    assert (400, 0, []) == (await app.callback(tail), app.token_requests(), app.results)


# Raw query bytes with no valid state at all: never a 500.
RAW_QUERIES = [
    b"\xff\xfe",
    b"state=\xff&code=a",
    b"state=%ff%fe&code=a",
    b"state=" + b"a" * 100_000,
    b"&&&&&&&&",
    b"state",
    b"=",
    b"%",
    b"state=%zz&code=%",
    b"a=b&" * 200,
    b"state=\x00&code=\x00",
    b"state=\xed\xa0\x80",  # an encoded lone surrogate
]


@pytest.mark.checklist(1)
@pytest.mark.parametrize("query", RAW_QUERIES)
async def test_checklist_1_raw_callback_queries_are_a_400(app: App, query: bytes) -> None:
    """Odd or undecodable bytes in a callback's query: 400 with or without the cookie."""
    with_cookie, _ = await app.get("/callback", query, app.cookie)
    without, _ = await app.get("/callback", query)
    assert (400, 400, 0) == (with_cookie, without, app.token_requests())


@pytest.mark.checklist(2)
@pytest.mark.parametrize(
    "value",
    [
        b"garbage",
        b"\xff\xfe",
        b"c1." + b"A" * 5000 + b".sig",
        b"c1..",
        b"c1.e30.",
        b"",
        b'"quoted"',
        b"c1.%ff.%fe",
    ],
)
async def test_checklist_2_forged_cookie_values_are_a_400(app: App, value: bytes) -> None:
    """The right cookie name with a forged value: 400 and no code exchange."""
    name = app.cookie.partition(b"=")[0]
    status = await app.callback(b"&code=a", name + b"=" + value)
    assert (400, 0) == (status, app.token_requests())


@pytest.mark.parametrize(
    "cookie",
    [b"x=" + b"a" * 100_000, b"\xff=\xfe", b";;;;;", b"=", b"a=b=c", b"chattz_login_=x"],
)
async def test_odd_cookie_headers_are_a_400_at_the_callback(app: App, cookie: bytes) -> None:
    """Cookie headers that hold no login: 400 at the callback."""
    assert 400 == await app.callback(b"&code=a", cookie)


@pytest.mark.parametrize(
    "query",
    [
        b"next=\xff",
        b"next=%ff",
        b"next=//evil",
        b"next=/" + b"\xc3\xa9" * 3000,
        b"next=" + b"/a" * 50_000,
        b"next=/a&next=/b",
        b"next=javascript:alert(1)",
        b"next=\xed\xa0\x80",
    ],
)
async def test_checklist_9_login_with_odd_next_still_redirects_to_chattz(
    app: App, query: bytes
) -> None:
    """/login with an odd or unsafe next: 303 to the provider (the target is dropped)."""
    status, headers = await app.get("/login", query)
    location = dict(headers)[b"location"].decode()
    assert (303, True) == (status, location.startswith("https://chattz.test/oauth/authorize?"))


@pytest.mark.parametrize(
    "name",
    [
        b"a b",
        b"a,b",
        b"\xff",
        b'a"',
        b"(",
        b"a\x7f",
        b"\xc3\xa9",
        b"a[b]",
        b"0" * 17,
        b"ABCDEF0123456789",
    ],
)
async def test_planted_cookies_with_odd_names_do_not_break_login(app: App, name: bytes) -> None:
    """A cookie with our prefix but not our name ('chattz_login_a b'): /login 303, it stays."""
    status, headers = await app.get("/login", b"", b"chattz_login_" + name + b"=x")
    deletions = [v for k, v in headers if k == b"set-cookie" and b"Max-Age=0" in v]
    assert (303, []) == (status, deletions)


async def test_login_with_many_garbage_pending_cookies_deletes_them(app: App) -> None:
    """500 unreadable pending-login cookies: /login still answers 303 and deletes them."""
    cookie = b"; ".join(b"chattz_login_%016d=garbage" % i for i in range(500))
    status, headers = await app.get("/login", b"", cookie)
    deletions = [v for k, v in headers if k == b"set-cookie" and b"Max-Age=0" in v]
    assert (303, 500) == (status, len(deletions))


async def test_the_real_callback_still_logs_in(app: App) -> None:
    """The battery's fixture is sound: the provider's own callback gives 303."""
    callback = app.fake.authorize(
        f"https://chattz.test/oauth/authorize?response_type=code&client_id="
        f"{app.fake.client.client_id}&redirect_uri={quote(app.fake.client.redirect_uri)}"
        f"&state={app.state}"
    )
    query = urlsplit(callback).query.encode()
    status, _ = await app.get("/callback", query, app.cookie)
    assert (303, 1) == (status, len(app.results))


# --- the shared error mapping -------------------------------------------------------------

STATUS_OF = [
    (StateMismatchError("x"), 400),
    (LoginStateError("x"), 400),
    (LoginStateError("x", expired=True), 400),
    (UnsafeRedirectError("x"), 400),
    (AuthorizationDenied("access_denied"), 400),
    (ProviderError("the callback repeats the 'code' parameter"), 400),
    (ProviderError("bad body", 200), 502),
    (ProviderError("bad status", 500), 502),
    (ResponseTooLargeError("big", 200), 502),
    (OAuthError("invalid_grant", None, None, 400), 400),
    (OAuthError("temporarily_unavailable", None, None, 503), 502),
    (TransportError("down"), 502),
    (ConfigurationError("x"), 500),
    (ChattzOAuthError("x"), 500),
]


@pytest.mark.parametrize(("exc", "status"), STATUS_OF)
def test_describe_error_status_by_side(exc: ChattzOAuthError, status: int) -> None:
    """400 for the browser's side (a callback problem has no status), 502 for the provider's."""
    assert status == ChattzLogin.describe_error(exc)[0]


# --- Django ------------------------------------------------------------------------------


@pytest.fixture
def django_fake(settings: Any) -> Iterator[FakeChattz]:
    """The fake provider on loopback, and the tests' Django URLconf pointing at it."""
    provider = FakeChattz()
    with provider.serve() as server:
        settings.ROOT_URLCONF = "tests.test_django_integration"
        settings.CHATTZ_CLIENT_ID = provider.client.client_id
        settings.CHATTZ_CLIENT_SECRET = provider.client.client_secret
        settings.CHATTZ_REDIRECT_URI = provider.client.redirect_uri
        settings.CHATTZ_BASE_URL = server.base_url
        yield provider


DJANGO_TAILS = [
    "&code=a&code=b",
    "&code=a&iss=https://evil.example",
    "",
    "&code=%ff",
    "&code=%00",
    "&code=a" + "&p=1" * 60,
    "&code=" + "x" * 5000,
]


@pytest.mark.checklist(7)
@pytest.mark.parametrize("prefix", ["", "/async"])
@pytest.mark.parametrize("tail", DJANGO_TAILS)
def test_checklist_7_django_forged_callback_with_the_right_state_is_a_400(
    django_fake: FakeChattz, prefix: str, tail: str
) -> None:
    """The Django views (sync and async) answer a malformed callback with 400, no exchange."""
    client = Client()
    login = client.get(f"{prefix}/login")
    state = parse_qs(urlsplit(login["Location"]).query)["state"][0]
    response = client.get(f"{prefix}/callback?state={state}{tail}")
    exchanges = sum(1 for r in django_fake.requests if r.path == "/oauth/token")
    assert (400, 0) == (response.status_code, exchanges)


@pytest.mark.parametrize("query", ["state=%ff&code=a", "%ff%fe", "state=" + "a" * 10_000])
def test_django_odd_callback_queries_are_a_400(django_fake: FakeChattz, query: str) -> None:
    """Undecodable or huge callback queries: 400 from the Django view."""
    assert 400 == Client().get(f"/callback?{query}").status_code


@pytest.mark.parametrize("wrong", ["x", None, 5, pytest.param(object(), id="object()")], ids=repr)
def test_a_session_source_of_the_wrong_kind_is_a_configuration_error(wrong: Any) -> None:
    """ChattzLogin(chattz=<not a session or a function returning one>): ConfigurationError."""
    login = ChattzLogin(lambda: wrong, secret_key=KEY)
    scope = {"type": "http", "method": "GET", "path": "/", "headers": [], "query_string": b""}
    exc: BaseException | None = None
    try:
        login.session_for(Request(scope))
    except BaseException as caught:
        exc = caught
    assert ConfigurationError is type(exc)


async def test_a_sync_session_in_app_state_is_a_configuration_error() -> None:
    """app.state.chattz holding a sync ChattzOAuth: get_chattz names the mistake."""
    sync_session = FakeChattz().sync_session()
    app = Starlette()
    app.state.chattz = sync_session
    scope = {"type": "http", "method": "GET", "path": "/", "headers": [], "app": app}
    exc: BaseException | None = None
    try:
        await get_chattz(Request(scope))
    except BaseException as caught:
        exc = caught
    sync_session.close()
    assert ConfigurationError is type(exc)


@given(query=st.binary(max_size=120).filter(lambda q: b"=" not in q))
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
async def test_property_callback_bytes_without_a_value_are_400(app: App, query: bytes) -> None:
    """Any bytes after the browser's own state that set no parameter's value: exactly 400.

    With no ``=`` no ``code`` (nor ``error``) has a value: a malformed callback, the
    user's side, and nothing reaches the provider.
    """
    status = await app.callback(b"&" + query)
    assert (400, 0) == (status, app.token_requests())


@pytest.mark.parametrize(
    ("tail", "expected"),
    [
        pytest.param(b"&code=forged", (400, 1), id="a forged code: invalid_grant, the user's 400"),
        pytest.param(b"&code=a&code=b", (400, 0), id="two codes"),
        pytest.param(b"&code=", (400, 0), id="an empty code"),
        pytest.param(b"&error=access_denied", (400, 0), id="error=access_denied"),
        pytest.param(b"&error=server_error", (502, 0), id="error=server_error"),
        pytest.param(b"&error=temporarily_unavailable", (502, 0), id="temporarily_unavailable"),
        pytest.param(b"&code=x&iss=https%3A%2F%2Fevil.example", (400, 0), id="another issuer"),
        pytest.param(b"&code=x&state=other", (400, 0), id="a second state"),
        pytest.param(b"&\xff\xfe=\x00", (400, 0), id="undecodable name and value"),
    ],
)
async def test_callback_tails_give_exact_statuses(
    app: App, tail: bytes, expected: tuple[int, int]
) -> None:
    """Each tail after the browser's own state: exactly this status, and this many exchanges."""
    assert expected == (await app.callback(tail), app.token_requests())


@pytest.mark.parametrize("prefix", ["", "/async"])
@pytest.mark.parametrize("name", ["a b", "a,b", "a[b]", "é"])
def test_django_planted_cookies_with_odd_names_do_not_break_login(
    django_fake: FakeChattz, prefix: str, name: str
) -> None:
    """The Django views: a planted 'chattz_login_<odd>' cookie does not turn /login into a 500."""
    client = Client()
    response = client.generic("GET", f"{prefix}/login", HTTP_COOKIE=f"chattz_login_{name}=x")
    assert 303 == response.status_code
