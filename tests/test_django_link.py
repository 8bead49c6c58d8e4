"""Linking a Chattz account to the signed-in Django user (only by the POST link view); unlinking.

A plain login (``login_view``) while someone is signed in signs in the Chattz
account's own user and never links (a forced navigation to the login URL must
not attach a stranger's Chattz account); ``link_view`` / ``async_link_view``
(POST, CSRF token) start a linking login sealed with the user's pk, and the
callback links only if that user is still the one signed in. A real SQLite
database, database sessions, auth and CSRF middleware, the fake on loopback;
this module is the URLconf. Async tests run on asyncio only: Django's async
stack (asgiref) needs it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests import django_setup

django_setup.configure()

from asgiref.sync import sync_to_async  # noqa: E402
from django.contrib.auth import get_user_model  # type: ignore[import-untyped]  # noqa: E402
from django.contrib.sessions.models import Session  # type: ignore[import-untyped]  # noqa: E402
from django.db import connections  # type: ignore[import-untyped]  # noqa: E402
from django.http import HttpRequest, HttpResponse  # type: ignore[import-untyped]  # noqa: E402
from django.middleware.csrf import get_token  # type: ignore[import-untyped]  # noqa: E402
from django.test import AsyncClient, Client  # type: ignore[import-untyped]  # noqa: E402
from django.urls import path  # type: ignore[import-untyped]  # noqa: E402
from django.utils.timezone import now as django_now  # type: ignore[import-untyped]  # noqa: E402

from chattz_oauth_async.integrations import django as chattz  # noqa: E402
from chattz_oauth_async.integrations.django.models import ChattzAccount  # noqa: E402
from chattz_oauth_async.testing import FakeChattz  # noqa: E402

User = get_user_model()
TOKEN = re.compile(r"name=csrfmiddlewaretoken value=([\w-]+)>")


def me(request: HttpRequest) -> HttpResponse:
    """Who is signed in (pk and username) and a CSRF token for the link and logout forms."""
    user = request.user
    if not user.is_authenticated:
        return HttpResponse("Not logged in", status=401)
    return HttpResponse(
        f"<p id=user>{user.pk} {user.username}</p>"
        f"<input type=hidden name=csrfmiddlewaretoken value={get_token(request)}>"
    )


urlpatterns = [
    path("me", me),
    path("chattz/login/", chattz.login_view),
    path("chattz/link/", chattz.link_view),
    path("chattz/callback/", chattz.callback_view),
    path("logout", chattz.logout_view),
    path("async/chattz/login/", chattz.async_login_view),
    path("async/chattz/link/", chattz.async_link_view),
    path("async/chattz/callback/", chattz.async_callback_view),
    path("chattz/unlink/", chattz.unlink_view),
    path("async/chattz/unlink/", chattz.async_unlink_view),
]


@pytest.fixture
def anyio_backend() -> str:
    """asyncio only: Django's async views and ORM bridge (asgiref) run on asyncio."""
    return "asyncio"


@pytest.fixture
def fake(settings: Any) -> Iterator[FakeChattz]:
    """The fake on loopback; the site on a migrated database with auth, sessions and CSRF."""
    with django_setup.account_site(settings, __name__) as provider:
        settings.LOGIN_URL = "/chattz/login/"
        yield provider


@pytest.fixture
def alice() -> Any:
    """A local user, Alice, with no Chattz account yet."""
    return User.objects.create_user("alice")


def signed_in_as(client: Client) -> str:
    """Who /me says is signed in ("<pk> <username>"), or its status."""
    page = client.get("/me")
    found = re.search(r"<p id=user>(.*?)</p>", page.content.decode())
    return found.group(1) if found is not None else str(page.status_code)


def token_of(client: Client) -> str:
    """The CSRF token of the signed-in user's page."""
    found = TOKEN.search(client.get("/me").content.decode())
    assert found is not None
    return found.group(1)


def start_link(client: Client, link: str = "/chattz/link/") -> Any:
    """POST the link form (with the page's CSRF token, next=/me): the redirect to Chattz."""
    return client.post(link, {"csrfmiddlewaretoken": token_of(client), "next": "/me"})


def links() -> list[tuple[int, str]]:
    """Every link: Chattz id, the user's username."""
    rows = ChattzAccount.objects.select_related("user").order_by("chattz_id")
    return [(row.chattz_id, row.user.username) for row in rows]


