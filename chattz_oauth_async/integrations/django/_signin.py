"""The Django callback's account and session steps without ``CHATTZ_ON_SUCCESS``.

The login flow's account step runs :class:`~chattz_oauth_async.accounts.Accounts`
on :class:`~chattz_oauth_async.integrations.django.store.DjangoStore`
(:func:`sync_accounts`; the accounts decide whether a login links: only a
linking login, started by ``link_view``, whose user is still the one signed
in); its session step (:func:`session_step`) calls ``django.contrib.auth.login``
(which rotates the session key, or flushes the session of another user).
Here too what every view uses: the request's user, the error page, the 303,
:func:`non_atomic`. The logout and unlink views are in ``_account_views.py``.
Public names come from :mod:`chattz_oauth_async.integrations.django`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from types import ModuleType
from typing import Any, TypeVar

import django  # type: ignore[import-untyped]
from asgiref.sync import sync_to_async
from django.apps import apps  # type: ignore[import-untyped]
from django.conf import settings  # type: ignore[import-untyped]
from django.contrib import auth  # type: ignore[import-untyped]
from django.db import transaction  # type: ignore[import-untyped]
from django.http import HttpRequest, HttpResponse  # type: ignore[import-untyped]
from django.shortcuts import resolve_url  # type: ignore[import-untyped]

from ...accounts import Accounts, AsyncAccounts
from ...diagnostics import log_failure
from ...errors import ChattzOAuthError, ConfigurationError, InactiveUser
from .._web import LoginResult, error_page

__all__ = [
    "APP",
    "DJANGO_5",
    "async_accounts",
    "async_session_step",
    "async_signed_in",
    "check_ready",
    "current_user",
    "error_response",
    "has_user",
    "landing",
    "non_atomic",
    "request_user",
    "see_other",
    "session_step",
    "signed_in",
    "signups",
    "store_module",
    "sync_accounts",
]

_View = TypeVar("_View", bound=Callable[..., Any])


def non_atomic(view: _View) -> _View:
    """``view`` run outside ``ATOMIC_REQUESTS`` (``transaction.non_atomic_requests``).

    The login views write through the store, whose every method is a short
    transaction of its own; inside a request-wide transaction on SQLite the
    store's write after the request's reads is a lock upgrade SQLite refuses
    ("database is locked") under concurrent logins, and Django refuses async
    views under ``ATOMIC_REQUESTS`` altogether. Marks the default database
    (the one ``transaction.non_atomic_requests`` marks).
    """
    marked: _View = transaction.non_atomic_requests(view)
    return marked


#: The app's name in INSTALLED_APPS.
APP = "chattz_oauth_async.integrations.django"

#: Django 5.0 added the async auth functions, and async support to csrf_protect.
DJANGO_5: bool = django.VERSION >= (5, 0)


def store_module() -> ModuleType:
    """:mod:`~chattz_oauth_async.integrations.django.store`, imported on first use."""
    # This module loads with the app's package while Django is still loading INSTALLED_APPS,
    # when no model can be imported yet: the store and its model load on the first login.
    from . import store

    return store


def check_ready(request: HttpRequest) -> None:
    """Make sure the default sign-in can work, before the login's code is used up.

    Raises:
        ConfigurationError: The app or ``django.contrib.auth`` is not
            installed, or the request has no ``user`` or ``session``
            (``AuthenticationMiddleware``, ``SessionMiddleware``).
    """
    missing = [name for name in (APP, "django.contrib.auth") if not apps.is_installed(name)]
    missing += [
        middleware
        for attribute, middleware in (
            ("session", "SessionMiddleware"),
            ("user", "AuthenticationMiddleware"),
        )
        if not hasattr(request, attribute)
    ]
    if missing:
        raise ConfigurationError(
            f"the default Chattz sign-in needs {', '.join(missing)} in the settings "
            f"(INSTALLED_APPS, MIDDLEWARE); or set CHATTZ_ON_SUCCESS to the dotted path of "
            "on_success(request, result), or pass on_success to the callback view"
        )


def error_response(exc: ChattzOAuthError, *, where: str = "login") -> HttpResponse:
    """The error page of a failed login (400, 502, 500; 409, 403, 503 for accounts).

    The failure is logged once, without secrets (:func:`log_failure`: a no-op
    for an error the flow or an account store logged already), and the page is
    marked as logged so that Django's ``django.request`` logger does not log
    it again: its record carries the request, whose query (the authorization
    code, the state) and cookies (the sealed login) the admin e-mail and error
    trackers would show.
    """
    log_failure(exc, where=where)
    status, page = error_page(exc)
    response = HttpResponse(page, status=status, content_type="text/html; charset=utf-8")
    response._has_been_logged = True  # read by django.utils.log.log_response
    return response


def signups() -> bool:
    """``CHATTZ_SIGNUPS`` (default True).

    Raises:
        ConfigurationError: The setting is not True or False (``"false"`` from an
            environment variable would otherwise open sign-ups).
    """
    value = getattr(settings, "CHATTZ_SIGNUPS", True)
    if not isinstance(value, bool):
        raise ConfigurationError(
            f"CHATTZ_SIGNUPS must be True or False, not {type(value).__name__}"
        )
    return value


def _backend(user: Any) -> str:
    """The first of AUTHENTICATION_BACKENDS that loads ``user`` back from the session.

    ``auth.login`` records the backend, and every later request asks that
    backend's ``get_user`` for the user: one that cannot (django-axes'
    ``AxesStandaloneBackend``, which its docs list first) would sign the user
    out at once.

    Raises:
        ConfigurationError: No backend loads the user.
    """
    for path in settings.AUTHENTICATION_BACKENDS:
        backend = auth.load_backend(path)
        if _model_backend_loads(backend, user):
            return str(path)  # what its get_user would find: no need to read the user again
        get_user = getattr(backend, "get_user", None)
        found = get_user(user.pk) if get_user is not None else None
        if found is not None and found.pk == user.pk:
            return str(path)
    raise ConfigurationError(
        "none of AUTHENTICATION_BACKENDS loads the Chattz user's Django user back "
        "(get_user); add django.contrib.auth.backends.ModelBackend"
    )


def _model_backend_loads(backend: object, user: Any) -> bool:
    """Whether ``backend`` is Django's ModelBackend (its own get_user) and would load ``user``.

    ModelBackend.get_user is the user model's default manager ``get`` by pk, then
    ``user_can_authenticate``; ``user`` came from that manager a moment ago.
    """
    # Imported here: this module loads while Django is still loading INSTALLED_APPS.
    from django.contrib.auth.backends import ModelBackend  # type: ignore[import-untyped]

    if not isinstance(backend, ModelBackend):
        return False
    if type(backend).get_user is not ModelBackend.get_user:
        return False
    return isinstance(user, auth.get_user_model()) and bool(backend.user_can_authenticate(user))


def signed_in(user: Any) -> object:
    """The signed-in user's pk, or None (anonymous): who a linking login must still be."""
    return user.pk if user is not None and user.is_authenticated else None


