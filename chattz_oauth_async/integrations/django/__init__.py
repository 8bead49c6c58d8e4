"""Log in with Chattz from Django: login, callback and logout views, configured from settings.

Install with ``pip install 'chattz_oauth_async[django]'``. This package is
also a Django app: with ``"chattz_oauth_async.integrations.django"`` in
INSTALLED_APPS (and ``manage.py migrate``), the callback signs the Chattz user
in to a Django user of their own (:mod:`.store`, :mod:`.models`).

``settings.py``::

    INSTALLED_APPS = [..., "django.contrib.auth", "chattz_oauth_async.integrations.django"]
    CHATTZ_CLIENT_ID = os.environ["CHATTZ_CLIENT_ID"]
    CHATTZ_CLIENT_SECRET = os.environ["CHATTZ_CLIENT_SECRET"]
    CHATTZ_REDIRECT_URI = "https://example.com/chattz/callback/"   # as registered

``urls.py``::

    from chattz_oauth_async.integrations import django as chattz

    urlpatterns = [
        path("chattz/login/", chattz.login_view, name="chattz-login"),       # ?next=/account
        path("chattz/callback/", chattz.callback_view, name="chattz-callback"),
        path("chattz/link/", chattz.link_view, name="chattz-link"),         # POST, CSRF token
        path("logout/", chattz.logout_view, name="logout"),                 # POST, CSRF token
    ]

Linking a second Chattz account to the signed-in user takes a POST to
``link_view`` (a form with ``csrfmiddlewaretoken``; GET is 405, and an
anonymous visitor is sent to ``LOGIN_URL``): the login it starts carries the
user's pk, sealed in the login cookie, and the callback links only if that same
user is still signed in (else 403, :class:`~chattz_oauth_async.LinkRefused`).
A plain login (``login_view``) never links: while someone is signed in it
signs in the Chattz account's own user instead, so a forced navigation to the
login URL (login CSRF through Chattz, a shared computer) cannot attach a
stranger's Chattz account to the victim's user.

Without ``CHATTZ_ON_SUCCESS``, the callback finds, links (a linking login
only) or creates the account (:class:`~chattz_oauth_async.accounts.Accounts` on
:class:`~chattz_oauth_async.integrations.django.store.DjangoStore`;
``CHATTZ_SIGNUPS = False`` refuses new users), calls
``django.contrib.auth.login`` (a new session key) and redirects to ``next``
or ``LOGIN_REDIRECT_URL``. With ``CHATTZ_ON_SUCCESS`` (a dotted path of
``on_success(request, result) -> response``) or a per-URL ``on_success``
(``path(..., callback_view, {"on_success": handler})``), your handler does
that instead, and ``result.signed_in`` is None.

``async_login_view`` / ``async_link_view`` / ``async_callback_view`` /
``async_logout_view`` are the
same views on :class:`~chattz_oauth_async.AsyncChattzOAuth` and
:class:`~chattz_oauth_async.accounts.AsyncAccounts`, for apps served over
ASGI; in an async view a plain handler runs in a thread (``sync_to_async``),
so it may use the ORM.

Optional settings: ``CHATTZ_BASE_URL`` (staging or a local fake),
``CHATTZ_SESSION_OPTIONS`` (more constructor arguments, e.g. ``{"pkce": False}`` to turn PKCE off),
``CHATTZ_LOGIN_SECRET_KEY`` (seals the login cookie; default ``SECRET_KEY``;
a list rotates keys), ``CHATTZ_LOGIN_MAX_AGE`` (600 s) and
``CHATTZ_COOKIE_SECURE`` (None: Secure except on plain-http loopback;
False only for tests over plain http to a non-loopback host).

The views share everything but the framework with the Starlette helper: the
cookies of :mod:`chattz_oauth_async.integrations.cookies`, the ``next`` rules
(only a same-origin path, else dropped), and the error pages (400 for a
denied, expired, forged or replayed login, 502 when Chattz fails, 500 for a
configuration error; 409, 403 and 503 when the account cannot be signed
in). One session per process is built from the settings on
first use, and rebuilt when they change (``override_settings`` in tests).
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import attrs

from .._web import missing_extra

try:
    from asgiref.sync import sync_to_async
    from django.conf import settings  # type: ignore[import-untyped]
    from django.http import (  # type: ignore[import-untyped]
        HttpRequest,
        HttpResponse,
        HttpResponseBase,
        HttpResponseNotAllowed,
        QueryDict,
    )
    from django.shortcuts import resolve_url  # type: ignore[import-untyped]
    from django.views.decorators.csrf import csrf_protect  # type: ignore[import-untyped]
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise missing_extra(__name__, "Django", "django") from exc

from ..._async.session import AsyncChattzOAuth
from ..._sync.session import ChattzOAuth
from ...errors import ChattzOAuthError
from ...login import LoginRequest
from .._web import LoginResult, post_login_target, set_cookies
from ..cookies import LoginCookies
from ._settings import (
    SuccessHandler,
    get_async_session,
    get_session,
    login_cookies,
    success_handler,
)
from ._signin import (
    DJANGO_5,
    arespond,
    async_logout_view,
    current_user,
    error_response,
    logout_view,
    respond,
)

__all__ = [
    "LoginResult",
    "async_callback_view",
    "async_link_view",
    "async_login_view",
    "async_logout_view",
    "callback_view",
    "get_async_session",
    "get_session",
    "link_view",
    "login_cookies",
    "login_view",
    "logout_view",
]


def _is_secure(cookies: LoginCookies, request: HttpRequest) -> bool:
    return cookies.is_secure(request.build_absolute_uri())


def _start(
    request: HttpRequest,
    session: AsyncChattzOAuth | ChattzOAuth,
    next_url: str | None,
    link_user_id: str | None = None,
) -> HttpResponse:
    cookies = login_cookies()
    login = session.start_login(post_login_target(next_url))
    if link_user_id is not None:
        login = attrs.evolve(login, link_user_id=link_user_id)
    response = HttpResponse(status=303)
    response["Location"] = login.url
    response["Cache-Control"] = "no-store"
    secure = _is_secure(cookies, request)
    set_cookies(response, cookies.start(login, request.COOKIES, secure=secure, now=session.clock()))
    return response


def _read(
    request: HttpRequest, session: AsyncChattzOAuth | ChattzOAuth
) -> tuple[LoginRequest, list[tuple[str, str]], int]:
    """The browser's login for this callback, its parameters (repeats kept), the login max age."""
    cookies = login_cookies()
    login = cookies.read(
        request.GET.getlist("state"),
        request.COOKIES,
        secure=_is_secure(cookies, request),
        now=session.clock(),
    )
    params = [(name, value) for name, values in request.GET.lists() for value in values]
    return login, params, cookies.max_age


