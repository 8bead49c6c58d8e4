"""Review of issue 27 item 1: the Django store's user hand-off to the session step.

``DjangoStore.sign_in_once`` keeps the user it read (or made) so that the session step
does not read it again. ``DjangoStore.user`` is public (the documented ``on_success``
recipe and an app's own views call it, often on a store built once and shared): it must
read the user as the database has it now, never a copy a sign-in kept from before a user
was disabled or deleted. The default views still read no user twice (their query counts
are pinned in tests/test_django_queries.py).
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from tests import django_setup

django_setup.configure()

from django.contrib.auth import get_user_model  # type: ignore[import-untyped]  # noqa: E402

from chattz_oauth_async import ChattzUser  # noqa: E402
from chattz_oauth_async.accounts import (  # noqa: E402
    AccountLinkedElsewhere,
    Accounts,
    InactiveUser,
    Outcome,
)
from chattz_oauth_async.integrations.django.models import ChattzAccount  # noqa: E402
from chattz_oauth_async.integrations.django.store import DjangoStore  # noqa: E402
from tests import test_django_accounts  # noqa: E402
from tests.accounts_helpers import PLAIN, linking  # noqa: E402

User = get_user_model()
#: The fixture of the Django store tests: a migrated alias, SQLite then PostgreSQL.
alias = test_django_accounts.alias
T0 = dt.datetime(2030, 1, 1, 12, 0, tzinfo=dt.UTC)
JOHN = ChattzUser(id=123, username="johndoe")


@pytest.mark.parametrize("outcome", [Outcome.CREATED, Outcome.SIGNED_IN])
def test_store_user_after_a_sign_in_reads_a_disabled_user_as_disabled(
    alias: str, outcome: Outcome
) -> None:
    """A shared store signs John in (first or returning login); he is disabled before
    ``user()`` is asked: it says so, not what the sign-in read."""
    store = DjangoStore(using=alias)
    accounts = Accounts(store, clock=lambda: T0)
    signed_in = accounts.sign_in(JOHN, login=PLAIN)
    if outcome is Outcome.SIGNED_IN:
        signed_in = accounts.sign_in(JOHN, login=PLAIN)
    User.objects.using(alias).filter(pk=signed_in.user_id).update(is_active=False)
    user = store.user(signed_in.user_id)
    assert (outcome, False) == (signed_in.outcome, user.is_active)


def test_store_user_after_a_sign_in_reads_a_deleted_user_as_none(alias: str) -> None:
    """A shared store signs John in; he is deleted before ``user()`` is asked: None."""
    store = DjangoStore(using=alias)
    signed_in = Accounts(store, clock=lambda: T0).sign_in(JOHN, login=PLAIN)
    User.objects.using(alias).filter(pk=signed_in.user_id).delete()
    assert None is store.user(signed_in.user_id)


def test_a_user_disabled_after_a_sign_in_is_refused_at_the_next_one(alias: str) -> None:
    """A shared store: John signs in (nothing asks ``user()`` after, as in a bot or an API
    that keeps the id), is disabled, and signs in again: InactiveUser, the link untouched."""
    store = DjangoStore(using=alias)
    accounts = Accounts(store, clock=lambda: T0)
    first = accounts.sign_in(JOHN, login=PLAIN)
    User.objects.using(alias).filter(pk=first.user_id).update(is_active=False)
    later = Accounts(store, clock=lambda: T0 + dt.timedelta(hours=1))
    with pytest.raises(InactiveUser):
        later.sign_in(JOHN, login=PLAIN)
    account = store.find(123)
    assert (first.user_id, T0) == (account and account.user_id, account and account.last_login_at)


def test_a_linking_login_racing_plain_first_logins_makes_one_link_and_no_orphan(
    alias: str,
) -> None:
    """Threads at once: Alice's linking login of a new Chattz account against 20 plain first
    logins of it. Either her link stands (every plain login signs in as her) or a plain login
    created the account first (hers is refused, writing nothing); one link, and no user
    without a link besides Alice."""
    alice = User.objects.db_manager(alias).create_user("alice")
    shared = test_django_accounts.accounts(alias)
    plain = 20
    calls = iter([True] + [False] * plain)
    lock = threading.Lock()

    def one() -> tuple[str, str]:
        with lock:
            is_linking = next(calls)
        try:
            if is_linking:
                done = shared.sign_in(
                    JOHN, login=linking(str(alice.pk)), signed_in_user_id=alice.pk
                )
            else:
                done = shared.sign_in(JOHN, login=PLAIN)
        except AccountLinkedElsewhere:
            return "link refused", ""
        return done.outcome.value, done.user_id

    results = test_django_accounts.in_threads(plain + 1, one)
    link = ChattzAccount.objects.using(alias).get()
    if link.user_id == alice.pk:
        expected = ["linked"] + ["signed_in"] * plain
    else:
        expected = ["created", "link refused"] + ["signed_in"] * (plain - 1)
    unlinked = User.objects.using(alias).filter(chattz_accounts__isnull=True).exclude(pk=alice.pk)
    assert (sorted(expected), {str(link.user_id)}, 0, 1) == (
        sorted(outcome for outcome, _ in results),
        {user_id for _, user_id in results if user_id},
        unlinked.count(),
        ChattzAccount.objects.using(alias).count(),
    )
