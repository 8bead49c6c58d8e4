"""The account store on Django's ORM: :class:`DjangoStore` (sync) and :class:`AsyncDjangoStore`.

Both keep links in :class:`~chattz_oauth_async.integrations.django.models.ChattzAccount`
and create users of ``AUTH_USER_MODEL``. Use them with
:class:`~chattz_oauth_async.accounts.Accounts` and
:class:`~chattz_oauth_async.accounts.AsyncAccounts`; the default callback views
do. Needs ``"chattz_oauth_async.integrations.django"`` in INSTALLED_APPS and
its migration applied (``manage.py migrate``).

This module is their public path (and :func:`local_username`'s): the sync
store is in ``_sync_store.py``, its async face in ``_async_store.py``.
"""

from __future__ import annotations

from ._async_store import AsyncDjangoStore
from ._sync_store import DjangoStore
from ._usernames import local_username

__all__ = ["AsyncDjangoStore", "DjangoStore", "local_username"]
