"""Log in with Chattz from Starlette or FastAPI in two handlers.

Install with ``pip install 'chattz_oauth_async[starlette]'``. FastAPI apps use
it as they are (FastAPI requests and responses are Starlette's).

Example::

    from chattz_oauth_async.integrations.starlette import ChattzLogin, LoginResult

    chattz = AsyncChattzOAuth.from_env()
    login = ChattzLogin(chattz, secret_key=os.environ["APP_SECRET"])

    async def start(request):                       # GET /login?next=/account
        return login.login_response(request, next_url=request.query_params.get("next"))

    async def on_success(request, result: LoginResult):
        response = RedirectResponse(result.next_url or "/", status_code=303)
        ...  # put result.user.id in your own session cookie
        return response

    routes = [
        Route("/login", start),
        Route("/callback", login.callback_endpoint(on_success)),  # your redirect_uri
    ]

Design:

- **No server-side store.** ``/login`` seals the :class:`~chattz_oauth_async.LoginRequest`
  (state, PKCE verifier, post-login target, start time) with HMAC-SHA256 into
  a cookie; ``/callback`` unseals it on whichever worker receives it. The
  cookie only exists in the browser that started the login, which binds the
  state to that browser: a callback carrying a state minted for another
  browser finds no cookie and is refused (:class:`StateMismatchError`).
- **One cookie per login**, named ``<cookie_name>_<first 16 hex digits of
  sha256(state)>``, so logins started in several tabs all complete. The
  callback looks up the cookie for its own ``state`` and deletes it. At most
  ``max_pending`` pending-login cookies are kept; starting one more drops the
  oldest (and any unreadable or expired ones).
- **Cookie attributes**: HttpOnly; SameSite=Lax (sent on the provider's
  top-level redirect back, not on cross-site subrequests); ``Path=cookie_path``;
  ``Max-Age=max_age``; Secure unless the request is plain http to a loopback
  host (``secure=True``/``False`` overrides). A Secure cookie on ``Path=/`` gets
  the ``__Host-`` name prefix, so a sibling subdomain cannot plant one.
- **Errors** from the callback are :class:`~chattz_oauth_async.ChattzOAuthError`
  subclasses. :meth:`ChattzLogin.callback_endpoint` turns them into a short
  HTML page (:meth:`ChattzLogin.error_response`: 400 for a mismatched, expired
  or denied login, 502 for a provider that failed or could not be reached,
  500 for a configuration error); pass ``on_error`` to render your own.
- **Post-login target**: only a same-origin path is kept
  (:func:`~chattz_oauth_async.safe_next_url`); :meth:`ChattzLogin.login_response`
  drops an unsafe one (the user lands on your default page) instead of failing.
- The callback's ``redirect_uri`` is the session's configuration, never
  derived from the request's Host header.

Responses from the helper carry ``Cache-Control: no-store``; callback
responses also ``Referrer-Policy: no-referrer`` (the callback URL holds the
authorization code).
"""

from __future__ import annotations

import hashlib
import html
import inspect
import logging
import math
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Final

import attrs

try:
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, RedirectResponse, Response
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "chattz_oauth_async.integrations.starlette needs Starlette: "
        "pip install 'chattz_oauth_async[starlette]'"
    ) from exc

from .._async.session import AsyncChattzOAuth
from ..errors import (
    AuthorizationDenied,
    ChattzOAuthError,
    ConfigurationError,
    LoginStateError,
    OAuthError,
    ProviderError,
    StateMismatchError,
    TransportError,
    UnsafeRedirectError,
)
from ..login import DEFAULT_LOGIN_MAX_AGE, LoginRequest, SecretKey, safe_next_url, signing_keys
from ..models import ChattzUser, Token
from ..protocol import is_loopback_host

__all__ = ["ChattzLogin", "LoginResult"]

logger = logging.getLogger("chattz_oauth_async.integrations.starlette")

_SUFFIX_LENGTH: Final = 16
_HOST_PREFIX: Final = "__Host-"

SuccessHandler = Callable[[Request, "LoginResult"], Response | Awaitable[Response]]
ErrorHandler = Callable[[Request, ChattzOAuthError], Response | Awaitable[Response]]


