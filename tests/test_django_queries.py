"""Queries per login through Django's default callback with database sessions: pinned.

The whole callback request (the account step, the session step,
``django.contrib.auth.login`` with database sessions, the middleware), counted
with ``django.test.utils.CaptureQueriesContext`` on the migrated SQLite test
database (BEGIN, COMMIT and SAVEPOINT are queries there too), for a returning
user in a new browser, a first login, and a linking login (its POST to the link
view counted apart). The sync views behind ``Client`` (WSGI) and the async views
behind ``Client`` as well (their ORM calls run in the request's own thread, where
the capture sees them). A change that adds a query fails here.

Of the returning login's 10 queries, 2 are the account step's (the link and its
user in one SELECT; the UPDATE whose WHERE keeps the decision true); the other 8
are Django's own login with database sessions (a new session key: SELECT, BEGIN,
INSERT, COMMIT; ``update_last_login``; the session saved: BEGIN, UPDATE, COMMIT).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests import django_setup

django_setup.configure()

from django.contrib.auth import get_user_model  # type: ignore[import-untyped]  # noqa: E402
from django.db import connections  # type: ignore[import-untyped]  # noqa: E402
from django.test import Client  # type: ignore[import-untyped]  # noqa: E402
from django.test.utils import CaptureQueriesContext  # type: ignore[import-untyped]  # noqa: E402
from django.urls import path  # type: ignore[import-untyped]  # noqa: E402

from chattz_oauth_async.integrations import django as chattz  # noqa: E402
from chattz_oauth_async.integrations.django.models import ChattzAccount  # noqa: E402
from chattz_oauth_async.testing import FakeChattz  # noqa: E402
from tests.test_django_signin import me, token_on  # noqa: E402

User = get_user_model()

urlpatterns = [
    path("me", me),
    path("chattz/login/", chattz.login_view),
    path("chattz/callback/", chattz.callback_view),
    path("chattz/link/", chattz.link_view),
    path("async/chattz/login/", chattz.async_login_view),
    path("async/chattz/callback/", chattz.async_callback_view),
    path("async/chattz/link/", chattz.async_link_view),
]

#: Queries of the whole callback request: (returning, first, linking), and the link view's POST.
EXPECTED = {"returning": 10, "first": 14, "linking": 7, "link view": 2}


@pytest.fixture
def fake(settings: Any) -> Iterator[FakeChattz]:
    """The fake on loopback; the site on a migrated database with database sessions."""
    with django_setup.account_site(settings, __name__) as provider:
        yield provider


def queries(call: Any) -> tuple[int, Any]:
    """How many queries ``call()`` made, and what it returned."""
    with CaptureQueriesContext(connections["default"]) as captured:
        answer = call()
    return len(captured.captured_queries), answer


@pytest.mark.parametrize("prefix", ["/chattz/", "/async/chattz/"])
def test_queries_per_login_through_the_default_callback(
    fake: FakeChattz, settings: Any, prefix: str
) -> None:
    """Returning 10, first 14, linking 7 queries (its link view's POST 2); each login works."""
    django_setup.use_callback(fake, settings, f"{prefix}callback/")
    vic = fake.add_user(id=2, username="vic", first_name="Vic")
    bob = fake.add_user(id=4, username="bob", first_name="Bob")

    def callback(client: Client, location: str, user: Any) -> Any:
        path_ = django_setup.path_of(fake.authorize(location, user=user))
        return queries(lambda: client.get(path_))

    client = Client()
    first, first_answer = callback(client, client.get(f"{prefix}login/")["Location"], vic)
    client = Client()  # a new browser: the returning user signs in again
    returning, returning_answer = callback(client, client.get(f"{prefix}login/")["Location"], vic)
    token = token_on(client.get("/me"))
    link_view, started = queries(
        lambda: client.post(f"{prefix}link/", {"csrfmiddlewaretoken": token, "next": "/me"})
    )
    linking, linking_answer = callback(client, started["Location"], bob)
    rows = ChattzAccount.objects.order_by("chattz_id").values_list("chattz_id", "user__username")
    assert (
        EXPECTED,
        [303, 303, 303],
        [(2, "vic"), (4, "vic")],
        ["vic"],
    ) == (
        {"returning": returning, "first": first, "linking": linking, "link view": link_view},
        [first_answer.status_code, returning_answer.status_code, linking_answer.status_code],
        list(rows),
        list(User.objects.values_list("username", flat=True)),
    )
