"""The Django views on the signed-in user's session and links: logout and unlink.

``logout_view`` signs out (``django.contrib.auth.logout``); ``unlink_view``
removes one of the user's Chattz links through
:class:`~chattz_oauth_async.accounts.Accounts` on
:class:`~chattz_oauth_async.integrations.django.store.DjangoStore`. Both take
a CSRF-protected POST only, outside ``ATOMIC_REQUESTS``, and have async twins.
The login, link and callback views are in ``__init__.py``; what the views
share (the request's user, the error page, the 303) in ``_signin.py``.
Public names come from :mod:`chattz_oauth_async.integrations.django`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from asgiref.sync import sync_to_async
from django.conf import settings  # type: ignore[import-untyped]
from django.contrib import auth  # type: ignore[import-untyped]
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed  # type: ignore[import-untyped]
from django.shortcuts import resolve_url  # type: ignore[import-untyped]
from django.views.decorators.csrf import csrf_protect  # type: ignore[import-untyped]

from ...accounts import Accounts, AsyncAccounts
from ...errors import ChattzOAuthError
from ...events import Event, EventKind, emit
from .._web import post_login_target
from ._signin import (
    DJANGO_5,
    async_signed_in,
    current_user,
    error_response,
    has_user,
    non_atomic,
    request_user,
    see_other,
    signed_in,
    store_module,
)

__all__ = ["async_logout_view", "async_unlink_view", "logout_view", "unlink_view"]

# Django 4.2 has no auth.alogout: its auth.logout in a thread.
_alogout = auth.alogout if DJANGO_5 else sync_to_async(auth.logout)


def _logged_out(user_id: object) -> HttpResponse:
    """The answer to a logout, after the ``LOGOUT`` event of ``user_id`` (if someone was in)."""
    if user_id is not None:
        emit(Event(EventKind.LOGOUT, user_id=str(user_id)))
    return see_other(resolve_url(getattr(settings, "LOGOUT_REDIRECT_URL", None) or "/"))


def _logout_view(request: HttpRequest) -> HttpResponse:
    """POST /logout: sign out (``django.contrib.auth.logout``), 303 to LOGOUT_REDIRECT_URL or /.

    CSRF-protected like any Django form view (send ``csrfmiddlewaretoken``);
    other methods get 405, so a link or an image cannot sign anyone out.
    """
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    user_id = signed_in(getattr(request, "user", None))
    auth.logout(request)
    return _logged_out(user_id)


logout_view: Callable[[HttpRequest], HttpResponse] = non_atomic(csrf_protect(_logout_view))


async def _async_logout_view(request: HttpRequest) -> HttpResponse:
    """:func:`logout_view` for ASGI (``auth.alogout``)."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    # As the sync view: without AuthenticationMiddleware there is no one to name.
    user_id = await async_signed_in(request) if has_user(request) else None
    await _alogout(request)
    return _logged_out(user_id)


# Before Django 5.0 csrf_protect cannot wrap an async view: CsrfViewMiddleware protects it.
async_logout_view: Callable[[HttpRequest], Awaitable[HttpResponse]] = non_atomic(
    csrf_protect(_async_logout_view) if DJANGO_5 else _async_logout_view
)


def _chattz_id(value: object) -> int | None:
    """A form's Chattz id (decimal digits, 1 to 2**63 - 1), or None."""
    if not isinstance(value, str) or not value.isascii() or not value.isdigit() or len(value) > 19:
        return None
    number = int(value)
    return number if 0 < number < 2**63 else None


def _unlinked(request: HttpRequest) -> HttpResponse:
    return see_other(
        post_login_target(request.POST.get("next")) or resolve_url(settings.LOGIN_REDIRECT_URL)
    )


def _unlink_refused(exc: ChattzOAuthError) -> HttpResponse:
    return error_response(exc, where="unlink")


def _unlink_view(request: HttpRequest) -> HttpResponse:
    """POST /chattz/unlink/: remove one of the signed-in user's Chattz links (field ``chattz_id``).

    CSRF-protected (send ``csrfmiddlewaretoken``); other methods get 405. An
    anonymous visitor gets a 303 to ``LOGIN_URL``; a ``chattz_id`` that is
    not a Chattz id, 400. The user's last way in (no usable password and no
    other link) is never removed: :class:`~chattz_oauth_async.UnlinkRefused`,
    409. Then a 303 to ``next`` (a same-origin path) or ``LOGIN_REDIRECT_URL``.
    Chattz has no revocation endpoint: a token issued for that Chattz account
    stays valid until it expires; unlinking only stops it signing in here.
    """
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    user = request_user(request)
    if not user.is_authenticated:
        return see_other(resolve_url(settings.LOGIN_URL))
    chattz_id = _chattz_id(request.POST.get("chattz_id"))
    if chattz_id is None:
        return HttpResponse("Not a Chattz account id.", status=400, content_type="text/plain")
    try:
        Accounts(store_module().DjangoStore()).unlink(user.pk, chattz_id)
    except ChattzOAuthError as exc:
        return _unlink_refused(exc)
    return _unlinked(request)


unlink_view: Callable[[HttpRequest], HttpResponse] = non_atomic(csrf_protect(_unlink_view))


async def _async_unlink_view(request: HttpRequest) -> HttpResponse:
    """:func:`unlink_view` for ASGI (``AsyncAccounts`` on ``AsyncDjangoStore``)."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    user = await current_user(request)
    if not user.is_authenticated:
        return see_other(resolve_url(settings.LOGIN_URL))
    chattz_id = _chattz_id(request.POST.get("chattz_id"))
    if chattz_id is None:
        return HttpResponse("Not a Chattz account id.", status=400, content_type="text/plain")
    try:
        await AsyncAccounts(store_module().AsyncDjangoStore()).unlink(user.pk, chattz_id)
    except ChattzOAuthError as exc:
        return _unlink_refused(exc)
    return _unlinked(request)


# Before Django 5.0 csrf_protect cannot wrap an async view: CsrfViewMiddleware protects it.
async_unlink_view: Callable[[HttpRequest], Awaitable[HttpResponse]] = non_atomic(
    csrf_protect(_async_unlink_view) if DJANGO_5 else _async_unlink_view
)