def test_plain_login_while_signed_in_signs_in_the_chattz_user_and_never_links(
    fake: FakeChattz, alice: Any
) -> None:
    """Alice signed in, GET /login as John: John's own new user, Alice's session gone, no link."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    before = client.cookies["sessionid"].value
    hello = fake.login(client, "/chattz/login/", next="/me")
    john = User.objects.get(username="johndoe")
    assert (200, f"{john.pk} johndoe", [(123, "johndoe")], False) == (
        hello.status_code,
        signed_in_as(client),
        links(),
        Session.objects.filter(session_key=before).exists(),
    )


def test_link_view_links_the_chattz_account_to_the_signed_in_user(
    fake: FakeChattz, alice: Any
) -> None:
    """POST /chattz/link/ with the CSRF token: John's Chattz account is Alice's; it signs her in."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    no_token = client.post("/chattz/link/", {"next": "/me"})
    started = start_link(client)
    back = client.get(django_setup.path_of(fake.authorize(started["Location"])))
    again = fake.login(Client(), "/chattz/login/", next="/me")
    assert (403, 303, "/me", f"{alice.pk} alice", [(123, "alice")], ["alice"]) == (
        no_token.status_code,
        back.status_code,
        back["Location"],
        signed_in_as(client),
        links(),
        list(User.objects.values_list("username", flat=True)),
    )
    assert f"<p id=user>{alice.pk} alice</p>" == again.content.decode().partition("<input")[0]


def test_link_view_refuses_get_and_sends_anonymous_visitors_to_login_url(
    fake: FakeChattz,
) -> None:
    """GET is 405; an anonymous POST is a 303 to LOGIN_URL with next, no login started."""
    client = Client()
    by_get = client.get("/chattz/link/")
    anonymous = client.post("/chattz/link/", {"next": "/me"})
    bare = client.post("/chattz/link/")
    assert (405, 303, "/chattz/login/?next=/me", "/chattz/login/?next=/me") == (
        by_get.status_code,
        anonymous.status_code,
        anonymous["Location"],
        bare["Location"],
    )
    assert [] == [n for n, m in client.cookies.items() if "chattz_login_" in n and m.value]


@pytest.mark.parametrize("meanwhile", ["signed out", "another user"])
def test_linking_login_finished_for_someone_else_is_refused(
    fake: FakeChattz, alice: Any, meanwhile: str
) -> None:
    """Alice starts a link, then signs out or Bob signs in: 403, nothing written, session kept."""
    bob = User.objects.create_user("bob")
    client = Client()
    client.force_login(alice)
    started = start_link(client)
    if meanwhile == "signed out":
        client.post("/logout")
    else:
        client.force_login(bob)
    before = signed_in_as(client)
    refused = client.get(django_setup.path_of(fake.authorize(started["Location"])))
    assert (403, True, before, [], 2) == (
        refused.status_code,
        "Linking not completed" in refused.content.decode(),
        signed_in_as(client),
        links(),
        User.objects.count(),
    )
    assert [] == [n for n, m in client.cookies.items() if "chattz_login_" in n and m.value]


def test_linking_a_chattz_account_linked_to_someone_else_is_a_409(
    fake: FakeChattz, alice: Any
) -> None:
    """John's Chattz account is John's: Alice linking it gets 409 and stays Alice."""
    fake.login(Client(), "/chattz/login/")
    client = Client()
    client.force_login(alice)
    refused = client.get(django_setup.path_of(fake.authorize(start_link(client)["Location"])))
    assert (409, True, f"{alice.pk} alice", [(123, "johndoe")]) == (
        refused.status_code,
        "already linked" in refused.content.decode(),
        signed_in_as(client),
        links(),
    )


@pytest.mark.anyio
async def test_async_link_view_links_and_refuses(fake: FakeChattz, settings: Any) -> None:
    """async_link_view: GET 405; links for the signed-in user; a stale link 403, a taken one 409."""
    django_setup.use_callback(fake, settings, "/async/chattz/callback/")
    link = "/async/chattz/link/"

    async def finish(client: AsyncClient, started: Any, user: Any = None) -> Any:
        return await client.get(
            django_setup.path_of(fake.authorize(started["Location"], user=user))
        )

    async def post(client: AsyncClient, to: str) -> Any:
        found = TOKEN.search((await client.get("/me")).content.decode())
        assert found is not None
        return await client.post(to, {"csrfmiddlewaretoken": found.group(1), "next": "/me"})

    async def start(client: AsyncClient) -> Any:
        return await post(client, link)

    try:
        alice = await User.objects.acreate(username="alice")
        client = AsyncClient(enforce_csrf_checks=True)
        await client.aforce_login(alice)
        by_get = await client.get(link)
        linked = await finish(client, await start(client))
        stale = await start(client)
        await post(client, "/logout")  # (the client's alogout would drop every cookie)
        refused = await finish(client, stale, fake.add_user(id=5, username="other"))
        bob = await User.objects.acreate(username="bob")
        await client.aforce_login(bob)
        taken = await finish(client, await start(client))
        rows = await sync_to_async(links)()
    finally:
        await sync_to_async(connections.close_all, thread_sensitive=True)()
    assert (405, 303, 403, 409, [(123, "alice")]) == (
        by_get.status_code,
        linked.status_code,
        refused.status_code,
        taken.status_code,
        rows,
    )


