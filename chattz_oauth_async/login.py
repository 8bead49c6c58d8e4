"""Login state that travels with the browser: :class:`LoginRequest` and its sealed form.

A web app started with several workers cannot keep the CSRF ``state`` (and the
PKCE verifier) in one process's memory: the callback may land on another
worker. :meth:`LoginRequest.seal` turns the login into a compact, signed,
expiring string to put in a cookie; :meth:`LoginRequest.unseal` checks and
reads it back on whichever worker receives the callback. Because the cookie
lives only in the browser that started the login, the state is bound to that
browser: a state minted for another browser does not match.

Only the standard library is used: HMAC-SHA256 over a versioned payload.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import math
import time
from collections.abc import Sequence
from typing import Any, Final
from urllib.parse import urlsplit

import attrs

from . import _checks as checks
from ._ids import is_user_id_text
from .errors import ConfigurationError, LoginStateError, StateMismatchError, UnsafeRedirectError
from .protocol import DEFAULT_LOGIN_MAX_AGE

__all__ = [
    "DEFAULT_LOGIN_MAX_AGE",
    "CompletedLogins",
    "LoginRequest",
    "safe_next_url",
    "signing_keys",
]

_VERSION: Final = "c1"
_CONTEXT: Final = b"chattz_oauth_async login state v1\x00"
#: Browsers drop cookies over about 4 KB (name, value and attributes together).
_MAX_SEALED: Final = 4096
#: Longest post-login target, in characters of its JSON form (ASCII: the path itself).
_MAX_NEXT_URL: Final = 2048
_MIN_KEY_BYTES: Final = 16
#: A sealed login made this far in the future is refused (clock skew allowance).
_FUTURE_SKEW: Final = 60.0

SecretKey = str | bytes


def safe_next_url(next_url: str | None) -> str | None:
    """Accept a post-login target only if it is a same-origin relative path.

    Args:
        next_url: For example ``"/account?tab=1"``; None means no target.

    Returns:
        The path unchanged, or None.

    Raises:
        UnsafeRedirectError: Anything that could leave the site:
            ``//evil``, ``/\\evil``, ``https://evil``, ``javascript:...``,
            control characters, or a value that is not a string; and a path
            too long to travel in the login cookie (2,048 characters of
            ASCII, fewer when it is not ASCII: percent-encode it).
    """
    if next_url is None:
        return None
    if not isinstance(next_url, str) or not next_url or len(next_url) > _MAX_NEXT_URL:
        raise UnsafeRedirectError("the post-login target must be a short relative path")
    if (
        not next_url.startswith("/")
        or next_url.startswith("//")
        or "\\" in next_url
        or any(not ch.isprintable() or ch.isspace() for ch in next_url)
    ):
        raise UnsafeRedirectError(
            "the post-login target must be a same-origin path such as '/account'"
        )
    parts = urlsplit(next_url)
    if parts.scheme or parts.netloc:
        raise UnsafeRedirectError("the post-login target must not name another site")
    # Sealed, each non-ASCII character costs 6 to 12 bytes of JSON, then a third
    # more in base64: bound the JSON so the cookie stays under what browsers keep.
    if len(json.dumps(next_url)) > _MAX_NEXT_URL + 2:
        raise UnsafeRedirectError(
            "the post-login target is too long to keep in the login cookie "
            "(percent-encode non-ASCII characters, or shorten it)"
        )
    return next_url


def _user_id_ok(value: object) -> bool:
    """None, or a local user id as the accounts keep it (:func:`~._ids.user_id_text`)."""
    return value is None or is_user_id_text(value)


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def signing_keys(secret_key: SecretKey | Sequence[SecretKey]) -> list[bytes]:
    """The login-state keys as bytes, newest first, each checked for length.

    Web helpers call it once at start-up so a short key fails then, not at the first login.

    Raises:
        ConfigurationError: no key, a key shorter than 16 bytes, a key that is
            not str or bytes (or a list of them), or a str key that cannot be
            encoded as UTF-8. The message never shows a key.
    """
    if isinstance(secret_key, (str, bytes)):
        candidates: list[object] = [secret_key]
    elif isinstance(secret_key, Sequence):
        candidates = list(secret_key)
    else:
        raise ConfigurationError("secret_key must be str or bytes, or a list of them")
    keys = []
    for key in candidates:
        raw = _utf8(key) if isinstance(key, str) else key
        if not isinstance(raw, bytes):
            raise ConfigurationError(
                "secret_key must be str (encodable as UTF-8) or bytes, or a list of them"
            )
        if len(raw) < _MIN_KEY_BYTES:
            raise ConfigurationError(
                f"secret_key must be at least {_MIN_KEY_BYTES} bytes (each key of a list too)"
            )
        keys.append(raw)
    if not keys:
        raise ConfigurationError("secret_key must hold at least one key")
    return keys


def _finite(value: object) -> float | None:
    """``value`` as a float if it is a finite int or float (not a bool), else None."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def _check_clock(max_age: object, now: object) -> None:
    # A NaN would make every "too old" comparison False: expiry switched off.
    age = _finite(max_age)
    if age is None or age < 0:
        raise ConfigurationError("max_age must be a finite number of seconds >= 0")
    if now is not None and _finite(now) is None:
        raise ConfigurationError("now must be a finite number of epoch seconds, or None")


