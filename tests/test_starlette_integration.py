"""The Starlette/FastAPI login helper against the in-process fake provider.

Each test drives a small Starlette app through ``httpx.ASGITransport`` with a
cookie-keeping client per "browser"; the fake provider plays Chattz and the
user's clicks on its consent page.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import AsyncIterator
from http.cookies import SimpleCookie
from typing import Annotated, Any
from urllib.parse import parse_qs, urlsplit

import attrs
import httpx
import pytest
from fastapi import Depends
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from chattz_oauth_async import (
    AsyncChattzOAuth,
    ChattzOAuthError,
    ConfigurationError,
    StateMismatchError,
)
from chattz_oauth_async.integrations.starlette import ChattzLogin, LoginResult, get_chattz
from chattz_oauth_async.testing import FakeChattz
from tests.helpers import FakeClock

pytestmark = pytest.mark.anyio

# The README's form of the session dependency for an app's own routes.
Chattz = Annotated[AsyncChattzOAuth, Depends(get_chattz)]

SECRET = "s" * 32
APP_URL = "http://127.0.0.1:8000"


@attrs.define
class Site:
    """The app under test, its fake provider and what its handlers saw."""

    fake: FakeChattz
    chattz: AsyncChattzOAuth
    login: ChattzLogin
    app: Starlette
    clock: FakeClock
    results: list[LoginResult] = attrs.field(factory=list)

    def browser(self, base_url: str = APP_URL) -> httpx.AsyncClient:
        """A new cookie-keeping "browser" for the app (close it)."""
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url=base_url)

    def token_requests(self) -> int:
        """How many code exchanges reached the provider."""
        return sum(1 for r in self.fake.requests if r.path == "/oauth/token")


def build_site(
    fake: FakeChattz,
    chattz: AsyncChattzOAuth,
    clock: FakeClock,
    **options: Any,
) -> Site:
    """A Starlette app with /login and /callback built on ChattzLogin."""
    login = ChattzLogin(chattz, secret_key=options.pop("secret_key", SECRET), **options)
    results: list[LoginResult] = []

    async def on_success(request: Request, result: LoginResult) -> Response:
        results.append(result)
        return RedirectResponse(result.next_url or "/", status_code=303)

    app = Starlette(routes=login.routes(on_success))
    return Site(fake, chattz, login, app, clock, results)


@pytest.fixture
async def site() -> AsyncIterator[Site]:
    """The test app on a fake provider that shows its consent page."""
    fake = FakeChattz()
    clock = FakeClock(time.time())
    async with fake.session(clock=clock) as chattz:
        yield build_site(fake, chattz, clock)


def set_cookies(response: httpx.Response) -> dict[str, dict[str, Any]]:
    """The Set-Cookie headers of a response: name -> attributes (and 'value')."""
    found: dict[str, dict[str, Any]] = {}
    for header in response.headers.get_list("set-cookie"):
        jar: SimpleCookie = SimpleCookie()
        jar.load(header)
        for name, morsel in jar.items():
            found[name] = {key: morsel[key] for key in morsel if morsel[key]}
            found[name]["value"] = morsel.value
            found[name]["secure"] = "secure" in header.lower().split("; ")
            found[name]["httponly"] = "httponly" in header.lower().split("; ")
    return found


def pending_names(browser: httpx.AsyncClient) -> set[str]:
    """The names of the browser's pending-login cookies."""
    return {c.name for c in browser.cookies.jar if "chattz_login_" in c.name}


async def start(browser: httpx.AsyncClient, path: str = "/login") -> str:
    """GET /login and return the authorize URL it redirects to."""
    response = await browser.get(path)
    assert 303 == response.status_code
    return response.headers["location"]


def state_of(url: str) -> str:
    """The state parameter of a URL."""
    return parse_qs(urlsplit(url).query)["state"][0]


