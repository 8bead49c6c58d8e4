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

``unlink_view`` removes one of the signed-in user's Chattz links, never the
last way in of a user without a password (409); Chattz has no revocation
endpoint, so a token issued for that account stays valid until it expires.
Every view runs outside ``ATOMIC_REQUESTS`` (each store call is a short
transaction of its own). Each view is Django glue around the one login flow,
:class:`~chattz_oauth_async.integrations.flow.LoginFlow`.

``async_login_view`` / ``async_link_view`` / ``async_callback_view`` /
``async_unlink_view`` / ``async_logout_view`` are the
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
except ImportError as _missing:  # pragma: no cover - depends on the environment
    raise missing_extra(__name__, "Django", "django") from _missing

from ..._async.flow import AsyncLoginFlow
from ..._sync.flow import LoginFlow
from ...errors import ChattzOAuthError
from .._web import (
    LoginFinish,
    LoginResult,
    LoginStart,
    WebRequest,
    post_login_target,
    set_cookies,
)
from . import checks, signals  # noqa: F401  (signals: the events as Django signals)
from ._account_views import async_logout_view, async_unlink_view, logout_view, unlink_view
from ._settings import (
    SuccessHandler,
    get_async_session,
    get_session,
    login_cookies,
    success_handler,
)
from ._signin import (
    DJANGO_5,
    async_accounts,
    async_session_step,
    async_signed_in,
    current_user,
    error_response,
    landing,
    non_atomic,
    request_user,
    session_step,
    signed_in,
    sync_accounts,
)

__all__ = [
    "LoginResult",
    "async_callback_view",
    "async_link_view",
    "async_login_view",
    "async_logout_view",
    "async_unlink_view",
    "callback_view",
    "get_async_session",
    "get_session",
    "link_view",
    "login_cookies",
    "login_view",
    "logout_view",
    "unlink_view",
]


checks.register()  # also without the app in INSTALLED_APPS (its check says it is missing)


def web_request(request: HttpRequest) -> WebRequest:
    """What the login flow reads from a Django request: its URL, cookies and query."""
    query = [(name, value) for name, values in request.GET.lists() for value in values]
    return WebRequest(request.build_absolute_uri(), request.COOKIES, query)


def _redirect(started: LoginStart) -> HttpResponse:
    response = HttpResponse(status=started.status)
    for name, value in started.headers.items():
        response[name] = value
    set_cookies(response, started.cookies)
    return response


def _answer(finished: LoginFinish, response: HttpResponse) -> HttpResponse:
    """``response`` with the used login cookie deleted and the callback's headers."""
    set_cookies(response, finished.cookies)
    for name, value in finished.headers.items():
        response.headers.setdefault(name, value)
    return response


def _to_login_first(request: HttpRequest, next_url: str | None) -> HttpResponse:
    """Nobody to link to: log in first, then come back to where the link was asked from."""
    # (django.contrib.auth.views.redirect_to_login would import the auth models while
    # INSTALLED_APPS load; this is its URL, as a 303 so the login page is fetched with GET.)
    parts = urlsplit(resolve_url(settings.LOGIN_URL))
    query = QueryDict(parts.query, mutable=True)
    query["next"] = next_url or resolve_url(settings.LOGIN_REDIRECT_URL)
    response = HttpResponse(status=303)
    response["Location"] = urlunsplit(parts._replace(query=query.urlencode(safe="/")))
    return response


def _link(request: HttpRequest, flow: LoginFlow | AsyncLoginFlow, user: Any) -> HttpResponse:
    """Start a linking login for ``user``; an anonymous visitor goes to ``LOGIN_URL`` instead."""
    next_url = request.POST.get("next") or request.GET.get("next")
    if user is None or not user.is_authenticated:
        return _to_login_first(request, post_login_target(next_url))
    try:
        started = flow.begin(web_request(request), next_url, link_user_id=user.pk)
    except ChattzOAuthError as exc:  # a pk the accounts cannot keep (over 64 characters)
        return error_response(exc, where="link")
    return _redirect(started)


def _checked(response: object) -> HttpResponse:
    if not isinstance(response, HttpResponseBase):
        raise TypeError(f"on_success returned {type(response).__name__}, not an HttpResponse")
    return response