async def async_signed_in(request: HttpRequest) -> object:
    """:func:`signed_in` of the request's user, for the async views."""
    return signed_in(await current_user(request))


def sync_accounts() -> Accounts:
    """The default sign-in's accounts: ``Accounts`` on ``DjangoStore``, ``CHATTZ_SIGNUPS``.

    One per login: its store hands the user it read to the session step
    (:func:`session_step` with ``accounts.store``), which then reads no user again.

    Raises:
        ConfigurationError: ``CHATTZ_SIGNUPS`` is not a bool.
    """
    return Accounts(store_module().DjangoStore(), signups=signups())


def async_accounts() -> AsyncAccounts:
    """:func:`sync_accounts` for the async views (``AsyncAccounts`` on ``AsyncDjangoStore``)."""
    return AsyncAccounts(store_module().AsyncDjangoStore(), signups=signups())


def _login_user(request: HttpRequest, user_id: str, store: Any) -> Any:
    """The Django user a login signed in to: the request's own (a linking login's, loaded
    by AuthenticationMiddleware), the one the store read for the account step, or a read."""
    # What request.user (or request.auser()) loaded, if it did: AuthenticationMiddleware's cache.
    for cached in ("_cached_user", "_acached_user"):
        current = getattr(request, cached, None)
        if current is not None and current.is_authenticated and str(current.pk) == user_id:
            return current
    if store is not None:  # this login's own store: the user its sign-in read
        return store.handed_user(user_id)
    return store_module().DjangoStore().user(user_id)


