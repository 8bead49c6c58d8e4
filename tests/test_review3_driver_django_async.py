"""Review 3: ``fake_chattz.alogin`` / ``alogout`` drive Django's async test client.

A Django project's async tests (pytest-django's ``async_client``) got
``TypeError: fake_chattz.alogin() does not know AsyncClient: use an
httpx.AsyncClient``: contradictory (Django's class is called AsyncClient too) and
unsupported, while the sync ``Client`` worked. Django's async stack is asyncio
only (asgiref), so these tests run on asyncio alone. This module is also the
tests' URLconf: the library's async views.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests import django_setup

django_setup.configure()

from django.http import HttpRequest, HttpResponse  # type: ignore[import-untyped]  # noqa: E402
from django.test import AsyncClient  # type: ignore[import-untyped]  # noqa: E402
from django.urls import path  # type: ignore[import-untyped]  # noqa: E402

from chattz_oauth_async.integrations import django as chattz  # noqa: E402
from chattz_oauth_async.testing import FakeChattz  # noqa: E402

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    """Django's async views and test client run on asyncio only."""
    return "asyncio"


async def me(request: HttpRequest) -> HttpResponse:
    """The page after login: who is signed in, and their Chattz links."""
    user = await request.auser()
    if not user.is_authenticated:
        return HttpResponse("nobody")
    ids = [link.chattz_id async for link in user.chattz_accounts.order_by("chattz_id")]
    return HttpResponse(f"user {user.pk} chattz {ids}")


urlpatterns = [
    path("me", me),
    path("chattz/login/", chattz.async_login_view),
    path("chattz/callback/", chattz.async_callback_view),
    path("chattz/link/", chattz.async_link_view),
    path("logout", chattz.async_logout_view),
]


@pytest.fixture
def fake(settings: Any) -> Iterator[FakeChattz]:
    """The fake on loopback; the async views on a migrated database, CSRF enforced."""
    with django_setup.account_site(settings, __name__) as provider:
        yield provider


async def test_alogin_and_alogout_drive_djangos_async_client(fake: FakeChattz) -> None:
    """Log in (the page after it), link a second Chattz account with the link form's POST
    (CSRF token from the cookie), then log out: each through the library's async views."""
    browser = AsyncClient(enforce_csrf_checks=True)
    first = await fake.alogin(browser, "/chattz/login/", next="/me")
    alice = fake.add_user(id=2, username="alice")
    linked = await fake.alogin(browser, "/chattz/link/", user=alice, method="POST", next="/me")
    await fake.alogout(browser, "/logout")
    after = await browser.get("/me")
    first_text, linked_text = first.content.decode(), linked.content.decode()
    assert (200, True, 200, True, b"nobody") == (
        first.status_code,
        first_text.startswith("user ") and first_text.endswith(" chattz [123]"),
        linked.status_code,
        linked_text == first_text.replace("[123]", "[2, 123]"),
        after.content,
    )


async def test_alogin_deny_with_djangos_async_client(fake: FakeChattz) -> None:
    """Deny on the consent page: the callback's 400 page, nobody signed in."""
    browser = AsyncClient()
    page = await fake.alogin(browser, "/chattz/login/", approve=False)
    after = await browser.get("/me")
    assert (400, b"nobody") == (page.status_code, after.content)
