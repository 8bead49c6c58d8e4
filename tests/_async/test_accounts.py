"""AsyncAccounts carries the sign-in rules out against a store: create, sign in, link, refuse.

Driven against an in-memory store written here (insert-or-get on the Chattz id,
as a database's unique key does), with hooks that play another worker's login
between two calls. Written once for AsyncAccounts; scripts/gen_sync.py generates
the same tests for Accounts in tests/_sync/.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable
from typing import Any

import attrs
import pytest

from chattz_oauth_async.accounts import (
    Account,
    AccountError,
    AccountLinkedElsewhere,
    AccountStoreError,
    AsyncAccounts,
    InactiveUser,
    LinkRefused,
    Outcome,
    Profile,
    SessionUser,
    SignupsClosed,
    UnlinkRefused,
)
from chattz_oauth_async.errors import ConfigurationError
from chattz_oauth_async.models import ChattzUser
from tests.accounts_helpers import PLAIN, linking

pytestmark = pytest.mark.anyio

START = dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
JOHN = ChattzUser(id=5, username="john", email="john@example.com", first_name="John")


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


class MemoryStore:
    """An account store in a dict; ``before[method]`` runs first (another worker's login)."""

    def __init__(self) -> None:
        self.links: dict[int, Account] = {}
        self.users = 0
        #: Local users that are inactive, deleted, or have a usable password.
        self.inactive: set[str] = set()
        self.deleted: set[str] = set()
        self.passwords: set[str] = set()
        self.calls: list[str] = []
        self.before: dict[str, Callable[[], None]] = {}

    def _call(self, name: str) -> None:
        self.calls.append(name)
        hook = self.before.pop(name, None)
        if hook is not None:
            hook()

    def put(self, chattz_id: int, user_id: str, username: str = "other") -> Account:
        """Link ``chattz_id`` to ``user_id`` directly, as another login would."""
        account = Account(user_id, Profile(chattz_id, username), START, START)
        self.links[chattz_id] = account
        return account

    def linking(self, chattz_id: int, user_id: str) -> Callable[[], None]:
        """A hook linking ``chattz_id`` to ``user_id``: another login winning the race."""

        def link() -> None:
            self.put(chattz_id, user_id)

        return link

    async def find(self, chattz_id: int) -> Account | None:
        self._call("find")
        return self.links.get(chattz_id)

    async def create(self, profile: Profile, now: dt.datetime) -> tuple[Account, bool]:
        self._call("create")
        if profile.chattz_id in self.links:
            return self.links[profile.chattz_id], False
        self.users += 1
        return self.put_profile(profile, str(self.users), now), True

    async def link(self, profile: Profile, user_id: str, now: dt.datetime) -> tuple[Account, bool]:
        self._call("link")
        if profile.chattz_id in self.links:
            return self.links[profile.chattz_id], False
        return self.put_profile(profile, user_id, now), True

    def put_profile(self, profile: Profile, user_id: str, now: dt.datetime) -> Account:
        account = Account(user_id, profile, now, now)
        self.links[profile.chattz_id] = account
        return account

    async def update(self, profile: Profile, now: dt.datetime, *, user_id: str) -> Account | None:
        self._call("update")
        found = self.links.get(profile.chattz_id)
        if found is None or found.user_id != user_id:
            return None
        account = attrs.evolve(found, profile=profile, last_login_at=now)
        self.links[profile.chattz_id] = account
        return account

    async def unlink(self, user_id: str, chattz_id: int, *, guard: bool = True) -> bool:
        self._call("unlink")
        found = self.links.get(chattz_id)
        if found is None or found.user_id != user_id:
            return False
        others = [a for a in self.links.values() if a.user_id == user_id and a is not found]
        if guard and not others and user_id not in self.passwords:
            raise UnlinkRefused(chattz_id)
        del self.links[chattz_id]
        return True

    async def is_active(self, user_id: str) -> bool | None:
        self._call("is_active")
        return None if user_id in self.deleted else user_id not in self.inactive

    async def accounts_of(self, user_id: str) -> list[Account]:
        self._call("accounts_of")
        return sorted(
            (a for a in self.links.values() if a.user_id == user_id), key=lambda a: a.linked_at
        )


@pytest.fixture
def store() -> MemoryStore:
    """An empty in-memory store."""
    return MemoryStore()


@pytest.fixture
def clock() -> Clock:
    """A clock at START."""
    return Clock()


@pytest.fixture
def accounts(store: MemoryStore, clock: Clock) -> AsyncAccounts:
    """AsyncAccounts over the in-memory store, sign-ups open."""
    return AsyncAccounts(store, clock=clock)


async def test_first_login_creates_a_user_and_links_it(
    accounts: AsyncAccounts, store: MemoryStore
) -> None:
    """A Chattz user with no link gets a new local user, linked, stamped with the clock."""
    signed_in = await accounts.sign_in(JOHN, login=PLAIN)
    expected = (Outcome.CREATED, "1", Profile.from_user(JOHN), START, START, 1)
    assert expected == (
        signed_in.outcome,
        signed_in.user_id,
        signed_in.account.profile,
        signed_in.account.linked_at,
        signed_in.account.last_login_at,
        store.users,
    )


async def test_second_login_signs_in_and_refreshes_the_profile(
    accounts: AsyncAccounts, store: MemoryStore, clock: Clock
) -> None:
    """The next login finds the link, stores the new profile and login time, keeps linked_at."""
    await accounts.sign_in(JOHN, login=PLAIN)
    clock.advance(60)
    renamed = ChattzUser(id=5, username="johnny", email=None, last_name="Doe")
    signed_in = await accounts.sign_in(renamed, login=PLAIN)
    expected = (Outcome.SIGNED_IN, "1", Profile(5, "johnny", last_name="Doe"), START)
    assert (*expected, START + dt.timedelta(seconds=60), 1) == (
        signed_in.outcome,
        signed_in.user_id,
        store.links[5].profile,
        store.links[5].linked_at,
        store.links[5].last_login_at,
        store.users,
    )


async def test_signed_in_user_links_a_new_chattz_account(
    accounts: AsyncAccounts, store: MemoryStore
) -> None:
    """With a user signed in, an unlinked Chattz account is linked to them; no user is made."""
    signed_in = await accounts.sign_in(JOHN, login=linking("alice"), signed_in_user_id="alice")
    assert (Outcome.LINKED, "alice", 0) == (signed_in.outcome, store.links[5].user_id, store.users)


async def test_session_user_links_only_while_its_session_stands(
    accounts: AsyncAccounts, store: MemoryStore
) -> None:
    """A SessionUser (the session's user and Chattz id, unchecked) links while that link is
    still its user's and the user active; else LinkRefused, and nothing is written."""
    store.put(1, "alice")
    store.put(2, "bob")
    refused = []
    for session in (SessionUser("alice", 2), SessionUser("alice", 3), SessionUser("bob", 2)):
        with pytest.raises(LinkRefused):
            await accounts.sign_in(JOHN, login=linking("alice"), signed_in_user_id=session)
        refused.append(5 in store.links)
    store.inactive.add("alice")
    with pytest.raises(LinkRefused):
        await accounts.sign_in(
            JOHN, login=linking("alice"), signed_in_user_id=SessionUser("alice", 1)
        )
    refused.append(5 in store.links)
    store.inactive.clear()
    signed_in = await accounts.sign_in(
        JOHN, login=linking("alice"), signed_in_user_id=SessionUser("alice", 1)
    )
    assert ([False] * 4, Outcome.LINKED, "alice") == (
        refused,
        signed_in.outcome,
        store.links[5].user_id,
    )


async def test_owner_signing_in_again_while_signed_in_just_signs_in(
    accounts: AsyncAccounts, store: MemoryStore
) -> None:
    """The link's own user, signed in, completing the login again: signed in, not relinked."""
    store.put(5, "alice")
    signed_in = await accounts.sign_in(JOHN, login=linking("alice"), signed_in_user_id="alice")
    assert (Outcome.SIGNED_IN, "alice") == (signed_in.outcome, signed_in.user_id)


async def test_link_to_someone_else_is_refused_and_changes_nothing(
    accounts: AsyncAccounts, store: MemoryStore
) -> None:
    """A Chattz account linked to alice, completed by bob: refused before any write."""
    existing = store.put(5, "alice")
    with pytest.raises(AccountLinkedElsewhere) as caught:
        await accounts.sign_in(JOHN, login=linking("bob"), signed_in_user_id="bob")
    assert (5, existing, ["find"]) == (caught.value.chattz_id, store.links[5], store.calls)


async def test_link_race_lost_to_someone_else_is_refused(
    accounts: AsyncAccounts, store: MemoryStore
) -> None:
    """Alice's login links the Chattz id between bob's find and link: bob is refused."""
    store.before["link"] = store.linking(5, "alice")
    with pytest.raises(AccountLinkedElsewhere):
        await accounts.sign_in(JOHN, login=linking("bob"), signed_in_user_id="bob")
    assert "alice" == store.links[5].user_id


async def test_create_race_lost_signs_in_with_the_winner(
    accounts: AsyncAccounts, store: MemoryStore
) -> None:
    """Another worker creates the account between find and create: this login signs in to it."""
    store.before["create"] = store.linking(5, "winner")
    signed_in = await accounts.sign_in(JOHN, login=PLAIN)
    expected = (Outcome.SIGNED_IN, "winner", 0, Profile.from_user(JOHN))
    assert expected == (signed_in.outcome, signed_in.user_id, store.users, store.links[5].profile)


async def test_link_removed_during_sign_in_plans_again(
    accounts: AsyncAccounts, store: MemoryStore
) -> None:
    """Unlinked between find and update: the sign-in starts over and creates an account."""
    store.put(5, "alice")
    store.before["update"] = lambda: store.links.clear()
    signed_in = await accounts.sign_in(JOHN, login=PLAIN)
    assert (Outcome.CREATED, "1") == (signed_in.outcome, signed_in.user_id)


async def test_link_that_keeps_changing_gives_up_with_an_account_error(
    accounts: AsyncAccounts, store: MemoryStore
) -> None:
    """A link removed before every update: after three attempts, AccountError."""

    async def gone(profile: Profile, now: dt.datetime, *, user_id: str) -> None:
        store.calls.append("update")

    store.put(5, "alice")
    store.update = gone  # type: ignore[method-assign]
    with pytest.raises(AccountError, match="kept changing"):
        await accounts.sign_in(JOHN, login=PLAIN)
    assert ["find", "is_active", "update"] * 3 == store.calls


async def test_signups_closed_refuses_new_users_only(store: MemoryStore, clock: Clock) -> None:
    """Sign-ups closed: a new Chattz user is refused; existing links sign in; linking works."""
    accounts = AsyncAccounts(store, signups=False, clock=clock)
    with pytest.raises(SignupsClosed) as caught:
        await accounts.sign_in(JOHN, login=PLAIN)
    refused = (caught.value.chattz_id, dict(store.links), store.users)
    linked = await accounts.sign_in(JOHN, login=linking("alice"), signed_in_user_id="alice")
    again = await accounts.sign_in(JOHN, login=PLAIN)
    assert ((5, {}, 0), Outcome.LINKED, Outcome.SIGNED_IN) == (
        refused,
        linked.outcome,
        again.outcome,
    )


async def test_same_email_and_username_get_an_account_of_their_own(
    accounts: AsyncAccounts, store: MemoryStore
) -> None:
    """Another Chattz id with john's e-mail and username is a new user, never john's account."""
    await accounts.sign_in(JOHN, login=PLAIN)
    twin = ChattzUser(id=6, username=JOHN.username, email=JOHN.email, first_name="John")
    signed_in = await accounts.sign_in(twin, login=PLAIN)
    assert (Outcome.CREATED, "2", "1") == (
        signed_in.outcome,
        signed_in.user_id,
        store.links[5].user_id,
    )


async def test_unlink_removes_only_the_owners_link(
    accounts: AsyncAccounts, store: MemoryStore
) -> None:
    """unlink by another user is a no-op (False); by the owner it removes the link (True)."""
    store.put(5, "alice")
    store.put(6, "alice")
    results = [await accounts.unlink("bob", 5), await accounts.unlink("alice", 5)]
    assert ([False, True], None) == (results, await accounts.find(5))


async def test_unlink_never_removes_the_last_way_in(
    accounts: AsyncAccounts, store: MemoryStore
) -> None:
    """alice's only link, no password: UnlinkRefused, the link kept; with a password, removed."""
    store.put(5, "alice")
    with pytest.raises(UnlinkRefused) as caught:
        await accounts.unlink("alice", 5)
    kept = store.links.get(5) is not None
    store.passwords.add("alice")
    assert ((5, True), True, None) == (
        (caught.value.chattz_id, kept),
        await accounts.unlink("alice", 5),
        store.links.get(5),
    )


async def test_inactive_user_is_refused_and_nothing_is_written(
    accounts: AsyncAccounts, store: MemoryStore
) -> None:
    """A plain login of an inactive user's Chattz account: InactiveUser, the profile unchanged."""
    existing = store.put(5, "alice")
    store.inactive.add("alice")
    with pytest.raises(InactiveUser):
        await accounts.sign_in(JOHN, login=PLAIN)
    assert (existing, ["find", "is_active"]) == (store.links[5], store.calls)


async def test_link_of_a_deleted_user_is_removed_and_never_signs_anyone_in(
    accounts: AsyncAccounts, store: MemoryStore
) -> None:
    """A link whose local user is gone: removed, and the login makes a new user of its own."""
    store.put(5, "7")
    store.deleted.add("7")
    signed = await accounts.sign_in(JOHN, login=PLAIN)
    assert (Outcome.CREATED, "1", ["find", "is_active", "unlink", "find", "create"]) == (
        signed.outcome,
        signed.user_id,
        store.calls,
    )


async def test_linking_login_refused_in_a_race_writes_nothing(
    accounts: AsyncAccounts, store: MemoryStore
) -> None:
    """The link passes to bob between alice's find and update: refused, bob's row untouched."""
    store.put(5, "alice")
    store.before["update"] = store.linking(5, "bob")
    with pytest.raises(AccountLinkedElsewhere):
        await accounts.sign_in(JOHN, login=linking("alice"), signed_in_user_id="alice")
    assert ("bob", "other", START) == (
        store.links[5].user_id,
        store.links[5].profile.username,
        store.links[5].last_login_at,
    )


async def test_accounts_of_lists_a_users_links(
    accounts: AsyncAccounts, store: MemoryStore, clock: Clock
) -> None:
    """accounts_of gives the Chattz accounts linked to a user, oldest first."""
    await accounts.sign_in(JOHN, login=linking("alice"), signed_in_user_id="alice")
    clock.advance(1)
    await accounts.sign_in(
        ChattzUser(id=9, username="j2"), login=linking("alice"), signed_in_user_id="alice"
    )
    await accounts.sign_in(
        ChattzUser(id=10, username="b"), login=linking("bob"), signed_in_user_id="bob"
    )
    found = await accounts.accounts_of("alice")
    assert [5, 9] == [account.chattz_id for account in found]


async def test_hostile_profile_never_loses_the_login(
    accounts: AsyncAccounts, store: MemoryStore, caplog: pytest.LogCaptureFixture
) -> None:
    """Overlong, odd and dangerous fields are cleaned; the login goes through; no value logged."""
    hostile = ChattzUser(
        id=5,
        username="\x00" * 3,
        email="<script>@x",
        first_name="A\ud800" * 200,
        last_name="Robert'); DROP TABLE chattz_accounts;--",
        avatar="javascript:alert(1)",
    )
    with caplog.at_level(logging.INFO, logger="chattz_oauth_async.accounts"):
        signed_in = await accounts.sign_in(hostile, login=PLAIN)
    profile = store.links[5].profile
    assert (Outcome.CREATED, "chattz-5", None, "A" * 150, None, False) == (
        signed_in.outcome,
        profile.username,
        profile.email,
        profile.first_name,
        profile.avatar,
        "script" in caplog.text or "DROP" in caplog.text,
    )


@pytest.mark.parametrize("chattz_id", [0, -5, 2**63])
async def test_id_out_of_range_is_refused_before_the_store(
    accounts: AsyncAccounts, store: MemoryStore, chattz_id: int
) -> None:
    """A Chattz id no database column holds: AccountError everywhere, the store never asked."""
    refused = 0
    for call in (
        lambda: accounts.sign_in(ChattzUser(id=chattz_id, username="x"), login=PLAIN),
        lambda: accounts.find(chattz_id),
        lambda: accounts.unlink("alice", chattz_id),
    ):
        with pytest.raises(AccountError):
            await call()
        refused += 1
    assert (3, []) == (refused, store.calls)


@pytest.mark.parametrize(
    ("current", "stored"), [(7, "7"), (uuid.UUID(int=1), str(uuid.UUID(int=1))), ("u-1", "u-1")]
)
async def test_signed_in_user_id_may_be_an_int_or_uuid(
    accounts: AsyncAccounts, store: MemoryStore, current: Any, stored: str
) -> None:
    """A Django pk (int or UUID) matches the sealed text id and is stored as text."""
    await accounts.sign_in(JOHN, login=linking(stored), signed_in_user_id=current)
    assert stored == store.links[5].user_id


@pytest.mark.parametrize("current", ["", "x" * 65, "a\nb", True, 1.5, b"7", ["7"]])
async def test_bad_user_id_is_an_account_error(
    accounts: AsyncAccounts, store: MemoryStore, current: Any
) -> None:
    """A user id that is not 1-64 printable characters, an int or a UUID: AccountError."""
    refused = []
    for call in (
        lambda: accounts.accounts_of(current),
        lambda: accounts.link(current, JOHN),
        lambda: accounts.unlink(current, 5),
    ):
        with pytest.raises(AccountError) as caught:
            await call()
        refused.append(type(caught.value))
    assert ([AccountError] * 3, []) == (refused, store.calls)


@pytest.mark.parametrize("signed_in", [None, "bob", "", "x" * 65, True, 1.5])
async def test_linking_login_for_another_user_is_refused_before_the_store(
    accounts: AsyncAccounts, store: MemoryStore, signed_in: Any
) -> None:
    """A linking login alice started, finished while she is not signed in: LinkRefused, no I/O."""
    with pytest.raises(LinkRefused):
        await accounts.sign_in(JOHN, login=linking("alice"), signed_in_user_id=signed_in)
    assert ([], {}) == (store.calls, store.links)


@pytest.mark.parametrize("signed_in", ["alice", 7, "x" * 65, object()])
async def test_plain_login_never_links_whoever_is_signed_in(
    accounts: AsyncAccounts, store: MemoryStore, signed_in: Any
) -> None:
    """A plain login (login CSRF, a shared computer) creates the Chattz user's own account."""
    signed = await accounts.sign_in(JOHN, login=PLAIN, signed_in_user_id=signed_in)
    assert (Outcome.CREATED, "1") == (signed.outcome, store.links[5].user_id)


async def test_plain_login_of_someone_elses_chattz_account_signs_that_account_in(
    accounts: AsyncAccounts, store: MemoryStore
) -> None:
    """Signed in as bob, a plain login as alice's Chattz account signs alice in: no refusal."""
    store.put(5, "alice")
    signed = await accounts.sign_in(JOHN, login=PLAIN, signed_in_user_id="bob")
    assert (Outcome.SIGNED_IN, "alice") == (signed.outcome, signed.user_id)


@pytest.mark.parametrize("login", [None, "state", {"link_user_id": "alice"}])
async def test_sign_in_needs_a_login_request(
    accounts: AsyncAccounts, store: MemoryStore, login: Any
) -> None:
    """Anything but a LoginRequest as login= is a ConfigurationError, before the store."""
    with pytest.raises(ConfigurationError):
        await accounts.sign_in(JOHN, login=login, signed_in_user_id="alice")
    assert [] == store.calls


async def test_link_is_the_deliberate_act_of_linking(
    accounts: AsyncAccounts, store: MemoryStore
) -> None:
    """link() links an unlinked Chattz account, refreshes its own, refuses someone else's."""
    linked = await accounts.link("alice", JOHN)
    again = await accounts.link("alice", JOHN)
    with pytest.raises(AccountLinkedElsewhere):
        await accounts.link("bob", JOHN)
    assert ((Outcome.LINKED, "alice"), (Outcome.SIGNED_IN, "alice"), 0) == (
        (linked.outcome, linked.user_id),
        (again.outcome, again.user_id),
        store.users,
    )


async def test_link_works_with_signups_closed(store: MemoryStore, clock: Clock) -> None:
    """Sign-ups closed stop new users, not links to existing ones."""
    linked = await AsyncAccounts(store, signups=False, clock=clock).link(7, JOHN)
    assert (Outcome.LINKED, "7") == (linked.outcome, linked.user_id)


@pytest.mark.parametrize("signups", ["false", "0", "no", "off", "", 0, 1, None])
def test_signups_must_be_a_bool(store: MemoryStore, signups: Any) -> None:
    """bool("false") is True: any non-bool signups is a ConfigurationError, never open sign-ups."""
    with pytest.raises(ConfigurationError, match="signups must be True or False"):
        AsyncAccounts(store, signups=signups)


async def test_store_failure_comes_out_as_is(accounts: AsyncAccounts, store: MemoryStore) -> None:
    """The store's AccountStoreError reaches the caller unchanged."""
    failure = AccountStoreError("the account database failed (OperationalError)")

    def fail() -> None:
        raise failure

    store.before["find"] = fail
    with pytest.raises(AccountStoreError) as caught:
        await accounts.sign_in(JOHN, login=PLAIN)
    assert failure is caught.value


async def test_times_are_stored_in_utc(store: MemoryStore) -> None:
    """A clock in another zone gives UTC timestamps (SQLite keeps no offset)."""
    paris = dt.timezone(dt.timedelta(hours=1))
    accounts = AsyncAccounts(store, clock=lambda: dt.datetime(2025, 1, 2, 4, 4, 5, tzinfo=paris))
    signed_in = await accounts.sign_in(JOHN, login=PLAIN)
    assert (START, dt.UTC) == (signed_in.account.linked_at, signed_in.account.linked_at.tzinfo)


async def test_naive_clock_is_a_configuration_error(store: MemoryStore) -> None:
    """A clock with no time zone cannot be stored without guessing: ConfigurationError."""
    accounts = AsyncAccounts(store, clock=lambda: dt.datetime(2025, 1, 2))
    with pytest.raises(ConfigurationError):
        await accounts.sign_in(JOHN, login=PLAIN)
    assert {} == store.links


def test_store_missing_methods_is_a_configuration_error() -> None:
    """A store without the protocol's methods is refused at construction, naming them."""
    with pytest.raises(ConfigurationError, match="update, unlink, accounts_of"):
        AsyncAccounts(object())  # type: ignore[arg-type]


def test_repr_names_the_store_and_signups(store: MemoryStore) -> None:
    """The repr shows the store and whether sign-ups are open."""
    assert repr(AsyncAccounts(store, signups=False)).endswith("signups=False)")