async def test_login_happy_path_lands_on_next_url(site: Site) -> None:
    """Login, Allow, callback: redirected to ?next, user and token handed over."""
    async with site.browser() as browser:
        authorize = await start(browser, "/login?next=/account%3Ftab%3D1")
        callback = site.fake.authorize(authorize)
        response = await browser.get(callback)
        assert (303, "/account?tab=1") == (response.status_code, response.headers["location"])
        [result] = site.results
        assert ("johndoe", 123, "/account?tab=1") == (
            result.user.username,
            result.user.id,
            result.next_url,
        )
        assert set() == pending_names(browser)


async def test_login_redirects_to_the_configured_authorize_url(site: Site) -> None:
    """/login answers 303 to the provider's authorize URL with a fresh state."""
    async with site.browser() as browser:
        response = await browser.get("/login")
    url = urlsplit(response.headers["location"])
    query = parse_qs(url.query)
    expected = ("https://chattz.test/oauth/authorize", ["code"], ["test-client"])
    assert expected == (
        f"{url.scheme}://{url.netloc}{url.path}",
        query["response_type"],
        query["client_id"],
    )
    assert "no-store" == response.headers["cache-control"]


@pytest.mark.checklist(2)
async def test_checklist_2_login_cookie_attributes_on_loopback_http(site: Site) -> None:
    """The cookie is HttpOnly, SameSite=Lax, Path=/, Max-Age=600; not Secure on http loopback."""
    async with site.browser() as browser:
        response = await browser.get("/login")
    state = state_of(response.headers["location"])
    [(name, cookie)] = set_cookies(response).items()
    expected = (site.login.cookies.name_for(state, secure=False), "Lax", "/", "600", True)
    assert expected == (
        name,
        cookie["samesite"],
        cookie["path"],
        cookie["max-age"],
        cookie["httponly"],
    )
    assert False is cookie["secure"]


@pytest.mark.checklist(2)
async def test_checklist_2_cookie_name_does_not_reveal_the_state(site: Site) -> None:
    """The cookie name carries a 16-hex-digit hash of the state, not the state."""
    async with site.browser() as browser:
        response = await browser.get("/login")
    state = state_of(response.headers["location"])
    [name] = set_cookies(response)
    suffix = name.rsplit("_", 1)[1]
    assert (16, False) == (len(suffix), state in name)


@pytest.mark.checklist(2)
async def test_checklist_2_cookie_is_secure_with_host_prefix_on_https(site: Site) -> None:
    """Over https the cookie is Secure and named __Host-... (no subdomain can plant it)."""
    async with site.browser("https://app.example") as browser:
        response = await browser.get("/login")
    [(name, cookie)] = set_cookies(response).items()
    assert (True, True, "/") == (
        name.startswith("__Host-chattz_login_"),
        cookie["secure"],
        cookie["path"],
    )


@pytest.mark.checklist(2)
async def test_checklist_2_cookie_is_secure_on_plain_http_to_a_public_host(site: Site) -> None:
    """Plain http to a non-loopback host (a TLS proxy in front) still gets Secure."""
    async with site.browser("http://app.example") as browser:
        response = await browser.get("/login")
    [cookie] = set_cookies(response).values()
    assert True is cookie["secure"]


async def test_secure_false_override_and_path_scoped_cookie() -> None:
    """secure=False and cookie_path='/auth' give a non-Secure cookie scoped to /auth."""
    fake, clock = FakeChattz(), FakeClock(time.time())
    async with fake.session(clock=clock) as chattz:
        site = build_site(fake, chattz, clock, secure=False, cookie_path="/auth")
        async with site.browser("http://app.example") as browser:
            response = await browser.get("/login")
    [(name, cookie)] = set_cookies(response).items()
    assert (False, "/auth", True) == (
        cookie["secure"],
        cookie["path"],
        name.startswith("chattz_login_"),
    )


async def test_https_site_full_login_with_host_prefixed_cookie() -> None:
    """A whole login over https works with the __Host- cookie."""
    fake, clock = FakeChattz(), FakeClock(time.time())
    fake.add_client("https-client", "https-secret", "https://app.example/callback")
    async with fake.session(
        clock=clock,
        client_id="https-client",
        client_secret="https-secret",
        redirect_uri="https://app.example/callback",
    ) as chattz:
        https_site = build_site(fake, chattz, clock)
        async with https_site.browser("https://app.example") as browser:
            callback = fake.authorize(await start(browser))
            response = await browser.get(callback)
    assert (303, 1) == (response.status_code, len(https_site.results))


