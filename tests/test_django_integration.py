"""The Django views (sync on ChattzOAuth, async on AsyncChattzOAuth) with Django's test clients.

Django is configured for these tests only (tests/django_setup.py); the fake
provider is served on loopback and the views build their sessions from the
``CHATTZ_*`` settings, as in an app. This module is also the tests' URLconf.
"""

from __future__ import annotations

from collections.abc import Iterator
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests import django_setup

django_setup.configure()

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect  # type: ignore[import-untyped]  # noqa: E402
from django.test import AsyncClient, Client  # type: ignore[import-untyped]  # noqa: E402
from django.urls import path  # type: ignore[import-untyped]  # noqa: E402

from chattz_oauth_async import ConfigurationError  # noqa: E402
from chattz_oauth_async.integrations import django as chattz  # noqa: E402
from chattz_oauth_async.integrations.django import LoginResult  # noqa: E402
from chattz_oauth_async.testing import FakeChattz  # noqa: E402

RESULTS: list[LoginResult] = []


def on_success(request: HttpRequest, result: LoginResult) -> HttpResponse:
    """The app's hook: remember the user in Django's session, go to next."""
    RESULTS.append(result)
    request.session["chattz_user_id"] = result.user.id
    return HttpResponseRedirect(result.next_url or "/home")


async def async_on_success(request: HttpRequest, result: LoginResult) -> HttpResponse:
    """An async hook for the async views."""
    RESULTS.append(result)
    return HttpResponseRedirect(result.next_url or "/home-async")


urlpatterns = [
    path("login", chattz.login_view),
    path("callback", chattz.callback_view, {"on_success": on_success}),
    path("settings-hook/callback", chattz.callback_view),
    path("async/login", chattz.async_login_view),
    path("async/callback", chattz.async_callback_view, {"on_success": on_success}),
    path("async/async-hook/callback", chattz.async_callback_view, {"on_success": async_on_success}),
]


@pytest.fixture
def fake(settings: Any) -> Iterator[FakeChattz]:
    """The fake provider on loopback, and the CHATTZ_* settings pointing at it."""
    RESULTS.clear()
    provider = FakeChattz()
    with provider.serve() as server:
        settings.ROOT_URLCONF = __name__
        settings.CHATTZ_CLIENT_ID = provider.client.client_id
        settings.CHATTZ_CLIENT_SECRET = provider.client.client_secret
        settings.CHATTZ_REDIRECT_URI = provider.client.redirect_uri
        settings.CHATTZ_BASE_URL = server.base_url
        yield provider


def path_of(url: str) -> str:
    """The path and query of a URL (the fake answers with the registered absolute URI)."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def callback_for(fake: FakeChattz, login: Any, prefix: str = "", **options: Any) -> str:
    """Play the user on the consent page; the app's callback path (under prefix)."""
    return prefix + path_of(fake.authorize(login["Location"], **options))


def set_cookies(response: Any) -> dict[str, Any]:
    """The response's cookies by name (Django's SimpleCookie morsels)."""
    jar: SimpleCookie = response.cookies
    return dict(jar.items())


def live_login_cookies(client: Client | AsyncClient) -> list[str]:
    """The pending-login cookies the test client still holds (deleted ones have no value)."""
    return [name for name, m in client.cookies.items() if "chattz_login_" in name and m.value]


def token_requests(fake: FakeChattz) -> int:
    """How many code exchanges reached the provider."""
    return sum(1 for r in fake.requests if r.path == "/oauth/token")


# --- sync views ---------------------------------------------------------------------


def test_sync_login_allow_calls_on_success_and_clears_the_cookie(fake: FakeChattz) -> None:
    """Login, Allow, callback: on_success gets the user and next; the login cookie goes."""
    client = Client()
    login = client.get("/login?next=/account")
    back = client.get(callback_for(fake, login))
    [result] = RESULTS
    assert (303, 302, "/account", 123, "/account", []) == (
        login.status_code,
        back.status_code,
        back["Location"],
        result.user.id,
        result.next_url,
        live_login_cookies(client),
    )
    assert 123 == client.session["chattz_user_id"]


@pytest.mark.checklist(3)
def test_checklist_3_head_on_the_callback_exchanges_nothing(fake: FakeChattz) -> None:
    """A link checker's HEAD on the callback gets 405 and leaves the code for the browser."""
    client = Client()
    callback = callback_for(fake, client.get("/login"))
    head = client.head(callback)
    back = client.get(callback)
    assert (405, 302, 1) == (head.status_code, back.status_code, token_requests(fake))


