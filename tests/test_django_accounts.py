"""The Django account store (DjangoStore, AsyncDjangoStore) with Accounts on real databases.

Every store test runs on SQLite (a temporary file, migrated) and on the
suite's PostgreSQL server (a fresh database under a database alias of its
own; ``@pytest.mark.postgres``). The async tests run on asyncio only: asgiref's
``sync_to_async``, which carries Django's ORM into async code, needs asyncio.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import itertools
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from asgiref.sync import sync_to_async

from tests import django_setup

django_setup.configure()

from django.contrib.auth import get_user_model  # type: ignore[import-untyped]  # noqa: E402
from django.core.management import call_command  # type: ignore[import-untyped]  # noqa: E402
from django.db import OperationalError, connections  # type: ignore[import-untyped]  # noqa: E402

from chattz_oauth_async import ChattzUser  # noqa: E402
from chattz_oauth_async.accounts import (  # noqa: E402
    AccountError,
    AccountLinkedElsewhere,
    Accounts,
    AccountStoreError,
    AsyncAccounts,
    InactiveUser,
    Outcome,
    Profile,
    SignupsClosed,
    UnlinkRefused,
)
from chattz_oauth_async.accounts._values import UNKNOWN_TIME  # noqa: E402
from chattz_oauth_async.integrations.django.models import ChattzAccount  # noqa: E402
from chattz_oauth_async.integrations.django.store import AsyncDjangoStore, DjangoStore  # noqa: E402
from tests.accounts_helpers import PLAIN, linking  # noqa: E402

User = get_user_model()
T0 = dt.datetime(2030, 1, 1, 12, 0, tzinfo=dt.UTC)
CONCURRENT = 50


@pytest.fixture
def anyio_backend() -> str:
    """asyncio only: asgiref's sync_to_async (Django's async ORM bridge) runs on asyncio."""
    return "asyncio"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def alias(request: pytest.FixtureRequest) -> Iterator[str]:
    """A migrated, empty database alias: SQLite, then PostgreSQL."""
    if request.param == "sqlite":
        with django_setup.database() as name:
            yield name
    else:
        server = request.getfixturevalue("postgres_server")
        with django_setup.postgres_database(server) as name:
            yield name


def chattz_user(id: int = 123, username: str = "johndoe", **fields: Any) -> ChattzUser:
    """John Doe as Chattz's userinfo describes him (fields override)."""
    values = {"email": "john@example.com", "first_name": "John", "last_name": "Doe", **fields}
    return ChattzUser(id=id, username=username, **values)


def clock() -> Any:
    """A clock that moves a minute per call."""
    minutes = itertools.count()
    return lambda: T0 + dt.timedelta(minutes=next(minutes))


def accounts(alias: str, **options: Any) -> Accounts:
    """Accounts on a DjangoStore of ``alias``."""
    return Accounts(DjangoStore(using=alias), clock=clock(), **options)


def users(alias: str) -> list[tuple[str, str, str, str, bool]]:
    """Every user: username, first and last name, e-mail, whether the password is usable."""
    rows = User.objects.using(alias).order_by("pk")
    return [(u.username, u.first_name, u.last_name, u.email, u.has_usable_password()) for u in rows]


def links(alias: str) -> list[tuple[int, str]]:
    """Every link: Chattz id, the user's username."""
    rows = ChattzAccount.objects.using(alias).select_related("user").order_by("chattz_id")
    return [(row.chattz_id, row.user.username) for row in rows]


def in_threads(count: int, call: Any) -> list[Any]:
    """``call()`` in ``count`` threads released at once; each closes its connections."""
    barrier = threading.Barrier(count)

    def one(_: int) -> Any:
        try:
            barrier.wait()
            return call()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(one, range(count)))


# --- sign-up, concurrency, look-alike local users ----------------------------------------


