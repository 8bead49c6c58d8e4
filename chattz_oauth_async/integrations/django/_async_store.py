"""The account store on Django's ORM, async: :class:`AsyncDjangoStore`, each call in a thread.

It runs :class:`~chattz_oauth_async.integrations.django.store.DjangoStore`'s
methods (``_sync_store.py``, where the rules and transactions are) through
asgiref's ``sync_to_async(thread_sensitive=True)``, as Django's own async ORM
methods do. Public from :mod:`chattz_oauth_async.integrations.django.store`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Coroutine
from typing import Any, ParamSpec, TypeVar

from asgiref.sync import sync_to_async

from ... import _checks as checks
from ...accounts._values import Account, Outcome, Profile
from ...errors import ConfigurationError
from ._sync_store import DjangoStore

__all__ = ["AsyncDjangoStore"]

_P = ParamSpec("_P")
_R = TypeVar("_R")


def _in_thread(function: Callable[_P, _R]) -> Callable[_P, Coroutine[Any, Any, _R]]:
    # Django's ORM and its transactions are sync: run each call in the thread Django's
    # other sync code shares (asgiref's thread_sensitive), where its connections live.
    return sync_to_async(function, thread_sensitive=True)


class AsyncDjangoStore:
    """:class:`DjangoStore` for :class:`~chattz_oauth_async.accounts.AsyncAccounts` (asyncio).

    Each call runs the sync store's method through asgiref's
    ``sync_to_async(thread_sensitive=True)``, as Django's own async ORM
    methods do; the rules and transactions are :class:`DjangoStore`'s.

    Args:
        store: The sync store to run (default: ``DjangoStore(using=using)``).
        using: The database alias, when ``store`` is not given.
    """

    #: The sync store each call runs in a thread.
    sync: DjangoStore

    def __init__(self, store: DjangoStore | None = None, *, using: str | None = None) -> None:
        checks.instance("store", store, DjangoStore, "a DjangoStore", none=True)
        if store is not None and using is not None:
            raise ConfigurationError("using applies only without store: set it on that store")
        self.sync = store if store is not None else DjangoStore(using=using)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.sync!r})"

    async def find(self, chattz_id: int) -> Account | None:
        """:meth:`DjangoStore.find`."""
        return await _in_thread(self.sync.find)(chattz_id)

    async def create(self, profile: Profile, now: dt.datetime) -> tuple[Account, bool]:
        """:meth:`DjangoStore.create`."""
        return await _in_thread(self.sync.create)(profile, now)

    async def link(self, profile: Profile, user_id: str, now: dt.datetime) -> tuple[Account, bool]:
        """:meth:`DjangoStore.link`."""
        return await _in_thread(self.sync.link)(profile, user_id, now)

    async def update(self, profile: Profile, now: dt.datetime, *, user_id: str) -> Account | None:
        """:meth:`DjangoStore.update`."""
        return await _in_thread(self.sync.update)(profile, now, user_id=user_id)

    async def unlink(self, user_id: str, chattz_id: int, *, guard: bool = True) -> bool:
        """:meth:`DjangoStore.unlink`."""
        return await _in_thread(self.sync.unlink)(user_id, chattz_id, guard=guard)

    async def accounts_of(self, user_id: str) -> list[Account]:
        """:meth:`DjangoStore.accounts_of`."""
        return await _in_thread(self.sync.accounts_of)(user_id)

    async def sign_in_once(
        self,
        profile: Profile,
        now: dt.datetime,
        *,
        user_id: str | None,
        session: int | None,
        signups: bool,
    ) -> tuple[Account, Outcome] | None:
        """:meth:`DjangoStore.sign_in_once`."""
        return await _in_thread(self.sync.sign_in_once)(
            profile, now, user_id=user_id, session=session, signups=signups
        )

    async def is_active(self, user_id: str) -> bool | None:
        """:meth:`DjangoStore.is_active`."""
        return await _in_thread(self.sync.is_active)(user_id)

    async def user(self, user_id: str) -> Any:
        """:meth:`DjangoStore.user`."""
        return await _in_thread(self.sync.user)(user_id)
