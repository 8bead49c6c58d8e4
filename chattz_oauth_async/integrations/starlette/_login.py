"""The login routes for Starlette and FastAPI: :class:`ChattzLogin`.

Its configuration, ``/login``, ``/callback``, ``routes()``, ``router()`` and
the error pages. The methods that need ``accounts=`` (a linking login, the
signed-in session, sign-out, unlink) come from its base, :class:`SignedIn`
(``_signed_in.py``); the endpoints the routes run are ``_routes.py``'s.
Public from :mod:`chattz_oauth_async.integrations.starlette`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .._web import missing_extra

try:
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, Response
    from starlette.routing import Route
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise missing_extra(__package__ or __name__, "Starlette", "starlette") from exc

from ..._async.flow import AsyncLoginFlow
from ..._async.session import AsyncChattzOAuth
from ...errors import ChattzOAuthError, ConfigurationError
from ...login import DEFAULT_LOGIN_MAX_AGE, SecretKey
from .._web import (
    LoginFinish,
    LoginResult,
    WebRequest,
    describe_error,
    error_page,
    set_cookies,
)
from ..cookies import DEFAULT_COOKIE_NAME, LoginCookies, check_cookie_name, check_cookie_path
from ._accounts import AccountSession, AccountsSource
from ._handlers import (
    ErrorHandler,
    SessionSource,
    SuccessHandler,
    app_session,
    async_session,
    get_chattz,
    redirect_to_chattz,
)
from ._routes import endpoints
from ._signed_in import SignedIn

if TYPE_CHECKING:
    from fastapi import APIRouter

__all__ = ["ChattzLogin", "LoginResult", "get_chattz"]


class ChattzLogin(SignedIn):
    """The /login and /callback routes, with the login state in cookies.

    Starlette glue around the one login flow
    (:class:`~chattz_oauth_async.integrations.flow.AsyncLoginFlow`, see :meth:`flow`).

    Args:
        chattz: The application's :class:`~chattz_oauth_async.AsyncChattzOAuth`, or a
            zero-argument callable
            returning it. None (the default): each request uses
            :func:`get_chattz` (``app.state.chattz``, set in the lifespan).
        secret_key: Key for sealing the login cookie (16 bytes or more), or a
            list of accepted keys for rotation (the first one seals).
        cookie_name: Base name of the pending-login cookies: ASCII letters,
            digits, ``_`` or ``-``.
        cookie_path: Path the cookies are scoped to, starting with ``/`` (no
            ``;``, ``,`` or white space); it must cover the callback.
        max_age: Seconds a login may take, and the cookies' Max-Age: a whole
            number from 1 to 86,399 (default 600).
        secure: None, True or False. None sets Secure unless the request is plain http to a
            loopback host; True forces it. False is the explicit switch for
            tests over plain http to a non-loopback host (Starlette's
            ``TestClient`` on ``http://testserver``); never use it in production.
        max_pending: How many logins one browser may have in progress at once:
            a whole number >= 1 (default 5).
        accounts: The app's :class:`~chattz_oauth_async.accounts.AsyncAccounts`
            (or a zero-argument callable returning it): the callback then
            signs the login in to its local account, found or created, and
            starts a new session for it in ``request.session`` (Starlette's
            ``SessionMiddleware``); the routes add ``POST /login`` (link
            another Chattz account: :meth:`link_response`), ``POST /logout``
            and ``POST /unlink`` (:meth:`unlink_response`), and
            :meth:`current_account` and :meth:`require_account` read the session.

    Raises:
        ConfigurationError: An argument outside these (the message names it).
    """

    #: The pending-login cookies this helper sets, reads and clears.
    cookies: LoginCookies

    def __init__(
        self,
        chattz: SessionSource | None = None,
        *,
        secret_key: SecretKey | Sequence[SecretKey],
        cookie_name: str = DEFAULT_COOKIE_NAME,
        cookie_path: str = "/",
        max_age: int = DEFAULT_LOGIN_MAX_AGE,
        secure: bool | None = None,
        max_pending: int = 5,
        accounts: AccountsSource | None = None,
    ) -> None:
        if not (chattz is None or isinstance(chattz, AsyncChattzOAuth) or callable(chattz)):
            raise ConfigurationError(
                "ChattzLogin(chattz=...) takes an AsyncChattzOAuth or a function returning one, "
                f"not {type(chattz).__name__}"
            )
        # Checked here first, so that the message names ChattzLogin's arguments.
        check_cookie_name("cookie_name", cookie_name)
        check_cookie_path("cookie_path", cookie_path)
        self.cookies = LoginCookies(
            secret_key,
            name=cookie_name,
            path=cookie_path,
            max_age=max_age,
            secure=secure,
            max_pending=max_pending,
        )
        self._chattz = chattz
        self._accounts = None if accounts is None else AccountSession(accounts)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.cookies!r})"

    def session_for(self, request: Request) -> AsyncChattzOAuth:
        """The session that serves ``request`` (see the ``chattz`` argument)."""
        if self._chattz is None:
            return app_session(request)
        if isinstance(self._chattz, AsyncChattzOAuth):
            return self._chattz
        if not callable(self._chattz):
            raise ConfigurationError(
                "ChattzLogin(chattz=...) takes an AsyncChattzOAuth or a function returning one"
            )
        return async_session(self._chattz(), "what ChattzLogin's chattz function returned")

    def is_secure(self, request: Request) -> bool:
        """Whether cookies set in answer to ``request`` get the Secure attribute.

        Use it for your own session cookie too.
        """
        # Only the scheme and host matter, and request.url raises UnicodeDecodeError
        # for a query that is not UTF-8 (anyone can send one): base_url has no query.
        return self.cookies.is_secure(str(request.base_url))

    def flow(
        self, request: Request, chattz: AsyncChattzOAuth | None = None, *, accounts: bool = True
    ) -> AsyncLoginFlow:
        """The login flow serving ``request``: this helper's cookies, the session, the accounts.

        Args:
            request: The request (for the session, see :meth:`session_for`).
            chattz: The session; :meth:`session_for` when None.
            accounts: False leaves the account step out even with ``accounts=``.
        """
        session = chattz if chattz is not None else self.session_for(request)
        engine = None if self._accounts is None or not accounts else self._accounts.accounts()
        return AsyncLoginFlow(session, self.cookies, accounts=engine)

    def web_request(self, request: Request) -> WebRequest:
        """What the flow reads from ``request``: its base URL, cookies and query (repeats kept)."""
        # request.url raises UnicodeDecodeError for a query that is not UTF-8 (anyone
        # can send one): only the scheme and host matter, and base_url has no query.
        url = str(request.base_url)
        return WebRequest(url, request.cookies, request.query_params.multi_items())

    # --- /login -------------------------------------------------------------

    def login_response(
        self,
        request: Request,
        next_url: str | None = None,
        *,
        chattz: AsyncChattzOAuth | None = None,
        **extra: str,
    ) -> Response:
        """The /login response: a 303 redirect to Chattz, with the sealed login in a cookie.

        :meth:`routes` and :meth:`router` call it; call it yourself from a
        /login handler of your own. A plain login: it never links.

        Args:
            request: The incoming request (for the cookie's attributes and the
                browser's other pending logins).
            next_url: Where to send the user afterwards. Anything but a
                same-origin path is dropped (logged at INFO), never followed.
            chattz: The session; :meth:`session_for` when None.
            **extra: Further authorize parameters, passed to ``start_login``.
        """
        started = self.flow(request, chattz).begin(self.web_request(request), next_url, **extra)
        return redirect_to_chattz(started)

    # --- /callback ----------------------------------------------------------

    async def handle_callback(
        self, request: Request, *, chattz: AsyncChattzOAuth | None = None
    ) -> LoginResult:
        """Finish the login: check the callback, exchange the code, fetch the user.

        For a /callback handler of your own: the login flow without the
        account step (:meth:`finish` is the routes' whole callback). This
        does not delete the used cookie (there is no response yet): call
        :meth:`clear_cookie` on the response you return.

        Raises:
            StateMismatchError: No state, or this browser started no login
                with it (a forged or replayed callback, or an expired cookie).
            LoginStateError: The login cookie is tampered or expired.
            AuthorizationDenied: The user refused on Chattz.
            OAuthError, ProviderError, TransportError: The provider refused
                the code, answered something unusable, or was unreachable.
        """
        flow = self.flow(request, chattz, accounts=False)
        finished = await flow.finish(self.web_request(request))
        return finished.result_or_raise()

    async def finish(
        self, request: Request, *, chattz: AsyncChattzOAuth | None = None
    ) -> LoginFinish:
        """The routes' callback: the login flow, with the account step and the new session.

        With ``accounts=``, the login signs in to its account (a linking
        login links, only for the user still signed in) and the session is
        cleared and rewritten (``user_id``, ``chattz_id``) only once the
        account is known, so a refused login leaves the session as it was.
        Never raises a ChattzOAuthError: the answer carries it.

        Raises:
            ConfigurationError: ``accounts=`` and no SessionMiddleware.
        """
        flow = self.flow(request, chattz)
        if self._accounts is None:
            return await flow.finish(self.web_request(request))
        return await flow.finish(
            self.web_request(request),
            signed_in_user=self._accounts.signed_in_getter(request),
            start_session=self._accounts.session_writer(request),
        )

    def clear_cookie(self, response: Response, request: Request) -> None:
        """Delete the pending-login cookie this callback used (if the callback names one)."""
        states = request.query_params.getlist("state")
        set_cookies(
            response, self.cookies.clear(states, request.cookies, secure=self.is_secure(request))
        )

    # --- routes ---------------------------------------------------------------

    def routes(
        self,
        on_success: SuccessHandler | None = None,
        *,
        on_error: ErrorHandler | None = None,
        login_path: str = "/login",
        callback_path: str = "/callback",
        next_param: str = "next",
        logout_path: str = "/logout",
        unlink_path: str = "/unlink",
    ) -> list[Route]:
        """Starlette routes: ``GET login_path?next=...``, ``GET callback_path``, and with accounts
        ``POST login_path`` (:meth:`link_response`; ``next`` from the form or the query) and
        ``POST /logout``.

        Args:
            on_success: ``on_success(request, result)`` (plain or async)
                returns the response, typically a redirect to
                ``result.next_url`` that also sets your session cookie. With
                ``accounts=`` it is optional (the default redirects to
                ``result.next_url`` or ``/``) and runs after the new session
                is written, with the account in ``result.signed_in``.
            on_error: ``on_error(request, exc)`` (plain or async) for a
                :class:`~chattz_oauth_async.ChattzOAuthError`, the account
                errors included; defaults to :meth:`error_response`. Other
                exceptions propagate.
            login_path: Where the login starts.
            callback_path: The path of your registered redirect URI.
            next_param: The query parameter of /login naming the post-login target.
            logout_path: The sign-out route (:meth:`logout_response`), only
                with ``accounts=``.
            unlink_path: ``POST`` removes one of the signed-in user's Chattz
                links (:meth:`unlink_response`), only with ``accounts=``.

        The used login cookie is deleted on every callback response, success or error.

        Raises:
            ConfigurationError: No ``on_success`` and no ``accounts=``.
        """
        paths = (login_path, callback_path, next_param, logout_path, unlink_path)
        return endpoints(self, self._accounts, on_success, on_error, *paths).routes()

    def router(
        self,
        on_success: SuccessHandler | None = None,
        *,
        on_error: ErrorHandler | None = None,
        login_path: str = "/login",
        callback_path: str = "/callback",
        next_param: str = "next",
        logout_path: str = "/logout",
        unlink_path: str = "/unlink",
    ) -> APIRouter:
        """A FastAPI ``APIRouter`` with the routes of :meth:`routes` (same arguments).

        The session comes from the dependency :func:`get_chattz` (unless this
        helper was given one), so ``app.dependency_overrides[get_chattz]``
        replaces it in tests. Needs FastAPI (``chattz_oauth_async[fastapi]``).

        Raises:
            ConfigurationError: No ``on_success`` and no ``accounts=``.
        """
        paths = (login_path, callback_path, next_param, logout_path, unlink_path)
        if self._chattz is None:
            return endpoints(self, self._accounts, on_success, on_error, *paths).router(get_chattz)

        async def own_session(request: Request) -> AsyncChattzOAuth:
            return self.session_for(request)

        return endpoints(self, self._accounts, on_success, on_error, *paths).router(own_session)

    # --- error pages --------------------------------------------------------

    @staticmethod
    def describe_error(exc: ChattzOAuthError) -> tuple[int, str, str]:
        """The HTTP status, title and user-facing message for a login error.

        :func:`chattz_oauth_async.integrations.flow.describe_error`, the one
        table every web helper answers with:

        - 400: the user denied the login (``AuthorizationDenied``), it expired,
          or its link is not valid: a forged, replayed or other browser's state
          (``StateMismatchError``, ``LoginStateError``), an unsafe ``next``
          (``UnsafeRedirectError``), a malformed callback (a ``ProviderError``
          with no ``status_code``);
        - 409: the Chattz account is linked to another local user
          (``AccountLinkedElsewhere``), or an unlink would leave the user no way
          to sign in (``UnlinkRefused``);
        - 403: a linking login finished for a user no longer signed in
          (``LinkRefused``), sign-ups are closed (``SignupsClosed``), or the
          local user is disabled (``InactiveUser``);
        - 502: Chattz failed (a 5xx or rate limit, an unusable answer, a
          timeout or a connection error);
        - 503: the account database failed and trying again may work (any
          other ``AccountError``);
        - 500: the site's own mistake ("Sign-in is misconfigured": a
          ``ConfigurationError``, a wrong client secret or redirect URI, a
          database failure that repeats until the site is fixed).

        Only a 502 or a 503 tells the user to try again. The message never
        repeats provider-supplied text.
        """
        return describe_error(exc)

    def error_response(
        self, request: Request, exc: ChattzOAuthError, *, retry_url: str = "/"
    ) -> Response:
        """A small HTML error page for a failed login (see :meth:`describe_error`)."""
        status, page = error_page(exc, retry_url=retry_url)
        return HTMLResponse(
            page,
            status_code=status,
            headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
        )