@pytest.mark.checklist(2)
def test_checklist_2_login_cookie_is_secure_host_prefixed_on_a_public_host(
    fake: FakeChattz,
) -> None:
    """On http://testserver (not loopback) the cookie is Secure, __Host-, HttpOnly, Lax, /."""
    login = Client().get("/login")
    [(name, morsel)] = set_cookies(login).items()
    assert (True, True, True, "Lax", "/", 600, "no-store") == (
        name.startswith("__Host-chattz_login_"),
        bool(morsel["secure"]),
        bool(morsel["httponly"]),
        morsel["samesite"],
        morsel["path"],
        morsel["max-age"],
        login["Cache-Control"],
    )


def test_cookie_secure_false_setting_is_the_explicit_switch(
    fake: FakeChattz, settings: Any
) -> None:
    """CHATTZ_COOKIE_SECURE=False drops Secure and the __Host- prefix, on purpose."""
    settings.CHATTZ_COOKIE_SECURE = False
    [(name, morsel)] = set_cookies(Client().get("/login")).items()
    assert (True, False) == (name.startswith("chattz_login_"), bool(morsel["secure"]))


@pytest.mark.checklist(6)
def test_checklist_6_sync_deny_gives_the_400_page(fake: FakeChattz) -> None:
    """Deny on the consent page: the shared 400 'Login cancelled' page, cookie cleared."""
    client = Client()
    response = client.get(callback_for(fake, client.get("/login"), approve=False))
    assert (400, True, [], "no-referrer") == (
        response.status_code,
        "Login cancelled" in response.content.decode(),
        live_login_cookies(client),
        response["Referrer-Policy"],
    )


@pytest.mark.checklist(2)
def test_checklist_2_sync_forged_callback_without_the_cookie_is_refused(
    fake: FakeChattz,
) -> None:
    """A victim opening the attacker's callback gets 400 and no code is exchanged."""
    attacker, victim = Client(), Client()
    forged = callback_for(fake, attacker.get("/login"))
    victim.get("/login")
    response = victim.get(forged)
    assert (400, True, 0, []) == (
        response.status_code,
        "Login link not valid" in response.content.decode(),
        token_requests(fake),
        RESULTS,
    )


def test_sync_two_tabs_both_log_in(fake: FakeChattz) -> None:
    """Two logins started in one browser complete in either order."""
    client = Client()
    first, second = client.get("/login?next=/one"), client.get("/login?next=/two")
    back_second = client.get(callback_for(fake, second))
    back_first = client.get(callback_for(fake, first))
    assert ("/two", "/one", []) == (
        back_second["Location"],
        back_first["Location"],
        live_login_cookies(client),
    )


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/account?tab=1", "/account?tab=1"),
        ("//evil.example", "/home"),
        ("https://evil.example", "/home"),
        ("/\\evil.example", "/home"),
        ("javascript:alert(1)", "/home"),
    ],
)
@pytest.mark.checklist(9)
def test_checklist_9_sync_next_kept_only_when_same_origin(
    fake: FakeChattz, target: str, expected: str
) -> None:
    """?next= is kept if it is a same-origin path, else dropped (on_success's default)."""
    client = Client()
    login = client.get("/login", {"next": target})
    assert expected == client.get(callback_for(fake, login))["Location"]


def test_sync_provider_error_gives_502(fake: FakeChattz) -> None:
    """A 500 from the token endpoint gives the 502 'not available' page."""
    client = Client()
    callback = callback_for(fake, client.get("/login"))
    fake.fail_next("token", status=500)
    response = client.get(callback)
    assert (502, True) == (response.status_code, "not available" in response.content.decode())


@pytest.mark.checklist(3)
def test_checklist_3_sync_replayed_callback_refused(fake: FakeChattz) -> None:
    """The same callback twice: the second gives 400, one code exchange in all."""
    client = Client()
    callback = callback_for(fake, client.get("/login"))
    first, again = client.get(callback), client.get(callback)
    assert (302, 400, 1) == (first.status_code, again.status_code, token_requests(fake))


@pytest.mark.checklist(1)
def test_checklist_1_sync_repeated_state_refused(fake: FakeChattz) -> None:
    """A callback with the state twice is 400 before any request to Chattz."""
    client = Client()
    callback = callback_for(fake, client.get("/login"))
    state = parse_qs(urlsplit(callback).query)["state"][0]
    response = client.get(f"{callback}&state={state}")
    assert (400, 0) == (response.status_code, token_requests(fake))