@non_atomic
def login_view(request: HttpRequest) -> HttpResponse:
    """GET /login?next=/path: a 303 redirect to Chattz, the sealed login in a cookie.

    An unsafe ``next`` is dropped (the user lands on your default page). A
    plain login: it never links, whoever is signed in.
    """
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    flow = LoginFlow(get_session(), login_cookies())
    return _redirect(flow.begin(web_request(request), request.GET.get("next")))


def _link_view(request: HttpRequest) -> HttpResponse:
    """POST /chattz/link/: start a login that links a Chattz account to the signed-in user.

    Send it from a form on a page of the signed-in user, with
    ``csrfmiddlewaretoken`` (and optionally ``next``, the path to land on).
    The login it starts carries the user's pk; the default callback links the
    Chattz account to that user only if they are still the one signed in
    (else 403, :class:`~chattz_oauth_async.LinkRefused`), and 409 if the
    Chattz account is linked to someone else. Other methods get 405 (a link
    or an image cannot start one); an anonymous visitor gets a 303 to
    ``LOGIN_URL`` with ``next``; a user whose pk is longer than the accounts
    keep (64 characters) gets the 500 error page.
    """
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    return _link(request, LoginFlow(get_session(), login_cookies()), request_user(request))


link_view: Callable[[HttpRequest], HttpResponse] = non_atomic(csrf_protect(_link_view))


@non_atomic
def callback_view(request: HttpRequest, on_success: SuccessHandler | None = None) -> HttpResponse:
    """GET /callback (your redirect URI): finish the login, then sign in or call ``on_success``.

    The login flow (:class:`~chattz_oauth_async.integrations.flow.LoginFlow`)
    does the work. Without a handler, its account step signs the login in to
    its Django user (:class:`~chattz_oauth_async.accounts.Accounts` on
    :class:`~chattz_oauth_async.integrations.django.store.DjangoStore`; a
    linking login links, only for its user still signed in), then
    ``django.contrib.auth.login`` and a 303 to ``next`` or
    ``LOGIN_REDIRECT_URL``. The view runs outside ``ATOMIC_REQUESTS``: each
    store write is a short transaction of its own.

    Args:
        request: The callback request.
        on_success: ``on_success(request, result)`` returns the response
            (typically a redirect to ``result.next_url``, after logging the
            user in keyed on ``result.user.id``); ``CHATTZ_ON_SUCCESS`` when
            None, and without that setting the default sign-in above.

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
    if handler is None:
        accounts = sync_accounts()
        flow = LoginFlow(session, login_cookies(), accounts=accounts)
        finished = flow.finish(
            web_request(request),
            signed_in_user=lambda: signed_in(request.user),
            start_session=session_step(request, accounts.store),
        )
    else:
        finished = LoginFlow(session, login_cookies()).finish(web_request(request))
    if finished.error is not None:
        return _answer(finished, error_response(finished.error))
    result = finished.result_or_raise()
    if handler is None:
        return _answer(finished, landing(result))
    return _answer(finished, _checked(handler(request, result)))


@non_atomic
async def async_login_view(request: HttpRequest) -> HttpResponse:
    """:func:`login_view` on the async session."""
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    flow = AsyncLoginFlow(get_async_session(), login_cookies())
    return _redirect(flow.begin(web_request(request), request.GET.get("next")))


async def _async_link_view(request: HttpRequest) -> HttpResponse:
    """:func:`link_view` on the async session (the user from ``request.auser()``)."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    flow = AsyncLoginFlow(get_async_session(), login_cookies())
    return _link(request, flow, await current_user(request))


# Before Django 5.0 csrf_protect cannot wrap an async view: CsrfViewMiddleware protects it.
async_link_view: Callable[[HttpRequest], Awaitable[HttpResponse]] = non_atomic(
    csrf_protect(_async_link_view) if DJANGO_5 else _async_link_view
)


@non_atomic
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
    if handler is None:
        accounts = async_accounts()
        flow = AsyncLoginFlow(session, login_cookies(), accounts=accounts)
        finished = await flow.finish(
            web_request(request),
            signed_in_user=lambda: async_signed_in(request),
            start_session=async_session_step(request, accounts.store),
        )
    else:
        finished = await AsyncLoginFlow(session, login_cookies()).finish(web_request(request))
    if finished.error is not None:
        return _answer(finished, error_response(finished.error))
    result = finished.result_or_raise()
    if handler is None:
        return _answer(finished, landing(result))
    if inspect.iscoroutinefunction(handler):
        answer = await handler(request, result)
    else:
        answer = await sync_to_async(handler)(request, result)
    return _answer(finished, _checked(answer))
