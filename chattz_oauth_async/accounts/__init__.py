"""Sign a person into your app: Chattz logins turned into local accounts, safely.

After a login completes, :meth:`AsyncAccounts.sign_in` (or the sync
:class:`Accounts`) finds the local account linked to the Chattz user, links
the Chattz account to the user who started a linking login, or creates a new
user; it refuses with :class:`~chattz_oauth_async.LinkRefused`,
:class:`~chattz_oauth_async.AccountLinkedElsewhere` or
:class:`~chattz_oauth_async.SignupsClosed`. It is the one place that decides
whether a login links. Accounts are keyed on the Chattz
id alone, never the e-mail or username; the database's unique key makes
concurrent first logins one account. Example::

    from chattz_oauth_async.accounts import AsyncAccounts
    from chattz_oauth_async.accounts.sqlalchemy import AsyncSQLAlchemyStore

    engine = create_async_engine("sqlite+aiosqlite:///app.db")
    accounts = AsyncAccounts(AsyncSQLAlchemyStore(engine))
    ...
    # login: the completed LoginRequest; only a linking login (link_user_id set, its
    # user still signed in) links; a plain login never does, whoever is signed in
    signed_in = await accounts.sign_in(
        result.user, login=login, signed_in_user_id=session.get("user_id")
    )
    session.clear()                                  # a new session at login
    session["user_id"] = signed_in.user_id

Stores: :mod:`chattz_oauth_async.accounts.sqlalchemy` (SQLAlchemy 2, sync
and async engines) and the Django app
``chattz_oauth_async.integrations.django`` (Django's ORM). Any object with
the methods of :class:`AsyncAccountStore` (or :class:`AccountStore`) works.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

# The errors are the package's own (chattz_oauth_async.AccountError, ...), importable here too.
from ..errors import AccountError as AccountError
from ..errors import AccountLinkedElsewhere as AccountLinkedElsewhere
from ..errors import AccountStoreError as AccountStoreError
from ..errors import InactiveUser as InactiveUser
from ..errors import LinkRefused as LinkRefused
from ..errors import SignupsClosed as SignupsClosed
from ..errors import UnlinkRefused as UnlinkRefused
from ._async.engine import AsyncAccounts
from ._async.store import AsyncAccountStore
from ._values import Account, Outcome, Profile, SessionUser, SignIn

if TYPE_CHECKING:
    from ._sync.engine import Accounts
    from ._sync.store import AccountStore

__all__ = [
    "Account",
    "AccountStore",
    "Accounts",
    "AsyncAccountStore",
    "AsyncAccounts",
    "Outcome",
    "Profile",
    "SessionUser",
    "SignIn",
]


def __getattr__(name: str) -> Any:
    # The sync twin loads on first use (see the package's own __getattr__).
    if name == "Accounts":
        from ._sync import engine

        return engine.Accounts
    if name == "AccountStore":
        from ._sync import store

        return store.AccountStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