def test_first_login_makes_a_user_with_an_unusable_password_and_no_email(alias: str) -> None:
    """A new user: the Chattz username, names for display, no password, e-mail not copied."""
    signed_in = accounts(alias).sign_in(chattz_user(), login=PLAIN)
    link = ChattzAccount.objects.using(alias).get()
    assert (Outcome.CREATED, [("johndoe", "John", "Doe", "", False)], "john@example.com") == (
        signed_in.outcome,
        users(alias),
        link.email,
    )
    assert (str(link.user_id), T0, T0) == (signed_in.user_id, link.linked_at, link.last_login_at)


def test_fifty_concurrent_first_logins_make_one_account(alias: str) -> None:
    """50 threads signing one new Chattz user in at once: one user, one link, one CREATED."""
    shared = accounts(alias)
    results = in_threads(CONCURRENT, lambda: shared.sign_in(chattz_user(), login=PLAIN))
    outcomes = sorted(r.outcome.value for r in results)
    assert (1, ["created"] + ["signed_in"] * (CONCURRENT - 1), 1, [(123, "johndoe")]) == (
        len({r.user_id for r in results}),
        outcomes,
        len(users(alias)),
        links(alias),
    )


def test_fifty_concurrent_creates_on_the_store_itself_make_one_link(alias: str) -> None:
    """The store's insert-or-get alone: one (link, True), 49 (the same link, False)."""
    store, profile = DjangoStore(using=alias), Profile.from_user(chattz_user())
    results = in_threads(CONCURRENT, lambda: store.create(profile, T0))
    assert (1, [True] + [False] * (CONCURRENT - 1), 1) == (
        len({account.user_id for account, _ in results}),
        sorted((made for _, made in results), reverse=True),
        len(users(alias)),
    )


def test_local_user_with_the_same_email_and_username_is_left_alone(alias: str) -> None:
    """A local 'johndoe' (same e-mail) keeps its account; Chattz's johndoe gets johndoe-123."""
    local = User.objects.db_manager(alias).create_user("johndoe", "john@example.com", "pw")
    signed_in = accounts(alias).sign_in(chattz_user(), login=PLAIN)
    local.refresh_from_db(using=alias)
    assert (
        True,
        [("johndoe", "", "", "john@example.com", True), ("johndoe-123", "John", "Doe", "", False)],
        [(123, "johndoe-123")],
        True,
    ) == (
        signed_in.user_id != str(local.pk),
        users(alias),
        links(alias),
        local.check_password("pw"),
    )


def test_taken_fallback_usernames_are_skipped(alias: str) -> None:
    """'johndoe' and 'johndoe-123' taken locally: the new user is johndoe-123-2."""
    for name in ("johndoe", "johndoe-123"):
        User.objects.db_manager(alias).create_user(name)
    accounts(alias).sign_in(chattz_user(), login=PLAIN)
    assert [(123, "johndoe-123-2")] == links(alias)


def test_concurrent_first_logins_of_two_users_with_one_username(alias: str) -> None:
    """Two Chattz users named 'sam' at once, 25 logins each: two users, two usernames."""
    shared = accounts(alias)
    people = itertools.cycle([chattz_user(1, "sam"), chattz_user(2, "sam")])
    lock = threading.Lock()

    def one() -> str:
        with lock:
            person = next(people)
        return shared.sign_in(person, login=PLAIN).user_id

    signed_in = set(in_threads(CONCURRENT, one))
    names = sorted(name for _, name in links(alias))
    assert (2, 2, "sam", True) == (
        len(signed_in),
        len(users(alias)),
        names[0],
        names[1] in ("sam-1", "sam-2"),
    )


# --- linking, refusals, refresh, unlink -------------------------------------------------