def _utf8(key: str) -> bytes | None:
    try:
        return key.encode("utf-8")
    except UnicodeEncodeError:
        return None  # raised outside: the error's args would hold the key


def _sign(key: bytes, payload: str) -> bytes:
    return hmac.new(key, _CONTEXT + payload.encode("ascii"), hashlib.sha256).digest()


@attrs.frozen(repr=False)
class LoginRequest:
    """One login in progress: where to send the browser and what to check on return.

    Attributes:
        url: The authorize URL to redirect the browser to (empty once unsealed:
            the cookie does not carry it).
        state: The CSRF state in the URL, checked at the callback.
        code_verifier: The PKCE verifier, or None when PKCE is off.
        next_url: Where to send the user after login (a safe relative path).
        created_at: When the login started (epoch seconds).
        link_user_id: The local user who started this login to link a Chattz
            account to themselves (``start_login(next_url, link_user_id=...)``,
            from a POST that passed your CSRF check), or None for a plain login.
            Sealed with the rest: a login is a linking one only if its own
            browser started it that way, so a forced navigation to ``/login``
            never links a stranger's Chattz account.

    Raises:
        ConfigurationError: When built with a value outside these: ``url`` not
            a str, an empty ``state`` or ``code_verifier``, a ``next_url``
            that is not a str or None, a ``created_at`` that is not a finite
            number, a ``link_user_id`` that is not 1 to 64 printable characters.
    """

    url: str = attrs.field(validator=checks.validator(checks.instance, kind=str, what="a str"))
    state: str = attrs.field(validator=checks.validator(checks.text))
    code_verifier: str | None = attrs.field(
        validator=checks.validator(checks.optional(checks.text))
    )
    next_url: str | None = attrs.field(
        validator=checks.validator(checks.instance, kind=str, what="a str", none=True)
    )
    created_at: float = attrs.field(validator=checks.validator(checks.number))
    link_user_id: str | None = attrs.field(default=None)

    @link_user_id.validator
    def _check_link_user_id(self, _: object, value: object) -> None:
        if value is not None and not _user_id_ok(value):
            raise ConfigurationError(
                "link_user_id must be a local user id (a str of 1 to 64 printable "
                "characters), or None"
            )

    def seal(self, secret_key: SecretKey) -> str:
        """Encode this login into a signed, cookie-safe string.

        The string is signed (HMAC-SHA256) but not encrypted: it holds nothing
        an attacker who can read the user's cookies could not already use.

        Args:
            secret_key: The application's secret (at least 16 bytes).

        Returns:
            A value of at most 4,096 ASCII characters, which :meth:`unseal`
            accepts (within ``max_age``) and browsers keep.

        Raises:
            ConfigurationError: A bad key, or a field that could not be read
                back (an empty state, a non-finite time).
            UnsafeRedirectError: ``next_url`` is not a safe, short path.
        """
        keys = signing_keys(secret_key)
        if (
            not isinstance(self.state, str)
            or not self.state
            or _finite(self.created_at) is None
            or not isinstance(self.code_verifier, (str, type(None)))
            or not _user_id_ok(self.link_user_id)
        ):
            raise ConfigurationError("this LoginRequest cannot be sealed: a field is malformed")
        body: dict[str, Any] = {"s": self.state, "t": self.created_at}
        if self.code_verifier is not None:
            body["v"] = self.code_verifier
        if self.next_url is not None:
            body["n"] = safe_next_url(self.next_url)
        if self.link_user_id is not None:
            body["u"] = self.link_user_id
        payload = _b64encode(json.dumps(body, separators=(",", ":")).encode())
        signed = f"{_VERSION}.{payload}"
        sealed = f"{signed}.{_b64encode(_sign(keys[0], signed))}"
        if len(sealed) > _MAX_SEALED:
            raise ConfigurationError(
                "this login is too large to keep in a cookie (is its state that long?)"
            )
        return sealed

    @classmethod
    def unseal(
        cls,
        value: str,
        secret_key: SecretKey | Sequence[SecretKey],
        max_age: float = DEFAULT_LOGIN_MAX_AGE,
        *,
        now: float | None = None,
    ) -> LoginRequest:
        """Check and decode a string made by :meth:`seal`.

        Args:
            value: The sealed string (the cookie's value).
            secret_key: The current key, or a list of accepted keys for
                rotation (the first one is the one :meth:`seal` should use).
            max_age: Seconds after ``created_at`` at which the login expires.
            now: The current time; ``time.time()`` when None.

        Raises:
            LoginStateError: The value is garbage, tampered, signed with an
                unknown key, or expired (then ``expired`` is True).
            ConfigurationError: A bad key, or ``max_age`` or ``now`` that is
                not a finite number (NaN never switches expiry off).
        """
        keys = signing_keys(secret_key)
        _check_clock(max_age, now)
        if not isinstance(value, str) or not value or len(value) > _MAX_SEALED:
            raise LoginStateError("the login state is missing or malformed")
        version, _, rest = value.partition(".")
        payload, _, signature = rest.partition(".")
        if version != _VERSION or not payload or not signature or not value.isascii():
            raise LoginStateError("the login state is malformed")
        signed = f"{version}.{payload}"
        # Compare the canonical text, not decoded bytes: b64decode skips stray
        # characters and unused trailing bits, so many strings decode to one MAC.
        if not any(hmac.compare_digest(_b64encode(_sign(key, signed)), signature) for key in keys):
            raise LoginStateError("the login state's signature is not valid")
        try:
            body = json.loads(_b64decode(payload))
        except (binascii.Error, ValueError, RecursionError):
            raise LoginStateError("the login state is malformed") from None
        if not isinstance(body, dict):
            raise LoginStateError("the login state is malformed")
        state, created_at = body.get("s"), body.get("t")
        verifier, next_url, link_user_id = body.get("v"), body.get("n"), body.get("u")
        if (
            not isinstance(state, str)
            or not state
            or not isinstance(created_at, (int, float))
            or isinstance(created_at, bool)
            or not math.isfinite(created_at)
            or not isinstance(verifier, (str, type(None)))
            or not isinstance(next_url, (str, type(None)))
            or not _user_id_ok(link_user_id)
        ):
            raise LoginStateError("the login state is malformed")
        login = cls(
            url="",
            state=state,
            code_verifier=verifier,
            next_url=next_url,
            created_at=float(created_at),
            link_user_id=link_user_id,
        )
        login.check_age(max_age, now=now)
        return login

    def check_age(
        self, max_age: float = DEFAULT_LOGIN_MAX_AGE, *, now: float | None = None
    ) -> None:
        """Refuse a login that is too old, or dated in the future.

        :meth:`unseal` calls it; a session that keeps logins another way calls
        it before the code exchange.

        Args:
            max_age: Seconds after ``created_at`` at which the login expires.
            now: The current time; ``time.time()`` when None.

        Raises:
            LoginStateError: The login expired (``expired`` is True) or is
                dated more than a minute in the future.
            ConfigurationError: ``max_age`` or ``now`` is not a finite number
                (a NaN or infinite ``max_age`` never switches expiry off).
        """
        _check_clock(max_age, now)
        if _finite(self.created_at) is None:
            raise LoginStateError("the login's start time is not a finite number")
        current = time.time() if now is None else now
        if self.created_at > current + _FUTURE_SKEW:
            raise LoginStateError("the login state is dated in the future")
        if current - self.created_at > max_age:
            raise LoginStateError("the login took too long; please start again", expired=True)

    def __repr__(self) -> str:
        return (
            f"LoginRequest(next_url={self.next_url!r}, created_at={self.created_at!r}, "
            f"pkce={self.code_verifier is not None}, link_user_id={self.link_user_id!r}, "
            "state=<redacted>)"
        )

    __str__ = __repr__


