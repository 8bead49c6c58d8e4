"""The testing kit against the Django integration's own sign-in: login, an account page, logout.

``callback_view`` with no ``CHATTZ_ON_SUCCESS`` signs the login in to a Django
user (a migrated SQLite database, database sessions, auth and CSRF
middleware); ``logout_view`` is the POST logout. The test client enforces
CSRF checks, as a browser's requests meet them. This module is the URLconf.
"""

from __future__ import annotations

from collections.abc import Iterator
from html import escape
from typing import Any

import pytest

from tests import django_setup

django_setup.configure()

from django.contrib.auth.decorators import login_required  # type: ignore[import-untyped]  # noqa: E402
from django.http import HttpRequest, HttpResponse  # type: ignore[import-untyped]  # noqa: E402
from django.middleware.csrf import get_token  # type: ignore[import-untyped]  # noqa: E402
from django.test import Client  # type: ignore[import-untyped]  # noqa: E402
from django.urls import path  # type: ignore[import-untyped]  # noqa: E402

from chattz_oauth_async.integrations import django as chattz  # noqa: E402
from chattz_oauth_async.testing import FakeChattz  # noqa: E402


@login_required  # type: ignore[untyped-decorator]
def account(request: HttpRequest) -> HttpResponse:
    """The logged-in page: the user's name and a logout form with its CSRF token."""
    name = escape(request.user.get_full_name() or request.user.username)
    token = escape(get_token(request))
    return HttpResponse(
        f"<h1>Hello, {name}</h1>"
        '<form method="post" action="/logout">'
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{token}">'
        "<button>Log out</button></form>"
    )


def home(request: HttpRequest) -> HttpResponse:
    """Who is signed in."""
    user = request.user
    return HttpResponse(f"Signed in as {user.username}" if user.is_authenticated else "Signed out")


urlpatterns = [
    path("", home),
    path("account", account),
    path("login", chattz.login_view),
    path("callback", chattz.callback_view),
    path("logout", chattz.logout_view),
    path("link", chattz.link_view),
]


@pytest.fixture
def site(fake_chattz: FakeChattz, chattz_env: dict[str, str], settings: Any) -> Iterator[None]:
    """The integration's views on a migrated database, with the fake served on loopback."""
    with django_setup.database():
        settings.ROOT_URLCONF = __name__
        settings.MIDDLEWARE = django_setup.ACCOUNT_MIDDLEWARE
        settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
        settings.LOGIN_URL = "/login"
        settings.LOGIN_REDIRECT_URL = "/account"
        settings.LOGOUT_REDIRECT_URL = "/"
        settings.CHATTZ_CLIENT_ID = chattz_env["CHATTZ_CLIENT_ID"]
        settings.CHATTZ_CLIENT_SECRET = chattz_env["CHATTZ_CLIENT_SECRET"]
        settings.CHATTZ_REDIRECT_URI = chattz_env["CHATTZ_REDIRECT_URI"]
        settings.CHATTZ_BASE_URL = chattz_env["CHATTZ_BASE_URL"]
        yield
        chattz.get_session().close()  # its connection to the fake, stopped after this test


@pytest.mark.usefixtures("site")
def test_login_account_page_logout(fake_chattz: FakeChattz) -> None:
    """The account page sends to the login and back; its Log out form signs the user out."""
    alice = fake_chattz.add_user(id=2, username="alice", first_name="Alice", last_name="Liddell")
    client = Client(enforce_csrf_checks=True)
    to_login = client.get("/account")["Location"]
    page = fake_chattz.login(client, to_login, user=alice)
    after = fake_chattz.logout(client, from_page="/account")
    assert ("/login?next=/account", 200, b"<h1>Hello, Alice Liddell</h1>", b"Signed out") == (
        to_login,
        page.status_code,
        page.content.partition(b"<form")[0],
        after.content,
    )
    assert client.get("/account")["Location"].startswith("/login?next=")


@pytest.mark.usefixtures("site")
def test_logout_sends_the_csrf_cookies_token(fake_chattz: FakeChattz) -> None:
    """Without a page, the driver sends the CSRF token from the cookie Django set at login."""
    client = Client(enforce_csrf_checks=True)
    fake_chattz.login(client, "/login")
    refused = client.post("/logout")
    after = fake_chattz.logout(client)
    assert (403, b"Signed out") == (refused.status_code, after.content)


@pytest.mark.usefixtures("site")
def test_two_browsers_two_users(fake_chattz: FakeChattz) -> None:
    """Alice and Bob in two clients; Alice logging out leaves Bob signed in."""
    alice = fake_chattz.add_user(id=2, username="alice")
    bob = fake_chattz.add_user(id=3, username="bob")
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    fake_chattz.login(first, "/login", user=alice)
    fake_chattz.login(second, "/login", user=bob)
    fake_chattz.logout(first, from_page="/account")
    assert (b"Signed out", b"Signed in as bob") == (
        first.get("/").content,
        second.get("/").content,
    )


@pytest.mark.usefixtures("site")
def test_linking_login_through_the_kit_links_a_second_chattz_account(
    fake_chattz: FakeChattz,
) -> None:
    """login(method="POST") on the link view links Bob's Chattz account to Alice, CSRF enforced."""
    alice = fake_chattz.add_user(id=2, username="alice")
    bob = fake_chattz.add_user(id=3, username="bob")
    client = Client(enforce_csrf_checks=True)
    fake_chattz.login(client, "/login", user=alice)
    fake_chattz.login(client, "/link", user=bob, method="POST")
    fake_chattz.logout(client, "/logout")
    as_bob = fake_chattz.login(client, "/login", user=bob, next="/")
    assert "Signed in as alice" == as_bob.content.decode()
