"""The pending-login cookies, for any web framework: names, attributes, reading, clearing.

The Starlette and Django helpers use this module, and so do the aiohttp and
Flask examples; an app on another framework can use it too, with no
framework installed. It decides everything about the cookie that holds a
sealed :class:`~chattz_oauth_async.LoginRequest` between ``/login`` and
``/callback``; the framework only copies the answer onto its response::

    cookies = LoginCookies(secret_key)
    secure = cookies.is_secure(str(request.url))       # the request's full URL
    # /login
    login = chattz.start_login(next_url)
    for cookie in cookies.start(login, request.cookies, secure=secure):
        response.set_cookie(cookie.name, cookie.value, **cookie.attributes)
    # /callback
    states = request.query_params.getlist("state")      # every `state` in the query
    started = cookies.read(states, request.cookies, secure=secure)   # or a typed error
    ...
    for cookie in cookies.clear(states, request.cookies, secure=secure):
        response.set_cookie(cookie.name, cookie.value, **cookie.attributes)

The rules:

- **One cookie per login**, named ``<name>_<first 16 hex digits of
  sha256(state)>``: logins started in several tabs all complete, and the name
  tells nothing about the state. A callback whose state this browser never
  started finds no cookie (:class:`~chattz_oauth_async.StateMismatchError`),
  which binds the state to the browser that started the login. At most
  ``max_pending`` pending logins are kept; starting one more drops the oldest
  (and any unreadable or expired ones).
- **Attributes**: ``HttpOnly``; ``SameSite=Lax`` (sent on the provider's
  top-level redirect back, not on cross-site subrequests); ``Path``;
  ``Max-Age`` (the login's lifetime); ``Secure``.
- **Secure by default.** The cookie is Secure unless the request is plain
  ``http`` to a loopback host (``localhost``, ``127.0.0.0/8``, ``::1``:
  development on your own machine). A Secure cookie on ``Path=/`` gets the
  ``__Host-`` prefix, so a sibling subdomain cannot plant its own login.
  A test client that talks plain http to a made-up host (Starlette's
  ``http://testserver``) does not send Secure cookies back: pass
  ``secure=False`` in the tests' configuration, explicitly. Nothing turns
  Secure off on its own for a non-loopback host.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from typing import Any, Final
from urllib.parse import urlsplit

import attrs

from .. import _checks as checks
from ..errors import ConfigurationError, LoginStateError, StateMismatchError
from ..login import DEFAULT_LOGIN_MAX_AGE, LoginRequest, SecretKey, signing_keys
from ..protocol import is_loopback_host

__all__ = ["DEFAULT_COOKIE_NAME", "LoginCookies", "SetCookie", "single_state"]

DEFAULT_COOKIE_NAME: Final = "chattz_login"
_HOST_PREFIX: Final = "__Host-"
_SUFFIX_LENGTH: Final = 16
_HEX: Final = frozenset("0123456789abcdef")
_MAX_STATE: Final = 2048


def check_cookie_name(argument: str, name: object) -> None:
    """Refuse a cookie name that is not letters, digits, ``_`` or ``-`` (``argument`` names it)."""
    if not (
        isinstance(name, str)
        and name.isascii()
        and name
        and all(ch.isalnum() or ch in "_-" for ch in name)
    ):
        raise ConfigurationError(f"{argument} must be ASCII letters, digits, '_' or '-'")


def check_cookie_path(argument: str, path: object) -> None:
    """Refuse a cookie path that is not ``/...`` without ``;``, ``,`` or white space."""
    if (
        not isinstance(path, str)
        or not path.startswith("/")
        or any(ch in path for ch in ";, \t\r\n")
    ):
        raise ConfigurationError(
            f"{argument} must be a path such as '/' (no ';', ',' or white space)"
        )


@attrs.frozen
class SetCookie:
    """One cookie to put on a response; an empty value with ``max_age=0`` deletes it.

    Starlette, Django, Flask (Werkzeug) and aiohttp responses all take it as::

        response.set_cookie(cookie.name, cookie.value, **cookie.attributes)

    Attributes:
        name: The cookie's name (``__Host-`` prefixed when Secure on ``/``).
        value: The sealed login, or ``""`` for a deletion (hidden from ``repr``).
        max_age: Seconds the browser keeps it; 0 deletes it.
        path: The cookie's path.
        secure: Whether it carries the Secure attribute.
    """

    name: str = attrs.field(validator=checks.validator(checks.text))
    value: str = attrs.field(
        repr=False, validator=checks.validator(checks.instance, kind=str, what="a str")
    )
    max_age: int = attrs.field(validator=checks.validator(checks.whole, low=0))
    path: str = attrs.field(validator=checks.validator(checks.text))
    secure: bool = attrs.field(validator=checks.validator(checks.flag))

    @property
    def attributes(self) -> dict[str, Any]:
        """The keyword arguments of the frameworks' ``set_cookie`` (HttpOnly, SameSite=Lax...)."""
        return {
            "max_age": self.max_age,
            "path": self.path,
            "secure": self.secure,
            "httponly": True,
            "samesite": "Lax",
        }

    def header(self) -> str:
        """The ``Set-Cookie`` header value, for frameworks without ``set_cookie``."""
        secure = "; Secure" if self.secure else ""
        return (
            f"{self.name}={self.value}; Max-Age={self.max_age}; Path={self.path}"
            f"{secure}; HttpOnly; SameSite=Lax"
        )


