"""The values this library hands out: :class:`Token` and :class:`ChattzUser`.

Both are frozen attrs classes. Parsing provider responses into them lives in
:mod:`chattz_oauth_async.protocol`; these classes only hold and serialise.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from typing import Any, Final

import attrs

from . import _checks as checks
from .errors import ConfigurationError

__all__ = ["DEFAULT_LEEWAY", "MAX_EXPIRES_IN", "ChattzUser", "Token"]

#: Seconds before the provider's expiry at which a token is treated as expired.
DEFAULT_LEEWAY = 30.0
#: The longest token lifetime believed (100 years); a longer one is malformed.
MAX_EXPIRES_IN: Final = 100 * 365 * 24 * 3600


def _finite(value: object) -> float | None:
    """``value`` as a float if it is a finite int or float (not a bool), else None."""
    if type(value) in (int, float) and math.isfinite(value):  # type: ignore[arg-type]
        return float(value)  # type: ignore[arg-type]
    return None


def _now(now: object) -> float:
    """``now``, or the time when None; a NaN would make every expiry check False."""
    if now is None:
        return time.time()
    value = _finite(now)
    if value is None:
        raise ConfigurationError("now must be a finite number of epoch seconds, or None")
    return value


@attrs.frozen(repr=False)
class Token:
    """An access token, with what is known of its expiry.

    Attributes:
        access_token: The bearer token. Never shown by ``repr()`` or ``str()``.
        token_type: Always ``"Bearer"`` (the only kind this library accepts).
        expires_in: Lifetime in seconds as the provider stated it, or None.
        expires_at: Absolute expiry (epoch seconds): the clock at receipt plus
            ``expires_in``. None when the provider gave no lifetime: such a
            token is never treated as expired locally; the provider decides.
        refresh_token: A refresh token, when the provider issued one.
        scope: The granted scope, when the provider stated it.
        extra: Response fields this library does not interpret, kept as sent.
        leeway: Seconds before ``expires_at`` at which the token counts as
            expired (clamped to half the lifetime, so a short-lived token is
            not born expired).
    """

    access_token: str = attrs.field(hash=False)
    token_type: str = "Bearer"
    expires_in: int | None = None
    expires_at: float | None = None
    refresh_token: str | None = attrs.field(default=None, hash=False)
    scope: str | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict, hash=False)
    leeway: float = DEFAULT_LEEWAY

    def __attrs_post_init__(self) -> None:
        # Valid once built: a wrong type here would fail later, in is_expired()
        # or a request header, with a raw TypeError. Messages never show a value.
        if not isinstance(self.access_token, str) or not self.access_token:
            raise ConfigurationError("a Token needs a non-empty string access_token")
        if self.token_type != "Bearer":
            raise ConfigurationError("a Token's token_type must be 'Bearer' (the only kind used)")
        if self.expires_in is not None and (
            # Bounded: an int past a float's range overflows in effective_leeway().
            type(self.expires_in) is not int or not 0 <= self.expires_in <= MAX_EXPIRES_IN
        ):
            raise ConfigurationError(
                "a Token's expires_in must be whole seconds from 0 to 100 years, or None"
            )
        if self.expires_at is not None and _finite(self.expires_at) is None:
            raise ConfigurationError("a Token's expires_at must be a finite number, or None")
        if _finite(self.leeway) is None or self.leeway < 0:
            raise ConfigurationError("a Token's leeway must be a finite number >= 0")
        for name in ("refresh_token", "scope"):
            if not isinstance(getattr(self, name), (str, type(None))):
                raise ConfigurationError(f"a Token's {name} must be a string, or None")
        if not isinstance(self.extra, Mapping):
            raise ConfigurationError("a Token's extra must be a mapping")

    def effective_leeway(self) -> float:
        """The leeway actually applied: at most half of the token's lifetime."""
        if self.expires_in is None:
            return self.leeway
        return max(0.0, min(self.leeway, self.expires_in / 2))

    def is_expired(self, now: float | None = None) -> bool:
        """Tell whether the token should be treated as expired.

        Args:
            now: The current time in epoch seconds; ``time.time()`` when None.

        Returns:
            True once ``now`` is within the (clamped) leeway of ``expires_at``.
            False when the expiry is unknown.

        Raises:
            ConfigurationError: ``now`` is not None or a finite number.
        """
        now = _now(now)
        if self.expires_at is None:
            return False
        if self.expires_in == 0:
            return True
        return now >= self.expires_at - self.effective_leeway()

    def seconds_left(self, now: float | None = None) -> float | None:
        """Seconds until ``expires_at`` (negative once past), or None if unknown."""
        now = _now(now)
        if self.expires_at is None:
            return None
        return self.expires_at - now

    def to_dict(self) -> dict[str, Any]:
        """Serialise to a JSON-compatible dict (it contains the secret token).

        :meth:`from_dict` reads it back, expiry included, so a bot can persist
        a token and still know when it expires after a restart.
        """
        data: dict[str, Any] = dict(self.extra)
        data.update(
            access_token=self.access_token,
            token_type=self.token_type,
            expires_in=self.expires_in,
            expires_at=self.expires_at,
            refresh_token=self.refresh_token,
            scope=self.scope,
            leeway=self.leeway,
        )
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Token:
        """Read a token written by :meth:`to_dict`.

        Raises:
            ConfigurationError: ``data`` is not a mapping of that shape.
        """
        if not isinstance(data, Mapping):
            raise ConfigurationError("a saved token must be a JSON object")
        known = {
            "access_token",
            "token_type",
            "expires_in",
            "expires_at",
            "refresh_token",
            "scope",
            "leeway",
        }
        access_token = data.get("access_token")
        if not isinstance(access_token, str) or not access_token:
            raise ConfigurationError("a saved token needs a non-empty 'access_token'")
        expires_in = data.get("expires_in")
        expires_at = data.get("expires_at")
        leeway = data.get("leeway")
        leeway = DEFAULT_LEEWAY if leeway is None else leeway
        if expires_in is not None and (
            type(expires_in) is not int or not 0 <= expires_in <= MAX_EXPIRES_IN
        ):
            raise ConfigurationError("a saved token's 'expires_in' must be whole seconds >= 0")
        for name, number in (("expires_at", expires_at), ("leeway", leeway)):
            if number is not None and (
                type(number) not in (int, float) or not math.isfinite(number)
            ):
                raise ConfigurationError(f"a saved token's {name!r} must be a number")
        for name in ("refresh_token", "scope", "token_type"):
            if data.get(name) is not None and not isinstance(data.get(name), str):
                raise ConfigurationError(f"a saved token's {name!r} must be a string")
        return cls(
            access_token=access_token,
            token_type=data.get("token_type") or "Bearer",
            expires_in=expires_in,
            expires_at=None if expires_at is None else float(expires_at),
            refresh_token=data.get("refresh_token"),
            scope=data.get("scope"),
            extra={k: v for k, v in data.items() if k not in known},
            leeway=float(leeway),
        )

    def __repr__(self) -> str:
        return (
            f"Token(token_type={self.token_type!r}, expires_in={self.expires_in!r}, "
            f"expires_at={self.expires_at!r}, scope={self.scope!r}, "
            f"refresh_token={'<redacted>' if self.refresh_token else None}, "
            "access_token=<redacted>)"
        )

    __str__ = __repr__


