"""The Django views' default sign-in (no CHATTZ_ON_SUCCESS) end to end, with Django's test clients.

A real SQLite database (migrated, emptied after each test), database
sessions, AuthenticationMiddleware and CsrfViewMiddleware; the fake provider
on loopback. The sync views run behind ``Client`` (Django's WSGI handler), the
async views behind ``AsyncClient`` (its ASGI handler) and behind ``Client``.
This module is also the tests' URLconf. Async tests run on asyncio only:
Django's async stack (asgiref) needs it.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from html import escape
from typing import Any

import pytest

from tests import django_setup

django_setup.configure()

from asgiref.sync import sync_to_async  # noqa: E402
from django.contrib.auth import get_user_model  # type: ignore[import-untyped]  # noqa: E402
from django.contrib.sessions.models import Session  # type: ignore[import-untyped]  # noqa: E402
from django.db import OperationalError, connections  # type: ignore[import-untyped]  # noqa: E402
from django.http import HttpRequest, HttpResponse  # type: ignore[import-untyped]  # noqa: E402
from django.middleware.csrf import get_token  # type: ignore[import-untyped]  # noqa: E402
from django.test import AsyncClient, Client  # type: ignore[import-untyped]  # noqa: E402
from django.urls import path  # type: ignore[import-untyped]  # noqa: E402

from chattz_oauth_async import ConfigurationError  # noqa: E402
from chattz_oauth_async.integrations import django as chattz  # noqa: E402
from chattz_oauth_async.integrations.django import LoginResult  # noqa: E402
from chattz_oauth_async.integrations.django.models import ChattzAccount  # noqa: E402
from chattz_oauth_async.testing import FakeChattz  # noqa: E402
from tests.test_docs import run_block  # noqa: E402

User = get_user_model()
RESULTS: list[LoginResult] = []
TOKEN = re.compile(r"name=csrfmiddlewaretoken value=([\w-]+)>")


def page(user: Any, chattz_ids: list[int], request: HttpRequest, logout: str) -> HttpResponse:
    """The logged-in page: who, their Chattz ids, a logout form with its CSRF token."""
    if not user.is_authenticated:
        return HttpResponse("Not logged in", status=401)
    return HttpResponse(
        f"<h1>Hello, {escape(user.get_full_name() or user.username)}</h1>"
        f"<p id=user>{user.pk}</p><p id=chattz>{chattz_ids}</p>"
        f"<form method=post action={logout}>"
        f"<input type=hidden name=csrfmiddlewaretoken value={get_token(request)}>"
        "<button>Log out</button></form>"
    )


def me(request: HttpRequest) -> HttpResponse:
    """The sync logged-in page."""
    user = request.user
    ids = list(user.chattz_accounts.values_list("chattz_id", flat=True)) if user.pk else []
    return page(user, sorted(ids), request, "/logout")


async def ame(request: HttpRequest) -> HttpResponse:
    """The async logged-in page."""
    user = await request.auser()
    ids = [a.chattz_id async for a in user.chattz_accounts.all()] if user.pk else []
    return page(user, sorted(ids), request, "/async/logout")


def visit(request: HttpRequest) -> HttpResponse:
    """A page that starts an anonymous session (so its key can be seen to change at login)."""
    request.session["visited"] = True
    return HttpResponse("hello")


def hook(request: HttpRequest, result: LoginResult) -> HttpResponse:
    """An app's own on_success."""
    RESULTS.append(result)
    return HttpResponse("hooked")


# The "Your own on_success" recipe of docs/frameworks/django.md, run as shown.
DOCS_ON_SUCCESS = run_block("django-on-success")["chattz_login_done"]


urlpatterns = [
    path("visit", visit),
    path("me", me),
    path("chattz/login/", chattz.login_view),
    path("chattz/callback/", chattz.callback_view),
    path("logout", chattz.logout_view),
    path("hook/chattz/callback/", chattz.callback_view, {"on_success": hook}),
    path("chattz/link/", chattz.link_view),
    path("recipe/chattz/callback/", chattz.callback_view, {"on_success": DOCS_ON_SUCCESS}),
    path("async/me", ame),
    path("async/chattz/login/", chattz.async_login_view),
    path("async/chattz/callback/", chattz.async_callback_view),
    path("async/logout", chattz.async_logout_view),
]


