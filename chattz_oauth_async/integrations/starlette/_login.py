"""The login routes for Starlette and FastAPI: :class:`ChattzLogin`.

Public from :mod:`chattz_oauth_async.integrations.starlette`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

import attrs

from .._web import missing_extra

try:
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
    from starlette.routing import Route
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise missing_extra(__package__ or __name__, "Starlette", "starlette") from exc

from ..._async.session import AsyncChattzOAuth
from ...accounts import Account
from ...errors import ChattzOAuthError, ConfigurationError
from ...login import DEFAULT_LOGIN_MAX_AGE, LoginRequest, SecretKey
from .._web import LoginResult, describe_error, error_page, post_login_target, set_cookies
from ..cookies import DEFAULT_COOKIE_NAME, LoginCookies
from ._accounts import AccountSession, AccountsSource, configured, from_own_site, login_url
from ._handlers import ErrorHandler, SessionSource, SuccessHandler, async_session, get_chattz
from ._routes import endpoints

if TYPE_CHECKING:
    from fastapi import APIRouter

__all__ = ["ChattzLogin", "LoginResult", "get_chattz"]

logger = logging.getLogger("chattz_oauth_async.integrations.starlette")


class ChattzLogin:
    """The /login and /callback routes, with the login state in cookies.

    Args:
        chattz: The application's session, or a zero-argument callable
            returning it. None (the default): each request uses
            :func:`get_chattz` (``app.state.chattz``, set in the lifespan).
        secret_key: Key for sealing the login cookie (16 bytes or more), or a
            list of accepted keys for rotation (the first one seals).
        cookie_name: Base name of the pending-login cookies.
        cookie_path: Path the cookies are scoped to; it must cover the callback.
        max_age: Seconds a login may take, and the cookies' Max-Age.
        secure: None sets Secure unless the request is plain http to a
            loopback host; True forces it. False is the explicit switch for
            tests over plain http to a non-loopback host (Starlette's
            ``TestClient`` on ``http://testserver``); never use it in production.
        max_pending: How many logins one browser may have in progress at once.
        accounts: The app's :class:`~chattz_oauth_async.accounts.AsyncAccounts`
            (or a zero-argument callable returning it): the callback then
            signs the login in to its local account, found or created, and
            starts a new session for it in ``request.session`` (Starlette's
            ``SessionMiddleware``); the routes add ``POST /login`` (link
            another Chattz account: :meth:`link_response`) and ``POST
            /logout``, and :meth:`current_account` and :meth:`require_account`
            read the session.

    Raises:
        ConfigurationError: A setting cannot work (short key, bad name, ...).
    """

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
            return get_chattz(request)
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
        /login handler of your own.

        Args:
            request: The incoming request (for the cookie's attributes and the
                browser's other pending logins).
            next_url: Where to send the user afterwards. Anything but a
                same-origin path is dropped (logged at INFO), never followed.
            chattz: The session; :meth:`session_for` when None.
            **extra: Further authorize parameters, passed to ``start_login``.
        """
        return self._start(request, next_url, chattz, extra, link_user_id=None)

    async def link_response(
        self,
        request: Request,
        next_url: str | None = None,
        *,
        chattz: AsyncChattzOAuth | None = None,
        **extra: str,
    ) -> Response:
        """Start a login that links another Chattz account to the signed-in user (``POST /login``).

        Linking needs the user's intent, sealed in the login itself: the
        signed-in user's id goes into the login cookie, and the callback
        links only while that user is still the session's (else
        :class:`~chattz_oauth_async.LinkRefused`, 403). A plain ``GET /login``
        never links, so a forced navigation to it (another site's link, the
        attacker's Chattz session in the victim's browser) cannot attach the
        attacker's Chattz account to the victim's account. Call it from a POST
        route only; it answers 403 to a cross-site request (the rule of
        :meth:`logout_response`) and a 303 to the plain login page when nobody
        is signed in. The arguments are :meth:`login_response`'s.

        Raises:
            ConfigurationError: No ``accounts=``, or no SessionMiddleware.
            AccountStoreError: The account database failed.
        """
        accounts = configured(self._accounts)
        if not from_own_site(request):
            logger.info("link: refused a cross-site request")
            return PlainTextResponse("Cross-site link refused.", status_code=403)
        user_id = await accounts.signed_in_user(request)
        if user_id is None:
            return RedirectResponse(login_url(request, next_url), status_code=303)
        return self._start(request, next_url, chattz, extra, link_user_id=user_id)

    def _start(
        self,
        request: Request,
        next_url: str | None,
        chattz: AsyncChattzOAuth | None,
        extra: dict[str, str],
        *,
        link_user_id: str | None,
    ) -> Response:
        session = chattz if chattz is not None else self.session_for(request)
        login = session.start_login(post_login_target(next_url), **extra)
        if link_user_id is not None:
            login = attrs.evolve(login, link_user_id=link_user_id)
        response = RedirectResponse(login.url, status_code=303)
        response.headers["Cache-Control"] = "no-store"
        secure, now = self.is_secure(request), session.clock()
        set_cookies(response, self.cookies.start(login, request.cookies, secure=secure, now=now))
        return response

    # --- /callback ----------------------------------------------------------

    async def handle_callback(
        self, request: Request, *, chattz: AsyncChattzOAuth | None = None
    ) -> LoginResult:
        """Finish the login: check the callback, exchange the code, fetch the user.

        This does not delete the used cookie (there is no response yet): call
        :meth:`clear_cookie` on the response you return. :meth:`routes` and
        :meth:`router` do both.

        Raises:
            StateMismatchError: No state, or this browser started no login
                with it (a forged or replayed callback, or an expired cookie).
            LoginStateError: The login cookie is tampered or expired.
            AuthorizationDenied: The user refused on Chattz.
            OAuthError, ProviderError, TransportError: The provider refused
                the code, answered something unusable, or was unreachable.
        """
        session = chattz if chattz is not None else self.session_for(request)
        return await self._finish(request, session, self._unseal(request, session))

    def _unseal(self, request: Request, session: AsyncChattzOAuth) -> LoginRequest:
        states, secure = request.query_params.getlist("state"), self.is_secure(request)
        return self.cookies.read(states, request.cookies, secure=secure, now=session.clock())

    async def _finish(
        self, request: Request, session: AsyncChattzOAuth, login: LoginRequest
    ) -> LoginResult:
        token = await session.complete_login(
            request.query_params, login, max_age=self.cookies.max_age
        )
        user = await session.userinfo(token)
        return LoginResult(
            token=token,
            user=user,
            next_url=post_login_target(login.next_url),
            link_user_id=login.link_user_id,
        )

    def clear_cookie(self, response: Response, request: Request) -> None:
        """Delete the pending-login cookie this callback used (if the callback names one)."""
        states = request.query_params.getlist("state")
        set_cookies(
            response, self.cookies.clear(states, request.cookies, secure=self.is_secure(request))
        )

    # --- the signed-in session (with accounts=) -------------------------------

    async def current_account(self, request: Request) -> Account | None:
        """The account signed in on this request's session, or None.

        A FastAPI dependency (``Depends(login.current_account)``) and a plain
        coroutine for Starlette. The account is loaded from the store by the
        session's Chattz id and must still belong to the session's user: a
        session whose link was removed (unlinked) is signed out and cleared.

        Raises:
            ConfigurationError: No ``accounts=``, or no SessionMiddleware.
            AccountStoreError: The account database failed.
        """
        return await configured(self._accounts).current_account(request)

    async def require_account(self, request: Request) -> Account:
        """The signed-in account, or a redirect to the login page that comes back here.

        A FastAPI dependency (``Depends(login.require_account)``) and a plain
        coroutine for Starlette: when nobody is signed in it raises Starlette's
        ``HTTPException`` with a 303 to ``/login?next=<this path and query>``
        (the ``chattz_login`` route's path; ``next`` dropped when it is not a
        safe same-origin path), which both frameworks turn into the redirect.

        Raises:
            starlette.exceptions.HTTPException: 303, nobody is signed in.
            ConfigurationError: No ``accounts=``, or no SessionMiddleware.
            AccountStoreError: The account database failed.
        """
        return await configured(self._accounts).require_account(request)

    def logout_response(self, request: Request) -> Response:
        """Sign out: the session cleared and a 303 to ``/`` (what ``POST /logout`` answers).

        A cross-site request is refused with 403 and the session kept: only a
        ``Sec-Fetch-Site`` of ``same-origin`` or ``none`` passes, or, from a
        browser that does not send it, an ``Origin`` naming this host. The
        session cookie's ``SameSite=Lax`` already keeps other sites' POSTs
        from carrying it; this is the second lock.

        Raises:
            ConfigurationError: No ``accounts=``, or no SessionMiddleware.
        """
        return configured(self._accounts).logout(request)

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

        The used login cookie is deleted on every callback response, success or error.

        Raises:
            ConfigurationError: No ``on_success`` and no ``accounts=``.
        """
        paths = (login_path, callback_path, next_param, logout_path)
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
    ) -> APIRouter:
        """A FastAPI ``APIRouter`` with the routes of :meth:`routes` (same arguments).

        The session comes from the dependency :func:`get_chattz` (unless this
        helper was given one), so ``app.dependency_overrides[get_chattz]``
        replaces it in tests. Needs FastAPI (``chattz_oauth_async[fastapi]``).

        Raises:
            ConfigurationError: No ``on_success`` and no ``accounts=``.
        """
        paths = (login_path, callback_path, next_param, logout_path)
        session = get_chattz if self._chattz is None else self.session_for
        return endpoints(self, self._accounts, on_success, on_error, *paths).router(session)

    # --- error pages --------------------------------------------------------

    @staticmethod
    def describe_error(exc: ChattzOAuthError) -> tuple[int, str, str]:
        """The HTTP status, title and user-facing message for a login error.

        400 for a denied, expired, forged or replayed login; 502 for a
        provider failure; 500 otherwise. The message never repeats
        provider-supplied text. The Django views answer the same.
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