_optional_str = checks.validator(checks.instance, kind=str, what="a str", none=True)


@attrs.frozen
class ChattzUser:
    """The signed-in user, as ``GET /oauth/userinfo`` describes them.

    Key your accounts on :attr:`id`, never on :attr:`email`: an e-mail address
    can change hands or be unverified, the id cannot.

    Attributes:
        id: The provider's stable numeric user id.
        username: The user's Chattz username.
        email: E-mail address, or None when absent or null.
        first_name: Given name, or None.
        last_name: Family name, or None.
        avatar: Avatar URL as sent (this library never fetches it), or None.
        raw: The whole userinfo object, extra fields included.

    Raises:
        ConfigurationError: When built with an ``id`` that is not an int (a
            bool is not), a ``username`` that is not a str, another field
            that is not a str or None, or a ``raw`` that is not a mapping.
    """

    id: int = attrs.field(validator=checks.validator(checks.whole, low=None))
    username: str = attrs.field(validator=checks.validator(checks.instance, kind=str, what="a str"))
    email: str | None = attrs.field(default=None, validator=_optional_str)
    first_name: str | None = attrs.field(default=None, validator=_optional_str)
    last_name: str | None = attrs.field(default=None, validator=_optional_str)
    avatar: str | None = attrs.field(default=None, validator=_optional_str)
    raw: Mapping[str, Any] = attrs.field(
        factory=dict, hash=False, repr=False, validator=checks.validator(checks.mapping)
    )

    @property
    def display_name(self) -> str:
        """First and last name when known, else the username."""
        name = " ".join(part for part in (self.first_name, self.last_name) if part)
        return name or self.username