def test_login_while_signed_in_links_to_that_user(alias: str) -> None:
    """A signed-in local user links two Chattz accounts; both then sign in to them."""
    local = User.objects.db_manager(alias).create_user("alice")
    service = accounts(alias)
    first = service.sign_in(
        chattz_user(1, "a1"), login=linking(str(local.pk)), signed_in_user_id=str(local.pk)
    )
    second = service.sign_in(
        chattz_user(2, "a2"), login=linking(str(local.pk)), signed_in_user_id=local.pk
    )
    again = service.sign_in(chattz_user(1, "a1"), login=PLAIN)
    assert ([Outcome.LINKED, Outcome.LINKED, Outcome.SIGNED_IN], [str(local.pk)] * 3) == (
        [first.outcome, second.outcome, again.outcome],
        [first.user_id, second.user_id, again.user_id],
    )
    assert ([1, 2], ["alice"]) == (
        [a.chattz_id for a in service.accounts_of(str(local.pk))],
        [u[0] for u in users(alias)],
    )


def test_chattz_account_of_someone_else_is_refused(alias: str) -> None:
    """Bob, signed in, completes a login with Alice's Chattz account: refused, nothing moves."""
    service = accounts(alias)
    alice = service.sign_in(chattz_user(1, "alice"), login=PLAIN)
    bob = User.objects.db_manager(alias).create_user("bob")
    with pytest.raises(AccountLinkedElsewhere) as refused:
        service.sign_in(
            chattz_user(1, "alice"), login=linking(str(bob.pk)), signed_in_user_id=str(bob.pk)
        )
    kept = service.find(1)
    assert (1, alice.user_id, []) == (
        refused.value.chattz_id,
        kept.user_id if kept is not None else None,
        service.accounts_of(str(bob.pk)),
    )


def test_concurrent_linking_logins_of_two_users_link_once_and_the_loser_writes_nothing(
    alias: str,
) -> None:
    """50 threads: Alice's and Bob's linking logins of one new Chattz account, half each.

    One link stands (whoever's INSERT came first); every login of the other user is
    refused and wrote nothing (the link keeps its owner's profile)."""
    alice = User.objects.db_manager(alias).create_user("alice")
    bob = User.objects.db_manager(alias).create_user("bob")
    shared = accounts(alias)
    turns = itertools.cycle([alice, bob])
    lock = threading.Lock()

    def one() -> tuple[str, str]:
        with lock:
            user = next(turns)
        try:
            signed_in = shared.sign_in(
                chattz_user(9, f"by-{user.username}"),
                login=linking(str(user.pk)),
                signed_in_user_id=user.pk,
            )
        except AccountLinkedElsewhere:
            return user.username, "refused"
        return user.username, signed_in.outcome.value

    results = in_threads(CONCURRENT, one)
    stored = ChattzAccount.objects.using(alias).select_related("user").get()
    owner = stored.user.username
    loser = "bob" if owner == "alice" else "alice"
    half = CONCURRENT // 2
    assert (
        ["linked"] + ["signed_in"] * (half - 1),
        ["refused"] * half,
        f"by-{owner}",
    ) == (
        sorted(outcome for name, outcome in results if name == owner),
        [outcome for name, outcome in results if name == loser],
        stored.username,
    )


def test_signups_closed_refuses_new_users_but_signs_known_ones_in(alias: str) -> None:
    """signups=False: an unknown Chattz user is refused (nothing written), a linked one signs in."""
    accounts(alias).sign_in(chattz_user(1, "known"), login=PLAIN)
    closed = accounts(alias, signups=False)
    with pytest.raises(SignupsClosed):
        closed.sign_in(chattz_user(2, "stranger"), login=PLAIN)
    assert (Outcome.SIGNED_IN, [(1, "known")], 1) == (
        closed.sign_in(chattz_user(1, "known"), login=PLAIN).outcome,
        links(alias),
        len(users(alias)),
    )


def test_profile_is_refreshed_on_each_login(alias: str) -> None:
    """The link takes the new profile and login time; linked_at and the user's names stay."""
    service = accounts(alias)
    service.sign_in(chattz_user(), login=PLAIN)
    changed = chattz_user(username="jd", email=None, first_name="Johnny", avatar="https://a.b/c")
    account = service.sign_in(changed, login=PLAIN).account
    row = ChattzAccount.objects.using(alias).get()
    assert (
        ("jd", None, "Johnny", "https://a.b/c"),
        (T0, T0 + dt.timedelta(minutes=1)),
        (row.linked_at, row.last_login_at),
        [("johndoe", "John", "Doe", "", False)],
    ) == (
        (row.username, row.email, row.first_name, row.avatar),
        (account.linked_at, account.last_login_at),
        (T0, T0 + dt.timedelta(minutes=1)),
        users(alias),
    )


