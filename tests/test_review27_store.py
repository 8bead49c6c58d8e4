"""Review of issue 27 item 1: the single-statement sign-in against races and look-alike ids.

AsyncSQLAlchemyStore on SQLite (a file) and PostgreSQL (``postgres`` marker), through
AsyncAccounts. Pins what the one-statement paths must keep (docs/accounts.md):

- a linking login racing plain first logins of the same new Chattz account: one link, to
  one user; every plain login signs in to that link's user; no user row without a link
  (no user drawn by a login that lost), and a refused linking login writes nothing;
- a ``SessionUser`` whose id is the same user in another type (int against text) links; one
  naming the user in another spelling ("01" for 1), or another user, never does.

asyncio only: SQLAlchemy's asyncio extension and aiosqlite do not run on trio (the store
refuses trio, tests/test_sqlalchemy_store_trio.py).
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from chattz_oauth_async.accounts import (
    AccountLinkedElsewhere,
    AsyncAccounts,
    LinkRefused,
    Outcome,
    SessionUser,
)
from chattz_oauth_async.accounts.sqlalchemy import AsyncSQLAlchemyStore, accounts, users
from chattz_oauth_async.models import ChattzUser
from tests._async import test_sqlalchemy_faults as faults
from tests.accounts_helpers import PLAIN, linking
from tests.helpers import async_gather

pytestmark = pytest.mark.anyio

NEW = ChattzUser(id=9, username="new")
PLAIN_LOGINS = 20


#: The fixtures of the store's fault tests: asyncio only; SQLite (foreign keys on), then
#: PostgreSQL; an engine disposed of afterwards.
anyio_backend = faults.anyio_backend
database_url = faults.database_url
engine = faults.engine


async def orphan_users(engine: AsyncEngine) -> int:
    """chattz_users rows that no link points to."""
    linked = select(accounts.c.user_id)
    query = select(func.count()).where(users.c.id.cast(accounts.c.user_id.type).not_in(linked))
    async with engine.connect() as connection:
        return int((await connection.execute(query)).scalar_one())


async def test_a_linking_login_racing_plain_first_logins_makes_one_link_and_no_orphan(
    engine: AsyncEngine,
) -> None:
    """One linking login (its session checked) against 20 plain first logins of the same new
    Chattz account, all at once: either it links (every plain login signs in to its user) or
    a plain login created the account first (the linking login is refused, writing
    nothing); one link, and no user row without a link."""
    store = AsyncSQLAlchemyStore(engine)
    await store.create_tables()
    service = AsyncAccounts(store)
    owner = await service.sign_in(ChattzUser(id=1, username="owner"), login=PLAIN)
    outcomes: list[str] = []
    users_of_plain: set[str] = set()

    async def linking_login() -> None:
        try:
            done = await service.sign_in(
                NEW, login=linking(owner.user_id), signed_in_user_id=SessionUser(owner.user_id, 1)
            )
        except AccountLinkedElsewhere:
            outcomes.append("link refused")
        else:
            outcomes.append(done.outcome.value)

    async def plain_login() -> None:
        done = await service.sign_in(NEW, login=PLAIN)
        users_of_plain.add(done.user_id)
        outcomes.append(done.outcome.value)

    await async_gather([linking_login] + [plain_login] * PLAIN_LOGINS)
    link = await store.find(9)
    assert link is not None
    if link.user_id == owner.user_id:
        expected = ["linked"] + ["signed_in"] * PLAIN_LOGINS
    else:
        expected = ["created", "link refused"] + ["signed_in"] * (PLAIN_LOGINS - 1)
    assert (sorted(expected), {link.user_id}, 0) == (
        sorted(outcomes),
        users_of_plain,
        await orphan_users(engine),
    )


async def test_a_session_user_of_the_same_user_in_another_type_links(engine: AsyncEngine) -> None:
    """The app's integer key: the session's user as an int, the login sealed for its text;
    both the same user, so the login links to them (LINKED), in the statement that checks."""
    store = await faults.app_store(engine)
    service = AsyncAccounts(store)
    first = await service.sign_in(ChattzUser(id=5, username="john"), login=PLAIN)
    session = SessionUser(int(first.user_id), 5)
    done = await service.sign_in(NEW, login=linking(first.user_id), signed_in_user_id=session)
    assert (Outcome.LINKED, first.user_id) == (done.outcome, done.user_id)


@pytest.mark.parametrize("spelling", ["0{}", " {}", "+{}", "{}.0"])
async def test_a_session_user_in_another_spelling_never_links(
    engine: AsyncEngine, spelling: str
) -> None:
    """The app's integer key: a session naming the user "01" (or " 1", "+1", "1.0") while
    the login was sealed for "1": LinkRefused, nothing written, though the database would
    read both as key 1."""
    store = await faults.app_store(engine)
    service = AsyncAccounts(store)
    first = await service.sign_in(ChattzUser(id=5, username="john"), login=PLAIN)
    session = SessionUser(spelling.format(first.user_id), 5)
    with pytest.raises(LinkRefused):
        await service.sign_in(NEW, login=linking(first.user_id), signed_in_user_id=session)
    assert None is await store.find(9)


async def test_a_session_user_of_another_user_never_links(engine: AsyncEngine) -> None:
    """Two users; the login sealed for one, the session (its Chattz id the other's link)
    says the other: LinkRefused, nothing written, and the other's link stays theirs."""
    store = await faults.app_store(engine)
    service = AsyncAccounts(store)
    one = await service.sign_in(ChattzUser(id=1, username="one"), login=PLAIN)
    two = await service.sign_in(ChattzUser(id=2, username="two"), login=PLAIN)
    for session in (SessionUser(two.user_id, 2), SessionUser(one.user_id, 2)):
        with pytest.raises(LinkRefused):
            await service.sign_in(NEW, login=linking(one.user_id), signed_in_user_id=session)
    other = await store.find(2)
    assert (None, two.user_id) == (await store.find(9), other and other.user_id)
