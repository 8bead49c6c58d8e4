"""Local usernames for the Django store's new users: never confusable with an existing one.

Public as :func:`chattz_oauth_async.integrations.django.store.local_username`.

The rule: the Chattz username, NFKC-normalized first (so compatibility forms
such as ``ﬁ`` or full-width letters become what they look like), then kept
only if it is plain ASCII, reduced to ``[a-z0-9._+-]`` and lowercased;
anything else becomes ``chattz-<chattz id>``. The store then compares it with
the existing usernames case-insensitively (``username__iexact``), as
Django's own ``UserCreationForm`` does since Django 4.2.

Why ASCII only: a name built from the provider's text must not *look* like
another user's. Dropping characters before normalizing let Hangul jamo
``"ᄀ ᅡ"`` become a name that renders as ``가``; a Cyrillic ``а`` renders as
a Latin ``a`` (``аdmin``); ``Admin`` sits beside ``admin``. Unicode's
confusable detection (UTS #39) needs data tables this library does not ship;
ASCII lowercase leaves no two distinct names that render alike, and a person
whose Chattz name is not ASCII still sees their first and last names, which
are display text, not an identity.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Final

from django.db import models  # type: ignore[import-untyped]

from ...accounts import Profile
from ...errors import AccountError, ConfigurationError

__all__ = ["keyed_on_email", "local_username", "username_for"]

#: What a local username keeps: ASCII letters (lowercased), digits and ``._+-``. Never
#: ``@``: a local username must not look like an e-mail address ("username or e-mail"
#: login backends, and password resets by address).
_DROPPED: Final = re.compile(r"[^a-z0-9._+-]")
#: The domain of the usernames of a user model keyed on the e-mail: RFC 2606 reserves
#: ``.invalid``, so no mail is ever delivered there.
_NO_MAIL_DOMAIN: Final = "chattz.invalid"


def local_username(profile: Profile, attempt: int = 0, *, limit: int = 150) -> str:
    """A local username for a new user: the ``attempt``-th candidate when earlier ones are taken.

    The Chattz username, NFKC-normalized, ASCII only, lowercased, reduced to
    ``[a-z0-9._+-]`` (``chattz-<chattz id>`` when nothing is left, or when it
    is not ASCII); then ``-<chattz id>`` from the first retry, then
    ``-<chattz id>-<n>``: a local user who already has the name keeps it, and
    the new account gets its own. Never longer than ``limit``: the name is cut
    to leave room for the suffix. Compare candidates with existing usernames
    case-insensitively.

    Raises:
        AccountError: ``profile`` is not a :class:`~chattz_oauth_async.accounts.Profile`.
        ConfigurationError: ``attempt`` or ``limit`` is not an int, ``attempt`` is
            negative, or ``limit`` cannot hold the suffix and one character.
    """
    if not isinstance(profile, Profile):
        raise AccountError("local_username needs the Profile of a Chattz user")
    if type(attempt) is not int or attempt < 0:
        raise ConfigurationError("attempt is a whole number counting from 0")
    if type(limit) is not int:
        raise ConfigurationError("limit is a whole number of characters")
    name = unicodedata.normalize("NFKC", profile.username)
    base = _DROPPED.sub("", name.lower()) if name.isascii() else ""
    base = base or f"chattz-{profile.chattz_id}"
    suffix = ""
    if attempt:
        suffix = f"-{profile.chattz_id}" if attempt == 1 else f"-{profile.chattz_id}-{attempt}"
    room = limit - len(suffix)
    if room < 1:
        raise ConfigurationError(f"a username of at most {limit} characters cannot hold {suffix!r}")
    return base[:room] + suffix


def keyed_on_email(model: Any) -> bool:
    """Whether the user model's USERNAME_FIELD is its e-mail address."""
    field = model._meta.get_field(model.USERNAME_FIELD)
    return model.get_email_field_name() == model.USERNAME_FIELD or isinstance(
        field, models.EmailField
    )


def username_for(profile: Profile, attempt: int, *, limit: int, email: bool) -> str:
    """The ``attempt``-th candidate username for a new user of ``profile``.

    Raises:
        ConfigurationError: The username field cannot hold the candidate.
    """
    if not email:
        return local_username(profile, attempt, limit=limit)
    # Never the Chattz username ("ceo@victim.example" is anyone's to pick): an address
    # there is where password resets go. One no mail reaches, unique per Chattz id.
    suffix = f"-{attempt}" if attempt else ""
    username = f"chattz-{profile.chattz_id}{suffix}@{_NO_MAIL_DOMAIN}"
    if len(username) > limit:
        raise ConfigurationError(f"a username of at most {limit} characters cannot hold {username}")
    return username
