"""The Django model of a linked Chattz account: :class:`ChattzAccount`.

One row per linked Chattz account, keyed on the Chattz id (the primary key,
so the database itself refuses a second link: concurrent first logins make one
account), with a foreign key to ``AUTH_USER_MODEL``: a user may have several
Chattz accounts linked, each Chattz account one user. The profile columns
have the lengths the accounts clean profiles to, so every
cleaned :class:`~chattz_oauth_async.accounts.Profile` fits.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, ClassVar

from django.conf import settings  # type: ignore[import-untyped]
from django.db import models  # type: ignore[import-untyped]

from ...accounts._values import MAX_AVATAR, MAX_EMAIL, MAX_NAME

if TYPE_CHECKING:
    from django.contrib.auth.base_user import (  # type: ignore[import-untyped]
        AbstractBaseUser,
    )

__all__ = ["ChattzAccount"]


class ChattzAccount(models.Model):  # type: ignore[misc]
    """A Chattz account linked to a local user; the profile as of its last login.

    The e-mail is kept as Chattz sent it, unverified: never find or link a
    user by it, and do not copy it where your app trusts it (password reset).
    Deleting the user deletes their links.
    """

    chattz_id: models.BigIntegerField[int] = models.BigIntegerField("Chattz id", primary_key=True)
    user: models.ForeignKey[AbstractBaseUser] = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="chattz_accounts",
        verbose_name="user",
        db_index=False,  # Meta.indexes: the user, then the Chattz id
    )
    username: models.CharField[str] = models.CharField("Chattz username", max_length=MAX_NAME)
    # NULL, not "": a Profile field Chattz did not send (or that was dropped) is None.
    email: models.CharField[str | None] = models.CharField(
        "e-mail (unverified)", max_length=MAX_EMAIL, null=True, blank=True
    )
    first_name: models.CharField[str | None] = models.CharField(
        "first name", max_length=MAX_NAME, null=True, blank=True
    )
    last_name: models.CharField[str | None] = models.CharField(
        "last name", max_length=MAX_NAME, null=True, blank=True
    )
    avatar: models.CharField[str | None] = models.CharField(
        "avatar URL", max_length=MAX_AVATAR, null=True, blank=True
    )
    linked_at: models.DateTimeField[dt.datetime] = models.DateTimeField("linked at")
    last_login_at: models.DateTimeField[dt.datetime] = models.DateTimeField("last login at")

    class Meta:
        verbose_name = "Chattz account"
        verbose_name_plural = "Chattz accounts"
        # A user's links, and a link looked up by both its Chattz id and its user (a
        # returning login's refresh and its read-back, an unlink): with the Chattz id in this
        # index too, such a lookup reads one entry whichever index PostgreSQL's planner picks.
        # An index on the user alone makes a young table's plans read all the user's links.
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["user", "chattz_id"], name="chattzaccount_user_chattz_idx")
        ]

    def __str__(self) -> str:
        return f"Chattz user {self.chattz_id} ({self.username})"