@pytest.mark.checklist(2)
async def test_checklist_2_forged_callback_with_another_browsers_state_refused(
    site: Site,
) -> None:
    """A victim opening the attacker's valid callback gets 400; no code exchange happens."""
    async with site.browser() as attacker, site.browser() as victim:
        attacker_user = site.fake.add_user(id=666, username="mallory")
        forged = site.fake.authorize(await start(attacker), user=attacker_user)
        await start(victim)  # the victim may even have a login of their own going
        response = await victim.get(forged)
        assert (400, 0, []) == (response.status_code, site.token_requests(), site.results)
        assert "not valid" in response.text


@pytest.mark.checklist(2)
async def test_checklist_2_forged_callback_with_planted_cookie_of_wrong_state_refused(
    site: Site,
) -> None:
    """A cookie named for state A but sealing state B does not let state A through."""
    async with site.browser() as browser:
        authorize_a = await start(browser)
        authorize_b = await start(browser)
        state_a, state_b = state_of(authorize_a), state_of(authorize_b)
        name_a = site.login.cookies.name_for(state_a, secure=False)
        name_b = site.login.cookies.name_for(state_b, secure=False)
        browser.cookies.set(name_a, browser.cookies[name_b], domain="127.0.0.1", path="/")
        response = await browser.get(site.fake.authorize(authorize_a))
    assert (400, 0) == (response.status_code, site.token_requests())


@pytest.mark.checklist(3)
async def test_checklist_3_head_on_the_callback_exchanges_nothing(site: Site) -> None:
    """A link checker's HEAD on the callback gets 405 and leaves the code for the browser."""
    async with site.browser() as browser:
        callback = site.fake.authorize(await start(browser))
        head = await browser.head(callback)
        back = await browser.get(callback)
    assert (405, "GET", 303, 1) == (
        head.status_code,
        head.headers["allow"],
        back.status_code,
        site.token_requests(),
    )


async def test_two_tabs_started_before_either_completes_both_log_in(site: Site) -> None:
    """Two logins started in one browser both complete, in either order."""
    async with site.browser() as browser:
        first = await start(browser, "/login?next=/one")
        second = await start(browser, "/login?next=/two")
        assert 2 == len(pending_names(browser))
        back_second = await browser.get(site.fake.authorize(second))
        back_first = await browser.get(site.fake.authorize(first))
        assert (303, "/two", 303, "/one") == (
            back_second.status_code,
            back_second.headers["location"],
            back_first.status_code,
            back_first.headers["location"],
        )
        assert set() == pending_names(browser)


async def test_pending_logins_are_capped_oldest_dropped(site: Site) -> None:
    """Starting a sixth login keeps five cookies and drops the oldest one."""
    async with site.browser() as browser:
        urls = []
        for _ in range(6):
            urls.append(await start(browser))
            site.clock.now += 1
        assert 5 == len(pending_names(browser))
        oldest = await browser.get(site.fake.authorize(urls[0]))
        newest = await browser.get(site.fake.authorize(urls[-1]))
    assert (400, 303) == (oldest.status_code, newest.status_code)


async def test_unreadable_pending_cookie_is_deleted_at_next_login(site: Site) -> None:
    """A garbage pending-login cookie is deleted when the browser starts a login."""
    async with site.browser() as browser:
        browser.cookies.set("chattz_login_0123456789abcdef", "garbage", domain="127.0.0.1")
        response = await browser.get("/login")
        cookies = set_cookies(response)
    assert "0" == cookies["chattz_login_0123456789abcdef"]["max-age"]


@pytest.mark.parametrize(
    "query",
    ["code=abc", "code=abc&state=", "code=abc&state=x&state=y", ""],
)
@pytest.mark.checklist(1)
async def test_checklist_1_callback_without_a_single_state_refused(site: Site, query: str) -> None:
    """No state, an empty one or a repeated one gives 400 before any request to Chattz."""
    async with site.browser() as browser:
        await start(browser)
        response = await browser.get(f"/callback?{query}")
    assert (400, 0) == (response.status_code, site.token_requests())