def test_unlink_keeps_the_user_and_only_removes_ones_own_link(alias: str) -> None:
    """Unlink by someone else does nothing; by the owner it removes the link, not the user."""
    service = accounts(alias)
    owner = service.sign_in(chattz_user(), login=PLAIN).user_id
    service.link(owner, chattz_user(9, "second"))  # not the last way in
    other = User.objects.db_manager(alias).create_user("other")
    assert (False, False, True, False) == (
        service.unlink(str(other.pk), 123),
        service.unlink("not-a-key", 123),
        service.unlink(owner, 123),
        service.unlink(owner, 123),
    )
    assert (None, 1, Outcome.CREATED) == (
        service.find(123),
        len([u for u in users(alias) if u[0] == "johndoe"]),
        service.sign_in(chattz_user(), login=PLAIN).outcome,
    )


def test_accounts_of_and_user_with_ids_that_are_not_keys(alias: str) -> None:
    """Ids the user model's key cannot be are no accounts and no user, not a crash."""
    store = DjangoStore(using=alias)
    assert ([], None, None) == (store.accounts_of("abc"), store.user("abc"), store.user("999"))


# --- hostile input, failing databases ----------------------------------------------------


def test_odd_profile_fields_never_lose_the_login(alias: str) -> None:
    """Overlong, NUL, lone surrogates, bidi controls, a bad e-mail, an http avatar: cleaned."""
    odd = chattz_user(
        username="\u202e" + "x" * 400 + "\x00",
        email="not an email\x00@",
        first_name="Jo\ud800hn",
        last_name="D" * 1000,
        avatar="http://evil.example/a.png",
    )
    accounts(alias).sign_in(odd, login=PLAIN)
    row = ChattzAccount.objects.using(alias).get()
    assert ("x" * 150, None, "John", "D" * 150, None, ["x" * 150]) == (
        row.username,
        row.email,
        row.first_name,
        row.last_name,
        row.avatar,
        [u[0] for u in users(alias)],
    )


def test_a_username_with_nothing_usable_gets_a_fallback(alias: str) -> None:
    """A username of control characters only signs in as chattz-<id>."""
    accounts(alias).sign_in(chattz_user(7, "\x00\x01\u200b"), login=PLAIN)
    assert [(7, "chattz-7")] == links(alias)


def test_chattz_id_out_of_range_is_an_account_error_with_nothing_written(alias: str) -> None:
    """An id no BIGINT holds is refused before the database."""
    with pytest.raises(AccountError):
        accounts(alias).sign_in(chattz_user(2**63), login=PLAIN)
    assert ([], []) == (users(alias), links(alias))


