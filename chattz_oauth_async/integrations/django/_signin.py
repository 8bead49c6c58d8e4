"""The Django callback without ``CHATTZ_ON_SUCCESS``: sign in with ``django.contrib.auth``.

:func:`respond` (and :func:`arespond` for the async view) turns the completed
login into a local account through :class:`~chattz_oauth_async.accounts.Accounts`
on :class:`~chattz_oauth_async.integrations.django.store.DjangoStore`, then
calls ``django.contrib.auth.login`` (which rotates the session key, or
flushes the session of another user) and redirects. Only a linking login
(started by ``link_view``) whose user is still the one signed in links; a
plain login never does. The logout views are here too. Public names come from
:mod:`chattz_oauth_async.integrations.django`.
"""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable
from types import ModuleType
from typing import Any

import django  # type: ignore[import-untyped]
from asgiref.sync import sync_to_async
from django.apps import apps  # type: ignore[import-untyped]
from django.conf import settings  # type: ignore[import-untyped]
from django.contrib import auth  # type: ignore[import-untyped]
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed  # type: ignore[import-untyped]
from django.shortcuts import resolve_url  # type: ignore[import-untyped]
from django.views.decorators.csrf import csrf_protect  # type: ignore[import-untyped]

from ...accounts import Accounts, AsyncAccounts
from ...errors import ChattzOAuthError, ConfigurationError
from ...login import LoginRequest
from .._web import LoginResult, error_page, logger

__all__ = [
    "APP",
    "DJANGO_5",
    "arespond",
    "async_logout_view",
    "check_ready",
    "current_user",
    "error_response",
    "logout_view",
    "respond",
]

#: The app's name in INSTALLED_APPS.
APP = "chattz_oauth_async.integrations.django"

#: Django 5.0 added the async auth functions, and async support to csrf_protect.
DJANGO_5: bool = django.VERSION >= (5, 0)


def _stores() -> ModuleType:
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


def error_response(exc: ChattzOAuthError) -> HttpResponse:
    """The error page of a failed login (400, 502, 500; 409, 403, 503 for accounts)."""
    logger.info("login callback refused: %s", type(exc).__name__)
    status, page = error_page(exc)
    return HttpResponse(page, status=status, content_type="text/html; charset=utf-8")


def _disabled() -> HttpResponse:
    logger.info("login callback refused: the local user is not active")
    title = "Account disabled"
    message = "The account this Chattz user signs in to is disabled here."
    page = (
        "<!doctype html>\n<html lang=en><head><meta charset=utf-8>"
        f"<title>{html.escape(title)}</title></head>\n<body><main><h1 id=error>"
        f"{html.escape(title)}</h1><p>{html.escape(message)}</p></main></body></html>\n"
    )
    return HttpResponse(page, status=403, content_type="text/html; charset=utf-8")


def _signups() -> bool:
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
        get_user = getattr(auth.load_backend(path), "get_user", None)
        found = get_user(user.pk) if get_user is not None else None
        if found is not None and found.pk == user.pk:
            return str(path)
    raise ConfigurationError(
        "none of AUTHENTICATION_BACKENDS loads the Chattz user's Django user back "
        "(get_user); add django.contrib.auth.backends.ModelBackend"
    )


def _signed_in(user: Any) -> str | None:
    """The signed-in user's pk as text, or None (anonymous)."""
    return str(user.pk) if user is not None and user.is_authenticated else None


def _login_of(result: LoginResult) -> LoginRequest:
    # The completed login's link intent, for AsyncAccounts.sign_in(login=...).
    return LoginRequest("", "", None, None, 0.0, link_user_id=result.link_user_id)


def _see_other(location: str) -> HttpResponse:
    response = HttpResponse(status=303)
    response["Location"] = location
    return response


def _landing(result: LoginResult) -> HttpResponse:
    return _see_other(result.next_url or resolve_url(settings.LOGIN_REDIRECT_URL))


def respond(request: HttpRequest, result: LoginResult) -> HttpResponse:
    """Sign ``result`` in to its Django user, log them in, redirect to next or LOGIN_REDIRECT_URL.

    ``result.link_user_id`` is the login's (``LoginRequest.link_user_id``): only a
    linking login still signed in as that user links. A :class:`ChattzOAuthError`
    (linked elsewhere, sign-ups closed, a refused link, the database failed, a
    user model no username fits) gives its error page with the session left as
    it was; an inactive user gets 403 and is not logged in.
    """
    store = _stores().DjangoStore()
    try:
        accounts = Accounts(store, signups=_signups())
        signed_in = accounts.sign_in(
            result.user, login=_login_of(result), signed_in_user_id=_signed_in(request.user)
        )
        user = store.user(signed_in.user_id)
        if user is None or not getattr(user, "is_active", True):
            return _disabled()
        backend = _backend(user)
    except ChattzOAuthError as exc:
        return error_response(exc)
    auth.login(request, user, backend=backend)
    return _landing(result)


async def arespond(request: HttpRequest, result: LoginResult) -> HttpResponse:
    """:func:`respond` for the async view (``AsyncAccounts`` on ``AsyncDjangoStore``)."""
    store = _stores().AsyncDjangoStore()
    try:
        signed_in_user = _signed_in(await current_user(request))
        accounts = AsyncAccounts(store, signups=_signups())
        signed_in = await accounts.sign_in(
            result.user, login=_login_of(result), signed_in_user_id=signed_in_user
        )
        user = await store.user(signed_in.user_id)
        if user is None or not getattr(user, "is_active", True):
            return _disabled()
        backend = await sync_to_async(_backend, thread_sensitive=True)(user)
    except ChattzOAuthError as exc:
        return error_response(exc)
    await _alogin(request, user, backend=backend)
    return _landing(result)


async def current_user(request: HttpRequest) -> Any:
    """The request's user (``request.auser()``), for async views."""
    if DJANGO_5:
        return await request.auser()
    return await sync_to_async(lambda: request.user)()  # pragma: no cover - Django 4.2


if DJANGO_5:
    _alogin, _alogout = auth.alogin, auth.alogout
else:  # pragma: no cover - Django 4.2
    _alogin, _alogout = sync_to_async(auth.login), sync_to_async(auth.logout)


def _logged_out() -> HttpResponse:
    return _see_other(resolve_url(getattr(settings, "LOGOUT_REDIRECT_URL", None) or "/"))


def _logout_view(request: HttpRequest) -> HttpResponse:
    """POST /logout: sign out (``django.contrib.auth.logout``), 303 to LOGOUT_REDIRECT_URL or /.

    CSRF-protected like any Django form view (send ``csrfmiddlewaretoken``);
    other methods get 405, so a link or an image cannot sign anyone out.
    """
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    auth.logout(request)
    return _logged_out()


logout_view: Callable[[HttpRequest], HttpResponse] = csrf_protect(_logout_view)


async def _async_logout_view(request: HttpRequest) -> HttpResponse:
    """:func:`logout_view` for ASGI (``auth.alogout``)."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    await _alogout(request)
    return _logged_out()


# Before Django 5.0 csrf_protect cannot wrap an async view: CsrfViewMiddleware protects it.
async_logout_view: Callable[[HttpRequest], Awaitable[HttpResponse]] = (
    csrf_protect(_async_logout_view) if DJANGO_5 else _async_logout_view
)