@pytest.fixture
def anyio_backend() -> str:
    """asyncio only: Django's async views and ORM bridge (asgiref) run on asyncio."""
    return "asyncio"


@pytest.fixture
def fake(settings: Any) -> Iterator[FakeChattz]:
    """The fake on loopback; the site on a migrated database with auth, sessions and CSRF."""
    RESULTS.clear()
    with django_setup.account_site(settings, __name__) as provider:
        yield provider


def callback_for(fake: FakeChattz, client: Client, login: str) -> str:
    """Start a login at ``login``, Allow it: the app's callback path and query."""
    return django_setup.path_of(fake.authorize(client.get(login)["Location"]))


def session_key(client: Client | AsyncClient) -> str | None:
    """The browser's session cookie, or None."""
    morsel = client.cookies.get("sessionid")
    return morsel.value if morsel is not None and morsel.value else None


def token_on(response: Any) -> str:
    """The CSRF token of the page's logout form."""
    found = TOKEN.search(response.content.decode())
    assert found is not None, response.content
    return found.group(1)


def login_cookies(client: Client) -> list[str]:
    """The pending-login cookies the browser still holds."""
    return [n for n, m in client.cookies.items() if "chattz_login_" in n and m.value]


def usernames() -> list[str]:
    """Every local user's username, oldest first."""
    return list(User.objects.order_by("pk").values_list("username", flat=True))


# --- sync views (Client: Django's WSGI handler) ---------------------------------------


def test_login_logged_in_page_and_logout(fake: FakeChattz) -> None:
    """Login through the fake: a new session key, the user's page; POST logout with CSRF."""
    client = Client(enforce_csrf_checks=True)
    client.get("/visit")
    anonymous = session_key(client)
    assert anonymous is not None
    hello = fake.login(client, "/chattz/login/", next="/me")
    signed_in = session_key(client)
    token = token_on(hello)
    no_token = client.post("/logout")
    by_get = client.get("/logout")
    out = client.post("/logout", {"csrfmiddlewaretoken": token})
    after = client.get("/me")
    assert (200, True, "[123]", ["johndoe"]) == (
        hello.status_code,
        "Hello, John Doe" in hello.content.decode(),
        re.search(r"id=chattz>(.*?)<", hello.content.decode()).group(1),  # type: ignore[union-attr]
        usernames(),
    )
    assert (True, False, 403, 405, 303, "/", 401) == (
        anonymous != signed_in,
        Session.objects.filter(session_key=anonymous).exists(),
        no_token.status_code,
        by_get.status_code,
        out.status_code,
        out["Location"],
        after.status_code,
    )


def test_callback_redirects_to_next_or_login_redirect_url(fake: FakeChattz, settings: Any) -> None:
    """A 303 to next when given, else to LOGIN_REDIRECT_URL; the login cookie is cleared."""
    client = Client()
    with_next = client.get(callback_for(fake, client, "/chattz/login/?next=/x"))
    plain = client.get(callback_for(fake, client, "/chattz/login/"))
    settings.LOGOUT_REDIRECT_URL = "/bye"
    out = client.post("/logout")
    assert (303, "/x", 303, "/me", "/bye") == (
        with_next.status_code,
        with_next["Location"],
        plain.status_code,
        plain["Location"],
        out["Location"],
    )
    assert [] == login_cookies(client)


def test_signups_closed_is_a_403_and_creates_nothing(fake: FakeChattz, settings: Any) -> None:
    """CHATTZ_SIGNUPS = False: an unknown Chattz user gets the 403 page."""
    settings.CHATTZ_SIGNUPS = False
    refused = fake.login(Client(), "/chattz/login/")
    assert (403, True, []) == (
        refused.status_code,
        "Sign-ups are closed" in refused.content.decode(),
        usernames(),
    )


