"""The Django views' settings: the sessions, the login cookies and the success handler.

Each is built from the ``CHATTZ_*`` settings on first use, once per process,
and rebuilt when the settings change (``override_settings`` in tests). Public
names come from :mod:`chattz_oauth_async.integrations.django`.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from django.conf import settings  # type: ignore[import-untyped]
from django.http import HttpRequest, HttpResponse  # type: ignore[import-untyped]
from django.utils.module_loading import import_string  # type: ignore[import-untyped]

from ..._async.session import AsyncChattzOAuth
from ..._sync.session import ChattzOAuth
from ...errors import ConfigurationError
from ...login import DEFAULT_LOGIN_MAX_AGE
from .._web import LoginResult
from ..cookies import LoginCookies
from ._signin import check_ready

__all__ = [
    "SuccessHandler",
    "get_async_session",
    "get_session",
    "imported_handler",
    "login_cookies",
    "success_handler",
]

SuccessHandler = Callable[[HttpRequest, LoginResult], HttpResponse | Awaitable[HttpResponse]]
_Session = TypeVar("_Session", ChattzOAuth, AsyncChattzOAuth)

_lock = threading.Lock()
# (kind, settings it was built from) -> the object; a change of settings builds a new one.
_built: dict[str, tuple[tuple[Any, ...], Any]] = {}


def _required(name: str) -> str:
    value = getattr(settings, name, None)
    if not isinstance(value, str) or not value:
        raise ConfigurationError(f"set {name} in the Django settings")
    return value


#: What CHATTZ_SESSION_OPTIONS may hold: the sessions' keyword-only arguments (the same
#: names in the sync and the async session).
_OPTIONS: frozenset[str] = frozenset(
    name
    for name, parameter in inspect.signature(ChattzOAuth).parameters.items()
    if parameter.kind is inspect.Parameter.KEYWORD_ONLY
)


def _session_settings() -> tuple[Any, ...]:
    options = getattr(settings, "CHATTZ_SESSION_OPTIONS", None) or {}
    if not isinstance(options, dict):
        raise ConfigurationError("CHATTZ_SESSION_OPTIONS must be a dict of keyword arguments")
    unknown = sorted(repr(name) for name in options if name not in _OPTIONS)
    if unknown:
        raise ConfigurationError(
            f"CHATTZ_SESSION_OPTIONS has {', '.join(unknown)}, which the session does not "
            f"take: use {', '.join(sorted(_OPTIONS))}"
        )
    # PKCE is on, as in the demo; CHATTZ_SESSION_OPTIONS = {"pkce": False} turns it off.
    options = {"pkce": True, **options}
    base_url = getattr(settings, "CHATTZ_BASE_URL", None)
    if base_url is not None:
        options = {**options, "base_url": base_url}
    return (
        _required("CHATTZ_CLIENT_ID"),
        _required("CHATTZ_CLIENT_SECRET"),
        _required("CHATTZ_REDIRECT_URI"),
        tuple(sorted(options.items())),
    )


def _cached(kind: str, key: tuple[Any, ...], build: Callable[[], Any]) -> Any:
    with _lock:
        found = _built.get(kind)
        if found is not None and found[0] == key:
            return found[1]
        made = build()
        _built[kind] = (key, made)
    if found is not None and isinstance(found[1], ChattzOAuth):
        found[1].close()  # settings changed: the old sync session is done with
    return made


def _session(kind: str, make: type[_Session]) -> _Session:
    key = _session_settings()
    client_id, secret, redirect_uri, options = key
    built: _Session = _cached(
        kind, key, lambda: make(client_id, secret, redirect_uri, **dict(options))
    )
    return built


def get_session() -> ChattzOAuth:
    """The process's sync session, built from the ``CHATTZ_*`` settings on first use.

    Raises:
        ConfigurationError: A required setting is missing or invalid.
    """
    return _session("sync", ChattzOAuth)


def get_async_session() -> AsyncChattzOAuth:
    """The process's async session, built from the ``CHATTZ_*`` settings on first use.

    Raises:
        ConfigurationError: A required setting is missing or invalid.
    """
    return _session("async", AsyncChattzOAuth)


def login_cookies() -> LoginCookies:
    """The pending-login cookies as the settings configure them.

    Raises:
        ConfigurationError: No usable key (``CHATTZ_LOGIN_SECRET_KEY`` or
            ``SECRET_KEY``), or another invalid cookie setting.
    """
    key = getattr(settings, "CHATTZ_LOGIN_SECRET_KEY", None) or settings.SECRET_KEY
    keys = tuple(key) if isinstance(key, (list, tuple)) else (key,)
    max_age = getattr(settings, "CHATTZ_LOGIN_MAX_AGE", DEFAULT_LOGIN_MAX_AGE)
    secure = getattr(settings, "CHATTZ_COOKIE_SECURE", None)
    try:
        built: LoginCookies = _cached(
            "cookies",
            (keys, max_age, secure),
            lambda: LoginCookies(list(keys), max_age=max_age, secure=secure),
        )
    except ConfigurationError as exc:  # it names LoginCookies' argument: name the setting
        setting = next(
            (name for argument, name in _COOKIE_SETTINGS.items() if str(exc).startswith(argument)),
            "the login cookie settings",
        )
        raise ConfigurationError(f"{setting}: {exc}") from exc
    return built


#: LoginCookies' arguments, and the Django settings they come from.
_COOKIE_SETTINGS = {
    "secret_key": "CHATTZ_LOGIN_SECRET_KEY (or SECRET_KEY)",
    "max_age": "CHATTZ_LOGIN_MAX_AGE",
    "secure": "CHATTZ_COOKIE_SECURE",
}


def success_handler(request: HttpRequest, given: SuccessHandler | None) -> SuccessHandler | None:
    """The app's handler; None for the default sign-in (checked to be usable first).

    Raises:
        ConfigurationError: ``CHATTZ_ON_SUCCESS`` is not a dotted path; or, for
            the default sign-in, the app, ``django.contrib.auth`` or their
            middleware is missing.
    """
    if given is not None:
        return given
    path = getattr(settings, "CHATTZ_ON_SUCCESS", None)
    if path is None:
        check_ready(request)
        return None
    return imported_handler(path)


def imported_handler(path: object) -> SuccessHandler:
    """The function ``CHATTZ_ON_SUCCESS`` names.

    Raises:
        ConfigurationError: ``path`` is not a dotted path, cannot be imported
            (the ImportError is the cause), or names something not callable.
    """
    if not isinstance(path, str) or not path:
        raise ConfigurationError(
            "CHATTZ_ON_SUCCESS must be the dotted path of on_success(request, result)"
        )
    try:
        handler: SuccessHandler = import_string(path)
    except ImportError as exc:
        raise ConfigurationError(f"CHATTZ_ON_SUCCESS cannot be imported: {exc}") from exc
    if not callable(handler):
        raise ConfigurationError(
            f"CHATTZ_ON_SUCCESS names a {type(handler).__name__}, not a function "
            "on_success(request, result)"
        )
    return handler