@attrs.frozen
class LoginResult:
    """A completed login.

    Attributes:
        token: The access token (its ``repr`` hides the secret parts).
        user: The signed-in user. Key your accounts on ``user.id``.
        next_url: The same-origin path given to :meth:`ChattzLogin.login_response`,
            or None.
    """

    token: Token
    user: ChattzUser
    next_url: str | None


def _state_suffix(state: str) -> str:
    # A short, one-way name for the cookie: it tells nothing about the state.
    return hashlib.sha256(state.encode("utf-8", "surrogatepass")).hexdigest()[:_SUFFIX_LENGTH]


class ChattzLogin:
    """The /login response and the /callback handler, with the login state in cookies.

    Args:
        chattz: The application's session (one per app, for example created
            in the lifespan). May also be a zero-argument callable returning
            it, for sessions created after the routes are declared.
        secret_key: Key for sealing the login cookie (16 bytes or more), or a
            list of accepted keys for rotation (the first one seals).
        cookie_name: Base name of the pending-login cookies.
        cookie_path: Path the cookies are scoped to; it must cover the
            callback's path.
        max_age: Seconds a login may take, and the cookies' Max-Age.
        secure: Force the Secure attribute on (True) or off (False); None
            sets it unless the request is plain http to a loopback host.
        max_pending: How many logins one browser may have in progress at once.

    Raises:
        ConfigurationError: A setting cannot work (short key, bad name, ...).
    """

    def __init__(
        self,
        chattz: AsyncChattzOAuth | Callable[[], AsyncChattzOAuth],
        secret_key: SecretKey | Sequence[SecretKey],
        *,
        cookie_name: str = "chattz_login",
        cookie_path: str = "/",
        max_age: int = DEFAULT_LOGIN_MAX_AGE,
        secure: bool | None = None,
        max_pending: int = 5,
    ) -> None:
        keys = signing_keys(secret_key)
        if not cookie_name or not all(ch.isalnum() or ch in "_-" for ch in cookie_name):
            raise ConfigurationError("cookie_name must be letters, digits, '_' or '-'")
        if not cookie_path.startswith("/") or any(ch in cookie_path for ch in ";, \t\r\n"):
            raise ConfigurationError("cookie_path must be a path such as '/'")
        if not (isinstance(max_age, int) and 0 < max_age < 86_400):
            raise ConfigurationError("max_age must be a whole number of seconds under a day")
        if not (isinstance(max_pending, int) and max_pending >= 1):
            raise ConfigurationError("max_pending must be at least 1")
        self._chattz = chattz
        self._keys = keys
        self.cookie_name = cookie_name
        self.cookie_path = cookie_path
        self.max_age = max_age
        self.secure = secure
        self.max_pending = max_pending

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(cookie_name={self.cookie_name!r}, "
            f"cookie_path={self.cookie_path!r}, max_age={self.max_age!r})"
        )

    @property
    def chattz(self) -> AsyncChattzOAuth:
        """The session logins go through."""
        if isinstance(self._chattz, AsyncChattzOAuth):
            return self._chattz
        return self._chattz()

    # --- cookies ------------------------------------------------------------

    def is_secure(self, request: Request) -> bool:
        """Whether cookies set in answer to ``request`` get the Secure attribute."""
        if self.secure is not None:
            return self.secure
        url = request.url
        return not (url.scheme == "http" and is_loopback_host(url.hostname))

    def _prefix(self, secure: bool) -> str:
        host_prefix = secure and self.cookie_path == "/"
        return f"{_HOST_PREFIX if host_prefix else ''}{self.cookie_name}_"

    def cookie_name_for_state(self, state: str, *, secure: bool) -> str:
        """The name of the cookie holding the login started with ``state``.

        Args:
            state: The login's state.
            secure: Whether the cookie is Secure (it then gets the
                ``__Host-`` prefix when its path is ``/``).
        """
        return self._prefix(secure) + _state_suffix(state)

    def cookie_name_for(self, request: Request, state: str) -> str:
        """The name of the cookie holding the login started with ``state`` for ``request``."""
        return self.cookie_name_for_state(state, secure=self.is_secure(request))

    def _set_cookie(self, response: Response, request: Request, name: str, value: str) -> None:
        response.set_cookie(
            name,
            value,
            max_age=self.max_age,
            path=self.cookie_path,
            secure=self.is_secure(request),
            httponly=True,
            samesite="lax",
        )

    def _delete_cookie(self, response: Response, request: Request, name: str) -> None:
        response.delete_cookie(
            name,
            path=self.cookie_path,
            secure=self.is_secure(request),
            httponly=True,
            samesite="lax",
        )

    def _pending(self, request: Request) -> list[tuple[float, str]]:
        """The browser's pending-login cookies as (start time, name); -inf when unreadable."""
        prefix = self._prefix(self.is_secure(request))
        now = self.chattz.clock()
        found = []
        for name, value in request.cookies.items():
            if not name.startswith(prefix):
                continue
            try:
                started = LoginRequest.unseal(value, self._keys, self.max_age, now=now).created_at
            except LoginStateError:
                started = -math.inf
            found.append((started, name))
        return sorted(found)

    # --- /login -------------------------------------------------------------

    def start(
        self, request: Request, next_url: str | None = None, **extra: str
    ) -> tuple[LoginRequest, Response]:
        """Start a login: the :class:`LoginRequest` and a 303 redirect carrying its cookie.

        Use this instead of :meth:`login_response` to add headers or cookies.

        Args:
            request: The incoming request (for the cookie's attributes and the
                browser's other pending logins).
            next_url: Where to send the user afterwards. Anything but a
                same-origin path is dropped (logged at INFO), never followed.
            **extra: Further authorize parameters, passed to ``start_login``.
        """
        try:
            next_url = safe_next_url(next_url)
        except UnsafeRedirectError:
            logger.info("login: dropped a post-login target that is not a same-origin path")
            next_url = None
        login = self.chattz.start_login(next_url, **extra)
        response = RedirectResponse(login.url, status_code=303)
        response.headers["Cache-Control"] = "no-store"
        pending = self._pending(request)
        excess = max(0, len(pending) - self.max_pending + 1)
        for index, (started, name) in enumerate(pending):
            if index < excess or started == -math.inf:
                self._delete_cookie(response, request, name)
        sealed = login.seal(self._keys[0])
        self._set_cookie(response, request, self.cookie_name_for(request, login.state), sealed)
        return login, response

    def login_response(
        self, request: Request, next_url: str | None = None, **extra: str
    ) -> Response:
        """The /login response: a 303 redirect to Chattz, with the sealed login in a cookie.

        See :meth:`start` for the arguments.
        """
        return self.start(request, next_url, **extra)[1]

    def login_endpoint(
        self, *, next_param: str = "next"
    ) -> Callable[[Request], Awaitable[Response]]:
        """A ready /login endpoint reading the post-login target from ``?next=``."""

        async def login_endpoint(request: Request) -> Response:
            return self.login_response(request, request.query_params.get(next_param))

        return login_endpoint

    # --- /callback ----------------------------------------------------------

    def _callback_state(self, request: Request) -> str:
        states = request.query_params.getlist("state")
        if len(states) != 1 or not states[0]:
            raise StateMismatchError(
                "the callback's state does not match a login this browser started"
            )
        return states[0]

    async def handle_callback(self, request: Request) -> LoginResult:
        """Finish the login: check the callback, exchange the code, fetch the user.

        This does not delete the used cookie (there is no response yet): call
        :meth:`clear_cookie` on the response you return, or use
        :meth:`callback_endpoint`, which does.

        Raises:
            StateMismatchError: No state, or this browser started no login
                with it (a forged or replayed callback, or an expired cookie).
            LoginStateError: The login cookie is tampered or expired.
            AuthorizationDenied: The user refused on Chattz.
            OAuthError, ProviderError, TransportError: The provider refused
                the code, answered something unusable, or was unreachable.
        """
        state = self._callback_state(request)
        sealed = request.cookies.get(self.cookie_name_for(request, state))
        if sealed is None:
            raise StateMismatchError(
                "this browser has no login in progress for this callback "
                "(it may have expired); please start again"
            )
        chattz = self.chattz
        login = LoginRequest.unseal(sealed, self._keys, self.max_age, now=chattz.clock())
        token = await chattz.complete_login(request.query_params, login, max_age=self.max_age)
        user = await chattz.userinfo(token)
        try:
            next_url = safe_next_url(login.next_url)
        except UnsafeRedirectError:
            next_url = None
        return LoginResult(token=token, user=user, next_url=next_url)

    def clear_cookie(self, response: Response, request: Request) -> None:
        """Delete the pending-login cookie this callback used (if the callback names one)."""
        states = request.query_params.getlist("state")
        if len(states) == 1 and states[0] and len(states[0]) <= 2048:
            name = self.cookie_name_for(request, states[0])
            if name in request.cookies:
                self._delete_cookie(response, request, name)

    def redirect_after_login(
        self, request: Request, result: LoginResult, default: str = "/"
    ) -> Response:
        """A 303 redirect to the login's post-login target (or ``default``), cookie cleared."""
        response = RedirectResponse(result.next_url or default, status_code=303)
        self.clear_cookie(response, request)
        response.headers["Cache-Control"] = "no-store"
        return response

    def callback_endpoint(
        self,
        on_success: SuccessHandler,
        *,
        on_error: ErrorHandler | None = None,
    ) -> Callable[[Request], Awaitable[Response]]:
        """A ready /callback endpoint (Starlette ``Route`` or FastAPI ``add_api_route``).

        Args:
            on_success: ``on_success(request, result)`` (plain or async)
                returns the response, typically a redirect to
                ``result.next_url`` that also sets your session cookie.
            on_error: ``on_error(request, exc)`` (plain or async) for a
                :class:`~chattz_oauth_async.ChattzOAuthError`; defaults to
                :meth:`error_response`. Other exceptions propagate.

        The used login cookie is deleted on every response, success or error.
        """
        error_handler: ErrorHandler = on_error or self.error_response

        async def callback_endpoint(request: Request) -> Response:
            try:
                result = await self.handle_callback(request)
            except ChattzOAuthError as exc:
                logger.info("login callback refused: %s", type(exc).__name__)
                response = await _call(error_handler, request, exc)
            else:
                response = await _call(on_success, request, result)
            self.clear_cookie(response, request)
            response.headers.setdefault("Cache-Control", "no-store")
            response.headers.setdefault("Referrer-Policy", "no-referrer")
            return response

        return callback_endpoint

    # --- error pages --------------------------------------------------------

    @staticmethod
    def describe_error(exc: ChattzOAuthError) -> tuple[int, str, str]:
        """The HTTP status, title and user-facing message for a login error.

        The message never repeats provider-supplied text.
        """
        if isinstance(exc, AuthorizationDenied):
            return 400, "Login cancelled", "You did not allow the login on Chattz."
        if isinstance(exc, LoginStateError) and exc.expired:
            return 400, "Login expired", "The login took too long. Please start again."
        if isinstance(exc, (StateMismatchError, LoginStateError, UnsafeRedirectError)):
            return (
                400,
                "Login link not valid",
                "This login was not started in this browser, was already used, "
                "or has expired. Please start again.",
            )
        if isinstance(exc, (OAuthError, ProviderError, TransportError)):
            return (
                502,
                "Chattz is not available",
                "We could not complete the login with Chattz. Please try again in a moment.",
            )
        return 500, "Login failed", "The login could not be completed."

    def error_response(
        self, request: Request, exc: ChattzOAuthError, *, retry_url: str = "/"
    ) -> Response:
        """A small HTML error page for a failed login (see :meth:`describe_error`)."""
        status, title, message = self.describe_error(exc)
        try:
            retry = safe_next_url(retry_url) or "/"
        except UnsafeRedirectError:
            retry = "/"
        page = (
            "<!doctype html>\n<html lang=en><head><meta charset=utf-8>"
            '<meta name=viewport content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(title)}</title></head>\n"
            f"<body><main><h1>{html.escape(title)}</h1><p>{html.escape(message)}</p>"
            f'<p><a href="{html.escape(retry)}">Back to the site</a></p></main></body></html>\n'
        )
        return HTMLResponse(
            page,
            status_code=status,
            headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
        )


async def _call(handler: Callable[..., Any], *args: Any) -> Response:
    result = handler(*args)
    if inspect.isawaitable(result):
        result = await result
    if not isinstance(result, Response):
        raise TypeError(f"the login handler returned {type(result).__name__}, not a Response")
    return result