def test_database_failure_is_a_503_and_writes_nothing(fake: FakeChattz) -> None:
    """The link's INSERT fails: the 503 page, no user, not logged in; the next login works."""

    def fail(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if sql.lstrip().upper().startswith("INSERT") and "chattzaccount" in sql.lower():
            raise OperationalError("disk full (test)")
        return execute(sql, params, many, context)

    client = Client()
    with connections["default"].execute_wrapper(fail):
        failed = fake.login(client, "/chattz/login/")
    assert (503, [], 401) == (failed.status_code, usernames(), client.get("/me").status_code)
    assert 200 == fake.login(client, "/chattz/login/", next="/me").status_code


def test_inactive_user_is_refused(fake: FakeChattz) -> None:
    """A deactivated local user cannot sign in through Chattz: 403, not logged in, cookie gone."""
    fake.login(Client(), "/chattz/login/")
    User.objects.update(is_active=False)
    client = Client()
    refused = fake.login(client, "/chattz/login/")
    assert (403, "Account disabled", 401, []) == (
        refused.status_code,
        "Account disabled" if "Account disabled" in refused.content.decode() else "",
        client.get("/me").status_code,
        login_cookies(client),
    )


class NoUserBackend:
    """An authentication backend that cannot load users (like django-axes' standalone one)."""

    def authenticate(self, request: Any, **credentials: Any) -> None:
        """Never authenticates anyone."""
        return None


def test_login_records_a_backend_that_loads_the_user(fake: FakeChattz, settings: Any) -> None:
    """A first backend with no get_user: the session records ModelBackend, and stays signed in."""
    settings.AUTHENTICATION_BACKENDS = [
        f"{__name__}.NoUserBackend",
        "django.contrib.auth.backends.ModelBackend",
    ]
    client = Client()
    hello = fake.login(client, "/chattz/login/", next="/me")
    assert (200, "django.contrib.auth.backends.ModelBackend") == (
        hello.status_code,
        client.session["_auth_user_backend"],
    )


def test_no_backend_loading_the_user_is_a_500_and_signs_no_one_in(
    fake: FakeChattz, settings: Any
) -> None:
    """Only backends with no get_user: the 500 page, not logged in, the login cookie cleared."""
    settings.AUTHENTICATION_BACKENDS = [f"{__name__}.NoUserBackend"]
    client = Client()
    failed = fake.login(client, "/chattz/login/")
    assert (500, "_auth_user_id" in client.session, []) == (
        failed.status_code,
        False,
        login_cookies(client),
    )


def test_username_field_too_short_is_a_500_and_clears_the_login_cookie(
    fake: FakeChattz, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A username field no fallback fits (max_length 4, 'john' taken): 500, cookie gone, no user."""
    monkeypatch.setattr(User._meta.get_field("username"), "max_length", 4)
    User.objects.create_user("john")
    client = Client()
    failed = fake.login(client, "/chattz/login/")
    assert (500, "Sign-in is misconfigured", ["john"], []) == (
        failed.status_code,
        "Sign-in is misconfigured" if "Sign-in is misconfigured" in failed.content.decode() else "",
        usernames(),
        login_cookies(client),
    )


def test_odd_profile_still_logs_in(fake: FakeChattz) -> None:
    """Overlong, NUL and surrogate fields and an http avatar: the login goes through."""
    odd = fake.add_user(
        id=77,
        username="ev\x00il" + "x" * 300,
        email="x@y",
        first_name="Jo\ud800e",
        last_name="L" * 999,
        avatar="http://evil.example/a.png",
    )
    hello = fake.login(Client(), "/chattz/login/", user=odd, next="/me")
    link = ChattzAccount.objects.get()
    assert (200, 150, None, None, "Joe") == (
        hello.status_code,
        len(link.username),
        link.avatar,
        link.email,
        link.first_name,
    )


def test_on_success_keeps_the_hook_and_signs_no_one_in(fake: FakeChattz, settings: Any) -> None:
    """With an on_success the app's hook runs (signed_in None) and no user is made."""
    django_setup.use_callback(fake, settings, "/hook/chattz/callback/")
    answer = fake.login(Client(), "/chattz/login/")
    [result] = RESULTS
    assert ("hooked", None, []) == (answer.content.decode(), result.signed_in, usernames())


def test_missing_auth_middleware_fails_before_the_code_is_used(
    fake: FakeChattz, settings: Any
) -> None:
    """No AuthenticationMiddleware: ConfigurationError, no code exchanged."""
    settings.MIDDLEWARE = ["django.contrib.sessions.middleware.SessionMiddleware"]
    client = Client(raise_request_exception=True)
    callback = callback_for(fake, client, "/chattz/login/")
    with pytest.raises(ConfigurationError, match="AuthenticationMiddleware"):
        client.get(callback)
    assert 0 == sum(1 for r in fake.requests if r.path == "/oauth/token")


# --- async views (AsyncClient: Django's ASGI handler; and under WSGI) -------------------


@pytest.mark.anyio
async def test_async_login_logged_in_page_and_logout(fake: FakeChattz, settings: Any) -> None:
    """The async views: login (new session key), the page, POST logout with CSRF, logged out."""
    django_setup.use_callback(fake, settings, "/async/chattz/callback/")
    client = AsyncClient(enforce_csrf_checks=True)
    try:
        await client.get("/visit")
        anonymous = session_key(client)
        assert anonymous is not None
        login = await client.get("/async/chattz/login/?next=/async/me")
        back = await client.get(django_setup.path_of(fake.authorize(login["Location"])))
        hello = await client.get("/async/me")
        no_token = await client.post("/async/logout")
        out = await client.post("/async/logout", {"csrfmiddlewaretoken": token_on(hello)})
        after = await client.get("/async/me")
        old_session = await Session.objects.filter(session_key=anonymous).aexists()
    finally:
        await sync_to_async(connections.close_all, thread_sensitive=True)()
    assert (303, "/async/me", 200, True, True, False) == (
        back.status_code,
        back["Location"],
        hello.status_code,
        "Hello, John Doe" in hello.content.decode(),
        anonymous != session_key(client),
        old_session,
    )
    assert (403, 303, 401, ["johndoe"]) == (
        no_token.status_code,
        out.status_code,
        after.status_code,
        await sync_to_async(usernames)(),
    )


@pytest.mark.anyio
async def test_async_plain_login_while_signed_in_and_signups_closed(
    fake: FakeChattz, settings: Any
) -> None:
    """Async: a plain login while Bob is signed in signs John in; sign-ups closed is 403."""
    django_setup.use_callback(fake, settings, "/async/chattz/callback/")

    async def login(client: AsyncClient, user: Any = None) -> Any:
        start = await client.get("/async/chattz/login/")
        return await client.get(django_setup.path_of(fake.authorize(start["Location"], user=user)))

    try:
        await login(AsyncClient())
        bob = await User.objects.acreate(username="bob")
        client = AsyncClient()
        await client.aforce_login(bob)
        plain = await login(client)
        now = await client.get("/async/me")
        settings.CHATTZ_SIGNUPS = False
        closed = await login(AsyncClient(), fake.add_user(id=5, username="new"))
    finally:
        await sync_to_async(connections.close_all, thread_sensitive=True)()
    assert (303, True, 403) == (
        plain.status_code,
        "Hello, John Doe" in now.content.decode(),
        closed.status_code,
    )


def test_async_views_under_wsgi(fake: FakeChattz, settings: Any) -> None:
    """The async views behind the sync Client (a loop per request): login, page, logout."""
    django_setup.use_callback(fake, settings, "/async/chattz/callback/")
    client = Client()
    hello = fake.login(client, "/async/chattz/login/", next="/async/me")
    out = client.post("/async/logout")
    assert (200, True, 303, 401) == (
        hello.status_code,
        "Hello, John Doe" in hello.content.decode(),
        out.status_code,
        client.get("/async/me").status_code,
    )


# --- ATOMIC_REQUESTS -------------------------------------------------------------------


def test_twelve_concurrent_first_logins_with_atomic_requests_all_succeed(
    fake: FakeChattz, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite, ATOMIC_REQUESTS = True: 12 new users logging in at once all land signed in."""
    monkeypatch.setitem(connections.settings["default"], "ATOMIC_REQUESTS", True)
    people = [fake.add_user(id=1000 + n, username=f"user{n}") for n in range(12)]
    barrier = threading.Barrier(len(people))

    def log_in(index: int) -> tuple[int, str]:
        client = Client()
        try:
            started = client.get("/chattz/login/")
            callback = django_setup.path_of(fake.authorize(started["Location"], user=people[index]))
            barrier.wait()
            answer = client.get(callback)
            return answer.status_code, answer.get("Location", "")
        finally:
            connections.close_all()

    with ThreadPoolExecutor(len(people)) as pool:
        answers = list(pool.map(log_in, range(len(people))))
    assert ([(303, "/me")] * 12, [f"user{n}" for n in range(12)]) == (
        answers,
        sorted(usernames(), key=lambda name: int(name[4:])),
    )


@pytest.mark.anyio
async def test_async_callback_works_under_atomic_requests(
    fake: FakeChattz, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Django refuses async views under ATOMIC_REQUESTS unless marked: the login still works."""
    monkeypatch.setitem(connections.settings["default"], "ATOMIC_REQUESTS", True)
    django_setup.use_callback(fake, settings, "/async/chattz/callback/")
    client = AsyncClient()
    try:
        started = await client.get("/async/chattz/login/")
        back = await client.get(django_setup.path_of(fake.authorize(started["Location"])))
        count = await User.objects.acount()
    finally:
        await sync_to_async(connections.close_all, thread_sensitive=True)()
    assert (303, "/me", 1) == (back.status_code, back["Location"], count)


# --- the documented on_success (docs/frameworks/django.md) ----------------------------------


def test_docs_on_success_never_links_a_plain_login_to_the_signed_in_user(
    fake: FakeChattz, settings: Any
) -> None:
    """Signed in as Vic, a plain login as Mal through the docs' handler: Mal's own new user."""
    django_setup.use_callback(fake, settings, "/recipe/chattz/callback/")
    vic = fake.add_user(id=2, username="vic", first_name="Vic")
    mal = fake.add_user(id=3, username="mal", first_name="Mal")
    client = Client()
    first = fake.login(client, "/chattz/login/", user=vic, next="/me")
    forced = fake.login(client, "/chattz/login/", user=mal, next="/me")
    rows = ChattzAccount.objects.select_related("user").order_by("chattz_id")
    assert (
        "<h1>Hello, Vic</h1>",
        "<h1>Hello, Mal</h1>",
        ["vic", "mal"],
        [(2, "vic"), (3, "mal")],
    ) == (
        first.content.decode().partition("<p")[0],
        forced.content.decode().partition("<p")[0],
        usernames(),
        [(row.chattz_id, row.user.username) for row in rows],
    )


def test_docs_on_success_links_a_linking_login_and_refuses_a_stale_one(
    fake: FakeChattz, settings: Any
) -> None:
    """Through link_view the docs' handler links to the signed-in user; after logout, 403."""
    django_setup.use_callback(fake, settings, "/recipe/chattz/callback/")
    vic = fake.add_user(id=2, username="vic", first_name="Vic")
    bob = fake.add_user(id=4, username="bob", first_name="Bob")
    mal = fake.add_user(id=3, username="mal", first_name="Mal")
    client = Client()
    page = fake.login(client, "/chattz/login/", user=vic, next="/me")
    linked = fake.login(client, "/chattz/link/", user=bob, method="POST", next="/me")
    token = token_on(linked)
    started = client.post("/chattz/link/", {"csrfmiddlewaretoken": token, "next": "/me"})
    client.post("/logout", {"csrfmiddlewaretoken": token})
    stale = client.get(django_setup.path_of(fake.authorize(started["Location"], user=mal)))
    rows = ChattzAccount.objects.select_related("user").order_by("chattz_id")
    assert (200, "[2, 4]", 403, True, ["vic"], [(2, "vic"), (4, "vic")]) == (
        page.status_code,
        re.search(r"id=chattz>(.*?)<", linked.content.decode()).group(1),  # type: ignore[union-attr]
        stale.status_code,
        "<h1 id=error>Linking not completed</h1>" in stale.content.decode(),
        usernames(),
        [(row.chattz_id, row.user.username) for row in rows],
    )