class CompletedLogins:
    """The logins one session has completed, so a replayed callback is refused (checklist 3).

    A login is claimed just before its code exchange and released again if
    the exchange never reached the provider, so such a login can be retried.
    Claims are remembered until ``forget_after`` (the login's expiry: after
    that, ``check_age`` refuses it anyway); past 10,000 entries the expired
    ones are dropped. ``dict.setdefault`` is atomic, so concurrent claims of
    one state from tasks or threads let exactly one through.
    """

    __slots__ = ("_until",)

    #: Entries past which expired claims are dropped.
    PRUNE_AT: Final = 10_000

    def __init__(self) -> None:
        self._until: dict[str, tuple[float, object]] = {}

    def claim(self, state: str, *, forget_after: float, now: float) -> None:
        """Claim ``state`` for one code exchange.

        Raises:
            StateMismatchError: The login was already completed (or is being
                completed right now).
        """
        if len(self._until) >= self.PRUNE_AT:
            for key, (until, _) in list(self._until.items()):
                if until < now:
                    self._until.pop(key, None)
        marker = object()
        if self._until.setdefault(state, (forget_after, marker))[1] is not marker:
            raise StateMismatchError("this login was already completed")

    def release(self, state: str) -> None:
        """Forget a claim whose code exchange never reached the provider."""
        self._until.pop(state, None)