@pytest.mark.checklist(1)
async def test_checklist_1_callback_with_a_different_state_refused(site: Site) -> None:
    """A state that is not the browser's gives 400, and the pending login survives."""
    async with site.browser() as browser:
        authorize = await start(browser)
        callback = site.fake.authorize(authorize).replace(state_of(authorize), "X" * 43)
        response = await browser.get(callback)
        assert (400, 0, 1) == (
            response.status_code,
            site.token_requests(),
            len(pending_names(browser)),
        )


@pytest.mark.checklist(6)
async def test_checklist_6_denied_with_right_state_gives_friendly_400(site: Site) -> None:
    """Deny on the consent page gives a 400 'Login cancelled' page and clears the cookie."""
    async with site.browser() as browser:
        authorize = await start(browser)
        response = await browser.get(site.fake.authorize(authorize, approve=False))
        assert (400, True, set()) == (
            response.status_code,
            "Login cancelled" in response.text,
            pending_names(browser),
        )
    assert "text/html; charset=utf-8" == response.headers["content-type"]


@pytest.mark.checklist(6)
async def test_checklist_6_denied_with_wrong_state_is_a_state_mismatch(site: Site) -> None:
    """error=access_denied with a foreign state is treated as a forgery, not a denial."""
    async with site.browser() as browser:
        await start(browser)
        response = await browser.get("/callback?error=access_denied&state=forged")
    assert (400, False, True) == (
        response.status_code,
        "Login cancelled" in response.text,
        "not valid" in response.text,
    )


@pytest.mark.checklist(6)
async def test_checklist_6_provider_description_is_not_echoed(site: Site) -> None:
    """The provider's error_description (attacker-controllable text) is not put in the page."""
    async with site.browser() as browser:
        state = state_of(await start(browser))
        response = await browser.get(
            "/callback",
            params={
                "error": "access_denied",
                "error_description": "<script>alert(1)</script>",
                "state": state,
            },
        )
    assert (400, False) == (response.status_code, "<script>" in response.text)


@pytest.mark.checklist(3)
async def test_checklist_3_replayed_callback_refused(site: Site) -> None:
    """Opening the same callback twice: the second attempt is refused with 400."""
    async with site.browser() as browser:
        callback = site.fake.authorize(await start(browser))
        first = await browser.get(callback)
        second = await browser.get(callback)
    assert (303, 400, 1) == (first.status_code, second.status_code, site.token_requests())


@pytest.mark.checklist(3)
async def test_checklist_3_replay_with_a_captured_cookie_refused(site: Site) -> None:
    """Even with the used cookie put back, the session refuses a completed login."""
    async with site.browser() as browser:
        authorize = await start(browser)
        saved = dict(browser.cookies)
        callback = site.fake.authorize(authorize)
        first = await browser.get(callback)
        for name, value in saved.items():
            browser.cookies.set(name, value, domain="127.0.0.1", path="/")
        second = await browser.get(callback)
    assert (303, 400, 1) == (first.status_code, second.status_code, site.token_requests())


async def test_tampered_login_cookie_refused(site: Site) -> None:
    """A login cookie whose value was changed gives 400 and no code exchange."""
    async with site.browser() as browser:
        authorize = await start(browser)
        [name] = pending_names(browser)
        value = browser.cookies[name]
        browser.cookies.set(name, value[:-3] + "AAA", domain="127.0.0.1", path="/")
        response = await browser.get(site.fake.authorize(authorize))
    assert (400, 0) == (response.status_code, site.token_requests())


async def test_expired_login_gives_login_expired_page(site: Site) -> None:
    """A callback after max_age gives 400 'Login expired' and no code exchange."""
    async with site.browser() as browser:
        authorize = await start(browser)
        callback = site.fake.authorize(authorize)
        site.clock.now += 601
        response = await browser.get(callback)
    assert (400, True, 0) == (
        response.status_code,
        "Login expired" in response.text,
        site.token_requests(),
    )


