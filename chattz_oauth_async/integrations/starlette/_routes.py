"""The Starlette helper's endpoints, routed as Starlette ``Route`` objects or a FastAPI router.

:meth:`ChattzLogin.routes() <chattz_oauth_async.integrations.starlette.ChattzLogin.routes>`
and ``router()`` build their :class:`Endpoints` with :func:`endpoints` (what ``/login``,
``/callback`` and ``/logout`` do, through the helper's public methods) and ask it for one or
the other.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol

import attrs
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..._async.session import AsyncChattzOAuth
from ...diagnostics import log_failure
from ...errors import ChattzOAuthError
from .._web import LoginFinish, set_cookies
from ._accounts import AccountSession, form_field, session_of
from ._handlers import ErrorHandler, SuccessHandler, call_handler, handlers

if TYPE_CHECKING:
    from fastapi import APIRouter

__all__ = ["Endpoint", "Endpoints", "LoginResponses", "endpoints"]

#: A login or callback endpoint: the request and the session (None: the helper's own).
Endpoint = Callable[[Request, AsyncChattzOAuth | None], Awaitable[Response]]


class LoginResponses(Protocol):
    """What the endpoints answer with: the public methods of ``ChattzLogin`` they call.

    A protocol, so this module needs nothing from ``_login.py`` (which builds
    its routes with :func:`endpoints`).
    """

    def login_response(
        self, request: Request, next_url: str | None = None, *, chattz: AsyncChattzOAuth | None
    ) -> Response:
        """``GET /login``: the redirect to Chattz."""
        ...

    async def link_response(
        self, request: Request, next_url: str | None = None, *, chattz: AsyncChattzOAuth | None
    ) -> Response:
        """``POST /login``: a linking login's redirect to Chattz."""
        ...

    async def finish(self, request: Request, *, chattz: AsyncChattzOAuth | None) -> LoginFinish:
        """``GET /callback``: the login flow's answer."""
        ...

    def logout_response(self, request: Request) -> Response:
        """``POST /logout``: the session cleared."""
        ...

    def error_response(self, request: Request, exc: ChattzOAuthError) -> Response:
        """The default ``on_error`` page."""
        ...


@attrs.frozen
class Endpoints:
    """The helper's endpoints and their paths.

    Attributes:
        login: ``GET login_path`` (and ``POST`` with accounts: a linking login).
        callback: ``GET callback_path``.
        logout: ``POST logout_path``; None without accounts (no POST login either).
    unlink: ``POST unlink_path``; None without accounts.
    """

    login: Endpoint
    callback: Endpoint
    logout: Callable[[Request], Response] | None
    unlink: Callable[[Request], Awaitable[Response]] | None
    login_path: str
    callback_path: str
    logout_path: str
    unlink_path: str

    def _table(
        self, login: Callable[..., Any], callback: Callable[..., Any]
    ) -> list[tuple[str, Callable[..., Any], str, list[str]]]:
        # (path, endpoint, route name, methods); the names are what url_path_for finds.
        table: list[tuple[str, Callable[..., Any], str, list[str]]] = [
            (self.login_path, login, "chattz_login", ["GET"]),
            (self.callback_path, callback, "chattz_callback", ["GET"]),
        ]
        if self.logout is not None:
            logout = self.logout

            async def sign_out(request: Request) -> Response:
                return logout(request)

            table[0] = (self.login_path, login, "chattz_login", ["GET", "POST"])
            table.append((self.logout_path, sign_out, "chattz_logout", ["POST"]))
        if self.unlink is not None:
            table.append((self.unlink_path, self.unlink, "chattz_unlink", ["POST"]))
        return table

    def routes(self) -> list[Route]:
        """Starlette routes, the session being the helper's own."""

        async def login(request: Request) -> Response:
            return await self.login(request, None)

        async def callback(request: Request) -> Response:
            return await self.callback(request, None)

        return [
            Route(path, endpoint, methods=methods, name=name)
            for path, endpoint, name, methods in self._table(login, callback)
        ]

    def router(self, session: Callable[..., Awaitable[AsyncChattzOAuth]]) -> APIRouter:
        """A FastAPI router, the session coming from the dependency ``session``.

        ``session`` is ``async def``: FastAPI runs a plain ``def`` dependency
        in its thread pool, at every request.
        """
        # FastAPI is an optional dependency, and importing it after Starlette costs
        # 0.7-0.9 s (python -X importtime, 3 runs on the shared 2-core box):
        # Starlette-only apps never pay for it.
        from fastapi import APIRouter, Depends

        # FastAPI resolves string annotations against this module's globals only, so the
        # dependency is a default value (FastAPI's older form) rather than Annotated[...].
        async def login(
            request: Request,
            chattz: AsyncChattzOAuth = Depends(session),  # noqa: B008
        ) -> Response:
            return await self.login(request, chattz)

        async def callback(
            request: Request,
            chattz: AsyncChattzOAuth = Depends(session),  # noqa: B008
        ) -> Response:
            return await self.callback(request, chattz)

        router = APIRouter()
        for path, endpoint, name, methods in self._table(login, callback):
            router.add_api_route(
                path,
                endpoint,
                methods=methods,
                name=name,
                response_model=None,
                include_in_schema=False,
            )
        return router


