"""The Django store's reads: links as accounts, a link with its user, the free usernames.

The ORM queries of :class:`~chattz_oauth_async.integrations.django.store.DjangoStore`
that read, and the conversions between its values and the models' (a user id
as the user model's key, a time as stored); the store keeps the writes and the
transactions around them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings  # type: ignore[import-untyped]
from django.contrib.auth import get_user_model  # type: ignore[import-untyped]
from django.core.exceptions import ValidationError  # type: ignore[import-untyped]
from django.db import connections  # type: ignore[import-untyped]
from django.db.models import Q, TextField  # type: ignore[import-untyped]
from django.db.models.functions import Cast  # type: ignore[import-untyped]
from django.utils import timezone  # type: ignore[import-untyped]

from ...accounts._values import ACCOUNT_COLUMNS, MAX_NAME, Account, Profile
from ._usernames import keyed_on_email, username_for

__all__ = ["accounts", "free_usernames", "has_is_active", "link_and_user", "stored_time", "user_pk"]

_TIMES = ("linked_at", "last_login_at")
#: Candidate usernames tried for a new user (see ``local_username``) before giving up.
_USERNAME_ATTEMPTS = 8


def stored_time(value: dt.datetime) -> dt.datetime:
    """``value`` as a ``DateTimeField`` stores it (naive UTC without ``USE_TZ``)."""
    return value if settings.USE_TZ else timezone.make_naive(value, dt.UTC)


def _readable(links: Any, alias: str) -> tuple[Any, list[str]]:
    """``links`` and the names of its account columns, stored times as text on SQLite.

    SQLite keeps any type in any column: a time edited by hand (free text, a
    number) would make Django's converter raise; read as text, it is parsed
    by :meth:`Account.from_columns`, which never raises for it.
    """
    names = list(ACCOUNT_COLUMNS)
    if connections[alias].vendor == "sqlite":
        links = links.annotate(**{f"{name}_text": Cast(name, TextField()) for name in _TIMES})
        names = [f"{name}_text" if name in _TIMES else name for name in names]
    return links, names


def accounts(links: Any) -> list[Account]:
    """The accounts of a ``ChattzAccount`` queryset (see :func:`_readable`)."""
    links, names = _readable(links, links.db)
    rows = links.values_list(*names)
    return [Account.from_columns(dict(zip(ACCOUNT_COLUMNS, row, strict=True))) for row in rows]


def link_and_user(links: Any, alias: str) -> tuple[Account, Any] | None:
    """The first link of ``links`` and its user (None if gone), in one query."""
    model = get_user_model()
    fields = [field.attname for field in model._meta.concrete_fields]
    links, names = _readable(links, alias)
    rows = list(links.values_list(*names, *(f"user__{name}" for name in fields))[:1])
    if not rows:
        return None
    row = rows[0]
    account = Account.from_columns(dict(zip(ACCOUNT_COLUMNS, row[: len(names)], strict=True)))
    values = row[len(names) :]
    pk = values[fields.index(model._meta.pk.attname)]
    user = None if pk is None else model.from_db(alias, fields, values)
    return account, user


def free_usernames(profile: Profile, alias: str) -> list[str]:
    """The candidate usernames no user has in any letter case (one query).

    Read before the write transaction: on SQLite a transaction that reads
    first cannot take the write lock while another login holds it.
    """
    model = get_user_model()
    field = model.USERNAME_FIELD
    limit = getattr(model._meta.get_field(field), "max_length", None) or MAX_NAME
    email = keyed_on_email(model)
    names = [
        username_for(profile, attempt, limit=limit, email=email)
        for attempt in range(_USERNAME_ATTEMPTS)
    ]
    # Case-insensitively, as Django's UserCreationForm compares: "Admin" is admin's.
    alike = Q()
    for name in names:
        alike |= Q(**{f"{field}__iexact": name})
    users = model._default_manager.using(alias)
    taken = {str(name).casefold() for name in users.filter(alike).values_list(field, flat=True)}
    return [name for name in names if name.casefold() not in taken]


def has_is_active() -> bool:
    """Whether the user model has an ``is_active`` column to filter on."""
    return any(field.name == "is_active" for field in get_user_model()._meta.concrete_fields)


def user_pk(user_id: str) -> Any:
    """``user_id`` as a value of the user model's primary key, or None if it cannot be one."""
    try:
        return get_user_model()._meta.pk.to_python(user_id)
    except (ValidationError, TypeError, ValueError):
        return None