async def test_key_rotation_completes_logins_started_before_it() -> None:
    """A login sealed with the old key completes after the app rotates to [new, old]."""
    fake, clock = FakeChattz(), FakeClock(time.time())
    async with fake.session(clock=clock) as chattz:
        before = build_site(fake, chattz, clock, secret_key="old-key-" * 4)
        after = build_site(fake, chattz, clock, secret_key=["new-key-" * 4, "old-key-" * 4])
        async with before.browser() as browser:
            authorize = await start(browser)
            cookies = dict(browser.cookies)
        async with after.browser() as browser:
            for name, value in cookies.items():
                browser.cookies.set(name, value, domain="127.0.0.1", path="/")
            response = await browser.get(fake.authorize(authorize))
    assert (303, 1) == (response.status_code, len(after.results))


async def test_provider_token_error_gives_502(site: Site) -> None:
    """A 500 from the token endpoint gives the 502 'not available' page."""
    async with site.browser() as browser:
        callback = site.fake.authorize(await start(browser))
        site.fake.fail_next("token", status=500)
        response = await browser.get(callback)
    assert (502, True) == (response.status_code, "not available" in response.text)


async def test_provider_userinfo_error_gives_502(site: Site) -> None:
    """A 503 from userinfo gives the 502 page (after the session's retries)."""
    async with site.browser() as browser:
        callback = site.fake.authorize(await start(browser))
        site.fake.fail_next("userinfo", status=503, times=10)
        response = await browser.get(callback)
    assert (502, []) == (response.status_code, site.results)


async def test_provider_unreachable_gives_502() -> None:
    """A transport failure (provider down) gives 502."""

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    fake, clock = FakeChattz(), FakeClock(time.time())
    async with (
        httpx.AsyncClient(transport=httpx.MockTransport(down)) as client,
        fake.session(clock=clock, http_client=client) as chattz,
    ):
        site = build_site(fake, chattz, clock)
        async with site.browser() as browser:
            callback = fake.authorize(await start(browser))
            response = await browser.get(callback)
    assert 502 == response.status_code


async def test_pkce_login_completes_with_verifier_from_cookie() -> None:
    """With pkce=True the verifier travels in the cookie and the exchange succeeds."""
    fake, clock = FakeChattz(), FakeClock(time.time())
    async with fake.session(clock=clock, pkce=True) as chattz:
        site = build_site(fake, chattz, clock)
        async with site.browser() as browser:
            authorize = await start(browser)
            response = await browser.get(fake.authorize(authorize))
    token_form = next(r.form for r in fake.requests if r.path == "/oauth/token")
    assert (303, "S256", True) == (
        response.status_code,
        parse_qs(urlsplit(authorize).query)["code_challenge_method"][0],
        bool(token_form.get("code_verifier")),
    )


@pytest.mark.parametrize(
    "target", ["//evil.example", "/\\evil.example", "https://evil.example", "javascript:alert(1)"]
)
@pytest.mark.checklist(9)
async def test_checklist_9_unsafe_next_is_dropped_not_followed(site: Site, target: str) -> None:
    """An unsafe ?next= is dropped at /login: after login the user lands on '/'."""
    async with site.browser() as browser:
        response = await browser.get("/login", params={"next": target})
        back = await browser.get(site.fake.authorize(response.headers["location"]))
    assert (303, "/") == (back.status_code, back.headers["location"])


@pytest.mark.checklist(16)
async def test_checklist_16_redirect_uri_is_configuration_not_host_header(site: Site) -> None:
    """A spoofed Host header does not change the redirect_uri sent to Chattz."""
    async with site.browser() as browser:
        response = await browser.get("/login", headers={"Host": "evil.example"})
    query = parse_qs(urlsplit(response.headers["location"]).query)
    assert ["http://127.0.0.1:8000/callback"] == query["redirect_uri"]