def _state_suffix(state: str) -> str:
    # A short, one-way name for the cookie: it tells nothing about the state.
    return hashlib.sha256(state.encode("utf-8", "surrogatepass")).hexdigest()[:_SUFFIX_LENGTH]


def single_state(states: Sequence[str]) -> str:
    """The callback's one non-empty ``state`` value.

    Args:
        states: Every ``state`` value in the callback's query, in order.

    Raises:
        StateMismatchError: None, an empty one, several, one that is not a
            string, or an absurdly long one.
    """
    if (
        not isinstance(states, Sequence)
        or len(states) != 1
        or not isinstance(states[0], str)
        or not states[0]
        or len(states[0]) > _MAX_STATE
    ):
        raise StateMismatchError("the callback's state does not match a login this browser started")
    return states[0]


class LoginCookies:
    """Names, attributes, reading and clearing of the pending-login cookies.

    Args:
        secret_key: Key for sealing the logins (16 bytes or more), or a list
            of accepted keys for rotation (the first one seals).
        name: Base name of the cookies: ASCII letters, digits, ``_`` or ``-``.
        path: Path the cookies are scoped to, starting with ``/`` (no ``;``,
            ``,`` or white space); it must cover the callback's path.
        max_age: Seconds a login may take, and the cookies' Max-Age: a whole
            number from 1 to 86,399 (default 600).
        secure: None, True or False. None (the default) sets Secure unless the request is plain
            http to a loopback host. True forces it on. False turns it off:
            only for tests over plain http to a non-loopback test host such
            as Starlette's ``http://testserver``.
        max_pending: How many logins one browser may have in progress at once:
            a whole number >= 1 (default 5).

    Raises:
        ConfigurationError: A setting outside these (the message names it).
    """

    keys: list[bytes]

    def __init__(
        self,
        secret_key: SecretKey | Sequence[SecretKey],
        *,
        name: str = DEFAULT_COOKIE_NAME,
        path: str = "/",
        max_age: int = DEFAULT_LOGIN_MAX_AGE,
        secure: bool | None = None,
        max_pending: int = 5,
    ) -> None:
        self.keys = signing_keys(secret_key)
        check_cookie_name("name", name)
        check_cookie_path("path", path)
        checks.whole("max_age", max_age, high=86_399)
        checks.instance("secure", secure, bool, "True, False", none=True)
        checks.whole("max_pending", max_pending)
        self.name = name
        self.path = path
        self.max_age = max_age
        self.secure = secure
        self.max_pending = max_pending

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(name={self.name!r}, path={self.path!r}, "
            f"max_age={self.max_age!r}, secure={self.secure!r})"
        )

    def is_secure(self, request_url: str) -> bool:
        """Whether cookies set in answer to the request at ``request_url`` get Secure.

        Args:
            request_url: The request's absolute URL as the app sees it (its
                scheme after any trusted proxy header, and its host).

        Raises:
            ConfigurationError: ``request_url`` is not a string.
        """
        if self.secure is not None:
            return self.secure
        if not isinstance(request_url, str):
            raise ConfigurationError("is_secure() needs the request's URL as a string")
        try:
            parts = urlsplit(request_url)
            host = parts.hostname
        except ValueError:
            return True
        return not (parts.scheme == "http" and is_loopback_host(host))

    def prefix(self, *, secure: bool) -> str:
        """The start shared by every pending-login cookie's name."""
        host_prefix = _HOST_PREFIX if secure and self.path == "/" else ""
        return f"{host_prefix}{self.name}_"

    def name_for(self, state: str, *, secure: bool) -> str:
        """The name of the cookie holding the login started with ``state``."""
        return self.prefix(secure=secure) + _state_suffix(state)

    def _cookie(self, name: str, value: str, *, secure: bool) -> SetCookie:
        max_age = self.max_age if value else 0
        return SetCookie(name=name, value=value, max_age=max_age, path=self.path, secure=secure)

    def pending(
        self, cookies: Mapping[str, str], *, secure: bool, now: float | None = None
    ) -> list[tuple[float, str]]:
        """The browser's pending logins as (start time, cookie name), oldest first.

        An unreadable, forged or expired cookie has start time ``-inf``;
        cookies whose names this class never sets (the prefix and 16 hex
        digits) are not listed.
        """
        prefix = self.prefix(secure=secure)
        found = []
        for name, value in cookies.items():
            # Only names this class sets: prefix and 16 hex digits. Another cookie
            # with the prefix (planted, or junk) is not ours to delete, and a name
            # the frameworks' set_cookie() refuses ("chattz_login_a b") would make
            # every /login fail.
            if not (
                isinstance(name, str)
                and name.startswith(prefix)
                and len(name) == len(prefix) + _SUFFIX_LENGTH
                and all(ch in _HEX for ch in name[len(prefix) :])
            ):
                continue
            try:
                started = LoginRequest.unseal(value, self.keys, self.max_age, now=now).created_at
            except LoginStateError:
                started = -math.inf
            found.append((started, name))
        return sorted(found)

    def start(
        self,
        login: LoginRequest,
        cookies: Mapping[str, str],
        *,
        secure: bool,
        now: float | None = None,
    ) -> list[SetCookie]:
        """The cookies to set when ``login`` starts: its own, and deletions of stale ones.

        Args:
            login: The login just started (``session.start_login()``).
            cookies: The request's cookies (the browser's other pending logins).
            secure: :meth:`is_secure` for the request.
            now: The current time (the session's clock); ``time.time()`` when None.
        """
        pending = self.pending(cookies, secure=secure, now=now)
        excess = max(0, len(pending) - self.max_pending + 1)
        answer = [
            self._cookie(name, "", secure=secure)
            for index, (started, name) in enumerate(pending)
            if index < excess or started == -math.inf
        ]
        name = self.name_for(login.state, secure=secure)
        answer.append(self._cookie(name, login.seal(self.keys[0]), secure=secure))
        return answer

    def read(
        self,
        states: Sequence[str],
        cookies: Mapping[str, str],
        *,
        secure: bool,
        now: float | None = None,
    ) -> LoginRequest:
        """The login this browser started for the callback's state.

        Args:
            states: Every ``state`` value in the callback's query.
            cookies: The request's cookies.
            secure: :meth:`is_secure` for the request.
            now: The current time (the session's clock); ``time.time()`` when None.

        Raises:
            StateMismatchError: No single state, or this browser started no
                login with it (a forged or replayed callback, or an expired cookie).
            LoginStateError: The cookie is tampered, or the login expired.
        """
        state = single_state(states)
        sealed = cookies.get(self.name_for(state, secure=secure))
        if sealed is None:
            raise StateMismatchError(
                "this browser has no login in progress for this callback "
                "(it may have expired); please start again"
            )
        return LoginRequest.unseal(sealed, self.keys, self.max_age, now=now)

    def clear(
        self, states: Sequence[str], cookies: Mapping[str, str], *, secure: bool
    ) -> list[SetCookie]:
        """The deletion of the cookie the callback used, if the browser has it."""
        try:
            name = self.name_for(single_state(states), secure=secure)
        except StateMismatchError:
            return []
        return [self._cookie(name, "", secure=secure)] if name in cookies else []