def endpoints(
    helper: LoginResponses,
    accounts: AccountSession | None,
    on_success: SuccessHandler | None,
    on_error: ErrorHandler | None,
    login_path: str,
    callback_path: str,
    next_param: str,
    logout_path: str,
    unlink_path: str,
) -> Endpoints:
    """The endpoints of ``helper``'s routes (``accounts``: its account session, if any).

    Raises:
        ConfigurationError: No ``on_success`` and no ``accounts``.
    """
    success, error = handlers(
        on_success, on_error or helper.error_response, accounts=accounts is not None
    )

    async def login(request: Request, chattz: AsyncChattzOAuth | None) -> Response:
        return await _login(helper, accounts, request, next_param, chattz, error)

    async def callback(request: Request, chattz: AsyncChattzOAuth | None) -> Response:
        return await _callback(helper, request, chattz, success, error)

    unlink: Callable[[Request], Awaitable[Response]] | None = None
    if accounts is not None:
        account_session = accounts

        async def unlink(request: Request) -> Response:
            try:
                return await account_session.unlink(request)
            except ChattzOAuthError as exc:
                log_failure(exc, where="unlink")
                return await call_handler(error, request, exc)

    logout = None if accounts is None else helper.logout_response
    paths = (login_path, callback_path, logout_path, unlink_path)
    return Endpoints(login, callback, logout, unlink, *paths)


async def _login(
    helper: LoginResponses,
    accounts: AccountSession | None,
    request: Request,
    next_param: str,
    chattz: AsyncChattzOAuth | None,
    on_error: ErrorHandler,
) -> Response:
    if accounts is not None:
        session_of(request)  # fail at the start of a login, not at its end
    next_url = request.query_params.get(next_param)
    if request.method != "POST":
        return helper.login_response(request, next_url, chattz=chattz)
    # POST: a linking login (only routed with accounts=).
    next_url = await form_field(request, next_param) or next_url
    try:
        return await helper.link_response(request, next_url, chattz=chattz)
    except ChattzOAuthError as exc:  # the database failed, a user id the accounts cannot keep
        log_failure(exc, where="link")
        return await call_handler(on_error, request, exc)


async def _callback(
    helper: LoginResponses,
    request: Request,
    chattz: AsyncChattzOAuth | None,
    on_success: SuccessHandler,
    on_error: ErrorHandler,
) -> Response:
    if request.method != "GET":
        # Starlette answers HEAD on a GET route: a link checker's HEAD must
        # not use up the code before the browser's GET arrives.
        return Response(status_code=405, headers={"Allow": "GET"})
    finished = await helper.finish(request, chattz=chattz)
    if finished.error is not None:
        response = await call_handler(on_error, request, finished.error)
    else:
        response = await call_handler(on_success, request, finished.result)
    set_cookies(response, finished.cookies)  # the used login cookie goes, success or error
    for name, value in finished.headers.items():
        response.headers.setdefault(name, value)
    return response