# --- unlink ------------------------------------------------------------------------------


def unlink(client: Client, chattz_id: object, to: str = "/chattz/unlink/") -> Any:
    """POST the unlink form (the page's CSRF token, ``chattz_id``, next=/me)."""
    fields = {"csrfmiddlewaretoken": token_of(client), "chattz_id": chattz_id, "next": "/me"}
    return client.post(to, fields)


def test_unlink_view_removes_a_link_but_never_the_users_last_way_in(fake: FakeChattz) -> None:
    """John (no password) with two links: one unlinks (303), the last one is kept (409)."""
    client = Client(enforce_csrf_checks=True)
    fake.login(client, "/chattz/login/")
    bob = fake.add_user(id=8, username="bob")
    client.get(django_setup.path_of(fake.authorize(start_link(client)["Location"], user=bob)))
    both = links()
    removed = unlink(client, 123)
    kept = unlink(client, 8)
    assert (
        [(8, "johndoe"), (123, "johndoe")],
        (303, "/me"),
        (409, True),
        [(8, "johndoe")],
        f"{User.objects.get().pk} johndoe",
    ) == (
        both,
        (removed.status_code, removed["Location"]),
        (
            kept.status_code,
            "<h1 id=error>Chattz account not unlinked</h1>" in kept.content.decode(),
        ),
        links(),
        signed_in_as(client),
    )


def test_unlink_view_lets_a_user_with_a_password_remove_the_last_link(
    fake: FakeChattz, alice: Any
) -> None:
    """Alice has a password: her one Chattz link goes (303); she stays signed in."""
    alice.set_password("a long enough password")
    alice.save()
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    client.get(django_setup.path_of(fake.authorize(start_link(client)["Location"])))
    before = links()
    removed = unlink(client, 123)
    assert ([(123, "alice")], 303, [], f"{alice.pk} alice") == (
        before,
        removed.status_code,
        links(),
        signed_in_as(client),
    )


def test_unlink_view_refuses_what_is_not_an_unlink_of_ones_own_link(
    fake: FakeChattz, alice: Any
) -> None:
    """GET 405, no CSRF token 403, anonymous 303 to LOGIN_URL, a bad id 400; others' links stay."""
    fake.login(Client(), "/chattz/login/")  # Chattz 123 is John's
    anonymous = Client().post("/chattz/unlink/", {"chattz_id": "123"})
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    by_get = client.get("/chattz/unlink/")
    no_token = client.post("/chattz/unlink/", {"chattz_id": "123"})
    garbage = [unlink(client, value).status_code for value in ("abc", "", "0", "-1", "9" * 20)]
    others = unlink(client, 123)
    assert (
        (303, "/chattz/login/"),
        405,
        403,
        [400, 400, 400, 400, 400],
        303,
        [(123, "johndoe")],
    ) == (
        (anonymous.status_code, anonymous["Location"]),
        by_get.status_code,
        no_token.status_code,
        garbage,
        others.status_code,
        links(),
    )


@pytest.mark.anyio
async def test_async_unlink_view_removes_and_keeps_the_last_link(fake: FakeChattz) -> None:
    """async_unlink_view: one link of two goes (303), the last is kept (409)."""
    try:
        john = await User.objects.acreate(username="john")
        await sync_to_async(john.set_unusable_password)()
        await sync_to_async(john.save)()
        for chattz_id in (123, 8):
            await ChattzAccount.objects.acreate(
                chattz_id=chattz_id,
                user=john,
                username=f"c{chattz_id}",
                linked_at=django_now(),
                last_login_at=django_now(),
            )
        client = AsyncClient(enforce_csrf_checks=True)
        await client.aforce_login(john)
        found = TOKEN.search((await client.get("/me")).content.decode())
        assert found is not None
        token = found.group(1)
        removed = await client.post(
            "/async/chattz/unlink/", {"csrfmiddlewaretoken": token, "chattz_id": "123"}
        )
        kept = await client.post(
            "/async/chattz/unlink/", {"csrfmiddlewaretoken": token, "chattz_id": "8"}
        )
        rows = await sync_to_async(links)()
    finally:
        await sync_to_async(connections.close_all, thread_sensitive=True)()
    assert (303, "/me", 409, [(8, "john")]) == (
        removed.status_code,
        removed["Location"],
        kept.status_code,
        rows,
    )