async def test_callback_responses_are_not_cached_and_send_no_referrer(site: Site) -> None:
    """Success and error responses from the callback say no-store and no-referrer."""
    async with site.browser() as browser:
        ok = await browser.get(site.fake.authorize(await start(browser)))
        bad = await browser.get("/callback?code=x&state=y")
    expected = [("no-store", "no-referrer")] * 2
    assert expected == [
        (r.headers["cache-control"], r.headers["referrer-policy"]) for r in (ok, bad)
    ]


async def test_custom_error_handler_is_used(site: Site) -> None:
    """on_error receives the typed exception and its response is returned."""
    seen: list[type[ChattzOAuthError]] = []

    def on_error(request: Request, exc: ChattzOAuthError) -> Response:
        seen.append(type(exc))
        return PlainTextResponse("custom", status_code=418)

    async def on_success(request: Request, result: LoginResult) -> Response:
        return PlainTextResponse("ok")

    app = Starlette(routes=site.login.routes(on_success, on_error=on_error))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=APP_URL
    ) as browser:
        authorize = await start(browser)
        response = await browser.get(site.fake.authorize(authorize, approve=False))
    assert (418, "custom", ["AuthorizationDenied"]) == (
        response.status_code,
        response.text,
        [t.__name__ for t in seen],
    )


async def test_manual_login_response_handle_callback_and_clear_cookie(site: Site) -> None:
    """login_response, handle_callback and clear_cookie make a login without routes()."""

    async def login(request: Request) -> Response:
        return site.login.login_response(request, "/home")

    async def callback(request: Request) -> Response:
        result = await site.login.handle_callback(request)
        response = RedirectResponse(result.next_url or "/", status_code=303)
        site.login.clear_cookie(response, request)
        return response

    app = Starlette(routes=[Route("/login", login), Route("/callback", callback)])
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=APP_URL
    ) as browser:
        response = await browser.get(site.fake.authorize(await start(browser)))
        assert (303, "/home", set()) == (
            response.status_code,
            response.headers["location"],
            pending_names(browser),
        )


def bare_request(query: bytes = b"") -> Request:
    """A request for /callback outside any app."""
    return Request(
        {
            "type": "http",
            "method": "GET",
            "path": "/callback",
            "query_string": query,
            "headers": [],
            "scheme": "http",
            "server": ("127.0.0.1", 8000),
        }
    )


async def test_handle_callback_raises_typed_errors(site: Site) -> None:
    """handle_callback itself raises the typed error (here: no login for this state)."""
    with pytest.raises(StateMismatchError):
        await site.login.handle_callback(bare_request(b"state=abc&code=x"))


def test_session_factory_is_accepted() -> None:
    """ChattzLogin accepts a callable returning the session (created in a lifespan)."""
    chattz = FakeChattz().session()
    login = ChattzLogin(lambda: chattz, secret_key=SECRET)
    assert chattz is login.session_for(bare_request())


@pytest.mark.parametrize(
    "options",
    [
        {"secret_key": "short"},
        {"secret_key": []},
        {"cookie_name": "bad name"},
        {"cookie_name": ""},
        {"cookie_path": "no-slash"},
        {"cookie_path": "/a;b"},
        {"max_age": 0},
        {"max_age": 10**6},
        {"max_pending": 0},
    ],
)
def test_bad_configuration_refused(options: dict[str, Any]) -> None:
    """Settings that cannot work raise ConfigurationError at construction."""
    kwargs: dict[str, Any] = {"secret_key": SECRET, **options}
    with pytest.raises(ConfigurationError):
        ChattzLogin(FakeChattz().session(), **kwargs)


@pytest.mark.checklist(33)
async def test_checklist_33_repr_free_of_secrets(site: Site) -> None:
    """repr of the helper and of a LoginResult shows no key, token or secret."""
    async with site.browser() as browser:
        await browser.get(site.fake.authorize(await start(browser)))
    [result] = site.results
    text = repr(site.login) + repr(result)
    leaked = [s for s in (SECRET, result.token.access_token, "test-secret") if s in text]
    assert [] == leaked