def _active(user: Any) -> Any:
    """``user`` if it may sign in; else InactiveUser (403, the same page in every framework)."""
    if user is None or not getattr(user, "is_active", True):  # the flow logs the refusal
        raise InactiveUser("the local user this Chattz account signs in to is not active")
    return user


def _user_id(result: LoginResult) -> str:
    """The local user the flow's account step signed ``result`` in to."""
    if result.signed_in is None:  # the flow ran without accounts: nothing to sign in to
        raise ConfigurationError("the session step needs the flow's account step")
    return result.signed_in.user_id


def session_step(request: HttpRequest, store: Any = None) -> Callable[[LoginResult], None]:
    """The flow's session step: ``django.contrib.auth.login`` of the login's Django user.

    ``auth.login`` rotates the session key (or flushes the session of another
    user), so nothing planted before the login survives. ``store``: the
    account step's ``DjangoStore``, whose user is then not read again.
    """

    def start(result: LoginResult) -> None:
        user = _active(_login_user(request, _user_id(result), store))
        auth.login(request, user, backend=_backend(user))

    return start


def async_session_step(
    request: HttpRequest, store: Any = None
) -> Callable[[LoginResult], Awaitable[None]]:
    """:func:`session_step` for the async views (``auth.alogin``; an ``AsyncDjangoStore``)."""

    async def start(result: LoginResult) -> None:
        sync_store = None if store is None else store.sync
        read = sync_to_async(_login_user, thread_sensitive=True)
        user = _active(await read(request, _user_id(result), sync_store))
        backend = await sync_to_async(_backend, thread_sensitive=True)(user)
        await _alogin(request, user, backend=backend)

    return start


def see_other(location: str) -> HttpResponse:
    """A 303 to ``location``: the browser fetches it with GET."""
    response = HttpResponse(status=303)
    response["Location"] = location
    return response


def landing(result: LoginResult) -> HttpResponse:
    """The default sign-in's answer: a 303 to ``next`` or ``LOGIN_REDIRECT_URL``."""
    return see_other(result.next_url or resolve_url(settings.LOGIN_REDIRECT_URL))


_NO_AUTH_MIDDLEWARE = (
    "this view reads the signed-in user: add "
    "django.contrib.auth.middleware.AuthenticationMiddleware to MIDDLEWARE"
)


def has_user(request: HttpRequest) -> bool:
    """Whether AuthenticationMiddleware gave the request its user (``auser`` on Django 5)."""
    return hasattr(request, "auser" if DJANGO_5 else "user")


def request_user(request: HttpRequest) -> Any:
    """The request's user (``request.user``).

    Raises:
        ConfigurationError: No ``AuthenticationMiddleware`` set it.
    """
    if not hasattr(request, "user"):
        raise ConfigurationError(_NO_AUTH_MIDDLEWARE)
    return request.user


async def current_user(request: HttpRequest) -> Any:
    """The request's user (``request.auser()``), for async views.

    Raises:
        ConfigurationError: No ``AuthenticationMiddleware`` set it.
    """
    if not has_user(request):
        raise ConfigurationError(_NO_AUTH_MIDDLEWARE)
    if DJANGO_5:
        return await request.auser()
    return await sync_to_async(lambda: request.user)()  # pragma: no cover - Django 4.2


# Django 4.2 has no auth.alogin: its auth.login in a thread.
_alogin = auth.alogin if DJANGO_5 else sync_to_async(auth.login)