def _link(request: HttpRequest, session: AsyncChattzOAuth | ChattzOAuth, user: Any) -> HttpResponse:
    """Start a linking login for ``user``; an anonymous visitor goes to ``LOGIN_URL`` instead."""
    next_url = post_login_target(request.POST.get("next") or request.GET.get("next"))
    if user is None or not user.is_authenticated:
        # Nobody to link to: log in first, then come back to where the link was asked from.
        # (django.contrib.auth.views.redirect_to_login would import the auth models while
        # INSTALLED_APPS load; this is its URL, as a 303 so the login page is fetched with GET.)
        parts = urlsplit(resolve_url(settings.LOGIN_URL))
        query = QueryDict(parts.query, mutable=True)
        query["next"] = next_url or resolve_url(settings.LOGIN_REDIRECT_URL)
        response = HttpResponse(status=303)
        response["Location"] = urlunsplit(parts._replace(query=query.urlencode(safe="/")))
        return response
    return _start(request, session, next_url, link_user_id=str(user.pk))


def _finish(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    cookies = login_cookies()
    states = request.GET.getlist("state")
    set_cookies(
        response, cookies.clear(states, request.COOKIES, secure=_is_secure(cookies, request))
    )
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    return response


def _checked(response: object) -> HttpResponse:
    if not isinstance(response, HttpResponseBase):
        raise TypeError(f"on_success returned {type(response).__name__}, not an HttpResponse")
    return response


def login_view(request: HttpRequest) -> HttpResponse:
    """GET /login?next=/path: a 303 redirect to Chattz, the sealed login in a cookie.

    An unsafe ``next`` is dropped (the user lands on your default page).
    """
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    return _start(request, get_session(), request.GET.get("next"))


def _link_view(request: HttpRequest) -> HttpResponse:
    """POST /chattz/link/: start a login that links a Chattz account to the signed-in user.

    Send it from a form on a page of the signed-in user, with
    ``csrfmiddlewaretoken`` (and optionally ``next``, the path to land on).
    The login it starts carries the user's pk; the default callback links the
    Chattz account to that user only if they are still the one signed in
    (else 403, :class:`~chattz_oauth_async.LinkRefused`), and 409 if the
    Chattz account is linked to someone else. Other methods get 405 (a link
    or an image cannot start one); an anonymous visitor gets a 303 to
    ``LOGIN_URL`` with ``next``.
    """
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    return _link(request, get_session(), request.user)


link_view: Callable[[HttpRequest], HttpResponse] = csrf_protect(_link_view)


def callback_view(request: HttpRequest, on_success: SuccessHandler | None = None) -> HttpResponse:
    """GET /callback (your redirect URI): finish the login, then sign in or call ``on_success``.

    Args:
        request: The callback request.
        on_success: ``on_success(request, result)`` returns the response
            (typically a redirect to ``result.next_url``, after logging the
            user in keyed on ``result.user.id``); ``CHATTZ_ON_SUCCESS`` when
            None, and without that setting the default: the account signed in
            with ``django.contrib.auth.login``, a 303 to ``next`` or
            ``LOGIN_REDIRECT_URL``.

    Every response deletes the used login cookie. A :class:`ChattzOAuthError`
    gives the error page (400, 502, 500; 409, 403, 503 for the account);
    other exceptions propagate.

    Raises:
        ConfigurationError: A setting is missing; for the default sign-in,
            the app, ``django.contrib.auth`` or their middleware.
    """
    if request.method != "GET":  # a link checker's HEAD must not use up the code
        return HttpResponseNotAllowed(["GET"])
    session, handler = get_session(), success_handler(request, on_success)
    try:
        login, params, max_age = _read(request, session)
        token = session.complete_login(params, login, max_age=max_age)
        user = session.userinfo(token)
    except ChattzOAuthError as exc:
        return _finish(request, error_response(exc))
    result = LoginResult(
        token=token,
        user=user,
        next_url=post_login_target(login.next_url),
        link_user_id=login.link_user_id,
    )
    if handler is None:
        return _finish(request, respond(request, result))
    return _finish(request, _checked(handler(request, result)))


async def async_login_view(request: HttpRequest) -> HttpResponse:
    """:func:`login_view` on the async session."""
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    return _start(request, get_async_session(), request.GET.get("next"))


async def _async_link_view(request: HttpRequest) -> HttpResponse:
    """:func:`link_view` on the async session (the user from ``request.auser()``)."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    return _link(request, get_async_session(), await current_user(request))


# Before Django 5.0 csrf_protect cannot wrap an async view: CsrfViewMiddleware protects it.
async_link_view: Callable[[HttpRequest], Awaitable[HttpResponse]] = (
    csrf_protect(_async_link_view) if DJANGO_5 else _async_link_view
)


async def async_callback_view(
    request: HttpRequest, on_success: SuccessHandler | None = None
) -> HttpResponse:
    """:func:`callback_view` on the async session (and ``AsyncAccounts``, ``auth.alogin``).

    An async ``on_success`` is awaited; a plain one runs through
    ``sync_to_async`` (so it may use the ORM).
    """
    if request.method != "GET":  # a link checker's HEAD must not use up the code
        return HttpResponseNotAllowed(["GET"])
    session, handler = get_async_session(), success_handler(request, on_success)
    try:
        login, params, max_age = _read(request, session)
        token = await session.complete_login(params, login, max_age=max_age)
        user = await session.userinfo(token)
    except ChattzOAuthError as exc:
        return _finish(request, error_response(exc))
    result = LoginResult(
        token=token,
        user=user,
        next_url=post_login_target(login.next_url),
        link_user_id=login.link_user_id,
    )
    if handler is None:
        return _finish(request, await arespond(request, result))
    if inspect.iscoroutinefunction(handler):
        answer = await handler(request, result)
    else:
        answer = await sync_to_async(handler)(request, result)
    return _finish(request, _checked(answer))