def test_importing_the_library_does_not_import_starlette() -> None:
    """`import chattz_oauth_async` (and .integrations) leaves Starlette unimported."""
    code = (
        "import sys, chattz_oauth_async, chattz_oauth_async.integrations; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('starlette', 'fastapi')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert "[]" == out.stdout.strip()


def test_error_pages_map_errors_to_statuses() -> None:
    """describe_error: 400 for user-side failures (a refused code too), 502 for provider ones,
    500 otherwise."""
    from chattz_oauth_async import (
        AuthorizationDenied,
        LoginStateError,
        OAuthError,
        ProviderError,
        TransportTimeout,
        UnsafeRedirectError,
    )

    errors: list[ChattzOAuthError] = [
        AuthorizationDenied("access_denied"),
        StateMismatchError("x"),
        LoginStateError("x"),
        LoginStateError("x", expired=True),
        UnsafeRedirectError("x"),
        OAuthError("invalid_grant", status_code=400),
        ProviderError("x", 200),
        TransportTimeout("x"),
        ConfigurationError("x"),
    ]
    expected = [400, 400, 400, 400, 400, 400, 502, 502, 500]
    assert expected == [ChattzLogin.describe_error(e)[0] for e in errors]


@pytest.mark.checklist(32)
async def test_checklist_32_debug_log_of_a_login_holds_no_secrets(
    site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    """With DEBUG logging, a login and a refused callback log no secret, code, state or token."""
    caplog.set_level("DEBUG")
    async with site.browser() as browser:
        authorize = await start(browser)
        callback = site.fake.authorize(authorize)
        await browser.get(callback)
        await browser.get(callback)  # refused: logged as a failure
        cookies = [c.value for c in browser.cookies.jar]
    code = parse_qs(urlsplit(callback).query)["code"][0]
    secrets_seen = [SECRET, "test-secret", code, state_of(authorize), *cookies]
    secrets_seen.append(site.results[0].token.access_token)
    # Only the library's loggers: the test's own "browser" (httpx) logs the URLs it opens.
    logged = "\n".join(
        r.getMessage() for r in caplog.records if r.name.startswith("chattz_oauth_async")
    )
    leaked = [s for s in secrets_seen if s and s in logged]
    assert (True, []) == ("login failed (user" in logged, leaked)


# --- FastAPI: router() and the get_chattz dependency --------------------------------


def fastapi_app(login: ChattzLogin, **router_options: Any) -> Any:
    """A FastAPI app with login.router() and a page that uses get_chattz."""
    from fastapi import FastAPI

    async def on_success(request: Request, result: LoginResult) -> Response:
        return PlainTextResponse(f"{result.user.id} {result.next_url}")

    app = FastAPI()
    app.include_router(login.router(on_success, **router_options))

    @app.get("/whoami")
    async def whoami(chattz: Chattz) -> dict[str, str]:
        return {"session": repr(chattz)}

    return app


async def test_fastapi_router_logs_in_through_dependency_overrides(site: Site) -> None:
    """login.router() on a FastAPI app; the session comes from dependency_overrides."""
    app = fastapi_app(ChattzLogin(secret_key=SECRET))
    app.dependency_overrides[get_chattz] = lambda: site.chattz
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=APP_URL
    ) as browser:
        authorize = await start(browser, "/login?next=/account")
        response = await browser.get(site.fake.authorize(authorize))
        page = await browser.get("/whoami")
        assert (200, "123 /account", set(), {"session": repr(site.chattz)}) == (
            response.status_code,
            response.text,
            pending_names(browser),
            page.json(),
        )


async def test_fastapi_router_paths_are_configurable_and_session_from_app_state(
    site: Site,
) -> None:
    """login_path/callback_path/next_param move the routes; app.state.chattz is the default."""
    app = fastapi_app(
        ChattzLogin(secret_key=SECRET),
        login_path="/auth/start",
        callback_path="/callback",
        next_param="then",
    )
    app.state.chattz = site.chattz
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=APP_URL
    ) as browser:
        missing = await browser.get("/login")
        authorize = await start(browser, "/auth/start?then=/x")
        response = await browser.get(site.fake.authorize(authorize, approve=False))
    assert (404, 400, True) == (
        missing.status_code,
        response.status_code,
        "Login cancelled" in response.text,
    )