def test_database_failing_mid_create_writes_nothing(alias: str) -> None:
    """The link's INSERT fails after the user's: AccountStoreError, the user rolled back too."""

    def fail_link_insert(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if sql.lstrip().upper().startswith("INSERT") and "chattzaccount" in sql.lower():
            raise OperationalError("disk I/O error (test)")
        return execute(sql, params, many, context)

    service = accounts(alias)
    with connections[alias].execute_wrapper(fail_link_insert), pytest.raises(AccountStoreError):
        service.sign_in(chattz_user(), login=PLAIN)
    assert ([], []) == (users(alias), links(alias))
    assert Outcome.CREATED == service.sign_in(chattz_user(), login=PLAIN).outcome


def test_link_to_a_user_that_does_not_exist_is_a_store_error(alias: str) -> None:
    """A current user id with no row: the foreign key refuses it, nothing written."""
    with pytest.raises(AccountStoreError):
        accounts(alias).sign_in(chattz_user(), login=linking("424242"), signed_in_user_id="424242")
    assert [] == links(alias)


def test_database_errors_are_wrapped_without_values(alias: str) -> None:
    """Any database error is AccountStoreError naming its type only; the cause is kept."""

    def fail(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        raise OperationalError("secret value in the driver's message")

    with connections[alias].execute_wrapper(fail), pytest.raises(AccountStoreError) as failed:
        DjangoStore(using=alias).find(1)
    assert ("the account database failed (OperationalError); try again", True, True) == (
        str(failed.value),
        isinstance(failed.value.__cause__, OperationalError),
        failed.value.transient,
    )


def test_unlink_never_removes_the_last_way_in(alias: str) -> None:
    """No other link and an unusable password: UnlinkRefused; with a password, removed."""
    service = accounts(alias)
    owner = service.sign_in(chattz_user(), login=PLAIN).user_id
    with pytest.raises(UnlinkRefused):
        service.unlink(owner, 123)
    kept = [chattz_id for chattz_id, _ in links(alias)]
    user = User.objects.db_manager(alias).get(pk=owner)
    user.set_password("a long passphrase")
    user.save(using=alias)
    assert ([123], True, []) == (kept, service.unlink(owner, 123), links(alias))


def test_inactive_user_is_refused_and_not_refreshed(alias: str) -> None:
    """is_active=False: InactiveUser, the link's last login unchanged."""
    service = accounts(alias)
    owner = service.sign_in(chattz_user(), login=PLAIN).user_id
    User.objects.db_manager(alias).filter(pk=owner).update(is_active=False)
    before = ChattzAccount.objects.using(alias).get().last_login_at
    with pytest.raises(InactiveUser):
        Accounts(DjangoStore(using=alias), clock=lambda: T0 + dt.timedelta(days=1)).sign_in(
            chattz_user(), login=PLAIN
        )
    assert before == ChattzAccount.objects.using(alias).get().last_login_at


# PostgreSQL only: SQLite cannot add a NOT NULL column without a default.
@pytest.mark.parametrize(
    "alias", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
def test_a_users_required_field_is_a_permanent_failure(alias: str) -> None:
    """A NOT NULL column the user model's table gains: transient=False, the column named."""
    table = User._meta.db_table
    with connections[alias].cursor() as cursor:
        cursor.execute(f"ALTER TABLE {table} ADD COLUMN nickname varchar(20) NOT NULL")
    try:
        with pytest.raises(AccountStoreError) as caught:
            accounts(alias).sign_in(chattz_user(), login=PLAIN)
    finally:
        with connections[alias].cursor() as cursor:
            cursor.execute(f"ALTER TABLE {table} DROP COLUMN nickname")
    assert (False, True) == (caught.value.transient, "nickname" in str(caught.value.cause))


# SQLite only: PostgreSQL's timestamp columns hold times only.
@pytest.mark.parametrize("alias", ["sqlite"], indirect=True)
@pytest.mark.parametrize("value", ["yesterday", 12345, ""])
def test_a_time_edited_by_hand_never_breaks_a_read(alias: str, value: object) -> None:
    """SQLite keeps any type: free text or a number in linked_at reads as UNKNOWN_TIME."""
    service = accounts(alias)
    owner = service.sign_in(chattz_user(), login=PLAIN).user_id
    with connections[alias].cursor() as cursor:
        table = ChattzAccount._meta.db_table
        cursor.execute(f"UPDATE {table} SET linked_at = %s, last_login_at = %s", [value, value])  # noqa: S608
    found = service.find(123)
    assert ((UNKNOWN_TIME, UNKNOWN_TIME), 1, Outcome.SIGNED_IN) == (
        found and (found.linked_at, found.last_login_at),
        len(service.accounts_of(owner)),
        service.sign_in(chattz_user(), login=PLAIN).outcome,
    )


def test_first_logins_after_reads_all_succeed(alias: str) -> None:
    """12 callbacks that read first (session, user) then sign 12 new users in: none fails.

    The store's transactions start with their write, so SQLite never has to upgrade a
    read lock (what made 6-9 of 12 answer "database is locked" inside the request's own
    transaction with ATOMIC_REQUESTS; the callback view runs outside it).
    """
    service = accounts(alias)
    ids = iter(range(1, 13))
    lock = threading.Lock()

    def one() -> str:
        with lock:
            chattz_id = next(ids)
        User.objects.using(alias).filter(pk=chattz_id).exists()  # what a request reads first
        return service.sign_in(chattz_user(chattz_id, f"u{chattz_id}"), login=PLAIN).outcome.value

    assert ["created"] * 12 == in_threads(12, one)


def test_queries_per_sign_in(alias: str) -> None:
    """Pinned: returning 2 queries (the link and its user in one SELECT, then the UPDATE whose
    WHERE keeps the decision), first 6 (that SELECT, the free usernames, then the user and
    its link in one transaction), linking 1 (the INSERT), on SQLite and PostgreSQL."""
    from django.test.utils import CaptureQueriesContext  # type: ignore[import-untyped]

    service = accounts(alias)
    verbs = []
    for linking_login in (False, False, True):
        user_id = None
        if linking_login:
            signed_in = service.find(123)
            assert signed_in is not None
            user_id = signed_in.user_id
        with CaptureQueriesContext(connections[alias]) as captured:
            if user_id is None:
                service.sign_in(chattz_user(), login=PLAIN)
            else:
                service.sign_in(
                    chattz_user(9, "second"), login=linking(user_id), signed_in_user_id=user_id
                )
        verbs.append([query["sql"].split()[0].upper() for query in captured.captured_queries])
    first = ["SELECT", "SELECT", "BEGIN", "INSERT", "INSERT", "COMMIT"]
    assert [first, ["SELECT", "UPDATE"], ["INSERT"]] == verbs


# --- async store --------------------------------------------------------------------------


@pytest.mark.anyio
async def test_async_store_fifty_concurrent_first_logins_make_one_account(alias: str) -> None:
    """AsyncAccounts on AsyncDjangoStore: 50 tasks at once, one user, then link and unlink."""
    service = AsyncAccounts(AsyncDjangoStore(using=alias), clock=clock())
    try:
        results = await asyncio.gather(
            *(service.sign_in(chattz_user(), login=PLAIN) for _ in range(CONCURRENT))
        )
        user_id = results[0].user_id
        linked = await service.sign_in(
            chattz_user(9, "second"), login=linking(str(user_id)), signed_in_user_id=user_id
        )
        mine = [a.chattz_id for a in await service.accounts_of(user_id)]
        removed = await service.unlink(user_id, 9)
    finally:
        await sync_to_async(connections.close_all, thread_sensitive=True)()
    assert (1, 1, Outcome.LINKED, [9, 123], True) == (
        len({r.user_id for r in results}),
        sum(r.outcome is Outcome.CREATED for r in results),
        linked.outcome,
        sorted(mine),
        removed,
    )


# --- the app and its migration ------------------------------------------------------------


def test_makemigrations_finds_nothing_missing() -> None:
    """The shipped migration matches the model (makemigrations --check --dry-run)."""
    out = io.StringIO()
    call_command("makemigrations", "chattz_oauth_async", check=True, dry_run=True, stdout=out)
    assert "No changes detected in app 'chattz_oauth_async'" == out.getvalue().strip()


def test_app_loads_from_installed_apps_in_a_fresh_process() -> None:
    """INSTALLED_APPS imports the views package while apps load: it must not import models."""
    script = (
        "import django; from django.conf import settings\n"
        "settings.configure(INSTALLED_APPS=['django.contrib.auth', 'django.contrib.contenttypes',"
        " 'chattz_oauth_async.integrations.django'], DATABASES={})\n"
        "django.setup()\n"
        "from django.apps import apps\n"
        "config = apps.get_app_config('chattz_oauth_async')\n"
        "print(config.verbose_name, config.get_model('ChattzAccount')._meta.db_table)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert (0, "Chattz accounts chattz_oauth_async_chattzaccount") == (
        out.returncode,
        out.stdout.strip() or out.stderr,
    )