def test_on_success_from_the_settings_dotted_path(fake: FakeChattz, settings: Any) -> None:
    """Without a view kwarg, CHATTZ_ON_SUCCESS names the hook."""
    settings.CHATTZ_ON_SUCCESS = f"{__name__}.on_success"
    client = Client()
    login = client.get("/login")
    back = client.get("/settings-hook" + callback_for(fake, login))
    assert (302, 1) == (back.status_code, len(RESULTS))


def test_missing_settings_are_a_configuration_error(fake: FakeChattz, settings: Any) -> None:
    """No CHATTZ_CLIENT_ID, or no hook anywhere, raises ConfigurationError."""
    client = Client(raise_request_exception=True)
    del settings.CHATTZ_ON_SUCCESS  # not set by the fixture either: make sure
    with pytest.raises(ConfigurationError, match="CHATTZ_ON_SUCCESS"):
        client.get("/settings-hook/callback?state=x&code=y")
    del settings.CHATTZ_CLIENT_ID
    with pytest.raises(ConfigurationError, match="CHATTZ_CLIENT_ID"):
        client.get("/login")


def test_post_is_not_allowed(fake: FakeChattz) -> None:
    """The views answer GET only (405 otherwise)."""
    client = Client()
    assert [405, 405] == [client.post("/login").status_code, client.post("/callback").status_code]


def test_changed_settings_build_a_new_session(fake: FakeChattz, settings: Any) -> None:
    """The process's session follows the settings; PKCE is on unless the options turn it off."""
    first = chattz.get_session()
    settings.CHATTZ_SESSION_OPTIONS = {"pkce": False}
    second = chattz.get_session()
    assert (True, False, True) == (first.pkce, second.pkce, second is chattz.get_session())


# --- async views (asyncio: Django's async stack) -----------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_async_login_allow_with_sync_hook(fake: FakeChattz) -> None:
    """Async views: login, Allow; a plain on_success runs through sync_to_async."""
    client = AsyncClient()
    login = await client.get("/async/login?next=/account")
    back = await client.get("/async" + callback_for(fake, login))
    assert (303, 302, "/account", [123], []) == (
        login.status_code,
        back.status_code,
        back["Location"],
        [r.user.id for r in RESULTS],
        live_login_cookies(client),
    )


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_async_hook_is_awaited_and_two_tabs_log_in(fake: FakeChattz) -> None:
    """An async on_success is awaited; two tabs both complete."""
    client = AsyncClient()
    first = await client.get("/async/login?next=/one")
    second = await client.get("/async/login")
    prefix = "/async/async-hook"
    back_second = await client.get(prefix + callback_for(fake, second))
    back_first = await client.get(prefix + callback_for(fake, first))
    assert ("/home-async", "/one", []) == (
        back_second["Location"],
        back_first["Location"],
        live_login_cookies(client),
    )


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
@pytest.mark.checklist(2)
async def test_checklist_2_async_deny_and_forged_callback(fake: FakeChattz) -> None:
    """Async views: Deny is the 400 page; another browser's callback is 400, no exchange."""
    victim, attacker = AsyncClient(), AsyncClient()
    denied = await victim.get(
        "/async" + callback_for(fake, await victim.get("/async/login"), approve=False)
    )
    forged = "/async" + callback_for(fake, await attacker.get("/async/login"))
    refused = await victim.get(forged)
    assert (400, "Login cancelled", 400, "Login link not valid", 0) == (
        denied.status_code,
        "Login cancelled" if "Login cancelled" in denied.content.decode() else "",
        refused.status_code,
        "Login link not valid" if "Login link not valid" in refused.content.decode() else "",
        token_requests(fake),
    )


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
@pytest.mark.checklist(9)
async def test_checklist_9_async_unsafe_next_dropped_and_provider_error_502(
    fake: FakeChattz,
) -> None:
    """Async views: //evil is dropped; a failing userinfo gives the 502 page."""
    client = AsyncClient()
    login = await client.get("/async/login", {"next": "//evil.example"})
    back = await client.get("/async" + callback_for(fake, login))
    callback = "/async" + callback_for(fake, await client.get("/async/login"))
    fake.fail_next("userinfo", status=503, times=10)
    failed = await client.get(callback)
    assert ("/home", 502) == (back["Location"], failed.status_code)


def test_async_views_under_wsgi_run_a_loop_per_request(fake: FakeChattz) -> None:
    """Async views behind the sync test client (WSGI: a loop per request) log in twice."""
    client = Client()
    answers = []
    for target in ("/one", "/two"):
        login = client.get(f"/async/login?next={target}")
        answers.append(client.get("/async" + callback_for(fake, login))["Location"])
    assert ["/one", "/two"] == answers