async def test_fastapi_router_with_a_given_session_uses_it(site: Site) -> None:
    """A helper built with a session serves the router from it (no app.state needed)."""
    app = fastapi_app(ChattzLogin(site.chattz, secret_key=SECRET))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=APP_URL
    ) as browser:
        response = await browser.get(site.fake.authorize(await start(browser)))
    assert (200, "123 None") == (response.status_code, response.text)


async def test_get_chattz_without_a_session_in_app_state_is_a_configuration_error() -> None:
    """get_chattz says to set app.state.chattz in the lifespan when it is missing."""
    request = bare_request()
    request.scope["app"] = Starlette()
    with pytest.raises(ConfigurationError, match=r"app\.state\.chattz"):
        await get_chattz(request)


@pytest.mark.parametrize("given", [False, True], ids=["app.state", "ChattzLogin(chattz)"])
async def test_fastapi_session_dependency_never_runs_in_the_thread_pool(
    site: Site, monkeypatch: pytest.MonkeyPatch, given: bool
) -> None:
    """/login and /callback resolve the session on the event loop: no thread-pool call at all."""
    import fastapi.dependencies.utils as dependencies

    pooled: list[object] = []
    real = dependencies.run_in_threadpool  # type: ignore[attr-defined]

    async def recording(func: Any, *args: Any, **kwargs: Any) -> Any:
        pooled.append(func)
        return await real(func, *args, **kwargs)

    monkeypatch.setattr(dependencies, "run_in_threadpool", recording)
    app = fastapi_app(ChattzLogin(site.chattz if given else None, secret_key=SECRET))
    app.state.chattz = site.chattz
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=APP_URL
    ) as browser:
        response = await browser.get(site.fake.authorize(await start(browser)))
    assert ((200, "123 None"), []) == ((response.status_code, response.text), pooled)


async def test_fastapi_session_dependency_overridden_by_an_async_function(site: Site) -> None:
    """app.dependency_overrides[get_chattz] takes an async function as well as a plain one."""
    app = fastapi_app(ChattzLogin(secret_key=SECRET))

    async def session() -> AsyncChattzOAuth:
        return site.chattz

    app.dependency_overrides[get_chattz] = session
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=APP_URL
    ) as browser:
        response = await browser.get(site.fake.authorize(await start(browser, "/login?next=/a")))
        page = await browser.get("/whoami")
    assert (200, "123 /a", {"session": repr(site.chattz)}) == (
        response.status_code,
        response.text,
        page.json(),
    )


def test_fastapi_lifespan_session_with_secure_false_switch_on_testserver() -> None:
    """TestClient on http://testserver logs in with the explicit secure=False switch."""
    from contextlib import asynccontextmanager

    from fastapi import FastAPI
    from starlette.testclient import TestClient

    fake = FakeChattz()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with fake.session() as chattz:
            app.state.chattz = chattz
            yield

    def run(secure: bool | None) -> int:
        app = FastAPI(lifespan=lifespan)
        login = ChattzLogin(secret_key=SECRET, secure=secure)
        app.include_router(login.router(lambda request, result: PlainTextResponse("ok")))
        with TestClient(app, follow_redirects=False) as client:
            authorize = client.get("/login").headers["location"]
            callback = urlsplit(fake.authorize(authorize))
            return client.get(f"{callback.path}?{callback.query}").status_code

    # Secure stays on for a non-loopback host: the test client does not send the cookie back.
    assert (400, 200) == (run(None), run(False))


def test_starlette_integration_imports_without_fastapi() -> None:
    """Without FastAPI the module imports, routes() works and router() says what to install."""
    code = (
        "import sys; sys.modules['fastapi'] = None\n"
        "from chattz_oauth_async.integrations.starlette import ChattzLogin\n"
        "login = ChattzLogin(secret_key='s' * 32)\n"
        "print(len(login.routes(lambda r, x: None)))\n"
        "try:\n    login.router(lambda r, x: None)\n"
        "except ImportError as exc:\n    print('ImportError')\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert ["2", "ImportError"] == out.stdout.split()
